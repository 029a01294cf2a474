"use strict";

// The templates page: the built-in and custom templates, with upload (file
// picker or drag and drop), download, replace and delete. Validation is
// the API's: a refused template shows the API's problems at their lines
// (sb.xmlView).

const tpl = {
  list: [],
  replacing: null, // {template, button} while a replacement is being chosen
  uploading: false, // an upload (or replacement) runs: another waits for it to end
};

sb.start(async () => {
  document.getElementById("templates-page").hidden = false;
  wireUpload();
  await load();
});

// load reads every template (the API answers them all at once: there are
// few) and shows the custom ones, then the built-in ones.
async function load() {
  const err = document.getElementById("list-error");
  try {
    const res = await sb.api("GET", "/api/v1/templates");
    err.hidden = true;
    tpl.list = res.templates || [];
  } catch (e) {
    sb.showError("list-error", e);
    return;
  }
  const byName = (a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key);
  const custom = tpl.list.filter((t) => !t.builtIn).sort(byName);
  const builtIn = tpl.list.filter((t) => t.builtIn).sort(byName);
  document.getElementById("custom-templates").replaceChildren(...custom.map(row));
  document.getElementById("builtin-templates").replaceChildren(...builtIn.map(row));
  document.getElementById("custom-empty").hidden = custom.length > 0;
  document.getElementById("builtin-empty").hidden = builtIn.length > 0;
  for (const id of ["custom-templates", "builtin-templates"]) {
    document.getElementById(id).closest("table").hidden = document.getElementById(id).children.length === 0;
  }
}

// row is one template of a list, with its actions.
function row(t) {
  const scenarios = t.scenarios || [];
  const download = sb.el("a", {
    class: "button-link", href: "/api/v1/templates/" + encodeURIComponent(t.id) + "/xml",
    download: t.key + ".xml", "aria-label": "Download " + t.name + " (" + t.key + ".xml)",
  }, "Download");
  const actions = sb.el("div", { class: "tpl-actions" }, download);
  if (!t.builtIn) {
    const replace = sb.el("button", { type: "button", class: "secondary replace", "aria-label": "Replace " + t.name + " with another file" }, "Replace…");
    replace.addEventListener("click", () => chooseReplacement(t, replace));
    const del = sb.el("button", { type: "button", class: "danger delete", "aria-label": "Delete " + t.name }, "Delete");
    del.addEventListener("click", () => confirmDelete(t, del));
    actions.append(replace, del);
  }
  return sb.el("tr", { "data-id": t.id, "data-key": t.key },
    sb.el("td", {},
      sb.el("span", { class: "tpl-name" }, t.name),
      t.remark ? sb.el("span", { class: "reason tpl-remark" }, t.remark) : ""),
    sb.el("td", {}, sb.el("code", {}, t.key)),
    sb.el("td", {}, t.provider, t.authType ? sb.el("span", { class: "reason" }, "auth: " + t.authType) : ""),
    sb.el("td", {}, t.version),
    sb.el("td", {}, scenarios.length === 0 ? sb.el("span", { class: "hint" }, "none") :
      sb.el("details", { class: "tpl-scenarios" },
        sb.el("summary", {}, scenarios.length + (scenarios.length === 1 ? " scenario" : " scenarios")),
        sb.el("ul", {}, ...scenarios.map((s) => sb.el("li", {}, s))))),
    sb.el("td", {}, sb.el("time", { datetime: t.updatedAt }, sb.time(t.updatedAt))),
    sb.el("td", {}, actions));
}

