"use strict";

document.getElementById("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const button = form.querySelector("button");
  document.getElementById("login-error").hidden = true;
  button.disabled = true;
  try {
    const res = await sb.api("POST", "/api/v1/auth/login", {
      login: form.login.value.trim(), password: form.password.value,
    });
    sb.setCSRF(res.csrfToken);
    location.assign(nextPage());
  } catch (err) {
    sb.showError("login-error", err);
    button.disabled = false;
  }
});

// nextPage is where the sign-in page was sent from (?next=), when that is
// a page of this console; anywhere else is ignored, so a link cannot send
// a person off-site after signing in. The address is read the way the
// browser will read it (which drops tabs and newlines: "/\t/evil.example"
// is "//evil.example"), and only its path on this origin is kept.
function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "/";
  try {
    const u = new URL(next, location.origin);
    if (u.origin === location.origin) return u.pathname + u.search + u.hash;
  } catch (_) {
    // not an address at all
  }
  return "/";
}
