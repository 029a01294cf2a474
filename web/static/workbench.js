// The template workbench: edit a template with validation as you type,
// run one of its scenarios against the real API as `switchboard template
// run` does, and save it through the same validation as an upload.
"use strict";

const wb = {
  templateId: "",   // the stored template being edited ("" for a new one)
  builtIn: false,
  fromDraft: false,
  seq: 0,           // the latest validation asked for; older answers are dropped
  timer: 0,
  check: null,      // the latest validation's answer
  dirty: false,     // edited since opened or saved
  fieldsKey: "",    // what the field form was built from
  scenariosKey: "",
};

// A small template to start from: one contact lookup.
const EXAMPLE = `<Information Provider="helpdesk" Name="My helpdesk" Key="my_helpdesk" Version="1.0.0" AuthType="basic">
  <Scenarios>
    <Scenario Id="AuthMethod" Type="AUTH">
      <Parameters>
        <Parameter Name="AuthMethod" Value="basic"/>
        <Parameter Name="CredentialType" Value="username_password"/>
        <Parameter Father="CustomFieldList" Name="base_url" Editor="string" Title="Base URL (https://desk.example.com)"/>
        <Parameter Father="CustomFieldList" Name="username" Editor="string" Title="User name"/>
        <Parameter Father="CustomFieldList" Name="password" Editor="password" Title="Password"/>
        <Parameter Father="PopulateTemplateString" Name="Accept" Type="Header" Value="application/json"/>
      </Parameters>
    </Scenario>
    <Scenario Id="SyncContactAuto" Type="REST">
      <Parameters>
        <Parameter Name="ContactUrlType" Value="specify_url_format"/>
        <Parameter Name="URLFormat" Value="{{.base_url}}/contacts/{{.ContactId}}"/>
      </Parameters>
      <Requests>
        <Request Name="contacts" Method="GET" ResponseType="application/json" URLFormat="{{.base_url}}/api/contacts?phone={{UrlEncode .Phone}}">
          <Outputs>
            <Output Name="ContactsId" Path="data.#.id"/>
            <Output Name="FirstName" Path="data.#.name"/>
            <Output Name="BusinessNumber" Path="data.#.phone"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>
  </Scenarios>
</Information>
`;

// The variables a scenario usually needs, offered as empty rows.
const SCENARIO_VARS = {
  SyncContactAuto: ["Phone"],
  SearchContact: ["SearchValue"],
  CreateNewContact: ["Phone"],
  CreateNewTicket: ["Call_From", "Call_To", "ContactId"],
  CallJournal: ["Call_From", "Call_To", "ContactId"],
  SendMessage: ["To", "From", "Text"],
};

const $ = (id) => document.getElementById(id);

// ---- the editor -------------------------------------------------------

function lineCount(text) {
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

// renderGutter numbers the lines and marks those with problems.
function renderGutter() {
  const code = $("wb-code");
  const gutter = $("wb-gutter");
  const n = lineCount(code.value);
  const marks = {};
  for (const p of (wb.check && wb.check.problems) || []) {
    if (p.line > 0 && marks[p.line] !== "error") marks[p.line] = p.severity;
  }
  const frag = document.createDocumentFragment();
  for (let i = 1; i <= n; i++) {
    const d = document.createElement("div");
    d.textContent = String(i);
    if (marks[i]) d.className = "wb-mark-" + marks[i];
    frag.append(d);
  }
  // Room for the last line's horizontal scroll bar.
  frag.append(sb.el("div", { class: "wb-gutter-end" }, " "));
  gutter.replaceChildren(frag);
  gutter.scrollTop = code.scrollTop;
}

// offsetOf answers the character offset of line:column (both from 1).
function offsetOf(text, line, column) {
  let off = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf("\n", off);
    if (nl < 0) return text.length;
    off = nl + 1;
  }
  const end = text.indexOf("\n", off);
  const lineEnd = end < 0 ? text.length : end;
  return Math.min(off + Math.max(0, (column || 1) - 1), lineEnd);
}

