// Switchboard console: what every page shares. The API is the only source
// of truth; this file only calls it.
"use strict";

const sb = {
  csrf: sessionStorage.getItem("sb.csrf") || "",

  // api calls the HTTP API as the signed-in person (the session cookie
  // goes along by itself) and answers the decoded JSON, or throws an
  // Error whose message is the API's own.
  async api(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && sb.csrf) headers["X-CSRF-Token"] = sb.csrf;
    const res = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data = {};
    try {
      data = text ? JSON.parse(text) : {};
    } catch (_) {
      // Not the API's JSON (a proxy's page, say): say what came back.
      data = { error: { message: "the service answered " + res.status + " " + res.statusText } };
    }
    if (!res.ok) {
      const err = new Error((data.error && data.error.message) || ("the service answered " + res.status + " " + res.statusText));
      err.status = res.status;
      err.code = data.error && data.error.code;
      err.details = data.error && data.error.details;
      throw err;
    }
    return data;
  },

  setCSRF(token) {
    sb.csrf = token || "";
    sessionStorage.setItem("sb.csrf", sb.csrf);
  },

  // me answers who is signed in, or sends the browser to the sign-in page.
  async me() {
    try {
      const me = await sb.api("GET", "/api/v1/auth/me");
      sb.setCSRF(me.csrfToken);
      sb.showAccount(me.user);
      return me.user;
    } catch (err) {
      if (err.status === 401) {
        location.assign("/login");
        return null;
      }
      throw err;
    }
  },

  showAccount(user) {
    const nav = document.getElementById("account");
    document.getElementById("whoami").textContent = user.name + " · " + user.role + (user.extension ? " · " + user.extension : "");
    nav.hidden = false;
    if (user.role === "admin") document.getElementById("sections").hidden = false;
    document.getElementById("signout").addEventListener("click", async () => {
      try { await sb.api("POST", "/api/v1/auth/logout"); } finally {
        sb.setCSRF("");
        location.assign("/login");
      }
    });
  },

  // el makes an element with text content (never HTML: what the API says
  // is shown as text).
  el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
    return e;
  },

  showError(id, err) {
    const p = document.getElementById(id);
    p.textContent = err.details && err.details.length ? err.message + ": " + err.details.join("; ") : err.message;
    p.hidden = false;
  },

  time(iso) {
    return iso ? new Date(iso).toLocaleString() : "";
  },
};
