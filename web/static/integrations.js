// Integrations: the helpdesks and CRMs connected, and the form that
// connects a new one from its template's custom fields.
"use strict";

sb.start(async () => {
  const [{ templates }, { integrations }] = await Promise.all([
    sb.api("GET", "/api/v1/templates"),
    sb.api("GET", "/api/v1/integrations"),
  ]);
  const helpdesks = templates.filter(integ.isHelpdesk).sort((a, b) => a.name.localeCompare(b.name));
  const names = Object.fromEntries(templates.map((t) => [t.id, t.name]));
  document.getElementById("integrations-page").hidden = false;
  const deleted = new URLSearchParams(location.search).get("deleted");
  if (deleted) {
    const p = document.getElementById("integrations-notice");
    p.textContent = "Integration " + deleted + " was deleted.";
    p.hidden = false;
  }
  showList(integrations, names);
  connectForm(helpdesks);
});

// showList shows the integrations, a page at a time.
function showList(list, names) {
  const body = document.querySelector("#integrations-list tbody");
  const table = document.getElementById("integrations-list");
  const empty = document.getElementById("integrations-empty");
  const limit = 20;
  list.sort((a, b) => (names[a.templateId] || a.templateId).localeCompare(names[b.templateId] || b.templateId) || a.createdAt.localeCompare(b.createdAt));
  empty.hidden = list.length > 0;
  table.hidden = list.length === 0;
  const pager = sb.listPager(document.getElementById("integrations-pager"), limit, () => list, (rows) => {
    body.replaceChildren(...rows.map((inv) => {
      const name = names[inv.templateId] || inv.templateId;
      return sb.el("tr", { "data-id": inv.id },
        sb.el("td", {}, sb.el("a", { href: "/integrations/" + encodeURIComponent(inv.id), class: "integ-name" }, name),
          sb.el("span", { class: "reason mono" }, inv.id)),
        sb.el("td", {}, integ.status(inv)),
        sb.el("td", {}, inv.connectedAt ? sb.time(inv.connectedAt) : sb.el("span", { class: "hint" }, "never")));
    }));
  });
  pager.reset();
}

// connectForm builds the form of the chosen template's fields and
// connects with them: a field the API refuses gets its problem beside
// it; an OAuth2 template's button signs in at the provider, which comes
// back to the integration's page.
function connectForm(helpdesks) {
  const form = document.getElementById("connect-form");
  const select = document.getElementById("template");
  const about = document.getElementById("template-about");
  const holder = document.getElementById("connect-fields");
  const submit = document.getElementById("connect-submit");
  const errorP = document.getElementById("connect-error");
  if (helpdesks.length === 0) {
    select.disabled = true;
    about.textContent = "There is no helpdesk or CRM template yet: upload one on the Templates page.";
    about.hidden = false;
  }
  for (const t of helpdesks) {
    select.append(sb.el("option", { value: t.id }, t.name + (t.builtIn ? "" : " (custom)")));
  }
  let chosen = null;
  const choose = async () => {
    integ.clearErrors(form, errorP);
    chosen = null;
    holder.replaceChildren();
    about.hidden = true;
    submit.disabled = true;
    submit.textContent = "Connect";
    const id = select.value;
    if (!id) return;
    let got;
    try {
      got = await sb.api("GET", "/api/v1/templates/" + encodeURIComponent(id));
    } catch (err) {
      if (select.value === id) sb.showError("connect-error", err);
      return;
    }
    // Arrowing through the select asks for each template in turn: only the
    // answer for the one chosen now makes the form.
    if (select.value !== id) return;
    chosen = got;
    about.textContent = chosen.remark || "";
    about.hidden = !chosen.remark;
    holder.replaceChildren(...integ.fieldInputs(chosen.fields, {}, []));
    if (chosen.fields.length === 0) holder.append(sb.el("p", { class: "hint" }, "This template needs no fields."));
    submit.textContent = chosen.authType === "oauth2" ? "Sign in with " + chosen.name : "Connect";
    submit.disabled = false;
  };
  // /integrations?template=<id> opens the form of that template.
  const pre = new URLSearchParams(location.search).get("template");
  if (pre && helpdesks.some((t) => t.id === pre)) select.value = pre;
  select.addEventListener("change", choose);
  if (select.value) choose();

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!chosen) return;
    integ.clearErrors(form, errorP);
    const body = { templateId: chosen.id, fields: integ.fieldValues(form, chosen.fields) };
    let inv;
    try {
      inv = await sb.busy(submit, chosen.authType === "oauth2" ? "Preparing the sign-in…" : "Connecting…", sb.api("POST", "/api/v1/integrations", body));
    } catch (err) {
      integ.showFieldErrors(form, chosen.fields, err, errorP);
      return;
    }
    if (inv.status === "authorizing" && inv.authorizeUrl) {
      if (sb.unsafeURL(inv.authorizeUrl)) {
        // The address comes from the template: one that would run script
        // is not followed. The integration exists; its page says its state.
        errorP.textContent = "The provider's sign-in address is not a web address (" + inv.authorizeUrl.slice(0, 60) + "); check the template's OAuth2 settings.";
        errorP.hidden = false;
        return;
      }
      location.assign(inv.authorizeUrl); // the provider sends the browser back through the callback
      return;
    }
    location.assign("/integrations/" + encodeURIComponent(inv.id) + (inv.status === "connected" ? "?connected=1" : ""));
  });
}
