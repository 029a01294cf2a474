"use strict";

sb.start(async (user) => {
  if (user.role === "admin") {
    await overview();
  } else {
    calls(user);
  }
});

function statusCell(status, reason) {
  const td = sb.el("td", {}, sb.el("span", { class: "status " + status }, status));
  if (reason) td.append(sb.el("span", { class: "reason" }, reason));
  return td;
}

// overview shows the admin the state at a glance: the last 24 hours' calls
// and messages (the API counts them by UTC hour; the labels are the
// browser's), failed call steps, what waits now, and the integrations and
// channels with their status. It refreshes itself every minute while the
// page is visible, and shortly after the stream says something happened.
async function overview() {
  document.getElementById("admin-overview").hidden = false;
  const refresh = overviewRefresher();
  document.getElementById("overview-reload").addEventListener("click", (ev) => {
    sb.busy(ev.currentTarget, "Refreshing…", refresh(true));
  });
  await refresh(false);
  // Signed out (the stream says so, with the sign-in notice): the figures
  // stay as they were, without a failed refresh each minute under it.
  let signedOut = false;
  setInterval(() => { if (!document.hidden && !signedOut) refresh(true); }, 60000);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !signedOut && Date.now() - refresh.at() > 60000) refresh(true);
  });
  overviewFollow(refresh, () => { signedOut = true; });
}

// overviewRefresher answers refresh(soft): it loads and shows everything
// once (a refresh already under way is joined, not repeated). A soft
// refresh that fails says so above the figures and keeps them; the first
// load's failure is the page's.
function overviewRefresher() {
  let running = null;
  let at = 0;
  const refresh = (soft) => {
    if (running) return running;
    running = (async () => {
      try {
        const [ov, ints, chans] = await Promise.all([
          sb.api("GET", "/api/v1/overview"),
          sb.api("GET", "/api/v1/integrations"),
          sb.api("GET", "/api/v1/channels"),
        ]);
        overviewShow(ov);
        await overviewTemplateNames(ints.integrations.concat(chans.channels));
        overviewStatuses(ints.integrations, chans.channels);
        at = Date.now();
        document.getElementById("overview-error").hidden = true;
        document.getElementById("overview-updated").textContent = "Updated " + new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      } catch (err) {
        if (!soft) throw err;
        sb.showError("overview-error", { message: "Could not refresh the overview: " + err.message });
      } finally {
        running = null;
      }
    })();
    return running;
  };
  refresh.at = () => at;
  return refresh;
}

// overviewFollow refreshes the overview a few seconds after the stream
// says a call rang or a message came or went, once for a burst of events.
// The stream is sb.events', which says when the admin was signed out.
function overviewFollow(refresh, onSignedOut) {
  if (typeof EventSource === "undefined") return;
  const es = sb.events((st) => { if (st === "signed-out") onSignedOut(); });
  let timer = null;
  const soon = () => {
    if (timer || document.hidden) return;
    timer = setTimeout(() => { timer = null; refresh(true); }, 3000);
  };
  for (const type of ["screenPop", "session.created", "session.updated", "message.created", "message.status", "resync"]) {
    es.addEventListener(type, soon);
  }
}

function overviewNumber(id, n) {
  document.getElementById(id).textContent = Number(n).toLocaleString();
}

