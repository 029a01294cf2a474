// One integration: its status, its connection fields, its features (the
// settings the template offers), its helpdesk users bound to extensions,
// the extensions, and deleting it.
"use strict";

const intPage = {
  id: decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || ""),
  inv: null,
  tpl: null,
  users: [],
  extensions: [],
};

sb.start(async () => {
  const inv = await sb.api("GET", "/api/v1/integrations/" + encodeURIComponent(intPage.id));
  const [tpl, users, exts] = await Promise.all([
    sb.api("GET", "/api/v1/templates/" + encodeURIComponent(inv.templateId)),
    sb.api("GET", "/api/v1/integrations/" + encodeURIComponent(intPage.id) + "/users"),
    sb.api("GET", "/api/v1/extensions"),
  ]);
  intPage.tpl = tpl;
  intPage.users = users.users;
  intPage.extensions = exts.extensions;
  showIntegration(inv);
  document.getElementById("integ-name").textContent = tpl.name;
  document.title = tpl.name + " · Switchboard";
  document.getElementById("integ-template").textContent = (tpl.builtIn ? "Built-in" : "Custom") + " template " + tpl.key + " " + tpl.version;
  document.getElementById("integ-id").textContent = inv.id;
  if (new URLSearchParams(location.search).has("connected")) notice("Connected to " + tpl.name + ". Now choose its features and bind its users to extensions.");
  document.getElementById("integration-page").hidden = false;
  fieldsForm();
  settingsForm();
  usersSection();
  extensionsSection();
  deleteSection();
});

function notice(text) {
  const p = document.getElementById("integ-notice");
  p.textContent = text;
  p.hidden = !text;
}

// showIntegration shows what the API answered of the integration.
function showIntegration(inv) {
  intPage.inv = inv;
  document.getElementById("integ-status").replaceChildren(integ.status(inv));
  const when = inv.connectedAt ? "The connection check last passed " + sb.time(inv.connectedAt) + "." : "The connection check has not passed yet.";
  const p = document.getElementById("conn-when");
  p.textContent = inv.status === "failed" ? when + " It fails now: correct the fields below and save to try again." : when;
  p.classList.toggle("integ-failed", inv.status === "failed");
}

function oauth() {
  return intPage.tpl.authType === "oauth2";
}

// fieldsForm edits the connection's fields; saving connects again (an
// OAuth2 template signs in at the provider again).
function fieldsForm() {
  const form = document.getElementById("fields-form");
  const save = document.getElementById("fields-save");
  const errorP = document.getElementById("fields-error");
  const label = () => {
    if (oauth()) save.textContent = (intPage.inv.status === "connected" ? "Save and sign in again with " : "Sign in with ") + intPage.tpl.name;
  };
  document.getElementById("fields-inputs").replaceChildren(...integ.fieldInputs(intPage.tpl.fields, intPage.inv.fields, intPage.inv.secretFields));
  label();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    integ.clearErrors(form, errorP);
    let inv;
    try {
      inv = await sb.busy(save, "Connecting…", sb.api("PUT", "/api/v1/integrations/" + encodeURIComponent(intPage.id) + "/fields",
        { fields: integ.fieldValues(form, intPage.tpl.fields) }));
    } catch (err) {
      integ.showFieldErrors(form, intPage.tpl.fields, err, errorP);
      return;
    }
    if (inv.status === "authorizing" && inv.authorizeUrl) {
      if (!sb.unsafeURL(inv.authorizeUrl)) {
        location.assign(inv.authorizeUrl);
        return;
      }
      // The address comes from the template: one that would run script
      // is not followed. The fields were saved; the status says so.
      showIntegration(inv);
      errorP.textContent = "The provider's sign-in address is not a web address (" + inv.authorizeUrl.slice(0, 60) + "); check the template's OAuth2 settings.";
      errorP.hidden = false;
      return;
    }
    showIntegration(inv);
    for (const i of form.querySelectorAll('input[type="password"]')) i.value = "";
    document.getElementById("fields-inputs").replaceChildren(...integ.fieldInputs(intPage.tpl.fields, inv.fields, inv.secretFields));
    label();
    // A failure's reason is in the status, above.
    notice(inv.status === "connected" ? "Saved; the connection check passed." : "");
  });
}

// ---- Features (settings) ---------------------------------------------