// confirmDelete asks in the row before deleting; the API's refusal (a
// built-in template, one in use) is said as the API says it.
function confirmDelete(t, button) {
  sb.confirmInline(button, "Delete “" + t.name + "” for good?", "Delete " + t.key, async () => {
    // The rows after this one, then those before, nearest first: the
    // first still listed has focus once the list is read again.
    const ids = [...document.querySelectorAll("#custom-templates tr")].map((r) => r.dataset.id);
    const at = ids.indexOf(t.id);
    const near = ids.slice(at + 1).concat(ids.slice(0, Math.max(0, at)).reverse());
    try {
      await sb.api("DELETE", "/api/v1/templates/" + encodeURIComponent(t.id));
      say("Deleted " + t.name + " (" + t.key + ").");
      await load();
      const rows = near.map((id) => document.querySelector('#custom-templates tr[data-id="' + CSS.escape(id) + '"]')).filter(Boolean);
      const to = rows.length ? rows[0].querySelector(".delete") : document.getElementById("custom-title");
      if (!rows.length) to.setAttribute("tabindex", "-1");
      to.focus();
    } catch (err) {
      sb.showError("list-error", err);
    }
  });
}

function chooseReplacement(t, button) {
  tpl.replacing = { template: t, button };
  const input = document.getElementById("replace-file");
  input.value = "";
  input.click();
}

function wireUpload() {
  const input = document.getElementById("template-file");
  const choose = document.getElementById("choose-file");
  const zone = document.getElementById("drop-zone");
  choose.addEventListener("click", () => {
    input.value = "";
    input.click();
  });
  // The input is emptied once its file is taken, so that choosing the
  // same file again uploads it again.
  input.addEventListener("change", () => {
    const file = input.files[0];
    input.value = "";
    if (file) upload(file, null, choose);
  });
  document.getElementById("replace-file").addEventListener("change", (ev) => {
    const r = tpl.replacing;
    const file = ev.target.files[0];
    ev.target.value = "";
    if (r && file) upload(file, r.template, r.button);
  });

  // Drag and drop: the zone lights up while a file is over it. A file
  // dropped beside the zone is ignored rather than opened by the browser.
  const hasFiles = (ev) => ev.dataTransfer && [...ev.dataTransfer.types].includes("Files");
  let depth = 0;
  zone.addEventListener("dragenter", (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    depth++;
    zone.classList.add("over");
  });
  zone.addEventListener("dragover", (ev) => {
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "copy";
  });
  zone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove("over");
  });
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    depth = 0;
    zone.classList.remove("over");
    const files = ev.dataTransfer ? ev.dataTransfer.files : [];
    if (!files.length) return;
    upload(files[0], null, choose, files.length > 1 ? "Only the first of the " + files.length + " files dropped was uploaded: one template at a time." : "");
  });
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (ev) => {
      if (hasFiles(ev) && !zone.contains(ev.target)) ev.preventDefault();
    });
  }
}

// upload sends a file's raw XML: a new template, or the replacement of
// one (replacing). The outcome is shown below the upload card.
async function upload(file, replacing, button, note) {
  // Set before anything is awaited: a second drop or click while the file
  // is read or sent is refused, not sent again.
  if (tpl.uploading) {
    say("An upload is under way: wait for it to end, then try again.");
    return;
  }
  tpl.uploading = true;
  const zone = document.getElementById("drop-zone");
  const verb = replacing ? "Replacing" : "Uploading";
  say(verb + " " + file.name + "…");
  zone.setAttribute("aria-busy", "true");
  zone.classList.add("busy");
  let text = "";
  try {
    // Read as sent, byte-order mark included, so columns match the API's.
    text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await file.arrayBuffer());
    const path = "/api/v1/templates" + (replacing ? "/" + encodeURIComponent(replacing.id) : "");
    const t = await sb.busy(button, verb + "…", sb.sendXML(replacing ? "PUT" : "POST", path, file));
    accepted(file, text, t, replacing, note);
    await load();
  } catch (err) {
    refused(file, text, err, replacing);
  } finally {
    zone.removeAttribute("aria-busy");
    zone.classList.remove("busy");
    tpl.replacing = null;
    tpl.uploading = false;
  }
}

// say puts a short line in the upload card's status, read out by screen
// readers.
function say(text) {
  document.getElementById("upload-status").textContent = text;
}

