// The agent's inbox: their sessions and the offers of their queues, kept
// live from /api/v1/stream, and one conversation at a time. Admins see
// every session. Everything shown comes from the API; this file holds no
// rules of its own beyond what to show.
"use strict";

const PAGE = 50;

const inbox = {
  user: null,
  queues: new Map(), // id → queue
  myQueues: new Set(), // ids of the queues the agent is in
  sessions: new Map(), // id → session, of the list shown
  unread: new Map(), // id → count of the customer's messages not read yet
  current: null, // the open session
  messages: new Map(), // id → message, of the open session
  events: [], // the open session's timeline
  es: null,
  pager: null,
  numbers: [],
};

const $ = (id) => document.getElementById(id);

sb.start(async (user) => {
  inbox.user = user;
  $("inbox-page").hidden = false;
  if (user.role === "admin") {
    $("mine-title").textContent = "Conversations";
    $("offers-title").textContent = "Waiting in queues";
    $("sessions").setAttribute("aria-label", "Conversations");
  }
  await loadQueues();
  inbox.pager = sb.pager($("pager"), PAGE, loadList);
  $("show").addEventListener("change", () => inbox.pager.reset());
  wireConversation();
  wireNew();
  await inbox.pager.reset();
  connect();
  setInterval(showWindow, 30000);
  const want = new URLSearchParams(location.search).get("session");
  if (want) openSession(want);
});

// ---- who sees what -------------------------------------------------------

async function loadQueues() {
  try {
    const qs = (await sb.api("GET", "/api/v1/queues")).queues || [];
    inbox.queues = new Map(qs.map((q) => [q.id, q]));
    inbox.myQueues = new Set(qs.filter((q) => (q.agents || []).includes(inbox.user.extension)).map((q) => q.id));
    const agents = new Set(qs.flatMap((q) => q.agents || []));
    agents.delete(inbox.user.extension || "");
    $("known-agents").replaceChildren(...[...agents].sort().map((a) => sb.el("option", { value: a })));
    $("transfer-queue").replaceChildren(...qs.map((q) => sb.el("option", { value: q.id }, q.name)));
  } catch (err) {
    sb.showError("list-error", err);
  }
}

function queueName(id) {
  const q = inbox.queues.get(id);
  return q ? q.name : id;
}

function isAdmin() {
  return inbox.user.role === "admin";
}

// sees tells whether the signed-in person still sees a session as the API
// would list it (the stream also tells the agents a session just left).
function sees(s) {
  if (s.removed) return false;
  if (isAdmin()) return true;
  if (s.assignee) return s.assignee === inbox.user.extension;
  return !!s.offered && inbox.myQueues.has(s.queueId);
}

// ---- the list -------------------------------------------------------------

async function loadList(offset) {
  $("list-error").hidden = true;
  try {
    const res = await sb.api("GET", "/api/v1/sessions" + sb.query({ state: $("show").value, limit: PAGE, offset }));
    inbox.sessions = new Map(res.sessions.map((s) => [s.id, s]));
    renderList();
    countUnread(res.sessions);
    $("pager").hidden = offset === 0 && res.sessions.length < PAGE;
    return res.sessions.length;
  } catch (err) {
    sb.showError("list-error", err);
    return 0;
  }
}

function seenKey(id) {
  return "sb.inbox.seen." + id;
}

// countUnread counts, for the sessions whose customer wrote since the
// conversation was last open here, the messages written since.
async function countUnread(list) {
  $("inbox-body").dataset.unread = "counting";
  for (const s of list) {
    const seen = seenAt(s.id);
    if (!s.lastInboundAt || ms(s.lastInboundAt) <= seen || (inbox.current && inbox.current.id === s.id)) continue;
    try {
      const msgs = (await sb.api("GET", "/api/v1/sessions/" + encodeURIComponent(s.id) + "/messages")).messages;
      const n = msgs.filter((m) => m.direction === "in" && ms(m.createdAt) > seen).length;
      if (n > 0) {
        inbox.unread.set(s.id, n);
        renderList();
      }
    } catch (_) {
      // Gone meanwhile: the stream says so.
    }
  }
  $("inbox-body").dataset.unread = "counted";
}