const triggerLabels = {
  ringing: "When the call rings",
  answered: "When the call is answered",
  hangup: "When the call ends",
  manual: "Only when the agent opens it",
};
const callTypeLabels = {
  inbound: "Inbound",
  outbound: "Outbound",
  inboundAnswered: "Inbound, answered",
  inboundMissed: "Inbound, missed",
  outboundAnswered: "Outbound, answered",
  outboundUnanswered: "Outbound, not answered",
};

// check makes a checkbox with its label.
function check(id, name, text, checked) {
  const input = sb.el("input", { type: "checkbox", id, name });
  input.checked = !!checked;
  return sb.el("div", { class: "integ-check" }, input, sb.el("label", { for: id }, text));
}

// checks makes a group of checkboxes, a fieldset named after the setting
// (so the API's problem of it shows beside the group).
function checks(name, legend, values, chosen, labels) {
  const fs = sb.el("fieldset", { class: "integ-checks", name }, sb.el("legend", {}, legend));
  const box = sb.el("div", { class: "integ-check-row" });
  for (const v of values) {
    box.append(check(name.replace(/\W/g, "-") + "-" + v, "", (labels && labels[v]) || v, (chosen || []).includes(v)));
    box.lastChild.querySelector("input").value = v;
  }
  fs.append(box);
  return fs;
}

function checked(fs) {
  return [...fs.querySelectorAll('input[type="checkbox"]:checked')].map((i) => i.value);
}

function select(id, name, label, options, value) {
  const s = sb.el("select", { id, name });
  for (const [v, text] of options) s.append(sb.el("option", { value: v }, text));
  s.value = value || (options[0] && options[0][0]) || "";
  return [sb.el("label", { for: id }, label), s];
}

// texts makes the subject and description inputs of a feature, with the
// template's own as placeholders (and read-only when it does not let
// them change).
function texts(prefix, offer, current) {
  const out = [];
  for (const [key, what, edit] of [["subject", "Subject", offer.editSubject], ["description", "Description", offer.editDescription]]) {
    const id = prefix + "-" + key;
    const input = key === "subject"
      ? sb.el("input", { id, name: prefix + "." + key, autocomplete: "off", spellcheck: "false" })
      : sb.el("textarea", { id, name: prefix + "." + key, rows: "4", spellcheck: "false" });
    input.value = (current && current[key]) || "";
    input.placeholder = offer[key] || "";
    const hint = edit ? "(optional: empty uses the template's own, shown)" : "(the template does not let it change)";
    if (!edit) input.disabled = true;
    out.push(sb.el("label", { for: id }, what + " ", sb.el("span", { class: "optional" }, hint)), input);
  }
  return out;
}

// feature makes a feature's fieldset: a switch, and the feature's
// options, shown while it is on.
function feature(name, title, about, on, options) {
  const fs = sb.el("fieldset", { class: "integ-feature", name }, sb.el("legend", {}, title));
  const sw = check(name + "-enabled", name + ".enabled", about, on);
  const sub = sb.el("div", { class: "integ-sub" }, ...options);
  const input = sw.querySelector("input");
  const sync = () => { sub.hidden = !input.checked; };
  input.addEventListener("change", sync);
  sync();
  fs.append(sw, sub);
  return fs;
}

