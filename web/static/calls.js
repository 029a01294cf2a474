"use strict";

// The calls the PBX reported, newest first, filtered and paged as the API
// does. The list reloads when a screen pop goes out (the stream has no
// event for every call), every 15 seconds while the first page shows, and
// on Refresh.
const CALLS_PAGE = 25;

sb.start(async () => {
  document.getElementById("calls-page").hidden = false;
  const form = document.getElementById("calls-filter");
  const body = document.getElementById("calls");
  const empty = document.getElementById("calls-empty");
  const error = document.getElementById("calls-error");
  const live = document.getElementById("calls-live");
  let offset = 0;

  // The filter applied is the form's as it was last submitted: paging,
  // the 15 s reload and Refresh use it, never what is half typed since.
  const filterOfForm = () => ({
    extension: form.elements.extension.value.trim(),
    number: form.elements.number.value.trim(),
    state: form.elements.state.value,
  });
  let applied = filterOfForm();
  const load = async (at, current) => {
    error.hidden = true;
    const filter = applied;
    let res;
    try {
      res = await sb.api("GET", "/api/v1/calls" + sb.query(Object.assign({}, filter, { limit: CALLS_PAGE, offset: at })));
    } catch (err) {
      if (current()) sb.showError("calls-error", err);
      return 0;
    }
    if (!current()) return 0; // a newer load shows instead
    offset = at;
    body.replaceChildren(...res.calls.map(callRow));
    const filtered = Object.values(filter).some((v) => v !== "");
    empty.textContent = at > 0 ? "No more calls." : filtered ? "No call matches these filters." : "No calls yet. Calls appear here as the PBX reports them.";
    empty.hidden = res.calls.length > 0;
    document.getElementById("calls-updated").textContent = "Updated " + new Date().toLocaleTimeString() + ".";
    return res.calls.length;
  };
  const pager = sb.pager(document.getElementById("calls-pager"), CALLS_PAGE, load);
  const apply = () => {
    applied = filterOfForm();
    pager.reset();
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    apply();
  });
  form.elements.state.addEventListener("change", apply);
  const refresh = document.getElementById("calls-refresh");
  refresh.addEventListener("click", () => sb.busy(refresh, "Refreshing…", pager.reload()));
  await pager.reset();

  // Reload the page shown when something happens; on the first page only
  // by the clock, so that paging back is not disturbed.
  let pending = null;
  const soon = () => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; pager.reload(); }, 300);
  };
  const es = sb.events((st) => {
    live.textContent = {
      "live": "Live: the list follows screen pops and refreshes every 15 s.",
      "reconnecting": "Reconnecting…",
      "signed-out": "Not updating: you are signed out.",
    }[st];
  });
  es.addEventListener("screenPop", soon);
  es.addEventListener("resync", soon);
  setInterval(() => {
    if (offset === 0 && !document.hidden) pager.reload();
  }, 15000);
});

const CALL_STATES = { ringing: "Ringing", answered: "Answered", hangup: "Ended" };

// callRow is one call of the list; the caller links to the call's page.
function callRow(c) {
  const when = c.startTime || c.createdAt;
  const who = sb.el("td", {},
    sb.el("a", { href: "/calls/" + encodeURIComponent(c.id), class: "call-link" }, c.name || c.number || "Unknown number"),
    sb.el("span", { class: "reason" }, (c.name ? c.number + " · " : "") + (c.direction || "")));
  const contact = sb.el("td", {});
  if (c.contact) {
    const name = c.contact.name || "Contact " + c.contact.id;
    contact.append(c.contact.url ? sb.el("a", { href: c.contact.url, target: "_blank", rel: "noopener" }, name) : name);
  } else {
    contact.append(sb.el("span", { class: "hint" }, c.unrouted ? "Not routed" : "None found"));
    if (c.unrouted) contact.append(sb.el("span", { class: "reason" }, c.unrouted));
  }
  const ticket = sb.el("td", {});
  if (c.ticket) {
    ticket.append(c.ticket.url ? sb.el("a", { href: c.ticket.url, target: "_blank", rel: "noopener" }, "#" + c.ticket.id) : "#" + c.ticket.id);
  } else {
    ticket.append(sb.el("span", { class: "hint" }, "—"));
  }
  return sb.el("tr", { "data-call": c.id },
    sb.el("td", { class: "calls-time" }, sb.time(when)),
    who,
    sb.el("td", {}, c.extension || "—"),
    sb.el("td", {}, sb.el("span", { class: "status " + c.state }, CALL_STATES[c.state] || c.state || "—")),
    contact,
    ticket,
    sb.el("td", {}, callSteps(c.steps)));
}

// callSteps sums up a call's steps: failed and waiting ones stand out.
function callSteps(s) {
  if (!s || !s.total) return sb.el("span", { class: "hint" }, "None");
  const out = sb.el("span", { class: "call-steps" });
  if (s.failed) out.append(sb.el("span", { class: "status failed" }, s.failed + " failed"));
  const waiting = (s.pending || 0) + (s.running || 0);
  if (waiting) out.append(sb.el("span", { class: "status pending" }, waiting + " pending"));
  const done = (s.succeeded || 0) + (s.skipped || 0);
  out.append(sb.el("span", { class: "hint" }, done + " of " + s.total + " done"));
  return out;
}