// Times are compared in milliseconds: the stream and the API may write
// the same instant with different precision.
function ms(iso) {
  return Date.parse(iso) || 0;
}

function seenAt(id) {
  return Number(localStorage.getItem(seenKey(id))) || 0;
}

function markRead(s, at) {
  inbox.unread.delete(s.id);
  const t = ms(at || s.lastInboundAt) || Date.now();
  if (t > seenAt(s.id)) localStorage.setItem(seenKey(s.id), String(t));
}

function renderList() {
  const all = [...inbox.sessions.values()].sort((a, b) => (Date.parse(b.lastMessageAt) || 0) - (Date.parse(a.lastMessageAt) || 0));
  const offers = all.filter((s) => s.offered);
  const mine = all.filter((s) => !s.offered);
  $("offers").replaceChildren(...offers.map(listItem));
  $("sessions").replaceChildren(...mine.map(listItem));
  $("offers-empty").hidden = offers.length > 0;
  $("sessions-empty").hidden = mine.length > 0;
  const total = [...inbox.unread.values()].reduce((a, n) => a + n, 0);
  document.title = (total ? "(" + total + ") " : "") + "Inbox · Switchboard";
}

function listItem(s) {
  const n = inbox.unread.get(s.id) || 0;
  const current = inbox.current && inbox.current.id === s.id;
  const where = s.offered ? "in " + queueName(s.queueId) : s.assignee ? (s.assignee === inbox.user.extension ? "yours" : "with " + s.assignee) : "";
  const b = sb.el("button", { type: "button", class: "inbox-item" + (current ? " current" : "") + (n ? " unread" : "") },
    sb.el("span", { class: "inbox-item-top" },
      sb.el("span", { class: "inbox-customer" }, s.customer),
      n ? sb.el("span", { class: "inbox-badge", "aria-label": n + " unread" }, String(n)) : ""),
    sb.el("span", { class: "inbox-item-meta" },
      [s.channelName || s.channelNumber, where, s.state !== "open" ? s.state : ""].filter(Boolean).join(" · ")),
    sb.el("span", { class: "inbox-item-time" }, shortTime(s.lastMessageAt)));
  if (current) b.setAttribute("aria-current", "true");
  b.addEventListener("click", () => openSession(s.id));
  return sb.el("li", { class: "session", "data-id": s.id, "data-offered": String(!!s.offered) }, b);
}

function shortTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const today = new Date();
  return d.toDateString() === today.toDateString()
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString([], { month: "short", day: "numeric" });
}

// upsert puts a session the stream or an answer told of into the list,
// or takes it off when it is no longer the person's or not in the shown
// state.
function upsert(s) {
  const listed = sees(s) && s.state === $("show").value;
  if (listed) inbox.sessions.set(s.id, Object.assign(inbox.sessions.get(s.id) || {}, s));
  else inbox.sessions.delete(s.id);
  renderList();
  if (inbox.current && inbox.current.id === s.id) {
    const before = inbox.current;
    inbox.current = Object.assign({}, inbox.current, s);
    inbox.current.gone = false;
    if (before.gone && sees(s)) notice("");
    if (!sees(s)) {
      const who = s.assignee ? "extension " + s.assignee : "queue " + queueName(s.queueId);
      notice((before.offered && s.assignee ? "Extension " + s.assignee + " took this conversation over." : "This conversation went to " + who + ".") +
        " It is no longer yours.");
      inbox.current.gone = true;
    }
    showHeader();
    loadEvents();
  }
}

// ---- the stream -----------------------------------------------------------

