"use strict";

// One conversation of the history: its messages (each deletable but what
// the system sent) and its timeline; the whole conversation deletable.

const sessionID = decodeURIComponent(location.pathname.split("/").pop());
let queueNames = {};

sb.start(async () => {
  const base = "/api/v1/history/sessions/" + encodeURIComponent(sessionID);
  const [tl, msgs, channels, queues] = await Promise.all([
    sb.api("GET", base + "/timeline"),
    sb.api("GET", base + "/messages"),
    sb.api("GET", "/api/v1/channels").catch(() => ({ channels: [] })),
    sb.api("GET", "/api/v1/queues").catch(() => ({ queues: [] })),
  ]);
  queueNames = Object.fromEntries((queues.queues || []).map((q) => [q.id, q.name]));
  const channel = (channels.channels || []).find((c) => c.id === tl.session.channelId);
  showSession(tl.session, channel);
  showMessages(msgs.messages, tl.session);
  showTimeline(tl.timeline);
  document.getElementById("session-page").hidden = false;
  // Back goes to the search the list was showing, when it came from there.
  const back = document.getElementById("back");
  if (document.referrer) {
    const from = new URL(document.referrer);
    if (from.origin === location.origin && from.pathname === "/history") back.href = from.pathname + from.search;
  }
});

function showSession(s, channel) {
  document.title = "Conversation with " + s.customer + " · Switchboard";
  document.getElementById("session-title").textContent = "Conversation with " + s.customer;
  const state = document.getElementById("session-state");
  state.textContent = s.state;
  state.className = "status " + s.state;
  const facts = [
    ["Channel", channel ? channel.name : "deleted channel"],
    ["Channel number", s.channelNumber],
    ["Agent", s.assignee || (s.queueId ? "waiting in queue " + (queueNames[s.queueId] || s.queueId) : "—")],
    ["Started", sb.time(s.createdAt)],
    ["Last message", sb.time(s.lastMessageAt)],
  ];
  if (s.closedAt) facts.push(["Closed", sb.time(s.closedAt)]);
  if (s.removed) facts.push(["Agents' lists", "removed"]);
  document.getElementById("session-facts").replaceChildren(...facts.map(([k, v]) =>
    sb.el("div", {}, sb.el("dt", {}, k), sb.el("dd", {}, v))));

  const del = document.getElementById("delete-session");
  del.addEventListener("click", () => sb.confirmInline(del, "Delete this conversation and all its messages?", "Delete", async () => {
    try {
      await sb.api("DELETE", "/api/v1/history/sessions/" + encodeURIComponent(s.id));
      location.assign(document.getElementById("back").getAttribute("href"));
    } catch (err) {
      sb.showError("session-error", err);
    }
  }));
}

function who(m, s) {
  switch (m.direction) {
    case "in": return "Customer " + s.customer;
    case "out": return m.author ? "Agent " + m.author : "Agent";
    default: return "System";
  }
}

function showMessages(list, s) {
  const ol = document.getElementById("messages");
  ol.replaceChildren(...list.map((m) => message(m, s)));
  document.getElementById("messages-empty").hidden = list.length > 0;
}

function message(m, s) {
  const head = sb.el("div", { class: "msg-head" },
    sb.el("span", { class: "msg-who" }, who(m, s)),
    sb.el("time", { datetime: m.createdAt }, sb.time(m.createdAt)));
  if (m.direction !== "in") head.append(sb.el("span", { class: "status " + m.status }, m.status));
  const li = sb.el("li", { class: "msg " + m.direction, "data-message": m.id, "data-direction": m.direction }, head);
  if (m.text) li.append(sb.el("p", { class: "msg-text" }, m.text));
  for (const u of m.mediaUrls || []) {
    li.append(sb.el("p", { class: "msg-media" }, sb.el("a", { href: u, target: "_blank", rel: "noopener noreferrer" }, "Attachment: " + u.split("/").pop())));
  }
  if (m.error) li.append(sb.el("p", { class: "reason" }, m.error));
  if (m.direction === "system") {
    li.append(sb.el("p", { class: "reason" }, "Sent by the system; it stays in the history."));
    return li;
  }
  const del = sb.el("button", { type: "button", class: "link msg-delete", "aria-label": "Delete this message from " + who(m, s) }, "Delete");
  del.addEventListener("click", () => sb.confirmInline(del, "Delete this message?", "Delete", async () => {
    document.getElementById("messages-error").hidden = true;
    try {
      await sb.api("DELETE", "/api/v1/history/messages/" + encodeURIComponent(m.id));
      const to = neighbourDelete(li);
      li.remove();
      document.getElementById("messages-empty").hidden = document.getElementById("messages").children.length > 0;
      to.focus();
    } catch (err) {
      sb.showError("messages-error", err);
    }
  }));
  li.append(sb.el("div", { class: "msg-actions" }, del));
  return li;
}

// neighbourDelete is where focus goes when a message's row (and its
// focused Delete) goes: the next message's Delete, else the one before's,
// else the list's heading.
function neighbourDelete(li) {
  for (const step of ["nextElementSibling", "previousElementSibling"]) {
    for (let n = li[step]; n; n = n[step]) {
      const b = n.querySelector(".msg-delete");
      if (b) return b;
    }
  }
  const h = document.getElementById("messages-title");
  h.setAttribute("tabindex", "-1");
  return h;
}

const eventNames = { created: "Started", transferred: "Transferred", taken_over: "Taken over", closed: "Closed",
  journaled: "Journaled to the helpdesk", journal_failed: "Journal failed, retrying", journal_gave_up: "Journal given up" };

function actorName(a) {
  if (a === "customer") return "by the customer";
  if (a === "system") return "by the system";
  return a ? "by " + (/^\d+$/.test(a) ? "extension " + a : a) : "";
}

function target(v) {
  const m = /^queue:(.*)$/.exec(v || "");
  return m ? "queue " + (queueNames[m[1]] || m[1]) : v;
}

function showTimeline(events) {
  const ol = document.getElementById("timeline");
  if (!events.length) {
    ol.replaceWith(sb.el("p", { class: "empty" }, "No operations recorded."));
    return;
  }
  ol.replaceChildren(...events.map((e) => {
    const d = e.detail || {};
    const parts = [];
    if (d.from || d.to) parts.push([d.from && "from " + target(d.from), d.to && "to " + target(d.to)].filter(Boolean).join(" "));
    const known = ["from", "to", "queue", "reason", "customer", "by", "integration"];
    if (d.helpdesk) {
      known.push("helpdesk");
      parts.push(d.helpdesk);
    }
    if (e.type === "created") {
      known.push("extension");
      if (d.queue) parts.push("offered in queue " + (queueNames[d.queue] || d.queue));
      else if (d.extension && d.extension !== e.actor) parts.push("for extension " + d.extension);
    } else if (d.queue) {
      parts.push("from queue " + (queueNames[d.queue] || d.queue));
    }
    if (d.reason) parts.push("reason: " + d.reason);
    for (const [k, v] of Object.entries(d)) {
      if (!known.includes(k)) parts.push(k + ": " + v);
    }
    return sb.el("li", { class: "event " + e.type, "data-event": e.type },
      sb.el("span", { class: "event-what" }, (eventNames[e.type] || e.type) + " " + actorName(e.actor)),
      parts.length ? sb.el("span", { class: "reason" }, parts.join(" · ")) : "",
      sb.el("time", { datetime: e.at, class: "reason" }, sb.time(e.at)));
  }));
}
