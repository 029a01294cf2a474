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
  current: null, // the open session, once its answers came
  shown: null, // id of the session the person chose last (its answers may still be on their way)
  opening: 0, // openSession's calls so far: only the newest one's answers are shown
  early: new Map(), // id → message the stream told of while the shown session was loading
  drafts: new Map(), // session id → reply being written in it, kept while another is open
  messages: new Map(), // id → message, of the open session
  events: [], // the open session's timeline
  sending: false, // a reply is on its way: Send stays disabled whatever else changes
  starting: false, // a new conversation is being started: likewise for its button
  listing: 0, // loads of the list under way
  missed: [], // sessions the stream told of while the list loaded, told again after
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
  pruneSeen();
  await loadQueues();
  inbox.pager = sb.pager($("pager"), PAGE, loadList);
  $("show").addEventListener("change", () => inbox.pager.reset());
  wireConversation();
  wireNew();
  // The stream first, the list once it is open: what changes in between
  // comes through the stream rather than being missed. (If it cannot
  // open, the list loads all the same; reconnecting reads it again.)
  await new Promise((resolve) => connect(resolve));
  await inbox.pager.reset();
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

async function loadList(offset, current) {
  $("list-error").hidden = true;
  inbox.listing++;
  try {
    const res = await sb.api("GET", "/api/v1/sessions" + sb.query({ state: $("show").value, limit: PAGE, offset }));
    // Overtaken by a newer load (sb.pager says so, where it can): not shown.
    if (current && !current()) return res.sessions.length;
    inbox.sessions = new Map(res.sessions.map((s) => [s.id, s]));
    // What the stream told while the answer was on its way may be newer
    // than the answer: told again, in order.
    for (const s of inbox.missed) upsertListed(s);
    renderList();
    countUnread(res.sessions);
    $("pager").hidden = offset === 0 && res.sessions.length < PAGE;
    return res.sessions.length;
  } catch (err) {
    sb.showError("list-error", err);
    return 0;
  } finally {
    if (--inbox.listing === 0) inbox.missed = [];
  }
}

// What was read is kept in this browser per signed-in account
// (sb.inbox.read.<user id>.<session id> → the customer's last message
// seen, in ms), for SEEN_DAYS: older messages count as read.
const SEEN_DAYS = 30;
const SEEN_PREFIX = "sb.inbox.read.";

function seenKey(id) {
  return SEEN_PREFIX + inbox.user.id + "." + id;
}

function seenHorizon() {
  return Date.now() - SEEN_DAYS * 86400000;
}

// pruneSeen forgets what was read more than SEEN_DAYS ago (by any account
// of this browser), and the keys of before they were per account.
function pruneSeen() {
  try {
    const old = seenHorizon();
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const k = localStorage.key(i);
      if (k.startsWith("sb.inbox.seen.") || (k.startsWith(SEEN_PREFIX) && (Number(localStorage.getItem(k)) || 0) < old)) {
        localStorage.removeItem(k);
      }
    }
  } catch (_) {
    // No storage here: everything counts as unread, as before.
  }
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
  let t = 0;
  try {
    t = Number(localStorage.getItem(seenKey(id))) || 0;
  } catch (_) {
    // No storage.
  }
  return Math.max(t, seenHorizon());
}

function markRead(s, at) {
  inbox.unread.delete(s.id);
  const t = ms(at || s.lastInboundAt) || Date.now();
  try {
    if (t > seenAt(s.id)) localStorage.setItem(seenKey(s.id), String(t));
  } catch (_) {
    // No storage, or full.
  }
}

function forgetSeen(id) {
  try {
    localStorage.removeItem(seenKey(id));
  } catch (_) {
    // No storage.
  }
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
  if (inbox.listing) inbox.missed.push(s);
  upsertListed(s);
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

function upsertListed(s) {
  const listed = sees(s) && s.state === $("show").value;
  if (listed) inbox.sessions.set(s.id, Object.assign(inbox.sessions.get(s.id) || {}, s));
  else inbox.sessions.delete(s.id);
}

// ---- the stream -----------------------------------------------------------

// connect follows the stream. EventSource reconnects by itself with the
// last event's id (the service replays what was missed, or says resync);
// when it gives up (the service was away too long), a new one starts and
// everything is read again. ready, if given, is called once the stream is
// open (or failed to open).
function connect(ready) {
  const state = $("stream-state");
  const es = new EventSource("/api/v1/stream");
  inbox.es = es;
  es.addEventListener("open", () => {
    state.textContent = "Live";
    state.classList.add("live");
    if (ready) ready();
    ready = null;
  });
  es.addEventListener("error", () => {
    state.textContent = "Reconnecting…";
    state.classList.remove("live");
    if (ready) ready();
    ready = null;
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
    } else if (inbox.shown === m.sessionId) {
      inbox.early.set(m.id, m);
    }
  });
}

// resync reads again what the stream could not replay.
async function resync() {
  await loadQueues();
  await inbox.pager.reload();
  // The conversation the person chose last (perhaps still loading), not
  // the one shown before it; not while they write a new one (the form
  // would go).
  if (inbox.shown && $("new-form").hidden) await openSession(inbox.shown, true);
}