function settingsForm() {
  const form = document.getElementById("settings-form");
  const holder = document.getElementById("settings-inputs");
  const offer = intPage.tpl.settingsOffer;
  const st = intPage.inv.settings || {};
  const parts = [];
  if (!offer) {
    holder.replaceChildren(sb.el("p", { class: "empty" }, "This template offers no features."));
    return;
  }
  // Contact sync.
  let typesFs = null;
  if (offer.contactSync) {
    const cs = st.contactSync || {};
    const opts = [];
    if (offer.contactTypes.length > 1) {
      typesFs = checks("contactSync.contactTypes", "Contact types to look up (none ticked: all)", offer.contactTypes, cs.contactTypes);
      opts.push(typesFs);
    }
    opts.push(check("contactSync-always", "contactSync.alwaysQuery", "Always ask the helpdesk (do not reuse a contact found on an earlier call)", cs.alwaysQuery));
    parts.push(feature("contactSync", "Contact sync", "Look callers up in the helpdesk", cs.enabled, opts));
  }
  // Screen pop.
  const popOptions = [["", "Off: no screen pop"], ...offer.popTriggers.map((t) => [t, triggerLabels[t] || t])];
  parts.push(sb.el("fieldset", { class: "integ-feature", name: "screenPop" }, sb.el("legend", {}, "Screen pop"),
    sb.el("p", { class: "hint" }, "Show the caller's contact to the agent of the call's extension."),
    ...select("screenPop-trigger", "screenPop.trigger", "Show it", popOptions, (st.screenPop || {}).trigger || "")));
  // Contact creation.
  let creationTypes = null;
  if (offer.contactCreation) {
    const cc = st.contactCreation || {};
    const [modeLabel, mode] = select("contactCreation-mode", "contactCreation.mode", "Create them",
      [["manual", "Manually, from the agent's screen pop"], ["auto", "Automatically, on calls of these types"]], cc.mode || "manual");
    creationTypes = checks("contactCreation.callTypes", "Calls that create a contact", offer.beforeCallTypes, cc.callTypes, callTypeLabels);
    const syncMode = () => { creationTypes.hidden = mode.value !== "auto"; };
    mode.addEventListener("change", syncMode);
    syncMode();
    const typeSel = offer.creatableTypes.length > 1
      ? select("contactCreation-type", "contactCreation.contactType", "Contact type", offer.creatableTypes.map((t) => [t, t]), cc.contactType)
      : [];
    parts.push(feature("contactCreation", "Contact creation", "Create a contact for callers the helpdesk does not know", cc.enabled,
      [...typeSel, modeLabel, mode, creationTypes]));
  }
  // Tickets.
  let ticketTypes = null;
  if (offer.ticket) {
    const tk = st.ticket || {};
    const [whenLabel, when] = select("ticket-when", "ticket.when", "Create it",
      [["afterCall", "When the call ends"], ["beforeCall", "When the call starts"]], tk.when || "afterCall");
    const slot = sb.el("div");
    const remember = {};
    const fill = (keep) => {
      const old = ticketTypes ? checked(ticketTypes) : null;
      if (ticketTypes) remember[ticketTypes.dataset.when] = old;
      ticketTypes = checks("ticket.callTypes", "Calls that get a ticket", when.value === "beforeCall" ? offer.beforeCallTypes : offer.afterCallTypes,
        keep ? tk.callTypes : remember[when.value], callTypeLabels);
      ticketTypes.dataset.when = when.value;
      slot.replaceChildren(ticketTypes);
    };
    when.addEventListener("change", () => fill(false));
    fill(true);
    parts.push(feature("ticket", "Tickets", "Create a ticket for calls", tk.enabled,
      [whenLabel, when, slot, ...texts("ticket", offer.ticket, tk)]));
  }
  // Call journal.
  if (offer.callJournal) {
    const cj = st.callJournal || {};
    const opts = texts("callJournal", offer.callJournal, cj);
    if (offer.playRecording) opts.push(check("callJournal-recording", "callJournal.playRecording", "Attach the call's recording", cj.playRecording));
    parts.push(feature("callJournal", "Call journal", "Write each call to the helpdesk's journal", cj.enabled, opts));
  }
  // Chat journal: messaging sessions answered by the bound agents.
  if (offer.chatJournal) {
    const ch = st.chatJournal || {};
    const every = Object.assign(sb.el("input", { id: "chatJournal-every", name: "chatJournal.every", type: "number", min: "0", max: "1000", step: "1" }),
      { value: String(ch.every || 0) });
    const opts = [sb.el("label", { for: "chatJournal-every" }, "Also every this many messages ", sb.el("span", { class: "optional" }, "(0: only when the conversation closes)")), every];
    if (offer.contactCreation) opts.push(check("chatJournal-create", "chatJournal.createContact", "Create the customer's contact when none has the number", ch.createContact));
    opts.push(...texts("chatJournal", offer.chatJournal, ch));
    parts.push(feature("chatJournal", "Chat journal", "Write each SMS or WhatsApp conversation an agent answered to the helpdesk", ch.enabled, opts));
  }
  // How the caller's number is written for the helpdesk.
  const nf = st.numbers || {};
  const numInput = (id, name, label, value, hint) => [
    sb.el("label", { for: id }, label + " ", sb.el("span", { class: "optional" }, hint)),
    Object.assign(sb.el("input", { id, name, autocomplete: "off", spellcheck: "false" }), { value: value || "" })];
  parts.push(sb.el("fieldset", { class: "integ-feature", name: "numbers" }, sb.el("legend", {}, "Caller's number"),
    sb.el("p", { class: "hint" }, "How the caller's number reaches the helpdesk: as the PBX gives it, or formatted the way the helpdesk stores numbers."),
    ...numInput("numbers-stripPrefix", "numbers.stripPrefix", "Dial-out prefix to strip", nf.stripPrefix, "(optional, e.g. 9)"),
    ...numInput("numbers-defaultCountry", "numbers.defaultCountry", "Default country", nf.defaultCountry, "(optional: ISO code of numbers without a country code, e.g. GB)"),
    ...select("numbers-format", "numbers.format", "Send it as",
      [["", "As the PBX gives it"], ["e164", "E.164 (+441632960961)"], ["national", "National (01632 960961)"],
        ["international", "International (+44 1632 960961)"], ["digits", "Digits only (441632960961)"]], nf.format || "")));
  holder.replaceChildren(...parts);

  const errorP = document.getElementById("settings-error");
  const saveBtn = document.getElementById("settings-save");
  const saved = document.getElementById("settings-saved");
  const warnings = document.getElementById("settings-warnings");
  const val = (name) => form.querySelector('[name="' + name + '"]');
  const on = (name) => { const i = val(name + ".enabled"); return !!(i && i.checked); };
  const text = (name) => { const i = val(name); return i && !i.disabled ? i.value.trim() : ""; };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    integ.clearErrors(form, errorP);
    saved.textContent = "";
    // Settings the form does not show (scenario parameters) stay as they are.
    const body = JSON.parse(JSON.stringify(intPage.inv.settings || {}));
    if (offer.contactSync) {
      body.contactSync = { enabled: on("contactSync"), alwaysQuery: val("contactSync.alwaysQuery").checked };
      if (typesFs && checked(typesFs).length) body.contactSync.contactTypes = checked(typesFs);
    }
    const trigger = val("screenPop.trigger").value;
    if (trigger) body.screenPop = { trigger }; else delete body.screenPop;
    const numbers = { stripPrefix: text("numbers.stripPrefix"), defaultCountry: text("numbers.defaultCountry").toUpperCase(), format: val("numbers.format").value };
    if (numbers.stripPrefix || numbers.defaultCountry || numbers.format) body.numbers = numbers; else delete body.numbers;
    if (offer.contactCreation) {
      const typeSel = val("contactCreation.contactType");
      body.contactCreation = {
        enabled: on("contactCreation"),
        contactType: typeSel ? typeSel.value : offer.creatableTypes[0] || "",
        mode: val("contactCreation.mode").value,
      };
      if (body.contactCreation.mode === "auto") body.contactCreation.callTypes = checked(creationTypes);
    }
    if (offer.ticket) {
      body.ticket = { enabled: on("ticket"), when: val("ticket.when").value, callTypes: checked(ticketTypes),
        subject: text("ticket.subject"), description: text("ticket.description") };
    }
    if (offer.callJournal) {
      const rec = val("callJournal.playRecording");
      body.callJournal = { enabled: on("callJournal"), subject: text("callJournal.subject"), description: text("callJournal.description"),
        playRecording: !!(rec && rec.checked) };
    }
    if (offer.chatJournal) {
      const create = val("chatJournal.createContact");
      body.chatJournal = { enabled: on("chatJournal"), every: parseInt(val("chatJournal.every").value, 10) || 0,
        createContact: !!(create && create.checked), subject: text("chatJournal.subject"), description: text("chatJournal.description") };
    }
    let inv;
    try {
      inv = await sb.busy(saveBtn, "Saving…", sb.api("PUT", "/api/v1/integrations/" + encodeURIComponent(intPage.id) + "/settings", body));
    } catch (err) {
      const rest = sb.fieldErrors(form, err.details);
      errorP.textContent = rest.length ? err.message + ": " + rest.join("; ") : (err.details && err.details.length ? err.message + ": see the marks below." : err.message);
      errorP.hidden = false;
      const first = form.querySelector(".field-error");
      if (first) first.scrollIntoView({ block: "center" });
      return;
    }
    intPage.inv = inv;
    saved.textContent = "Saved " + new Date().toLocaleTimeString() + ".";
    warnings.replaceChildren();
    if (inv.warnings && inv.warnings.length) {
      warnings.append(sb.el("strong", {}, "Saved, but:"), sb.el("ul", {}, ...inv.warnings.map((w) => sb.el("li", {}, w))));
    }
    warnings.hidden = !(inv.warnings && inv.warnings.length);
  });
}