// connect follows the stream. EventSource reconnects by itself with the
// last event's id (the service replays what was missed, or says resync);
// when it gives up (the service was away too long), a new one starts and
// everything is read again.
function connect() {
  const state = $("stream-state");
  const es = new EventSource("/api/v1/stream");
  inbox.es = es;
  es.addEventListener("open", () => {
    state.textContent = "Live";
    state.classList.add("live");
  });
  es.addEventListener("error", () => {
    state.textContent = "Reconnecting…";
    state.classList.remove("live");
    if (es.readyState === EventSource.CLOSED) {
      setTimeout(async () => {
        try {
          await sb.api("GET", "/api/v1/auth/me");
        } catch (err) {
          if (err.status === 401) {
            location.assign("/login"); // signed out, or the account was disabled
            return;
          }
        }
        connect();
        resync();
      }, 3000);
    }
  });
  es.addEventListener("resync", resync);
  const on = (type, f) => es.addEventListener(type, (ev) => {
    try {
      f(JSON.parse(ev.data).data);
    } catch (err) {
      console.error(type, err);
    }
  });
  on("session.created", (s) => upsert(s));
  on("session.updated", (s) => upsert(s));
  on("message.created", messageCreated);
  on("message.status", (m) => {
    if (inbox.current && inbox.current.id === m.sessionId) {
      inbox.messages.set(m.id, m);
      renderTimeline();
    }
  });
}

// resync reads again what the stream could not replay.
async function resync() {
  await loadQueues();
  await inbox.pager.reload();
  if (inbox.current) await openSession(inbox.current.id, true);
}

async function messageCreated(m) {
  const open = inbox.current && inbox.current.id === m.sessionId;
  let s = inbox.sessions.get(m.sessionId);
  if (!s) {
    try {
      s = await sb.api("GET", "/api/v1/sessions/" + encodeURIComponent(m.sessionId));
    } catch (_) {
      return; // not the person's
    }
  }
  s = Object.assign({}, s, { lastMessageAt: m.createdAt });
  if (m.direction === "in") {
    s.lastInboundAt = m.createdAt;
    if (open && !document.hidden) markRead(s, m.createdAt);
    else inbox.unread.set(s.id, (inbox.unread.get(s.id) || 0) + 1);
  }
  upsert(s);
  if (open) {
    inbox.messages.set(m.id, m);
    renderTimeline(true);
    if (m.direction === "in") refreshSession();
  }
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && inbox.current && inbox.unread.has(inbox.current.id)) {
    markRead(inbox.current);
    renderList();
  }
});

// ---- the conversation -----------------------------------------------------

function show(view) {
  $("inbox-body").dataset.view = view;
}

function notice(text, kind) {
  const p = $("conv-notice");
  p.textContent = text;
  p.className = "conv-notice " + (kind === "refused" ? "conv-refused" : "notice");
  p.hidden = !text;
}

async function openSession(id, keepScroll) {
  $("conv-error").hidden = true;
  $("new-form").hidden = true;
  $("no-conversation").hidden = true;
  if (!inbox.current || inbox.current.id !== id) {
    notice("");
    $("transfer").hidden = true;
    $("show-transfer").setAttribute("aria-expanded", "false");
    $("reply-text").value = "";
  }
  try {
    const p = "/api/v1/sessions/" + encodeURIComponent(id);
    const [s, msgs, evs] = await Promise.all([sb.api("GET", p), sb.api("GET", p + "/messages"), sb.api("GET", p + "/events")]);
    inbox.current = s;
    inbox.messages = new Map(msgs.messages.map((m) => [m.id, m]));
    inbox.events = evs.events;
  } catch (err) {
    if (err.status === 404) {
      inbox.sessions.delete(id);
      renderList();
    }
    inbox.current = null;
    $("conversation").hidden = true;
    $("no-conversation").hidden = false;
    $("no-conversation").textContent = err.status === 404 ? "This conversation is no longer yours to see." : "The conversation could not load: " + err.message;
    show("conversation");
    return;
  }
  $("no-conversation").textContent = "Choose a conversation, or start a new one.";
  $("conversation").hidden = false;
  $("conversation").dataset.session = id;
  markRead(inbox.current);
  renderList();
  showHeader();
  renderTimeline(!keepScroll);
  show("conversation");
  history.replaceState(null, "", "/inbox?session=" + encodeURIComponent(id));
  if (!$("reply").hidden && !keepScroll && window.matchMedia("(min-width: 48rem)").matches) $("reply-text").focus();
}