function showCaret() {
  const code = $("wb-code");
  const before = code.value.slice(0, code.selectionStart);
  const line = lineCount(before);
  const col = before.length - before.lastIndexOf("\n");
  $("wb-caret").textContent = "Line " + line + ", column " + col;
}

// goTo puts the caret at line:column and scrolls it into view.
function goTo(line, column) {
  const code = $("wb-code");
  const off = offsetOf(code.value, line, column);
  code.focus();
  code.setSelectionRange(off, off);
  const lh = parseFloat(getComputedStyle(code).lineHeight) || 20;
  code.scrollTop = Math.max(0, (line - 1) * lh - code.clientHeight / 3);
  $("wb-gutter").scrollTop = code.scrollTop;
  showCaret();
}

function setCode(text) {
  $("wb-code").value = text;
  renderGutter();
  validateSoon(0);
}

// ---- validation as you type ----------------------------------------------

function validateSoon(delay) {
  clearTimeout(wb.timer);
  wb.timer = setTimeout(validate, delay === undefined ? 400 : delay);
}

async function validate() {
  const xml = $("wb-code").value;
  const mine = ++wb.seq;
  if (xml.trim() === "") {
    wb.check = null;
    showProblems([], "Type or paste a template to check it.", "");
    renderGutter();
    return;
  }
  $("wb-check").textContent = "Checking…";
  $("wb-check").className = "wb-check";
  let answer;
  try {
    answer = await sb.sendXML("POST", "/api/v1/templates/validate", xml);
  } catch (err) {
    if (mine !== wb.seq) return;
    showProblems([], "Could not check the template: " + err.message, "error");
    return;
  }
  if (mine !== wb.seq) return; // a newer check is on its way
  wb.check = answer;
  const errors = answer.problems.filter((p) => p.severity === "error").length;
  const warnings = answer.problems.length - errors;
  let summary = "No problems.";
  let kind = "ok";
  if (errors) {
    summary = plural(errors, "error") + (warnings ? ", " + plural(warnings, "warning") : "") + ": the template cannot be saved or run.";
    kind = "error";
  } else if (warnings) {
    summary = "Valid, with " + plural(warnings, "warning") + ".";
    kind = "warning";
  }
  showProblems(answer.problems, summary, kind);
  renderGutter();
  showWhat();
  showScenarios(answer.scenarios);
  showFields(answer.fields, answer.authType);
  updateRunButton();
}

function plural(n, noun) {
  return n + " " + noun + (n === 1 ? "" : "s");
}

// showProblems lists problems at line:column, errors and warnings apart;
// each one takes the caret there.
function showProblems(problems, summary, kind) {
  const check = $("wb-check");
  check.textContent = summary;
  check.className = "wb-check" + (kind ? " wb-check-" + kind : "");
  const lists = { error: $("wb-errors"), warning: $("wb-warnings") };
  lists.error.replaceChildren();
  lists.warning.replaceChildren();
  for (const p of problems) {
    const where = p.line ? p.line + ":" + (p.column || 1) : "–";
    const b = sb.el("button", { type: "button", class: "wb-problem", "data-line": String(p.line || 0), "data-column": String(p.column || 0) },
      sb.el("span", { class: "wb-where mono" }, where),
      sb.el("span", { class: "wb-message" }, p.message),
      p.path ? sb.el("span", { class: "wb-path mono" }, p.path) : "");
    b.setAttribute("aria-label", (p.severity === "error" ? "Error" : "Warning") + " at line " + (p.line || "?") + ", column " + (p.column || "?") + ": " + p.message);
    if (p.line) b.addEventListener("click", () => goTo(p.line, p.column));
    (lists[p.severity] || lists.warning).append(sb.el("li", { class: "wb-" + (p.severity === "error" ? "error" : "warning") }, b));
  }
  $("wb-errors-block").hidden = lists.error.children.length === 0;
  $("wb-warnings-block").hidden = lists.warning.children.length === 0;
}