// ---- Helpdesk users ------------------------------------------------------

function userName(u) {
  return [u.firstName, u.lastName].filter(Boolean).join(" ") || u.email || u.id;
}

function extName(e) {
  const n = [e.firstName, e.lastName].filter(Boolean).join(" ");
  return e.number + (n ? " · " + n : "");
}

function usersSection() {
  const base = "/api/v1/integrations/" + encodeURIComponent(intPage.id) + "/users";
  const body = document.querySelector("#users-list tbody");
  const table = document.getElementById("users-list");
  const empty = document.getElementById("users-empty");
  const result = document.getElementById("users-result");
  const errorP = document.getElementById("users-error");
  const limit = 25;
  if (!intPage.tpl.scenarios.includes("UserAssociation")) {
    document.getElementById("users-sync").hidden = true;
    document.getElementById("users-autobind").hidden = true;
    empty.textContent = "This template does not read the helpdesk's users (it has no UserAssociation scenario), so there is nobody to bind.";
  }
  const row = (u) => {
    const sel = sb.el("select", { "aria-label": "Extension of " + userName(u), name: "extension" });
    sel.append(sb.el("option", { value: "" }, "Not bound"));
    for (const e of intPage.extensions) sel.append(sb.el("option", { value: e.number }, extName(e)));
    // A binding the list does not offer (several extensions, or one no
    // longer in /extensions) is shown as it is, so Bind keeps it.
    const bound = u.extensions.join(",");
    if (bound && !intPage.extensions.some((e) => e.number === bound)) {
      sel.append(sb.el("option", { value: bound }, u.extensions.join(", ") + (u.extensions.length === 1 ? " (not in the extension list)" : "")));
    }
    sel.value = bound;
    const btn = sb.el("button", { type: "button", class: "secondary" }, "Bind");
    btn.setAttribute("aria-label", "Bind " + userName(u));
    const said = sb.el("span", { class: "hint integ-said", role: "status" });
    btn.addEventListener("click", async () => {
      said.textContent = "";
      said.classList.remove("error");
      try {
        const got = await sb.busy(btn, "Binding…", sb.api("PUT", base + "/" + encodeURIComponent(u.id),
          { extensions: sel.value ? sel.value.split(",") : [] }));
        Object.assign(u, got);
        said.textContent = got.extensions.length ? "Bound to " + got.extensions.join(", ") : "Not bound";
      } catch (err) {
        said.textContent = err.message;
        said.classList.add("error");
      }
    });
    return sb.el("tr", { "data-user": u.id },
      sb.el("td", {}, userName(u), sb.el("span", { class: "reason mono" }, u.id)),
      sb.el("td", {}, u.email || ""),
      sb.el("td", {}, sel),
      sb.el("td", {}, btn, said));
  };
  const pager = sb.listPager(document.getElementById("users-pager"), limit, () => intPage.users, (rows) => {
    body.replaceChildren(...rows.map(row));
  });
  const show = () => {
    empty.hidden = intPage.users.length > 0;
    table.hidden = intPage.users.length === 0;
    return pager.reset();
  };
  intPage.showUsers = show;
  const reload = async () => {
    intPage.users = (await sb.api("GET", base)).users;
    await show();
  };
  show();

  const run = async (btn, busyText, method, path, said) => {
    errorP.hidden = true;
    result.textContent = "";
    const progress = sb.el("progress", { "aria-label": busyText });
    btn.after(progress);
    try {
      const res = await sb.busy(btn, busyText, sb.api(method, path));
      await reload();
      result.textContent = said(res);
    } catch (err) {
      sb.showError("users-error", err);
    } finally {
      progress.remove();
    }
  };
  const syncBtn = document.getElementById("users-sync");
  syncBtn.addEventListener("click", () => run(syncBtn, "Syncing users…", "POST", base + "/sync", (res) =>
    "Read " + res.users.length + " user" + (res.users.length === 1 ? "" : "s") + " from the helpdesk" +
    (res.pages > 1 ? " in " + res.pages + " pages" : "") + "."));
  const autoBtn = document.getElementById("users-autobind");
  autoBtn.addEventListener("click", () => run(autoBtn, "Binding…", "POST", base + "/autobind", (res) =>
    res.bound.length
      ? "Bound " + res.bound.map((b) => {
        const u = intPage.users.find((x) => x.id === b.userId);
        return (u ? userName(u) : b.userId) + " → " + b.extension;
      }).join(", ") + "."
      : "No new binding: no unbound user has the e-mail address of an extension."));
}