function overviewShow(ov) {
  const c = ov.calls, m = ov.messages;
  overviewNumber("calls-total", c.total);
  overviewNumber("messages-total", m.total);
  document.getElementById("messages-detail").textContent =
    m.received.toLocaleString() + " received · " + m.sent.toLocaleString() + " sent" + (m.failed ? " · " + m.failed.toLocaleString() + " failed" : "");
  document.getElementById("n-messages").classList.toggle("warn", m.failed > 0);
  overviewNumber("runs-failed", ov.runs.failed);
  document.getElementById("n-failed").classList.toggle("alert", ov.runs.failed > 0);
  document.getElementById("runs-failed-link").textContent = ov.runs.failed > 0 ? "Retry them in Calls" : "See the calls";
  overviewNumber("backlog-offers", ov.backlog.offers);
  document.getElementById("n-offers").classList.toggle("warn", ov.backlog.offers > 0);
  overviewNumber("backlog-jobs", ov.backlog.jobs);
  overviewNumber("backlog-outbound", ov.backlog.outbound);
  overviewNumber("runs-pending", ov.runs.pending);
  const since = new Date(ov.since);
  document.getElementById("calls-detail").textContent = "in the last " + ov.hours + " hours";
  overviewChart("calls-chart", since, c.byHour, "Calls per hour", ["call", "calls"]);
  overviewChart("messages-chart", since, m.byHour, "Messages per hour", ["message", "messages"]);
}

// overviewChart draws counts per hour from since, with the hours named in
// the browser's time zone, and says which hour was the busiest. what is
// the thing counted: ["call", "calls"].
function overviewChart(id, since, byHour, label, what) {
  const hour = 3600000;
  const at = (i) => new Date(since.getTime() + i * hour);
  const hm = (d) => d.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  const span = (i) => hm(at(i)) + "–" + hm(at(i + 1));
  const points = byHour.map((v, i) => ({ label: span(i), value: v }));
  const count = (n) => n.toLocaleString() + " " + (n === 1 ? what[0] : what[1]);
  let busiest = 0;
  byHour.forEach((v, i) => { if (v > byHour[busiest]) busiest = i; });
  const axis = sb.el("div", { class: "axis", "aria-hidden": "true" },
    sb.el("span", {}, hm(at(0))), sb.el("span", {}, hm(at(Math.floor(byHour.length / 2)))), sb.el("span", {}, "now"));
  const note = sb.el("p", { class: "hint small" }, byHour[busiest] === 0
    ? "No " + what[1] + " in the last " + byHour.length + " hours."
    : "Busiest hour: " + span(busiest) + ", " + count(byHour[busiest]) + ".");
  const width = 480, height = 96;
  const chart = sb.bars(points, { label, width, height });
  chart.setAttribute("preserveAspectRatio", "none"); // the card's width, the stylesheet's height
  // A faint track behind each hour's bar, so that quiet hours show too.
  const w = width / byHour.length;
  byHour.forEach((_, i) => {
    const r = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    r.setAttribute("class", "track");
    r.setAttribute("x", String(i * w + 1));
    r.setAttribute("y", "0");
    r.setAttribute("width", String(Math.max(1, w - 2)));
    r.setAttribute("height", String(height));
    chart.insertBefore(r, chart.firstChild);
  });
  document.getElementById(id).replaceChildren(chart, axis, note);
}

// overviewTemplates names templates by id; read again only when an
// integration uses a template not seen yet.
const overviewTemplates = new Map();

async function overviewTemplateNames(integrations) {
  if (integrations.every((i) => overviewTemplates.has(i.templateId))) return;
  const list = await sb.api("GET", "/api/v1/templates");
  for (const t of list.templates) overviewTemplates.set(t.id, t.name);
}

function overviewStatuses(integrations, channels) {
  const ib = document.getElementById("integrations");
  ib.replaceChildren(...integrations.map((i) =>
    sb.el("tr", {},
      sb.el("td", {}, sb.el("span", { class: "name" }, overviewTemplates.get(i.templateId) || i.templateId),
        sb.el("span", { class: "reason mono" }, i.id)),
      statusCell(i.status, i.statusReason))));
  ib.closest(".table-wrap").hidden = integrations.length === 0;
  document.getElementById("integrations-empty").hidden = integrations.length > 0;
  const cb = document.getElementById("channels");
  cb.replaceChildren(...channels.map((c) =>
    sb.el("tr", {},
      sb.el("td", {}, sb.el("span", { class: "name" }, c.name), sb.el("span", { class: "reason" }, overviewTemplates.get(c.templateId) || c.kind || "")),
      statusCell(c.status, c.statusReason))));
  cb.closest(".table-wrap").hidden = channels.length === 0;
  document.getElementById("channels-empty").hidden = channels.length > 0;
}