function showWhat() {
  const c = wb.check;
  const parts = [];
  if (wb.templateId) parts.push(wb.builtIn ? "Built-in template (change its Key to save a copy)" : "Stored template");
  else parts.push(wb.fromDraft ? "Draft of a rejected upload, not saved yet" : "New template, not saved yet");
  if (c && c.name) parts.push(c.name + (c.id ? " (" + c.id + ")" : "") + (c.kind ? " · " + c.kind : ""));
  $("wb-what").textContent = parts.join(" · ");
}

// ---- the run form --------------------------------------------------------

function showScenarios(scenarios) {
  const key = JSON.stringify(scenarios || []);
  if (key === wb.scenariosKey) return;
  wb.scenariosKey = key;
  const sel = $("wb-scenario");
  const was = sel.value;
  sel.replaceChildren();
  if (!scenarios || scenarios.length === 0) {
    sel.append(sb.el("option", { value: "" }, "No scenario yet"));
    sel.disabled = true;
    return;
  }
  for (const s of scenarios) sel.append(sb.el("option", { value: s }, s));
  sel.disabled = false;
  sel.value = scenarios.includes(was) ? was : (scenarios.includes("SyncContactAuto") ? "SyncContactAuto" : scenarios[0]);
  if (sel.value !== was) offerVars(sel.value);
}

function showFields(fields, authType) {
  const key = JSON.stringify(fields || []);
  $("wb-token-block").hidden = !(authType === "oauth2" || authType === "bearertoken");
  if (key === wb.fieldsKey) return;
  wb.fieldsKey = key;
  const box = $("wb-fields");
  const values = {};
  for (const input of box.querySelectorAll("[name]")) values[input.name] = input.value;
  box.replaceChildren();
  if (!fields || fields.length === 0) {
    box.append(sb.el("p", { class: "empty" }, "This template has no custom fields."));
    return;
  }
  for (const f of fields) {
    const id = "field-" + f.name;
    const label = sb.el("label", { for: id }, f.label || f.name);
    if (f.required) label.append(sb.el("span", { class: "wb-required", "aria-hidden": "true" }, " *"));
    else label.append(sb.el("span", { class: "optional" }, " (optional)"));
    let input;
    if (f.type === "list" && f.options && f.options.length) {
      input = sb.el("select", { id, name: f.name });
      if (!f.required) input.append(sb.el("option", { value: "" }, "—"));
      for (const o of f.options) input.append(sb.el("option", { value: o }, o));
    } else {
      input = sb.el("input", { id, name: f.name, type: f.secret ? "password" : "text", autocomplete: "off", spellcheck: "false" });
      if (f.default && !f.secret) input.setAttribute("placeholder", f.default);
    }
    if (f.required) input.setAttribute("aria-required", "true");
    if (values[f.name] !== undefined) input.value = values[f.name];
    box.append(label, input, sb.el("p", { class: "wb-field-name hint mono" }, f.name));
  }
}

let varRows = 0;

function addVar(name, value) {
  const i = ++varRows;
  const n = sb.el("input", { type: "text", class: "wb-var-name mono", id: "var-name-" + i, "aria-label": "Variable " + i + " name", placeholder: "Name", spellcheck: "false" });
  const v = sb.el("input", { type: "text", class: "wb-var-value", id: "var-value-" + i, "aria-label": "Variable " + i + " value", placeholder: "Value", spellcheck: "false" });
  n.value = name || "";
  v.value = value || "";
  const remove = sb.el("button", { type: "button", class: "secondary", "aria-label": "Remove variable " + i }, "Remove");
  const row = sb.el("div", { class: "wb-var" }, n, sb.el("span", { class: "wb-eq", "aria-hidden": "true" }, "="), v, remove);
  remove.addEventListener("click", () => {
    // Focus goes with the row: to the next row's Remove (else the one
    // before's), or to "Add a variable" when none is left.
    const near = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    (near ? near.querySelector("button") : $("wb-add-var")).focus();
  });
  $("wb-vars").append(row);
  return row;
}

