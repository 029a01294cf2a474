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

// overview shows the admin the state of integrations and channels.
async function overview() {
  document.getElementById("admin-overview").hidden = false;
  const [ints, chans] = await Promise.all([
    sb.api("GET", "/api/v1/integrations"),
    sb.api("GET", "/api/v1/channels"),
  ]);
  const ib = document.getElementById("integrations");
  for (const i of ints.integrations) {
    ib.append(sb.el("tr", {}, sb.el("td", {}, i.id), sb.el("td", {}, i.templateId), statusCell(i.status, i.statusReason)));
  }
  document.getElementById("integrations-empty").hidden = ints.integrations.length > 0;
  const cb = document.getElementById("channels");
  for (const c of chans.channels) {
    cb.append(sb.el("tr", {}, sb.el("td", {}, c.name), sb.el("td", {}, c.kind || ""), statusCell(c.status, c.statusReason)));
  }
  document.getElementById("channels-empty").hidden = chans.channels.length > 0;
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
  // The service could not replay what happened while the console was away
  // (too long ago): the cards shown may miss a call.
  es.addEventListener("resync", () => { state.textContent = "Live again; calls that rang while the console was away may be missing."; });
  es.addEventListener("screenPop", (ev) => {
    const pop = JSON.parse(ev.data).data;
    document.getElementById("pops-empty").hidden = true;
    const who = pop.contactName || pop.name || "Unknown caller";
    const card = sb.el("article", { class: "card pop", "data-call": pop.callId },
      sb.el("div", { class: "who" }, who),
      sb.el("div", { class: "number" }, pop.number),
      sb.el("div", { class: "meta" }, pop.trigger + " · " + new Date().toLocaleTimeString()));
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
  const recent = agentRecentCalls();
}

// agentRecentCalls lists the agent's recent calls (the API lists only
// their extension's) with the contact of each, paged; soon() reloads it
// shortly after something happened.
function agentRecentCalls() {
  const list = document.getElementById("recent-calls");
  const limit = 10;
  const load = async (offset) => {
    document.getElementById("recent-error").hidden = true;
    let res;
    try {
      res = await sb.api("GET", "/api/v1/calls" + sb.query({ limit, offset }));
    } catch (err) {
      sb.showError("recent-error", err);
      return 0;
    }
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
      for (const e of form.querySelectorAll(".hint, .pop-create-fields, .actions")) e.remove();
      const card = form.closest(".pop");
      if (card) card.querySelector(".who").textContent = name;
      recent.reload();
    } catch (err) {
      result.classList.add("error");
      result.textContent = "Not created: " + err.message;
    }
  });
  return form;
}
