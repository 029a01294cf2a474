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
    if (pop.url) {
      card.append(sb.el("a", { href: pop.url, target: "_blank", rel: "noopener", class: "contact" }, "Open the contact"));
    }
    document.getElementById("pops").prepend(card);
  });
}