// offerVars adds empty rows for the variables a scenario usually needs.
function offerVars(scenario) {
  const have = new Set([...document.querySelectorAll(".wb-var-name")].map((i) => i.value.trim()));
  for (const name of SCENARIO_VARS[scenario] || []) if (!have.has(name)) addVar(name, "");
}

// readsWebhook: the scenario reads a webhook instead of sending requests.
function readsWebhook() {
  const kind = wb.check && wb.check.kind;
  const s = $("wb-scenario").value;
  return (kind === "sms" || kind === "messaging") && (s === "ReceiveMessage" || s === "DeliveryReport");
}

function updateRunButton() {
  const hook = readsWebhook();
  $("wb-webhook").hidden = !hook;
  $("wb-run").textContent = hook ? "Read the webhook" : "Run";
  const ok = wb.check && wb.check.valid && $("wb-scenario").value !== "";
  $("wb-run").disabled = !ok;
  $("wb-run-state").textContent = ok ? "" : (wb.check && !wb.check.valid ? "Fix the errors to run." : "");
}

function runBody() {
  const fields = {};
  for (const input of $("wb-fields").querySelectorAll("[name]")) {
    if (input.value !== "") fields[input.name] = input.value;
  }
  const vars = {};
  for (const row of document.querySelectorAll(".wb-var")) {
    const name = row.querySelector(".wb-var-name").value.trim();
    if (name) vars[name] = row.querySelector(".wb-var-value").value;
  }
  const body = { xml: $("wb-code").value, scenario: $("wb-scenario").value, fields, vars };
  const token = $("wb-token").value;
  if (!$("wb-token-block").hidden && token) body.token = token;
  if (readsWebhook()) {
    const headers = {};
    for (const line of $("wb-webhook-headers").value.split("\n")) {
      const i = line.indexOf(":");
      if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    body.webhook = { body: $("wb-webhook-body").value, headers, url: $("wb-webhook-url").value.trim() };
  }
  return body;
}

async function run(ev) {
  ev.preventDefault();
  $("wb-run-error").hidden = true;
  const body = runBody();
  $("wb-run-state").textContent = "Running " + body.scenario + "…";
  try {
    const out = await sb.busy($("wb-run"), "Running…", sb.api("POST", "/api/v1/templates/run", body));
    $("wb-run-state").textContent = "";
    if (out.verified !== undefined) showWebhookResult(out); else showResult(out);
  } catch (err) {
    $("wb-run-state").textContent = "";
    if (err.code === "invalid_template" && Array.isArray(err.details)) {
      wb.check = Object.assign({}, wb.check, { valid: false, problems: err.details });
      showProblems(err.details, err.message, "error");
      renderGutter();
    }
    sb.showError("wb-run-error", { message: err.message });
  }
}

// ---- the result ----------------------------------------------------------

function pretty(body) {
  const t = (body || "").trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try { return JSON.stringify(JSON.parse(t), null, 2); } catch (_) { /* as it came */ }
  }
  return body || "";
}

function headersTable(headers, label) {
  const names = Object.keys(headers || {}).sort();
  if (names.length === 0) return sb.el("p", { class: "empty" }, "No headers.");
  const tbody = sb.el("tbody");
  for (const n of names) tbody.append(sb.el("tr", {}, sb.el("th", { scope: "row", class: "mono" }, n), sb.el("td", { class: "mono" }, headers[n])));
  return sb.el("table", { class: "wb-headers", "aria-label": label }, tbody);
}