// ---- Extensions ----------------------------------------------------------

function extensionsSection() {
  const body = document.querySelector("#ext-list tbody");
  const table = document.getElementById("ext-list");
  const empty = document.getElementById("ext-empty");
  const form = document.getElementById("ext-form");
  const errorP = document.getElementById("ext-error");
  const saved = document.getElementById("ext-saved");
  const input = (id) => document.getElementById(id);
  const show = () => {
    table.hidden = intPage.extensions.length === 0;
    empty.hidden = intPage.extensions.length > 0;
    body.replaceChildren(...intPage.extensions.map((e) => {
      const edit = sb.el("button", { type: "button", class: "secondary", "aria-label": "Edit extension " + e.number }, "Edit");
      edit.addEventListener("click", () => {
        input("ext-number").value = e.number;
        input("ext-first").value = e.firstName;
        input("ext-last").value = e.lastName;
        input("ext-email").value = e.email;
        input("ext-first").focus();
      });
      return sb.el("tr", { "data-extension": e.number },
        sb.el("td", { class: "mono" }, e.number),
        sb.el("td", {}, [e.firstName, e.lastName].filter(Boolean).join(" ")),
        sb.el("td", {}, e.email),
        sb.el("td", {}, edit));
    }));
  };
  show();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    integ.clearErrors(form, errorP);
    saved.textContent = "";
    const number = input("ext-number").value.trim();
    if (!number) {
      sb.fieldErrors(form, ["number: Give the extension's number."]);
      input("ext-number").setAttribute("aria-invalid", "true");
      return;
    }
    try {
      await sb.busy(input("ext-save"), "Saving…", sb.api("PUT", "/api/v1/extensions/" + encodeURIComponent(number), {
        firstName: input("ext-first").value.trim(), lastName: input("ext-last").value.trim(), email: input("ext-email").value.trim(),
      }));
    } catch (err) {
      // The API names the value it refuses: put it beside its input.
      const field = /^email /.test(err.message) ? "email" : /^extension /.test(err.message) ? "number" : "";
      if (field) sb.fieldErrors(form, [field + ": " + err.message.charAt(0).toUpperCase() + err.message.slice(1)]);
      else sb.showError("ext-error", err);
      return;
    }
    intPage.extensions = (await sb.api("GET", "/api/v1/extensions")).extensions;
    show();
    if (intPage.showUsers) intPage.showUsers(); // the binding lists offer the new extension
    saved.textContent = "Extension " + number + " saved.";
    form.reset();
  });
}

// ---- Delete --------------------------------------------------------------

function deleteSection() {
  const ask = document.getElementById("delete-ask");
  const confirmBox = document.getElementById("delete-confirm");
  document.getElementById("delete-question").textContent = "Delete " + intPage.tpl.name + " (" + intPage.id + ") for good?";
  document.getElementById("delete-start").addEventListener("click", () => {
    ask.hidden = true;
    confirmBox.hidden = false;
    document.getElementById("delete-no").focus();
  });
  document.getElementById("delete-no").addEventListener("click", () => {
    confirmBox.hidden = true;
    ask.hidden = false;
    document.getElementById("delete-start").focus();
  });
  const yes = document.getElementById("delete-yes");
  yes.addEventListener("click", async () => {
    try {
      await sb.busy(yes, "Deleting…", sb.api("DELETE", "/api/v1/integrations/" + encodeURIComponent(intPage.id)));
      location.assign("/integrations?deleted=" + encodeURIComponent(intPage.id));
    } catch (err) {
      sb.showError("delete-error", err);
    }
  });
}