// outcome fills the card under the upload card and brings it into view.
function outcome(kind, title, text, actions, view) {
  const card = document.getElementById("outcome");
  card.className = "card outcome " + kind;
  card.dataset.kind = kind;
  document.getElementById("outcome-title").textContent = title;
  document.getElementById("outcome-text").replaceChildren(...text);
  const dismiss = sb.el("button", { type: "button", class: "secondary", id: "outcome-dismiss" }, "Dismiss");
  dismiss.addEventListener("click", () => {
    card.hidden = true;
    document.getElementById("choose-file").focus();
  });
  document.getElementById("outcome-actions").replaceChildren(...actions, dismiss);
  document.getElementById("outcome-view").replaceChildren(...(view ? [view] : []));
  card.hidden = false;
  // The XML opens at its first problem; the summary jumps to the others.
  const first = view && view.querySelector(".xml-line.has-problem");
  if (first) {
    const code = first.closest(".xml-code");
    code.scrollTop = Math.max(0, first.offsetTop - code.clientHeight / 3);
  }
  card.scrollIntoView({ block: "start" });
  card.focus({ preventScroll: true });
}

function accepted(file, text, t, replacing, note) {
  const warnings = t.warnings || [];
  const done = replacing ?
    "Replaced " + replacing.name + (t.name !== replacing.name ? " with " + t.name : "") + " (" + t.key + ", now version " + t.version + ")" :
    "Uploaded " + t.name + " (" + t.key + " " + t.version + ")";
  say(done + (warnings.length ? ", with " + warnings.length + (warnings.length === 1 ? " warning." : " warnings.") : "."));
  const lines = [done + " from " + file.name + "."];
  if (note) lines.push(" " + note);
  if (!warnings.length) {
    outcome("accepted", replacing ? "Template replaced" : "Template uploaded", lines, [], null);
    return;
  }
  lines.push(" It loads, but validation warns about " + (warnings.length === 1 ? "one thing" : warnings.length + " things") +
    " that may not do what you mean, shown at " + (warnings.length === 1 ? "its line" : "their lines") + " below.");
  outcome("warned", (replacing ? "Replaced" : "Uploaded") + ", with " + warnings.length + (warnings.length === 1 ? " warning" : " warnings"),
    lines, [], sb.xmlView(text, warnings));
}

function refused(file, text, err, replacing) {
  const what = replacing ? "The replacement of " + replacing.name : file.name;
  if (err.code === "invalid_template" && Array.isArray(err.details) && err.details.length) {
    const errors = err.details.filter((p) => p.severity !== "warning").length;
    const warnings = err.details.length - errors;
    say(what + " was refused: " + errors + (errors === 1 ? " error." : " errors."));
    const fix = sb.el("button", { type: "button", class: "primary", id: "fix-in-workbench" }, "Fix in the workbench");
    fix.addEventListener("click", () => {
      sessionStorage.setItem("sb.workbench.draft", text);
      location.assign("/workbench?draft=1");
    });
    outcome("refused", what + " was refused", [
      "Switchboard did not " + (replacing ? "replace the template" : "add it") + ": it has " + errors + (errors === 1 ? " error" : " errors") +
      (warnings ? " and " + warnings + (warnings === 1 ? " warning" : " warnings") : "") +
      (err.details.length === 1 ? ", shown at its line below. Fix it" : ", each shown at its line below. Fix them") + " in the workbench (it validates as you type), or in your editor and upload the file again.",
    ], [fix], sb.xmlView(text, err.details));
    return;
  }
  say(what + " was refused.");
  const actions = [];
  let message = err.message;
  if (err.status === 409 && err.code === "conflict" && !replacing) {
    // The Key is taken: offer to replace that template when it is a custom one.
    const m = /Key "([^"]+)"/.exec(err.message);
    const taken = m && tpl.list.find((t) => t.key === m[1]);
    if (taken && !taken.builtIn) {
      const rep = sb.el("button", { type: "button", class: "primary", id: "replace-taken" }, "Replace " + taken.name + " with this file");
      rep.addEventListener("click", () => upload(file, taken, rep));
      actions.push(rep);
    } else if (taken) {
      message += ". " + taken.name + " is built in: give your copy another Key (the Key attribute of <Information>) and upload it again.";
    }
  }
  if (err.status === 413) message = "The file is too large: " + err.message;
  outcome("failed", what + " was refused", [message], actions, null);
}
