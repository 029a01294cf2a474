// Integrations pages: what the connect form (integrations.js) and an
// integration's page (integration.js) share. Loaded before them; it only
// defines functions, which use sb when called.
"use strict";

const integ = {
  // isHelpdesk tells helpdesk and CRM templates from channel ones (those
  // are connected on the Channels page).
  isHelpdesk(t) {
    return t.provider !== "sms" && t.provider !== "messaging";
  },

  // status shows an integration's status with its reason below it.
  status(inv) {
    const box = sb.el("span", { class: "integ-status" },
      sb.el("span", { class: "status " + inv.status }, integ.statusLabel(inv.status)));
    if (inv.statusReason) box.append(sb.el("span", { class: "reason" }, inv.statusReason));
    return box;
  },

  statusLabel(status) {
    return { connected: "Connected", authorizing: "Waiting for sign-in", failed: "Failed" }[status] || status;
  },

  // fieldInputs makes a labelled input for each of a template's custom
  // fields: password fields masked, list fields as selects, required ones
  // marked. values are the current plain values; secretsSet the secret
  // fields that have a value, which an empty input keeps.
  fieldInputs(fields, values, secretsSet) {
    const out = [];
    for (const f of fields) {
      const id = "field-" + f.name;
      const label = sb.el("label", { for: id }, f.title || f.name);
      if (f.required) label.append(" ", sb.el("span", { class: "required", title: "required" }, "*"), sb.el("span", { class: "sr-only" }, "(required)"));
      else label.append(" ", sb.el("span", { class: "optional" }, "(optional)"));
      let input;
      if (f.editor === "list") {
        input = sb.el("select", { id, name: f.name });
        if (!f.required) input.append(sb.el("option", { value: "" }, "—"));
        for (const o of f.options || []) input.append(sb.el("option", { value: o }, o));
        const v = (values && values[f.name]) || f.default || "";
        if (v) input.value = v;
      } else {
        const secret = f.secret || f.editor === "password";
        input = sb.el("input", { id, name: f.name, type: secret ? "password" : "text", autocomplete: secret ? "new-password" : "off", spellcheck: "false" });
        if (!secret && values && values[f.name] != null) input.value = values[f.name];
        if (secret && secretsSet && secretsSet.includes(f.name)) input.placeholder = "•••••••• (set; leave empty to keep it)";
        else if (f.default) input.placeholder = f.default;
      }
      if (f.required) input.setAttribute("aria-required", "true");
      input.dataset.secret = f.secret ? "1" : "";
      out.push(sb.el("div", { class: "integ-field" }, label, input));
    }
    return out;
  },

  // fieldValues reads the inputs fieldInputs made. Secret inputs left
  // empty are left out (the stored value stays).
  fieldValues(form, fields) {
    const out = {};
    for (const f of fields) {
      const input = form.querySelector('[name="' + CSS.escape(f.name) + '"]');
      if (!input) continue;
      const v = input.value.trim();
      if (f.secret && v === "") continue;
      out[f.name] = v;
    }
    return out;
  },

  // fieldProblems turns the API's field problems ('field "base_url"
  // (Base URL): …') into the "name: message" details sb.fieldErrors puts
  // beside the inputs.
  fieldProblems(fields, details) {
    return (details || []).map((d) => {
      d = String(d);
      for (const f of fields) {
        for (const prefix of ['field "' + f.name + '" (' + f.title + ")", 'field "' + f.name + '"']) {
          if (!d.startsWith(prefix)) continue;
          let rest = d.slice(prefix.length).replace(/^:?\s*/, "");
          if (rest === "is required") rest = "This field is required.";
          return f.name + ": " + rest.charAt(0).toUpperCase() + rest.slice(1);
        }
      }
      return d;
    });
  },

  // showFieldErrors shows an API error of a fields form: each field's
  // problem beside it, the rest in the error paragraph.
  showFieldErrors(form, fields, err, errorP) {
    const rest = sb.fieldErrors(form, integ.fieldProblems(fields, err.details));
    errorP.textContent = rest.length ? err.message + ": " + rest.join("; ") : (err.details && err.details.length ? "Check the fields marked above." : err.message);
    errorP.hidden = false;
    const first = form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
  },

  clearErrors(form, errorP) {
    sb.fieldErrors(form, []);
    for (const i of form.querySelectorAll('[aria-invalid="true"]')) {
      i.removeAttribute("aria-invalid");
      i.removeAttribute("aria-describedby");
    }
    errorP.hidden = true;
    errorP.textContent = "";
  },
};