function bodyBlock(body, label) {
  if (!body) return sb.el("p", { class: "empty" }, "No body.");
  return sb.el("pre", { class: "wb-body", tabindex: "0", "aria-label": label }, pretty(body));
}

function exchangeBlock(e, i) {
  const status = e.skipped ? "skipped" : (e.status ? String(e.status) : "no answer");
  const statusClass = e.skipped ? "authorizing" : (e.status >= 200 && e.status < 400 ? "connected" : "failed");
  const head = sb.el("header", { class: "wb-ex-head" },
    sb.el("span", { class: "wb-ex-n" }, String(i + 1) + "."),
    sb.el("span", { class: "wb-method mono" }, e.method || "—"),
    sb.el("span", { class: "wb-url mono" }, e.url || ""),
    sb.el("span", { class: "status " + statusClass }, status));
  const meta = [e.request ? "request " + e.request : "", e.durationMs !== undefined ? e.durationMs + " ms" : "",
    e.attempts ? plural(e.attempts, "attempt") : ""].filter(Boolean).join(" · ");
  const block = sb.el("article", { class: "wb-exchange", "aria-label": "Exchange " + (i + 1) + ": " + (e.method || "") + " " + (e.url || "") }, head,
    sb.el("p", { class: "hint wb-ex-meta" }, meta));
  if (e.skipped) {
    block.append(sb.el("p", {}, "Skipped: " + (e.skipReason || "")));
    return block;
  }
  if (e.error) block.append(sb.el("p", { class: "error" }, e.error));
  block.append(sb.el("div", { class: "wb-ex-parts" },
    sb.el("section", {}, sb.el("h4", {}, "Request"), headersTable(e.requestHeaders, "Request headers"), bodyBlock(e.requestBody, "Request body")),
    sb.el("section", {}, sb.el("h4", {}, "Response"), headersTable(e.responseHeaders, "Response headers"), bodyBlock(e.responseBody, "Response body"))));
  return block;
}

function pairsList(values, label) {
  const keys = Object.keys(values || {}).filter((k) => values[k] !== "").sort();
  if (keys.length === 0) return sb.el("p", { class: "empty" }, "None.");
  const dl = sb.el("dl", { class: "wb-pairs", "aria-label": label });
  for (const k of keys) dl.append(sb.el("dt", { class: "mono" }, k), sb.el("dd", { class: "mono" }, values[k]));
  return dl;
}

function showResult(out) {
  const failed = Boolean(out.error) || Boolean(out.sendFailure) || (out.channelStatus && out.channelStatus !== "connected");
  const body = $("wb-result-body");
  body.replaceChildren();
  body.append(sb.el("p", { class: "wb-outcome" },
    sb.el("span", { class: "status " + (failed ? "failed" : "connected") }, failed ? "failed" : "ok"),
    " " + out.scenario + " · " + plural((out.trace || []).length, "exchange") + " · " + plural((out.rows || []).length, "row")));
  if (out.error) body.append(sb.el("p", { class: "error", id: "wb-result-error" }, out.error));
  if (out.channelStatus) body.append(sb.el("p", {}, "Channel status: " + out.channelStatus + (out.statusReason ? " (" + out.statusReason + ")" : "")));
  if (out.sendFailure) body.append(sb.el("p", { class: "error" }, "Send failed (" + out.failureKind + "): " + out.sendFailure));
  for (const w of out.warnings || []) body.append(sb.el("p", { class: "wb-warn" }, "Warning: " + w));

  const cols = sb.el("div", { class: "wb-result-cols" });
  const rows = sb.el("section", {}, sb.el("h3", { class: "wb-sub" }, "Rows"));
  if (!out.rows || out.rows.length === 0) rows.append(sb.el("p", { class: "empty" }, "No rows."));
  (out.rows || []).forEach((r, i) => {
    const item = sb.el("div", { class: "wb-row" }, sb.el("p", { class: "wb-row-title" }, (i + 1) + ". " + r.request));
    if (r.contactUrl) item.append(sb.el("p", {}, "Contact: ", sb.el("a", { href: r.contactUrl, target: "_blank", rel: "noopener noreferrer" }, r.contactUrl)));
    item.append(pairsList(r.values, "Row " + (i + 1)));
    rows.append(item);
  });
  cols.append(rows, sb.el("section", {}, sb.el("h3", { class: "wb-sub" }, "Outputs"), pairsList(out.vars, "Outputs")));
  body.append(cols);

  const ex = sb.el("section", { id: "wb-exchanges" }, sb.el("h3", { class: "wb-sub" }, "Exchanges"));
  if (!out.trace || out.trace.length === 0) ex.append(sb.el("p", { class: "empty" }, "Nothing was sent."));
  (out.trace || []).forEach((e, i) => ex.append(exchangeBlock(e, i)));
  body.append(ex);
  $("wb-result").hidden = false;
  $("wb-result").scrollIntoView({ block: "start" });
}

