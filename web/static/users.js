"use strict";

let users = [];
let pager = null;

sb.start(async () => {
  document.getElementById("users-page").hidden = false;
  pager = sb.listPager(document.getElementById("users-pager"), 25, () => users, (rows) => {
    document.getElementById("users").replaceChildren(...rows.map(userRow));
  });
  await load();
});

// load reads the people who sign in again, and shows the page shown
// before (the first at the start).
async function load() {
  users = (await sb.api("GET", "/api/v1/users")).users;
  await pager.reload();
}

// userRow is one person with what an admin does to them: disable or
// enable, and set a new password (which signs them out everywhere).
function userRow(u) {
  const toggle = sb.el("button", { type: "button", class: "link" }, u.disabled ? "Enable" : "Disable");
  toggle.addEventListener("click", () => act("POST", "/api/v1/users/" + encodeURIComponent(u.id) + (u.disabled ? "/enable" : "/disable")));
  const reset = sb.el("button", { type: "button", class: "link reset" }, "Reset password");
  const actions = sb.el("td", { class: "user-actions" }, toggle, " · ", reset);
  reset.addEventListener("click", () => resetForm(u, actions, reset));
  return sb.el("tr", { "data-user": u.name },
    sb.el("td", {}, u.name, sb.el("span", { class: "reason" }, u.email || "")),
    sb.el("td", {}, u.role),
    sb.el("td", {}, u.extension || ""),
    sb.el("td", {}, sb.el("span", { class: "status " + (u.disabled ? "failed" : "connected") }, u.disabled ? "disabled" : "active")),
    actions);
}

// resetForm asks for the new password in the row itself.
function resetForm(u, cell, reset) {
  const input = sb.el("input", { type: "password", autocomplete: "new-password", minlength: "10", "aria-label": "New password for " + u.name });
  const save = sb.el("button", { type: "submit", class: "secondary" }, "Set password");
  const cancel = sb.el("button", { type: "button", class: "secondary" }, "Cancel");
  const form = sb.el("form", { class: "reset-form", novalidate: "" }, input, save, cancel);
  const before = [...cell.childNodes];
  cell.replaceChildren(form);
  input.focus();
  cancel.addEventListener("click", () => {
    cell.replaceChildren(...before);
    reset.focus();
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    document.getElementById("users-error").hidden = true;
    try {
      await sb.busy(save, "Setting…", sb.api("PUT", "/api/v1/users/" + encodeURIComponent(u.id) + "/password", { password: input.value }));
      cell.replaceChildren(...before);
      say(u.name + "'s password is set; they were signed out everywhere.");
      reset.focus();
    } catch (err) {
      sb.showError("users-error", err);
      input.focus();
    }
  });
}

// say tells the admin what was done.
function say(text) {
  const p = document.getElementById("users-said");
  p.textContent = text;
  p.hidden = false;
}

async function act(method, path, body) {
  document.getElementById("users-error").hidden = true;
  try {
    await sb.api(method, path, body);
    await load();
  } catch (err) {
    sb.showError("users-error", err);
  }
}

document.getElementById("user-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const button = form.querySelector("button");
  document.getElementById("user-error").hidden = true;
  button.disabled = true;
  try {
    await sb.api("POST", "/api/v1/users", {
      name: form.name.value.trim(), email: form.email.value.trim(), role: form.role.value,
      extension: form.extension.value.trim(), password: form.password.value,
    });
    form.reset();
    await load();
  } catch (err) {
    sb.showError("user-error", err);
  } finally {
    button.disabled = false;
  }
});