// calls shows the agent a card for each screen pop of their extension, as
// it happens. EventSource reconnects by itself, sending the last event's
// id, so nothing in between is missed.
function calls(user) {
  document.getElementById("agent-calls").hidden = false;
  document.getElementById("extension").textContent = user.extension || "your extension";
  const state = document.getElementById("stream-state");
  const es = sb.events((st) => {
    state.textContent = {
      "live": "Live: new calls appear here as they ring.",
      "reconnecting": "Reconnecting…",
      "signed-out": "Not receiving calls: you are signed out.",
    }[st];
  });
  const recent = agentRecentCalls();
  // The service could not replay what happened while the console was away
  // (too long ago): the cards shown may miss a call, the list of recent
  // calls does not once read again.
  es.addEventListener("resync", () => {
    state.textContent = "Live again; calls that rang while the console was away may be missing above (the recent calls below are up to date).";
    recent.soon();
  });
  es.addEventListener("screenPop", (ev) => {
    const pop = JSON.parse(ev.data).data;
    // The pop's time is its event's (a pop replayed after a reconnect
    // shows when it happened, not when it arrived): the event's id begins
    // with its publishing time, 12 hex digits of Unix milliseconds.
    const stamp = /^[0-9a-f]{12}/i.exec(ev.lastEventId || "");
    const at = stamp ? new Date(parseInt(stamp[0], 16)) : new Date();
    document.getElementById("pops-empty").hidden = true;
    const who = pop.contactName || pop.name || "Unknown caller";
    const card = sb.el("article", { class: "card pop", "data-call": pop.callId },
      sb.el("div", { class: "who" }, who),
      sb.el("div", { class: "number" }, pop.number),
      sb.el("div", { class: "meta" }, pop.trigger + " · ", sb.el("time", { datetime: at.toISOString() }, at.toLocaleTimeString())));
    const links = sb.el("div", { class: "pop-links" });
    if (pop.url) {
      links.append(sb.el("a", { href: pop.url, target: "_blank", rel: "noopener", class: "contact" }, "Open the contact"));
    }
    if (pop.ticketUrl) {
      links.append(sb.el("a", { href: pop.ticketUrl, target: "_blank", rel: "noopener", class: "ticket" }, "Open ticket #" + pop.ticketId));
    } else if (pop.ticketId) {
      links.append(sb.el("span", { class: "ticket" }, "Ticket #" + pop.ticketId));
    }
    if (links.childNodes.length) card.append(links);
    if (!pop.contactId && !pop.url) card.append(popCreateContact(pop, recent));
    document.getElementById("pops").prepend(card);
    recent.soon();
  });
}

// agentRecentCalls lists the agent's recent calls (the API lists only
// their extension's) with the contact of each, paged; soon() reloads it
// shortly after something happened.
function agentRecentCalls() {
  const list = document.getElementById("recent-calls");
  const limit = 10;
  const load = async (offset, current) => {
    document.getElementById("recent-error").hidden = true;
    let res;
    try {
      res = await sb.api("GET", "/api/v1/calls" + sb.query({ limit, offset }));
    } catch (err) {
      if (current()) sb.showError("recent-error", err);
      return 0;
    }
    if (!current()) return 0; // a newer load shows instead
    list.replaceChildren(...res.calls.map(agentRecentCall));
    document.getElementById("recent-empty").hidden = res.calls.length > 0 || offset > 0;
    return res.calls.length;
  };
  const pager = sb.pager(document.getElementById("recent-pager"), limit, load);
  pager.reset();
  const refresh = document.getElementById("recent-refresh");
  refresh.addEventListener("click", () => sb.busy(refresh, "Refreshing…", pager.reload()));
  // Calls that popped nothing up (no contact trigger) come in by the clock.
  setInterval(() => {
    if (!document.hidden) pager.reload();
  }, 30000);
  let pending = null;
  return {
    reload: () => pager.reload(),
    soon: () => {
      if (pending) return;
      pending = setTimeout(() => { pending = null; pager.reload(); }, 500);
    },
  };
}

