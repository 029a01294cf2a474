"use strict";

// One call: what each integration found (contact, pop-up URL, ticket) and
// each step with its status, attempts and masked trace. A failed step can
// be retried; while a step is under way the page follows it.
const STEP_NAMES = {
  lookup: "Look up the caller", createContact: "Create the contact", createTicket: "Create the ticket",
  updateTicket: "Update the ticket", journal: "Journal the call",
};

sb.start(async () => {
  document.getElementById("call-page").hidden = false;
  const id = decodeURIComponent(location.pathname.replace(/^\/calls\//, ""));
  let names = {};
  try {
    const ints = await sb.api("GET", "/api/v1/integrations");
    for (const i of ints.integrations) names[i.id] = i.templateId.replace(/^builtin_/, "");
  } catch (_) {
    names = {}; // ids instead of names: the call still shows
  }
  const integration = (iid) => (names[iid] ? names[iid] + " (" + iid + ")" : iid);

  let timer = null;
  let errorAt = null; // the run whose retry was refused, with its message
  // The runs whose Retry is under way (asked, then followed): the polls
  // re-render the runs, and a re-rendered Retry stays disabled meanwhile.
  const retrying = new Set();
  const show = async () => {
    clearTimeout(timer);
    let d;
    try {
      d = await sb.api("GET", "/api/v1/calls/" + encodeURIComponent(id));
    } catch (err) {
      sb.showError("call-error", err);
      if (err.status === 404) document.getElementById("call-title").textContent = "No call " + id;
      return;
    }
    document.getElementById("call-error").hidden = true;
    callHeader(d.call);
    callLinks(d.integrations || {}, integration);
    const runs = d.runs || [];
    const box = document.getElementById("call-runs");
    // Focus on a run's button stays on that run's button once re-rendered.
    const focused = box.contains(document.activeElement) && document.activeElement.closest("[data-run]");
    box.replaceChildren(...runs.map((r) => callRun(r, integration, retry, errorAt, retrying.has(r.id))));
    if (focused) {
      const again = box.querySelector('[data-run="' + CSS.escape(focused.dataset.run) + '"]');
      const b = again && again.querySelector(".call-retry");
      if (b && !b.disabled) b.focus();
      else if (again) {
        again.setAttribute("tabindex", "-1");
        again.focus();
      }
    }
    document.getElementById("call-runs-empty").hidden = runs.length > 0;
    const busy = runs.filter((r) => r.status === "pending" || r.status === "running");
    const state = document.getElementById("call-steps-state");
    state.textContent = busy.length ? "Working on " + busy.length + " step" + (busy.length > 1 ? "s" : "") + "…" : "Updated " + new Date().toLocaleTimeString() + ".";
    if (busy.length) timer = setTimeout(show, 1000);
  };
  const retry = async (run, button) => {
    if (retrying.has(run.id)) return;
    retrying.add(run.id);
    errorAt = null;
    try {
      await sb.busy(button, "Retrying…", sb.api("POST", "/api/v1/runs/" + encodeURIComponent(run.id) + "/retry"));
      document.getElementById("call-steps-state").textContent = "Retrying " + (STEP_NAMES[run.step] || run.step) + "…";
      // The retry is queued: follow the step until it has run again.
      let tries = 0;
      const follow = async () => {
        await show();
        const again = await sb.api("GET", "/api/v1/runs" + sb.query({ callId: id }));
        const now = again.runs.find((r) => r.id === run.id);
        if (now && now.status === "failed" && now.attempts === run.attempts && tries++ < 30) {
          timer = setTimeout(follow, 1000);
        } else {
          await show();
        }
      };
      await follow();
    } catch (err) {
      errorAt = { id: run.id, message: err.status === 409 ? "Not retried: " + err.message : err.message };
      retrying.delete(run.id);
      await show();
    } finally {
      // The last render may have shown the retry under way: it no longer is.
      if (retrying.delete(run.id)) {
        const b = document.querySelector('#call-runs [data-run="' + CSS.escape(run.id) + '"] .call-retry');
        if (b) callRetryIdle(b);
      }
    }
  };
  const reload = document.getElementById("call-reload");
  reload.addEventListener("click", () => sb.busy(reload, "Refreshing…", show()));
  await show();
});

function callHeader(c) {
  document.getElementById("call-title").textContent = (c.direction === "outbound" ? "Call to " : "Call from ") + (c.external && (c.external.name || c.external.number) || "an unknown number");
  document.title = document.getElementById("call-title").textContent + " · Switchboard";
  const facts = [];
  if (c.external && c.external.name) facts.push(c.external.number);
  facts.push("extension " + (c.extension || "—"));
  facts.push({ ringing: "ringing", answered: "answered", hangup: "ended" }[c.state] || c.state);
  if (c.startTime) facts.push("started " + sb.time(c.startTime));
  if (c.answerTime) facts.push("answered " + sb.time(c.answerTime));
  if (c.endTime) facts.push("ended " + sb.time(c.endTime));
  if (c.disposition) facts.push(c.disposition.toLowerCase());
  if (c.talkSeconds != null) facts.push(c.talkSeconds + " s talk");
  facts.push("id " + c.id);
  document.getElementById("call-facts").textContent = facts.join(" · ");
  const un = document.getElementById("call-unrouted");
  un.hidden = !c.unrouted;
  un.textContent = c.unrouted ? "No integration works on this call: " + c.unrouted : "";
}

// callLinks shows, per integration, the contact found (with its pop-up
// URL) and the ticket.
function callLinks(links, integration) {
  const box = document.getElementById("call-links");
  const cards = [];
  for (const iid of Object.keys(links).sort()) {
    const l = links[iid];
    const dl = sb.el("dl", { class: "call-facts" });
    const row = (term, ...value) => dl.append(sb.el("dt", {}, term), sb.el("dd", {}, ...value));
    const name = [l.FirstName, l.LastName].filter(Boolean).join(" ");
    if (l.ContactId || l.ContactUrl) {
      row("Contact", (name || "Contact " + l.ContactId) + (l.ContactCreated ? " (created for this call)" : ""));
      if (l.ContactUrl) {
        row("Pop-up URL", sb.el("a", { href: l.ContactUrl, target: "_blank", rel: "noopener", class: "mono call-url" }, l.ContactUrl));
      } else {
        row("Pop-up URL", sb.el("span", { class: "hint" }, "none: the template gives no contact page"));
      }
    } else {
      row("Contact", sb.el("span", { class: "hint" }, "none found"));
    }
    if (l.PoppedAt) row("Popped up", sb.time(l.PoppedAt));
    if (l.TicketId) {
      row("Ticket", l.TicketUrl ? sb.el("a", { href: l.TicketUrl, target: "_blank", rel: "noopener" }, "#" + l.TicketId) : "#" + l.TicketId);
    } else {
      row("Ticket", sb.el("span", { class: "hint" }, "none"));
    }
    cards.push(sb.el("article", { class: "card", "data-integration": iid }, sb.el("h3", {}, integration(iid)), dl));
  }
  box.replaceChildren(...cards);
  document.getElementById("call-links-empty").hidden = cards.length > 0;
}

// callRun is one step: status, attempts, error or reason, its trace, and
// Retry when it failed.
function callRun(r, integration, retry, errorAt, retrying) {
  const head = sb.el("div", { class: "call-run-head" },
    sb.el("h3", {}, STEP_NAMES[r.step] || r.step),
    sb.el("span", { class: "status " + r.status }, r.status),
    sb.el("span", { class: "hint" }, integration(r.integrationId) + " · " + r.scenario + " · " +
      r.attempts + (r.attempts === 1 ? " attempt" : " attempts") + " · " + sb.time(r.updatedAt)));
  const card = sb.el("article", { class: "card call-run", "data-run": r.id, "data-step": r.step, "data-status": r.status }, head);
  if (r.lastError) card.append(sb.el("p", { class: "error call-run-error" }, r.lastError));
  if (r.skipReason) card.append(sb.el("p", { class: "hint" }, "Skipped: " + r.skipReason));
  if (r.status === "failed") {
    const b = sb.el("button", { type: "button", class: "secondary call-retry", "aria-label": "Retry " + (STEP_NAMES[r.step] || r.step) }, "Retry");
    b.addEventListener("click", () => retry(r, b));
    if (retrying) {
      b.disabled = true;
      b.textContent = "Retrying…";
      b.setAttribute("aria-busy", "true");
    }
    const actions = sb.el("div", { class: "actions" }, b);
    const later = { retryable: "Switchboard tries it again by itself later; Retry tries now.", scheduled: "Switchboard tries it again by itself later; Retry tries now.",
      available: "About to be tried again.", running: "Being tried again right now.", cancelled: "Given up: only Retry tries it again.", discarded: "Given up: only Retry tries it again." };
    if (r.jobState) actions.append(sb.el("span", { class: "hint" }, later[r.jobState] || "Job " + r.jobState + "."));
    card.append(actions);
  }
  if (errorAt && errorAt.id === r.id) card.append(sb.el("p", { class: "error call-retry-error", role: "alert" }, errorAt.message));
  const trace = Array.isArray(r.trace) ? r.trace : [];
  if (trace.length) {
    const det = sb.el("details", { class: "call-trace" }, sb.el("summary", {}, "Trace: " + trace.length + (trace.length === 1 ? " request" : " requests") + " (secrets masked)"));
    for (const x of trace) det.append(callExchange(x));
    if (r.status === "failed") det.open = true;
    card.append(det);
  }
  return card;
}

// callRetryIdle puts a Retry button shown as under way back to rest.
function callRetryIdle(b) {
  b.disabled = false;
  b.textContent = "Retry";
  b.removeAttribute("aria-busy");
}

function callExchange(x) {
  const status = x.skipped ? "skipped" : (x.status ? String(x.status) : "no answer");
  const ok = x.status >= 200 && x.status < 300;
  const box = sb.el("div", { class: "call-exchange" },
    sb.el("div", { class: "call-exchange-line" },
      sb.el("span", { class: "status " + (x.skipped ? "skipped" : ok ? "succeeded" : "failed") }, status),
      sb.el("code", {}, (x.method || "") + " " + (x.url || "")),
      sb.el("span", { class: "hint" }, (x.request ? x.request + " · " : "") + (x.durationMs || 0) + " ms" + (x.attempts > 1 ? " · " + x.attempts + " tries" : ""))));
  if (x.skipReason) box.append(sb.el("p", { class: "hint" }, x.skipReason));
  if (x.error) box.append(sb.el("p", { class: "error" }, x.error));
  const block = (label, headers, bodyText) => {
    const lines = Object.entries(headers || {}).map(([k, v]) => k + ": " + v);
    if (bodyText) lines.push((lines.length ? "\n" : "") + bodyText);
    if (!lines.length) return;
    box.append(sb.el("div", { class: "call-exchange-part" }, sb.el("span", { class: "hint" }, label), sb.el("pre", {}, lines.join("\n"))));
  };
  block("Request", x.requestHeaders, x.requestBody);
  block("Response", x.responseHeaders, x.responseBody);
  return box;
}
