"use strict";

sb.start(async () => {
  document.getElementById("users-page").hidden = false;
  await load();
});

async function load() {
  const res = await sb.api("GET", "/api/v1/users");
  const body = document.getElementById("users");
  body.replaceChildren();
  for (const u of res.users) {
    const toggle = sb.el("button", { type: "button", class: "link" }, u.disabled ? "Enable" : "Disable");
    toggle.addEventListener("click", () => act("POST", "/api/v1/users/" + encodeURIComponent(u.id) + (u.disabled ? "/enable" : "/disable")));
    body.append(sb.el("tr", { "data-user": u.name },
      sb.el("td", {}, u.name, sb.el("span", { class: "reason" }, u.email || "")),
      sb.el("td", {}, u.role),
      sb.el("td", {}, u.extension || ""),
      sb.el("td", {}, sb.el("span", { class: "status " + (u.disabled ? "failed" : "connected") }, u.disabled ? "disabled" : "active")),
      sb.el("td", {}, toggle)));
  }
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
