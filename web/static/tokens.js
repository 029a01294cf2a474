"use strict";

// API tokens: created (the token shown once), listed, revoked.

const roleNames = { pbx: "PBX", admin: "Automation (admin)", agent: "Agent" };

sb.start(async () => {
  await load();
  document.getElementById("tokens-page").hidden = false;
});

async function load() {
  const res = await sb.api("GET", "/api/v1/tokens");
  const list = res.tokens.slice().sort((a, b) => (b.createdAt || "").localeCompare(a.createdAt || ""));
  document.getElementById("tokens").replaceChildren(...list.map(row));
  document.getElementById("tokens-empty").hidden = list.length > 0;
}

function row(t) {
  const revoke = sb.el("button", { type: "button", class: "danger revoke", "aria-label": "Revoke the token " + t.name }, "Revoke");
  const tr = sb.el("tr", { "data-token": t.id },
    sb.el("td", {}, sb.el("span", { class: "token-name" }, t.name), sb.el("span", { class: "reason mono token-id" }, t.id)),
    sb.el("td", {}, sb.el("span", { class: "role " + t.role }, roleNames[t.role] || t.role),
      t.extension ? sb.el("span", { class: "reason" }, "extension " + t.extension) : ""),
    sb.el("td", {}, sb.el("time", { datetime: t.createdAt }, sb.time(t.createdAt))),
    sb.el("td", { class: "token-actions" }, revoke));
  revoke.addEventListener("click", () => sb.confirmInline(revoke, "Revoke? It stops working at once.", "Revoke", async () => {
    document.getElementById("tokens-error").hidden = true;
    try {
      await sb.api("DELETE", "/api/v1/tokens/" + encodeURIComponent(t.id));
      // The focused button goes with its row: focus the next row's Revoke
      // (else the one before), or the list's heading when none is left.
      const near = tr.nextElementSibling || tr.previousElementSibling;
      tr.remove();
      document.getElementById("tokens-empty").hidden = document.getElementById("tokens").children.length > 0;
      const to = near ? near.querySelector(".revoke") : document.getElementById("tokens-title");
      if (!near) to.setAttribute("tabindex", "-1");
      to.focus();
    } catch (err) {
      sb.showError("tokens-error", err);
    }
  }));
  return tr;
}

const form = document.getElementById("token-form");
const role = document.getElementById("token-role");
const extField = document.getElementById("token-extension-field");
const roleHints = {
  pbx: "Posts the PBX's call events and reads the extensions.",
  admin: "Everything an administrator may do, for scripts and other systems.",
  agent: "What the agent of one extension may do: their calls and conversations.",
};
function showRole() {
  extField.hidden = role.value !== "agent";
  document.getElementById("token-role-hint").textContent = roleHints[role.value] || "";
}
role.addEventListener("change", showRole);
showRole();

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const button = form.querySelector("button[type=submit]");
  const error = document.getElementById("token-error");
  error.hidden = true;
  const body = { name: document.getElementById("token-name").value.trim(), role: role.value };
  if (role.value === "agent") body.extension = document.getElementById("token-extension").value.trim();
  try {
    const created = await sb.busy(button, "Creating…", sb.api("POST", "/api/v1/tokens", body));
    showOnce(created, body.extension);
    form.reset();
    showRole();
    await load();
  } catch (err) {
    sb.showError("token-error", err);
  }
});

// showOnce shows the new token, which the API never answers again.
function showOnce(t, extension) {
  const card = document.getElementById("token-created");
  const input = document.getElementById("token-value");
  input.value = t.token;
  document.getElementById("token-copy").replaceChildren(sb.copyButton(t.token, "Copy token"));
  document.getElementById("token-created-for").replaceChildren("“" + t.name + "”, " + (roleNames[t.role] || t.role) +
    (extension ? " for extension " + extension : "") + ". Send it in the header ", sb.el("code", {}, "Authorization: Bearer <token>"), ".");
  card.hidden = false;
  card.focus();
  input.select();
}

document.getElementById("token-done").addEventListener("click", () => {
  document.getElementById("token-value").value = "";
  document.getElementById("token-copy").replaceChildren();
  document.getElementById("token-created").hidden = true;
  document.getElementById("token-name").focus();
});