// showWebhookResult shows what a channel read from a webhook.
function showWebhookResult(out) {
  const body = $("wb-result-body");
  body.replaceChildren(sb.el("p", { class: "wb-outcome" },
    sb.el("span", { class: "status " + (out.error ? "failed" : "connected") }, out.error ? "failed" : "ok"),
    " " + out.scenario + " · signature " + out.verified));
  if (out.error) body.append(sb.el("p", { class: "error", id: "wb-result-error" }, out.error));
  for (const w of out.warnings || []) body.append(sb.el("p", { class: "wb-warn" }, "Warning: " + w));
  const cols = sb.el("div", { class: "wb-result-cols" });
  const list = (title, items, label) => {
    const sec = sb.el("section", {}, sb.el("h3", { class: "wb-sub" }, title));
    if (!items || items.length === 0) sec.append(sb.el("p", { class: "empty" }, "None."));
    (items || []).forEach((m, i) => sec.append(sb.el("div", { class: "wb-row" },
      sb.el("p", { class: "wb-row-title" }, label + " " + (i + 1)), pairsList(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])), label + " " + (i + 1)))));
    return sec;
  };
  cols.append(list("Messages", out.messages, "Message"), list("Delivery reports", out.reports, "Report"));
  body.append(cols);
  $("wb-result").hidden = false;
  $("wb-result").scrollIntoView({ block: "start" });
}

// ---- loading and saving ----------------------------------------------------

async function loadStored(id) {
  const meta = await sb.api("GET", "/api/v1/templates/" + encodeURIComponent(id));
  const res = await fetch("/api/v1/templates/" + encodeURIComponent(id) + "/xml", { credentials: "same-origin" });
  if (!res.ok) throw new Error("the template's XML could not be read (" + res.status + ")");
  wb.templateId = meta.id;
  wb.builtIn = meta.builtIn;
  $("wb-save").textContent = meta.builtIn ? "Save as a copy" : "Save";
  const xml = await res.text();
  $("wb-secrets-note").hidden = !xml.includes("Downloaded without its secrets.");
  setCode(xml);
}

// draft answers the rejected upload the templates page left, if any.
function draft() {
  const raw = sessionStorage.getItem("sb.workbench.draft");
  if (!raw) return "";
  try {
    const d = JSON.parse(raw);
    if (d && typeof d === "object" && typeof d.xml === "string") return d.xml;
    if (typeof d === "string") return d;
  } catch (_) { /* the XML itself */ }
  return raw;
}

