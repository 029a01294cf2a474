"use strict";

document.getElementById("setup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const button = form.querySelector("button");
  document.getElementById("setup-error").hidden = true;
  button.disabled = true;
  try {
    await sb.api("POST", "/api/v1/auth/setup", {
      token: new URLSearchParams(location.search).get("token") || "",
      name: form.name.value.trim(), email: form.email.value.trim(), password: form.password.value,
    });
    form.hidden = true;
    document.getElementById("setup-done").hidden = false;
  } catch (err) {
    sb.showError("setup-error", err);
    button.disabled = false;
  }
});