async function refreshSession() {
  if (!inbox.current) return;
  try {
    const s = await sb.api("GET", "/api/v1/sessions/" + encodeURIComponent(inbox.current.id));
    inbox.current = Object.assign({}, inbox.current, s);
    showHeader();
  } catch (_) {
    // The stream tells.
  }
}

async function loadEvents() {
  if (!inbox.current || inbox.current.gone) return;
  try {
    inbox.events = (await sb.api("GET", "/api/v1/sessions/" + encodeURIComponent(inbox.current.id) + "/events")).events;
    renderTimeline();
  } catch (_) {
    // No longer the person's: upsert said so.
  }
}

function showHeader() {
  const s = inbox.current;
  $("conv-customer").textContent = s.customer;
  const who = s.offered ? "waiting in " + queueName(s.queueId)
    : s.assignee === inbox.user.extension ? "answered by you" : s.assignee ? "answered by " + s.assignee : "";
  $("conv-meta").textContent = [s.channelName ? s.channelName + " (" + s.channelNumber + ")" : s.channelNumber, who, s.state].filter(Boolean).join(" · ");
  const mine = !s.gone && (isAdmin() || s.assignee === inbox.user.extension);
  const canTake = !s.gone && s.offered && !!inbox.user.extension && inbox.myQueues.has(s.queueId);
  const closed = s.state === "closed";
  $("show-transfer").hidden = !mine || closed;
  $("archive").hidden = !mine || s.state !== "open";
  $("unarchive").hidden = !mine || s.state !== "archived";
  $("close").hidden = !mine || closed;
  $("offer-bar").hidden = !(s.offered && !s.gone && !closed);
  $("offer-text").textContent = "Waiting in " + queueName(s.queueId) + ".";
  $("take-over").hidden = !canTake;
  const canReply = mine && !closed;
  $("reply").hidden = !canReply || s.offered && !isAdmin();
  if (closed && !s.gone) notice("This conversation is closed: nothing more is sent in it. The customer's next message opens a new one.");
  showWindow();
  updateCount();
}

// showWindow says how long replies stay possible on channels with a reply
// window (WhatsApp's 24 hours), or that it closed.
function showWindow() {
  const p = $("conv-window");
  const s = inbox.current;
  if (!s || !s.replyWindowEndsAt || s.state === "closed" || s.gone) {
    p.hidden = true;
    if (s) $("send").disabled = tooLong();
    return;
  }
  const left = new Date(s.replyWindowEndsAt) - Date.now();
  const hours = s.lastInboundAt ? Math.round((new Date(s.replyWindowEndsAt) - new Date(s.lastInboundAt)) / 3600000) : 24;
  p.hidden = false;
  if (left > 0) {
    const h = Math.floor(left / 3600000);
    const m = Math.floor((left % 3600000) / 60000);
    p.className = "conv-window " + (left < 3600000 ? "closing" : "open");
    p.textContent = "Reply window: " + (h ? h + " h " : "") + m + " min left (until " + sb.time(s.replyWindowEndsAt) + "). " +
      (s.channelName || "This channel") + " only allows replies within " + hours + " hours of the customer's last message.";
    $("send").disabled = tooLong();
  } else {
    p.className = "conv-window conv-refused";
    p.textContent = "The " + hours + "-hour reply window closed at " + sb.time(s.replyWindowEndsAt) +
      ": no reply can be sent until the customer writes again.";
    $("send").disabled = true;
  }
}

