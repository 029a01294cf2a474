"use strict";

// The history: every session, searched by channel, numbers, agent and
// time, paged as the API pages, exported as the API's zip. The search
// lives in the page's address, so Back from a conversation comes back to
// the same list.

const PAGE = 25;
const form = document.getElementById("history-search");
const channelNames = {};
let queueNames = {};
let pager;
// searched is the search last submitted (or the page's address's): the
// list's pages and the export are of it, not of fields edited since.
let searched = {};

sb.start(async () => {
  const [channels, queues] = await Promise.all([
    sb.api("GET", "/api/v1/channels"),
    sb.api("GET", "/api/v1/queues").catch(() => ({ queues: [] })),
  ]);
  const select = document.getElementById("h-channel");
  for (const ch of channels.channels) {
    channelNames[ch.id] = ch.name;
    select.append(sb.el("option", { value: ch.id }, ch.name));
  }
  queueNames = Object.fromEntries((queues.queues || []).map((q) => [q.id, q.name]));
  document.getElementById("h-zone").textContent = "Times are in your time zone (" +
    (Intl.DateTimeFormat().resolvedOptions().timeZone || "local time") + ").";
  fillForm(new URLSearchParams(location.search));
  searched = formValues();
  document.getElementById("history-page").hidden = false;
  pager = sb.pager(document.getElementById("history-pager"), PAGE, load);
  await pager.reset();
});

// fillForm puts a search from the page's address back in the form.
function fillForm(params) {
  for (const el of form.elements) {
    if (el.name && params.has(el.name)) el.value = params.get(el.name);
  }
}

// formValues are the form's fields as typed (times as the browser's
// date-time inputs give them, in the browser's time zone).
function formValues() {
  const v = {};
  for (const el of form.elements) {
    if (el.name) v[el.name] = el.value.trim();
  }
  return v;
}

// apiFilter is the search submitted, as the API takes it: times converted
// from the browser's time zone to RFC 3339 instants.
function apiFilter() {
  const v = Object.assign({}, searched);
  for (const k of ["from", "to"]) {
    if (v[k]) {
      const t = new Date(v[k]);
      v[k] = isNaN(t) ? v[k] : t.toISOString();
    }
  }
  return v;
}

async function load(offset, current) {
  const err = document.getElementById("search-error");
  err.hidden = true;
  const body = document.getElementById("sessions");
  let res;
  try {
    res = await sb.api("GET", "/api/v1/history/sessions" + sb.query(Object.assign(apiFilter(), { limit: PAGE, offset })));
  } catch (e) {
    if (!current()) return 0;
    sb.showError("search-error", e);
    body.replaceChildren();
    document.getElementById("sessions-empty").hidden = true;
    return 0;
  }
  if (!current()) return 0; // a newer load shows instead
  body.replaceChildren(...res.sessions.map(row));
  const empty = document.getElementById("sessions-empty");
  empty.hidden = res.sessions.length > 0 || offset > 0;
  empty.textContent = Object.values(searched).some((v) => v !== "")
    ? "No conversation matches this search."
    : "No conversations yet: they appear here when customers write to a channel.";
  return res.sessions.length;
}

function row(s) {
  const open = sb.el("a", { href: "/history/" + encodeURIComponent(s.id), class: "session-link" }, s.customer || "(unknown)");
  let agent = sb.el("span", { class: "hint" }, "—");
  if (s.assignee) agent = sb.el("span", {}, s.assignee);
  else if (s.queueId) agent = sb.el("span", { class: "hint" }, "queue " + (queueNames[s.queueId] || s.queueId));
  const state = sb.el("span", { class: "status " + s.state }, s.state);
  return sb.el("tr", { "data-session": s.id },
    sb.el("td", {}, open, s.removed ? sb.el("span", { class: "reason" }, "removed from agents' lists") : ""),
    sb.el("td", {}, channelNames[s.channelId] || sb.el("span", { class: "hint" }, "deleted channel"),
      sb.el("span", { class: "reason mono" }, s.channelNumber)),
    sb.el("td", {}, agent),
    sb.el("td", {}, state),
    sb.el("td", {}, sb.el("time", { datetime: s.createdAt }, sb.time(s.createdAt))),
    sb.el("td", {}, sb.el("time", { datetime: s.lastMessageAt }, sb.time(s.lastMessageAt))));
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  searched = formValues();
  history.replaceState(null, "", "/history" + sb.query(searched));
  if (pager) pager.reset();
});

document.getElementById("h-clear").addEventListener("click", () => {
  form.reset();
  searched = formValues();
  history.replaceState(null, "", "/history");
  if (pager) pager.reset();
});

// The export: the zip of the current search, fetched with its progress
// shown, then offered as a download.
const exportButton = document.getElementById("h-export");
exportButton.addEventListener("click", async () => {
  const status = document.getElementById("export-status");
  const error = document.getElementById("export-error");
  error.hidden = true;
  status.hidden = false;
  status.replaceChildren("Preparing the export…");
  try {
    const link = await sb.busy(exportButton, "Exporting…", download(status));
    status.replaceChildren("Export ready: ", link, " (" + size(Number(link.dataset.bytes)) + ").");
    link.click();
  } catch (e) {
    status.hidden = true;
    error.textContent = "The export failed: " + e.message;
    error.hidden = false;
  }
});

// lastExport is the zip last downloaded: its object URL is revoked when
// the next export replaces it.
let lastExport = null;

async function download(status) {
  const f = apiFilter();
  const res = await fetch("/api/v1/history/export" + sb.query(f), { credentials: "same-origin" });
  if (!res.ok) {
    let msg = "the service answered " + res.status + " " + res.statusText;
    try {
      const data = await res.json();
      if (data.error && data.error.message) msg = data.error.message;
    } catch (_) { /* not the API's JSON */ }
    throw new Error(msg);
  }
  const parts = [];
  let got = 0;
  if (res.body && res.body.getReader) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      got += value.length;
      status.replaceChildren("Exporting… " + size(got) + " received");
    }
  } else {
    parts.push(await res.arrayBuffer());
  }
  const blob = new Blob(parts, { type: "application/zip" });
  const m = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "");
  if (lastExport) URL.revokeObjectURL(lastExport.url);
  lastExport = { blob, url: URL.createObjectURL(blob) };
  const link = sb.el("a", { id: "export-link", href: lastExport.url, download: m ? m[1] : "chat-history.zip" }, m ? m[1] : "chat-history.zip");
  link.dataset.bytes = String(blob.size);
  return link;
}

function size(n) {
  if (n < 1024) return n + " bytes";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}