function agentRecentCall(c) {
  const states = { ringing: "ringing", answered: "answered", hangup: "ended" };
  const who = sb.el("div", { class: "agent-recent-who" });
  if (c.contact) {
    const name = c.contact.name || c.name || "Contact " + c.contact.id;
    who.append(c.contact.url ? sb.el("a", { href: c.contact.url, target: "_blank", rel: "noopener", class: "contact" }, name) : name);
  } else {
    who.append(c.name || "Unknown caller");
  }
  const meta = [c.number, states[c.state] || c.state, sb.time(c.startTime || c.createdAt)].filter(Boolean).join(" · ");
  const side = sb.el("div", { class: "agent-recent-side" });
  if (!c.contact) side.append(sb.el("span", { class: "status unknown" }, "no contact"));
  if (c.ticket) {
    side.append(c.ticket.url ? sb.el("a", { href: c.ticket.url, target: "_blank", rel: "noopener", class: "ticket" }, "Ticket #" + c.ticket.id) : sb.el("span", { class: "hint" }, "Ticket #" + c.ticket.id));
  }
  return sb.el("li", { "data-call": c.id }, who, sb.el("div", { class: "hint" }, meta), side);
}

// popCreateContact is the card's form that creates a contact for an
// unknown caller in the helpdesk that popped the call, and links it.
function popCreateContact(pop, recent) {
  const n = "pc-" + pop.callId.replace(/[^A-Za-z0-9_-]/g, "_") + "-" + pop.integrationId;
  const first = sb.el("input", { id: n + "-first", name: "firstName", autocomplete: "off" });
  const last = sb.el("input", { id: n + "-last", name: "lastName", autocomplete: "off" });
  const [firstName, lastName] = (pop.name || "").trim().split(/\s+(?=\S+$)/);
  first.value = firstName || "";
  last.value = lastName || "";
  const button = sb.el("button", { type: "submit", class: "secondary" }, "Create contact");
  const result = sb.el("p", { class: "pop-created", role: "status" });
  const form = sb.el("form", { class: "pop-create", "aria-label": "Create a contact for " + pop.number },
    sb.el("p", { class: "hint" }, "Not in the helpdesk yet. Create a contact for " + pop.number + ":"),
    sb.el("div", { class: "pop-create-fields" },
      sb.el("div", {}, sb.el("label", { for: first.id }, "First name"), first),
      sb.el("div", {}, sb.el("label", { for: last.id }, "Last name"), last)),
    sb.el("div", { class: "actions" }, button),
    result);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    result.className = "pop-created";
    result.textContent = "";
    try {
      const c = await sb.busy(button, "Creating…", sb.api("POST", "/api/v1/integrations/" + encodeURIComponent(pop.integrationId) + "/contacts",
        { firstName: first.value.trim(), lastName: last.value.trim(), number: pop.number, callId: pop.callId }));
      const name = [first.value.trim(), last.value.trim()].filter(Boolean).join(" ") || pop.number;
      result.replaceChildren("Created " + name + " in the helpdesk. ",
        c.url ? sb.el("a", { href: c.url, target: "_blank", rel: "noopener", class: "contact" }, "Open the contact") : "(contact " + c.contactId + ")");
      result.classList.add("notice");
      const hadFocus = form.contains(document.activeElement);
      for (const e of form.querySelectorAll(".hint, .pop-create-fields, .actions")) e.remove();
      const card = form.closest(".pop");
      if (card) card.querySelector(".who").textContent = name;
      // The button is gone: focus goes to what replaced it, not to the page.
      if (hadFocus) {
        result.setAttribute("tabindex", "-1");
        result.focus();
      }
      recent.reload();
    } catch (err) {
      result.classList.add("error");
      result.textContent = "Not created: " + err.message;
    }
  });
  return form;
}