const TICKS = {
  queued: ["○", "Queued"], sending: ["○", "Sending"], sent: ["✓", "Sent"], delivered: ["✓✓", "Delivered"],
  read: ["✓✓", "Read"], failed: ["!", "Failed"], received: ["", "Received"],
};

function renderTimeline(scroll) {
  const ol = $("timeline");
  const near = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 60;
  const items = [];
  for (const m of inbox.messages.values()) items.push({ at: m.createdAt, node: messageNode(m) });
  for (const e of inbox.events) {
    const text = eventText(e);
    if (text) items.push({ at: e.at, event: true, node: sb.el("li", { class: "tl-event", "data-type": e.type }, sb.el("span", {}, text + " · " + shortTime(e.at))) });
  }
  // By time; an event at the same instant as a message (a session is
  // created with its first message) comes first.
  items.sort((a, b) => (Date.parse(a.at) || 0) - (Date.parse(b.at) || 0) || (b.event ? 1 : 0) - (a.event ? 1 : 0));
  ol.replaceChildren(...items.map((i) => i.node));
  if (!items.length) ol.append(sb.el("li", { class: "empty tl-event" }, "No message yet."));
  if (scroll || near) ol.scrollTop = ol.scrollHeight;
}

function messageNode(m) {
  const base = "/api/v1/sessions/" + encodeURIComponent(m.sessionId) + "/messages/" + encodeURIComponent(m.id) + "/media/";
  const li = sb.el("li", { class: "msg " + m.direction, "data-id": m.id });
  if (m.direction === "system") li.append(sb.el("span", { class: "msg-who" }, "Automatic answer"));
  else if (m.direction === "out") li.append(sb.el("span", { class: "msg-who" }, m.author ? "Agent " + m.author : "Agent"));
  if (m.text) li.append(sb.el("p", { class: "msg-text" }, m.text));
  (m.mediaUrls || []).forEach((u, i) => {
    const href = m.direction === "in" ? base + i : u;
    li.append(sb.el("a", { class: "msg-media", href, target: "_blank", rel: "noopener" }, "Attachment " + (i + 1)));
  });
  const foot = sb.el("span", { class: "msg-foot" }, sb.el("time", { datetime: m.createdAt, title: sb.time(m.createdAt) }, shortTime(m.createdAt)));
  if (m.direction !== "in") {
    const [mark, label] = TICKS[m.status] || ["", m.status];
    foot.append(sb.el("span", { class: "tick", "data-status": m.status, title: label + (m.error ? ": " + m.error : ""), "aria-label": label },
      mark));
  }
  li.append(foot);
  if (m.status === "failed" && m.error) li.append(sb.el("span", { class: "msg-error" }, "Not sent: " + m.error));
  return li;
}

function target(t) {
  const [type, id] = String(t || "").split(":");
  if (type === "queue") return "queue " + queueName(id);
  if (type === "extension") return "extension " + id;
  return t || "";
}

function eventText(e) {
  const d = e.detail || {};
  switch (e.type) {
    case "created":
      return d.by === "agent" ? "Conversation started by extension " + (d.extension || e.actor) : "Conversation started";
    case "taken_over":
      return "Taken over by extension " + e.actor;
    case "transferred":
      return "Transferred from " + target(d.from) + " to " + target(d.to) + (e.actor ? " by " + e.actor : "");
    case "closed":
      return d.reason === "removed" ? "Closed and removed" : e.actor ? "Closed by " + e.actor : "Closed";
    default:
      return e.type;
  }
}

// The length limit is counted as people count characters (code points),
// as the service does.
function length(text) {
  return [...text].length;
}

function tooLong() {
  const max = inbox.current && inbox.current.maxTextLength;
  return !!max && length($("reply-text").value) > max;
}