async function save() {
  $("wb-save-error").hidden = true;
  $("wb-saved").hidden = true;
  const xml = $("wb-code").value;
  if (xml.trim() === "") {
    sb.showError("wb-save-error", { message: "Not saved: the editor is empty; paste or type a template first." });
    return;
  }
  const replace = wb.templateId && !wb.builtIn;
  try {
    const t = await sb.busy($("wb-save"), "Saving…", replace
      ? sb.sendXML("PUT", "/api/v1/templates/" + encodeURIComponent(wb.templateId), xml)
      : sb.sendXML("POST", "/api/v1/templates", xml));
    wb.templateId = t.id;
    wb.builtIn = false;
    wb.dirty = false;
    $("wb-save").textContent = "Save";
    if (wb.fromDraft) sessionStorage.removeItem("sb.workbench.draft");
    wb.fromDraft = false;
    history.replaceState(null, "", "/workbench?template=" + encodeURIComponent(t.id));
    const warnings = (t.warnings || []).length;
    const saved = $("wb-saved");
    saved.replaceChildren((replace ? "Saved " : "Created ") + t.name + " (" + t.key + ")" + (warnings ? ", with " + plural(warnings, "warning") : "") + ". ",
      sb.el("a", { href: "/templates" }, "See all templates"));
    saved.hidden = false;
    showWhat();
    await listStored();
  } catch (err) {
    if (err.code === "invalid_template" && Array.isArray(err.details)) {
      wb.check = Object.assign({}, wb.check, { valid: false, problems: err.details });
      showProblems(err.details, "Not saved: " + err.message + ".", "error");
      renderGutter();
    }
    sb.showError("wb-save-error", { message: "Not saved: " + err.message });
  }
}

async function listStored() {
  const sel = $("wb-open");
  try {
    const { templates } = await sb.api("GET", "/api/v1/templates");
    sel.replaceChildren(sb.el("option", { value: "" }, "Open a stored template…"));
    for (const t of templates) {
      sel.append(sb.el("option", { value: t.id }, t.name + (t.builtIn ? " (built-in)" : "")));
    }
  } catch (_) {
    sel.hidden = true; // the workbench works without it
  }
}

sb.start(async () => {
  const code = $("wb-code");
  code.addEventListener("input", () => {
    wb.dirty = true;
    $("wb-saved").hidden = true;
    renderGutter();
    showCaret();
    validateSoon();
  });
  code.addEventListener("scroll", () => { $("wb-gutter").scrollTop = code.scrollTop; });
  for (const ev of ["keyup", "click", "select"]) code.addEventListener(ev, showCaret);
  code.addEventListener("keydown", (e) => {
    // Tab indents, as in an editor; Escape then Tab leaves the editor.
    if (e.key === "Tab" && !e.shiftKey && !wb.escaped) {
      e.preventDefault();
      code.setRangeText("  ", code.selectionStart, code.selectionEnd, "end");
      code.dispatchEvent(new Event("input"));
    }
    wb.escaped = e.key === "Escape";
  });
  $("wb-example").addEventListener("click", () => {
    if (code.value.trim() !== "" && !confirm("Replace what is in the editor with the example?")) return;
    setCode(EXAMPLE);
    code.focus();
  });
  $("wb-scenario").addEventListener("change", () => { offerVars($("wb-scenario").value); updateRunButton(); });
  $("wb-add-var").addEventListener("click", () => addVar("", "").querySelector("input").focus());
  $("wb-run-form").addEventListener("submit", run);
  $("wb-save").addEventListener("click", save);
  // Edits not saved are not lost to a stray click.
  window.addEventListener("beforeunload", (e) => { if (wb.dirty) e.preventDefault(); });
  $("wb-open").addEventListener("change", () => {
    const id = $("wb-open").value;
    if (id) location.assign("/workbench?template=" + encodeURIComponent(id));
  });

  document.getElementById("workbench-page").hidden = false;
  renderGutter();
  showCaret();
  listStored();

  const params = new URLSearchParams(location.search);
  if (params.get("template")) {
    await loadStored(params.get("template"));
  } else if (params.get("draft") === "1" && draft()) {
    wb.fromDraft = true;
    setCode(draft());
  }
  showWhat();
  if (!code.value) addVar("Phone", "");
});
