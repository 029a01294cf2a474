// The channel form, shared by the channels page (create) and a channel's
// page (edit): generated from the channel template's custom fields, with
// the channel's numbers as rows. The API checks everything; its problems
// are shown beside the field they name. Loaded first, before the page's
// script and app.js (a plain script at the top of the page's content runs
// before the deferred ones of <head>): it only defines functions, which
// use sb when called, from inside the page's sb.start.
"use strict";

// channelTemplates are the templates a channel can be made from.
function channelTemplates(list) {
  return list.filter((t) => t.provider === "sms" || t.provider === "messaging");
}

// channelForm makes the form. o: {templates (channel templates), extensions,
// queues, channel (to edit; absent to create), onSaved(channel), onCancel()}.
function channelForm(o) {
  const editing = !!o.channel;
  const ch = o.channel || { fields: {}, secretFields: [], numbers: [] };
  const form = sb.el("form", { id: "channel-form", class: "card channel-form", novalidate: "" });
  const title = sb.el("h2", { id: "channel-form-title" }, editing ? "Edit " + ch.name : "New channel");
  form.setAttribute("aria-labelledby", title.id);
  form.append(title);

  let uid = 0;
  const id = (name) => "cf-" + name + "-" + (++uid);
  // field makes a labelled control: label, then the control.
  const field = (labelText, control, opts) => {
    const wrap = sb.el("div", { class: "field" });
    const label = sb.el("label", { for: control.id }, labelText);
    if (opts && opts.required) label.append(" ", sb.el("span", { class: "required", "aria-hidden": "true" }, "*"));
    if (opts && opts.optional) label.append(" ", sb.el("span", { class: "optional" }, opts.optional));
    wrap.append(label, control);
    if (opts && opts.hint) {
      const h = sb.el("p", { class: "hint small", id: control.id + "-hint" }, opts.hint);
      control.setAttribute("aria-describedby", h.id);
      wrap.append(h);
    }
    return wrap;
  };

  // The template: chosen when creating, fixed afterwards.
  const tmplSelect = sb.el("select", { id: "ch-template", name: "templateId" });
  for (const t of o.templates) {
    tmplSelect.append(sb.el("option", { value: t.id }, t.name + (t.builtIn ? "" : " (custom)")));
  }
  if (editing) {
    tmplSelect.value = ch.templateId;
    tmplSelect.disabled = true;
  }
  const remark = sb.el("p", { class: "hint small", id: "ch-template-remark" });
  tmplSelect.setAttribute("aria-describedby", remark.id);
  const tmplField = field("Provider", tmplSelect, { required: true });
  tmplField.append(remark);

  const name = sb.el("input", { id: "ch-name", name: "name", autocomplete: "off", required: "", placeholder: "e.g. Support SMS" });
  name.value = ch.name || "";
  form.append(sb.el("div", { class: "form-grid" }, tmplField, field("Name", name, { required: true })));

  // The template's custom fields.
  const fieldsBox = sb.el("fieldset", { class: "fields" }, sb.el("legend", {}, "Provider settings"));
  const fieldsBody = sb.el("div", { class: "form-grid" });
  fieldsBox.append(fieldsBody);
  form.append(fieldsBox);
  let inputs = {}; // by field name

  const template = () => o.templates.find((t) => t.id === tmplSelect.value);
  const canStart = () => { const t = template(); return !!t && t.provider === "sms"; };

  const showFields = () => {
    const t = template();
    fieldsBody.replaceChildren();
    inputs = {};
    remark.textContent = t && t.remark ? t.remark : "";
    if (!t) return;
    if (!t.fields.length) fieldsBody.append(sb.el("p", { class: "hint" }, "This provider needs no settings."));
    for (const f of t.fields) {
      let control;
      if (f.editor === "list" && f.options && f.options.length) {
        control = sb.el("select", { id: id("field"), name: "field." + f.name });
        if (!f.required && !f.default) control.append(sb.el("option", { value: "" }, "—"));
        for (const opt of f.options) control.append(sb.el("option", { value: opt }, opt));
        control.value = ch.fields[f.name] || f.default || (f.required ? f.options[0] : "");
      } else {
        control = sb.el("input", { id: id("field"), name: "field." + f.name, type: f.secret ? "password" : "text", autocomplete: f.secret ? "new-password" : "off" });
        control.value = f.secret ? "" : (ch.fields[f.name] || "");
        if (f.secret && editing && ch.secretFields.includes(f.name)) control.placeholder = "•••••• set; leave empty to keep it";
        else if (f.default) control.placeholder = f.default;
      }
      if (f.required) control.setAttribute("aria-required", "true");
      control.dataset.field = f.name;
      inputs[f.name] = control;
      const optional = f.required ? null : (f.default ? "(default " + f.default + ")" : "(optional)");
      fieldsBody.append(field(f.title || f.name, control, { required: f.required, optional }));
    }
    for (const row of rows) row.refresh();
  };

  // Sending rate and idle time.
  const mps = sb.el("input", { id: "ch-mps", name: "messagesPerSecond", type: "number", min: "1", inputmode: "numeric" });
  if (editing) mps.value = String(ch.messagesPerSecond);
  const idle = sb.el("input", { id: "ch-idle", name: "autoCloseDays", type: "number", min: "0", inputmode: "numeric" });
  idle.value = String(ch.autoCloseDays || 0);
  form.append(sb.el("fieldset", { class: "fields" }, sb.el("legend", {}, "Sending"),
    sb.el("div", { class: "form-grid" },
      field("Messages per second", mps, { optional: editing ? null : "(empty: the provider's usual rate)" }),
      field("Close idle conversations after (days)", idle, { hint: "Days without a message; 0 never closes them." }))));

  // Numbers, one row each.
  const numbersBox = sb.el("fieldset", { class: "fields numbers-box", id: "ch-numbers" }, sb.el("legend", {}, "Numbers"));
  numbersBox.append(sb.el("p", { class: "hint small" }, "Each number's conversations go to one extension, or to a queue of agents."));
  const rowsBox = sb.el("div", { class: "number-rows" });
  const addNumber = sb.el("button", { type: "button", class: "secondary", id: "add-number" }, "Add a number");
  numbersBox.append(rowsBox, addNumber);
  form.append(numbersBox);
  const rows = [];

  const extLabel = (e) => e.number + ((e.firstName || e.lastName) ? " · " + [e.firstName, e.lastName].filter(Boolean).join(" ") : "");

  const numberRow = (n) => {
    const row = sb.el("div", { class: "number-row" });
    const number = sb.el("input", { id: id("number"), name: "number", placeholder: "+14155550100", autocomplete: "off", inputmode: "tel" });
    number.value = n.number || "";
    const numberId = sb.el("input", { id: id("numberid"), name: "numberId", autocomplete: "off" });
    numberId.value = n.numberId || "";
    const destType = sb.el("select", { id: id("desttype"), name: "destinationType" },
      sb.el("option", { value: "extension" }, "An extension"), sb.el("option", { value: "queue" }, "A queue"));
    const dest = sb.el("select", { id: id("dest"), name: "destination" });
    const fillDest = (value) => {
      dest.replaceChildren();
      const list = destType.value === "queue"
        ? o.queues.map((q) => [q.id, q.name + " (" + q.agents.length + (q.agents.length === 1 ? " agent)" : " agents)")])
        : o.extensions.map((e) => [e.number, extLabel(e)]);
      if (!list.length) {
        dest.append(sb.el("option", { value: "" }, destType.value === "queue" ? "No queues yet: add one under Queues" : "No extensions yet"));
      }
      for (const [v, l] of list) dest.append(sb.el("option", { value: v }, l));
      if (value !== undefined) dest.value = value;
    };
    destType.value = (n.destination && n.destination.type) || (o.extensions.length || !o.queues.length ? "extension" : "queue");
    fillDest(n.destination && n.destination.id);
    destType.addEventListener("change", () => fillDest());

    const allowed = sb.el("fieldset", { class: "allowed" });
    const allowedLegend = sb.el("legend", {}, "Extensions that may start conversations from it");
    allowed.append(allowedLegend);
    const allowedBox = sb.el("div", { class: "checks" });
    allowed.append(allowedBox);
    for (const e of o.extensions) {
      const cb = sb.el("input", { type: "checkbox", id: id("allow"), name: "allowed", value: e.number });
      cb.checked = (n.allowedExtensions || []).includes(e.number);
      allowedBox.append(sb.el("label", { class: "check", for: cb.id }, cb, extLabel(e)));
    }
    if (!o.extensions.length) allowedBox.append(sb.el("p", { class: "hint small" }, "No extensions yet."));

    const remove = sb.el("button", { type: "button", class: "secondary remove" }, "Remove");
    const numberField = field("Number", number, { required: true });
    const idField = field("Provider's number id", numberId, { optional: "(WhatsApp)" });
    const r = {
      row, number, numberId, destType, dest, allowed, remove,
      // refresh shows what the chosen template asks of a number.
      refresh() {
        allowed.hidden = !canStart();
        idField.hidden = !!template() && template().provider === "sms";
        remove.setAttribute("aria-label", "Remove number " + (number.value || (rows.indexOf(r) + 1)));
      },
      // refill shows the extensions and queues there are now.
      refill() { fillDest(dest.value); },
      value() {
        return {
          number: number.value.trim(), numberId: numberId.value.trim(),
          destination: { type: destType.value, id: dest.value },
          allowedExtensions: canStart() ? [...allowedBox.querySelectorAll("input:checked")].map((c) => c.value) : [],
        };
      },
    };
    row.append(sb.el("div", { class: "form-grid" }, numberField, idField,
      field("Conversations go to", destType), field(destType.value === "queue" ? "Queue or extension" : "Extension or queue", dest)),
    allowed, sb.el("div", { class: "row-actions" }, remove));
    // The destination's label says what is chosen.
    const destLabel = row.querySelector('label[for="' + dest.id + '"]');
    const sayDest = () => { destLabel.textContent = destType.value === "queue" ? "Queue" : "Extension"; };
    sayDest();
    destType.addEventListener("change", sayDest);
    number.addEventListener("input", () => r.refresh());
    remove.addEventListener("click", () => {
      rows.splice(rows.indexOf(r), 1);
      row.remove();
      (rows.length ? rows[rows.length - 1].number : addNumber).focus();
    });
    rows.push(r);
    rowsBox.append(row);
    r.refresh();
    return r;
  };
  addNumber.addEventListener("click", () => numberRow({}).number.focus());
  for (const n of ch.numbers) numberRow(n);
  if (!ch.numbers.length) numberRow({});

  // Problems the API names a field of; the rest are said under the form.
  const error = sb.el("div", { id: "channel-form-error", class: "error", role: "alert", hidden: "" });
  const submit = sb.el("button", { type: "submit", class: "primary" }, editing ? "Save changes" : "Create channel");
  const cancel = sb.el("button", { type: "button", class: "secondary" }, "Cancel");
  form.append(error, sb.el("div", { class: "actions" }, submit, cancel));
  cancel.addEventListener("click", () => o.onCancel && o.onCancel());

  const clearErrors = () => {
    for (const p of form.querySelectorAll(".field-error")) p.remove();
    for (const c of form.querySelectorAll('[aria-invalid="true"]')) c.removeAttribute("aria-invalid");
    error.hidden = true;
    error.replaceChildren();
  };
  const besides = (control, text) => {
    const p = sb.el("p", { class: "field-error error", id: id("err") }, text);
    control.setAttribute("aria-invalid", "true");
    control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), p.id].filter(Boolean).join(" "));
    const after = control.closest(".field") || control;
    after.append(p);
    return p;
  };
  // place answers the control a problem of the API is about, and the
  // text to show there.
  const place = (d) => {
    let m = /^numbers\[(\d+)\]\.([A-Za-z]+)\S*:?\s*(.*)$/.exec(d);
    if (m && rows[Number(m[1])]) {
      const r = rows[Number(m[1])];
      const control = { number: r.number, numberId: r.numberId, destination: r.dest, allowedExtensions: r.allowed }[m[2]] || r.number;
      return [control, d.replace(/^numbers\[\d+\]\./, "")];
    }
    if ((m = /^field "([^"]+)"/.exec(d)) && inputs[m[1]]) return [inputs[m[1]], d.replace(/^field "[^"]+" (\([^)]*\) )?/, "")];
    if (/^name\b/.test(d)) return [name, d];
    if (/^messagesPerSecond\b/.test(d)) return [mps, d];
    if (/^autoCloseDays\b/.test(d)) return [idle, d];
    if (/^numbers\b/.test(d)) return [addNumber, d.replace(/^numbers: /, "")];
    return [null, d];
  };
  let unplaced = 0; // problems of the last answer said under the form only
  const showErrors = (err) => {
    clearErrors();
    const rest = [];
    let first = null;
    for (const d of err.details || []) {
      const [control, text] = place(String(d));
      if (!control) { rest.push(d); continue; }
      if (control.tagName === "FIELDSET") {
        const p = sb.el("p", { class: "field-error error", id: id("err") }, text);
        control.append(p);
      } else if (control === addNumber) {
        addNumber.before(sb.el("p", { class: "field-error error", id: id("err") }, text));
      } else {
        besides(control, text);
      }
      first = first || control;
    }
    unplaced = rest.length || !(err.details && err.details.length) ? 1 : 0;
    error.append(sb.el("p", {}, err.details && err.details.length ? err.message + (rest.length ? ":" : " (shown beside each field).") : err.message));
    if (rest.length) error.append(sb.el("ul", {}, ...rest.map((d) => sb.el("li", {}, d))));
    error.hidden = false;
    if (first && first.focus && first.tagName !== "FIELDSET") first.focus();
  };

  // A problem goes once its field is changed.
  form.addEventListener("input", (ev) => {
    const box = ev.target.closest && ev.target.closest(".field, fieldset.allowed");
    if (!box) return;
    for (const p of box.querySelectorAll(".field-error")) p.remove();
    ev.target.removeAttribute("aria-invalid");
    if (!unplaced && !form.querySelector(".field-error")) error.hidden = true;
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const fields = {};
    for (const [k, input] of Object.entries(inputs)) {
      const t = template().fields.find((f) => f.name === k);
      if (t.secret && editing && input.value === "") continue; // kept
      fields[k] = input.value;
    }
    const body = {
      name: name.value, fields,
      messagesPerSecond: mps.value === "" ? 0 : Number(mps.value),
      autoCloseDays: idle.value === "" ? 0 : Number(idle.value),
      numbers: rows.map((r) => r.value()),
    };
    if (editing) body.settings = ch.settings;
    else body.templateId = tmplSelect.value;
    try {
      const saved = await sb.busy(submit, editing ? "Saving and checking…" : "Creating and checking the connection…",
        editing ? sb.api("PUT", "/api/v1/channels/" + encodeURIComponent(ch.id), body) : sb.api("POST", "/api/v1/channels", body));
      clearErrors();
      o.onSaved(saved);
    } catch (err) {
      showErrors(err);
    }
  });

  // The page calls this when queues change while the form is open.
  form.refreshDestinations = () => { for (const r of rows) r.refill(); };
  tmplSelect.addEventListener("change", showFields);
  showFields();
  return form;
}