function updateCount() {
  const n = length($("reply-text").value);
  const max = inbox.current && inbox.current.maxTextLength;
  const c = $("reply-count");
  c.textContent = max ? n + " / " + max : n ? n + " characters" : "";
  c.classList.toggle("over", tooLong());
  showWindowSend();
}

function showWindowSend() {
  const s = inbox.current;
  const closedWindow = s && s.replyWindowEndsAt && new Date(s.replyWindowEndsAt) <= Date.now();
  $("send").disabled = tooLong() || !!closedWindow;
}

function refused(err) {
  switch (err.code) {
    case "opted_out":
      return "The customer opted out (they replied STOP): nothing can be sent to them from this number until they reply START.";
    case "outside_window":
      return "The reply window is closed: " + err.message;
    case "session_closed":
      return "This conversation is closed: " + err.message;
  }
  if (err.status === 403) return "Not allowed: " + err.message;
  return "";
}

async function act(button, label, path, body) {
  $("conv-error").hidden = true;
  const s = inbox.current;
  try {
    const call = sb.api("POST", "/api/v1/sessions/" + encodeURIComponent(s.id) + path, body);
    return button ? await sb.busy(button, label, call) : await call;
  } catch (err) {
    const why = refused(err);
    if (why) notice(why, "refused");
    else sb.showError("conv-error", err);
    if (err.status === 404 || err.status === 409) {
      refreshSessionOrDrop(s.id);
    }
    return null;
  }
}

async function refreshSessionOrDrop(id) {
  try {
    upsert(await sb.api("GET", "/api/v1/sessions/" + encodeURIComponent(id)));
  } catch (err) {
    if (err.status === 404) {
      inbox.sessions.delete(id);
      renderList();
      if (inbox.current && inbox.current.id === id) {
        inbox.current.gone = true;
        showHeader();
      }
    }
  }
}

function wireConversation() {
  $("back").addEventListener("click", () => show("list"));
  const take = async (ev) => {
    const got = await act(ev.currentTarget, "Taking over…", "/takeover");
    if (got) {
      notice("");
      upsert(got);
      await openSession(got.id, true);
      $("reply-text").focus();
    }
  };
  $("take-over").addEventListener("click", take);
  for (const [id, path, label] of [["archive", "/archive", "Archiving…"], ["unarchive", "/unarchive", "Bringing back…"], ["close", "/close", "Closing…"]]) {
    $(id).addEventListener("click", async (ev) => {
      const done = async (got) => {
        if (got) {
          upsert(got);
          await loadEvents();
        }
      };
      if (id !== "close") {
        await done(await act(ev.currentTarget, label, path));
        return;
      }
      // Closing is final: asked in the page first. (The question puts the
      // button back when it goes: the header is shown again after.)
      sb.confirmInline(ev.currentTarget, "Close for good?", "Close it", async () => {
        await done(await act(null, label, path));
        setTimeout(showHeader, 0);
      });
    });
  }
  $("show-transfer").addEventListener("click", () => {
    const f = $("transfer");
    f.hidden = !f.hidden;
    $("show-transfer").setAttribute("aria-expanded", String(!f.hidden));
    if (!f.hidden) $("transfer-type").focus();
  });
  $("transfer-cancel").addEventListener("click", () => {
    $("transfer").hidden = true;
    $("show-transfer").setAttribute("aria-expanded", "false");
  });
  $("transfer-type").addEventListener("change", () => {
    const q = $("transfer-type").value === "queue";
    $("transfer-queue-field").hidden = !q;
    $("transfer-ext-field").hidden = q;
  });
  $("transfer").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const type = $("transfer-type").value;
    const id = type === "queue" ? $("transfer-queue").value : $("transfer-ext").value.trim();
    if (!id) {
      sb.showError("conv-error", new Error(type === "queue" ? "No queue to transfer to." : "Give the extension to transfer to."));
      return;
    }
    const got = await act(ev.submitter || $("transfer").querySelector("button[type=submit]"), "Transferring…", "/transfer", { to: { type, id } });
    if (got) {
      $("transfer").hidden = true;
      $("show-transfer").setAttribute("aria-expanded", "false");
      $("transfer-ext").value = "";
      upsert(got);
      await loadEvents();
    }
  });

  const text = $("reply-text");
  text.addEventListener("input", updateCount);
  text.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $("reply").requestSubmit();
    }
  });
  $("reply").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = text.value;
    if (!value.trim() || $("send").disabled) return;
    const m = await act($("send"), "Sending…", "/messages", { text: value });
    if (m) {
      if (inbox.current && inbox.current.id === m.sessionId) {
        // The stream may have told of it (and its status) first.
        if (!inbox.messages.has(m.id)) inbox.messages.set(m.id, m);
        renderTimeline(true);
      }
      text.value = "";
      updateCount();
      text.focus();
    }
  });
}