async function messageCreated(m) {
  let s = inbox.sessions.get(m.sessionId);
  if (!s) {
    try {
      s = await sb.api("GET", "/api/v1/sessions/" + encodeURIComponent(m.sessionId));
    } catch (_) {
      return; // not the person's
    }
  }
  // Asked after the wait: another conversation may be open by now.
  const open = inbox.current && inbox.current.id === m.sessionId && inbox.shown === m.sessionId;
  if (!open && inbox.shown === m.sessionId) inbox.early.set(m.id, m); // still loading: shown with its answers
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
    if (m.direction === "in") {
      announce(m);
      refreshSession();
    }
  }
}

// announce tells screen readers of the customer's new message in the open
// conversation, alone: the timeline itself is drawn again on every change
// and is not a live region (it would read the whole conversation again).
function announce(m) {
  let text = m.text || ((m.mediaUrls || []).length ? "an attachment" : "");
  if (length(text) > 200) text = [...text].slice(0, 200).join("") + "…";
  $("timeline-news").textContent = "New message from " + ((inbox.current && inbox.current.customer) || "the customer") + ": " + text;
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

// openSession shows a conversation. Its answers come back in any order
// with those of the conversation chosen before (or of a resync): only the
// newest call's are shown, so what the person sees and where a reply goes
// stay the conversation they chose last. Each conversation keeps its own
// draft: the reply being written stays with the conversation it was
// written in, and is there again when it is chosen again.
async function openSession(id, keepScroll) {
  const call = ++inbox.opening;
  $("conv-error").hidden = true;
  $("new-form").hidden = true;
  $("no-conversation").hidden = true;
  if (inbox.shown !== id) {
    const text = $("reply-text");
    if (inbox.shown) {
      if (text.value) inbox.drafts.set(inbox.shown, text.value);
      else inbox.drafts.delete(inbox.shown);
    }
    inbox.shown = id;
    inbox.early = new Map();
    text.value = inbox.drafts.get(id) || "";
    notice("");
    $("transfer").hidden = true;
    $("show-transfer").setAttribute("aria-expanded", "false");
    $("timeline-news").textContent = "";
    updateCount(); // no sending until its answers came
  }
  let s, msgs, evs;
  try {
    const p = "/api/v1/sessions/" + encodeURIComponent(id);
    [s, msgs, evs] = await Promise.all([sb.api("GET", p), sb.api("GET", p + "/messages"), sb.api("GET", p + "/events")]);
  } catch (err) {
    if (call !== inbox.opening) {
      dropped();
      return;
    }
    if (err.status === 404) {
      inbox.sessions.delete(id);
      inbox.drafts.delete(id);
      forgetSeen(id);
      renderList();
    }
    inbox.current = null;
    if (err.status === 404) inbox.shown = null; // else kept, with its draft: a resync tries again
    $("conversation").hidden = true;
    $("no-conversation").hidden = false;
    $("no-conversation").textContent = err.status === 404 ? "This conversation is no longer yours to see." : "The conversation could not load: " + err.message;
    show("conversation");
    return;
  }
  if (call !== inbox.opening) {
    dropped();
    return;
  }
  const again = inbox.current && inbox.current.id === id;
  inbox.current = s;
  // Reading the same conversation again keeps what the stream told since
  // (an answer may have left before it); so do the stream's messages of
  // one that was loading.
  const messages = new Map(again ? inbox.messages : []);
  for (const m of msgs.messages) messages.set(m.id, m);
  for (const m of inbox.early.values()) messages.set(m.id, m);
  inbox.early = new Map();
  inbox.messages = messages;
  inbox.events = evs.events;
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

// dropped counts the answers of a conversation no longer chosen, left
// unshown (tests wait on it).
function dropped() {
  const body = $("inbox-body");
  body.dataset.dropped = String((Number(body.dataset.dropped) || 0) + 1);
}

async function refreshSession() {
  if (!inbox.current) return;
  const id = inbox.current.id;
  try {
    const s = await sb.api("GET", "/api/v1/sessions/" + encodeURIComponent(id));
    if (!inbox.current || inbox.current.id !== id) return;
    inbox.current = Object.assign({}, inbox.current, s);
    showHeader();
  } catch (_) {
    // The stream tells.
  }
}

async function loadEvents() {
  if (!inbox.current || inbox.current.gone) return;
  const id = inbox.current.id;
  try {
    const events = (await sb.api("GET", "/api/v1/sessions/" + encodeURIComponent(id) + "/events")).events;
    if (!inbox.current || inbox.current.id !== id) return;
    inbox.events = events;
    renderTimeline();
  } catch (_) {
    // No longer the person's: upsert said so.
  }
}

function showHeader() {
  const s = inbox.current;
  const focused = document.activeElement;
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
  // A control that had focus and is gone now (Close once closed, Archive
  // once archived, the reply once the conversation left): focus goes to
  // the conversation's heading rather than to nowhere.
  if (focused && focused !== document.body && $("conversation").contains(focused) && focused.closest("[hidden]")) focusHeading();
}

function focusHeading() {
  if (!$("conversation").hidden) $("conv-customer").focus();
  else $("sessions").closest(".inbox-list").querySelector("button, select").focus();
}

// showWindow says how long replies stay possible on channels with a reply
// window (WhatsApp's 24 hours), or that it closed.
function showWindow() {
  const p = $("conv-window");
  const s = inbox.current;
  if (!s || !s.replyWindowEndsAt || s.state === "closed" || s.gone) {
    p.hidden = true;
    updateSend();
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
  } else {
    p.className = "conv-window conv-refused";
    p.textContent = "The " + hours + "-hour reply window closed at " + sb.time(s.replyWindowEndsAt) +
      ": no reply can be sent until the customer writes again.";
  }
  updateSend();
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
    case "journaled":
      return (d.reason ? "Nothing journaled to " : "Journaled to ") + (d.helpdesk || "the helpdesk") + (d.reason ? ": " + d.reason : "");
    case "journal_failed":
      return "Journal to " + (d.helpdesk || "the helpdesk") + " failed, retrying: " + (d.error || "");
    case "journal_gave_up":
      return "Journal to " + (d.helpdesk || "the helpdesk") + " given up: " + (d.error || "");
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
  updateSend();
}

// updateSend is the one place Send is enabled: not while a reply is on its
// way (Enter would send it twice), nor before the chosen conversation
// loaded, nor over the length limit, nor once the reply window closed.
function updateSend() {
  const s = inbox.current;
  const ready = !!s && s.id === inbox.shown;
  const closedWindow = ready && s.replyWindowEndsAt && s.state !== "closed" && !s.gone && new Date(s.replyWindowEndsAt) <= Date.now();
  $("send").disabled = inbox.sending || !ready || tooLong() || !!closedWindow;
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
      upsert(got);
      if (inbox.shown !== got.id) return; // another one was chosen meanwhile
      notice("");
      await openSession(got.id, true);
      if (inbox.shown === got.id && !$("reply").hidden) $("reply-text").focus();
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
      }, () => {
        // Shown again once the question gave the button back (and focus
        // to it): showHeader hides it then, and moves focus on.
        if (inbox.current) showHeader();
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
    $("show-transfer").focus();
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
      focusHeading(); // the form (and the button pressed) went
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
    updateSend();
    if (!value.trim() || inbox.sending || $("send").disabled) return;
    const id = inbox.current.id;
    inbox.sending = true;
    let m;
    try {
      m = await act($("send"), "Sending…", "/messages", { text: value });
    } finally {
      inbox.sending = false;
      updateSend();
    }
    if (!m) return;
    inbox.drafts.delete(id);
    if (inbox.current && inbox.current.id === m.sessionId) {
      // The stream may have told of it (and its status) first.
      if (!inbox.messages.has(m.id)) inbox.messages.set(m.id, m);
      renderTimeline(true);
    }
    // Emptied only if it still holds what was sent, in the same
    // conversation: what was written meanwhile is kept.
    if (inbox.shown === id && text.value === value) {
      text.value = "";
      updateCount();
      text.focus();
    } else if (inbox.shown === id && text.value.startsWith(value)) {
      text.value = text.value.slice(value.length).replace(/^\s+/, "");
      updateCount();
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
    for (const el of form.querySelectorAll("input, select, textarea")) el.disabled = none;
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
    if (inbox.starting || $("new-send").disabled) return;
    $("new-error").hidden = true;
    sb.fieldErrors(form, []);
    const num = inbox.numbers[Number($("new-from").value)];
    if (!num) return;
    const body = { channelId: num.channelId, channelNumber: num.number, to: $("new-to").value.trim(), text: $("new-text").value };
    if (!body.to) {
      sb.fieldErrors(form, ["to: give the customer's number, like +14155550123"]);
      return;
    }
    inbox.starting = true;
    let got;
    try {
      got = await sb.busy($("new-send"), "Starting…", sb.api("POST", "/api/v1/sessions", body));
    } catch (err) {
      const why = refused(err);
      if (why) {
        $("new-notice").textContent = why;
        $("new-notice").hidden = false;
        return;
      }
      const rest = sb.fieldErrors(form, err.details && err.details.length ? err.details : [err.message]);
      if (rest.length) sb.showError("new-error", new Error(rest.join("; ")));
      return;
    } finally {
      inbox.starting = false;
      newCount();
    }
    form.reset();
    form.hidden = true;
    newCount();
    upsert(got.session);
    await openSession(got.session.id);
  });
}

function newCount() {
  const num = inbox.numbers[Number($("new-from").value)];
  const n = length($("new-text").value);
  const max = num && num.maxTextLength;
  const c = $("new-count");
  c.textContent = max ? n + " / " + max : n ? n + " characters" : "";
  c.classList.toggle("over", !!max && n > max);
  // Like updateSend: not while the conversation is being started.
  $("new-send").disabled = inbox.starting || !num || (!!max && n > max);
}