// ---- a new conversation ---------------------------------------------------

function wireNew() {
  const form = $("new-form");
  const openNew = async () => {
    $("conversation").hidden = true;
    $("no-conversation").hidden = true;
    form.hidden = false;
    $("new-error").hidden = true;
    show("conversation");
    const n = $("new-notice");
    n.hidden = true;
    try {
      inbox.numbers = (await sb.api("GET", "/api/v1/sessions/numbers")).numbers;
    } catch (err) {
      sb.showError("new-error", err);
      inbox.numbers = [];
    }
    $("new-from").replaceChildren(...inbox.numbers.map((x, i) =>
      sb.el("option", { value: String(i) }, x.number + (x.channelName ? " — " + x.channelName : ""))));
    const none = inbox.numbers.length === 0;
    if (none) {
      n.textContent = inbox.user.extension
        ? "Extension " + inbox.user.extension + " may not start conversations: no SMS number allows it yet. An admin allows it on a channel's number."
        : "Conversations are started by agents, from their extension; you have none.";
      n.hidden = false;
    }
    for (const el of form.querySelectorAll("input, select, textarea, button[type=submit]")) el.disabled = none;
    newCount();
    if (!none) $("new-to").focus();
  };
  const close = () => {
    form.hidden = true;
    if (inbox.current) $("conversation").hidden = false;
    else $("no-conversation").hidden = false;
    show(inbox.current ? "conversation" : "list");
  };
  $("new-conversation").addEventListener("click", openNew);
  $("new-cancel").addEventListener("click", close);
  $("new-back").addEventListener("click", () => {
    close();
    show("list");
  });
  $("new-text").addEventListener("input", newCount);
  $("new-from").addEventListener("change", newCount);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("new-error").hidden = true;
    sb.fieldErrors(form, []);
    const num = inbox.numbers[Number($("new-from").value)];
    if (!num) return;
    const body = { channelId: num.channelId, channelNumber: num.number, to: $("new-to").value.trim(), text: $("new-text").value };
    if (!body.to) {
      sb.fieldErrors(form, ["to: give the customer's number, like +14155550123"]);
      return;
    }
    try {
      const got = await sb.busy($("new-send"), "Starting…", sb.api("POST", "/api/v1/sessions", body));
      form.reset();
      form.hidden = true;
      upsert(got.session);
      await openSession(got.session.id);
    } catch (err) {
      const why = refused(err);
      if (why) {
        $("new-notice").textContent = why;
        $("new-notice").hidden = false;
        return;
      }
      const rest = sb.fieldErrors(form, err.details && err.details.length ? err.details : [err.message]);
      if (rest.length) sb.showError("new-error", new Error(rest.join("; ")));
    }
  });
}

function newCount() {
  const num = inbox.numbers[Number($("new-from").value)];
  const n = length($("new-text").value);
  const max = num && num.maxTextLength;
  const c = $("new-count");
  c.textContent = max ? n + " / " + max : n ? n + " characters" : "";
  c.classList.toggle("over", !!max && n > max);
  $("new-send").disabled = !num || (!!max && n > max);
}
