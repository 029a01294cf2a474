// Switchboard console: what every page shares. The API is the only source
// of truth; this file only calls it.
"use strict";

const sb = {
  csrf: sessionStorage.getItem("sb.csrf") || "",

  // api calls the HTTP API as the signed-in person (the session cookie
  // goes along by itself) and answers the decoded JSON, or throws an
  // Error whose message is the API's own.
  async api(method, path, body) {
    return sb.request(method, path, body === undefined ? undefined : JSON.stringify(body), "application/json");
  },

  // sendXML is api for a body of raw template XML (a file as it is, or an
  // editor's text), the way uploads are sent.
  async sendXML(method, path, xml) {
    return sb.request(method, path, xml, "application/xml");
  },

  // request sends a body already encoded, of the content type given, and
  // answers as api does.
  async request(method, path, body, contentType, retried) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = contentType;
    if (method !== "GET" && sb.csrf) headers["X-CSRF-Token"] = sb.csrf;
    const res = await fetch(path, { method, headers, credentials: "same-origin", body });
    const text = await res.text();
    let data = {};
    try {
      data = text ? JSON.parse(text) : {};
    } catch (_) {
      // Not the API's JSON (a proxy's page, say): say what came back.
      data = { error: { message: "the service answered " + res.status + " " + res.statusText } };
    }
    if (res.status === 403 && data.error && data.error.code === "csrf" && !retried) {
      // Signed in again in another tab: this tab's token is stale. Ask
      // for the session's own, once.
      const me = await sb.api("GET", "/api/v1/auth/me");
      sb.setCSRF(me.csrfToken);
      return sb.request(method, path, body, contentType, true);
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
        location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
        return null;
      }
      throw err;
    }
  },

  showAccount(user) {
    const nav = document.getElementById("account");
    document.getElementById("whoami").textContent = user.name + " · " + user.role + (user.extension ? " · " + user.extension : "");
    nav.hidden = false;
    const button = document.getElementById("signout");
    button.addEventListener("click", async () => {
      try {
        await sb.api("POST", "/api/v1/auth/logout");
      } catch (err) {
        // Still signed in (a network error, say): saying otherwise would
        // leave the session open on a shared computer.
        if (err.status !== 401) {
          button.textContent = "Sign out failed: try again";
          return;
        }
      }
      sb.forget();
      location.assign("/login");
    });
  },

  // events opens the event stream as the signed-in person and answers
  // an object to add listeners to (and close). The browser reconnects by
  // itself, sending the last event's id, so nothing in between is missed.
  // Two cases it does not handle are handled here: when the service ended
  // the stream because the person was signed out, disabled or expired,
  // reconnecting cannot help, so the page says so; when the browser gave up
  // (an answer that was not a stream, a proxy's 502 during a deploy), the
  // stream is opened again after a while, and, since what happened in
  // between cannot be replayed to a new stream, the "resync" listeners are
  // told to reload. onState hears "live", "reconnecting" and "signed-out".
  events(onState) {
    const say = onState || (() => {});
    const listeners = [];
    let es = null;
    let stopped = false;
    let wait = 1000;
    const open = (again) => {
      const source = new EventSource("/api/v1/stream");
      es = source;
      for (const [type, fn] of listeners) source.addEventListener(type, fn);
      source.addEventListener("open", () => {
        wait = 1000;
        say("live");
        if (again) {
          again = false;
          for (const [type, fn] of listeners) if (type === "resync") fn(new MessageEvent("resync", { data: "{}" }));
        }
      });
      source.addEventListener("error", async () => {
        say("reconnecting");
        try {
          const me = await sb.api("GET", "/api/v1/auth/me");
          sb.setCSRF(me.csrfToken);
        } catch (err) {
          if (err.status === 401) {
            stopped = true;
            source.close();
            say("signed-out");
            sb.signedOut();
            return;
          }
        }
        if (source.readyState === EventSource.CLOSED && !stopped && es === source) {
          setTimeout(() => { if (!stopped && es === source) open(true); }, wait);
          wait = Math.min(wait * 2, 30000);
        }
      });
    };
    open(false);
    return {
      addEventListener(type, fn) {
        listeners.push([type, fn]);
        es.addEventListener(type, fn);
      },
      close() {
        stopped = true;
        es.close();
      },
    };
  },

  // forget drops what this tab keeps for the person signed in: the CSRF
  // token, and any rejected template waiting for the workbench (it may
  // hold credentials).
  forget() {
    sb.setCSRF("");
    sessionStorage.clear();
  },

  // signedOut tells the person their session ended, and offers to sign in
  // again (coming back to this page).
  signedOut() {
    if (document.getElementById("signed-out")) return;
    const again = sb.el("a", { href: "/login?next=" + encodeURIComponent(location.pathname + location.search) }, "Sign in again");
    const notice = sb.el("p", { id: "signed-out", class: "notice error-notice", role: "alert" },
      "You were signed out, or your account was disabled. ", again);
    document.getElementById("main").prepend(notice);
    document.getElementById("account").hidden = true;
    sb.forget();
  },

  // el makes an element with text content (never HTML: what the API says
  // is shown as text).
  // A link's address comes from the API, and through it from a helpdesk
  // or a template: one that would run script (javascript:, data:) is left
  // out rather than trusted to the content security policy alone.
  el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if ((k === "href" || k === "src") && sb.unsafeURL(v)) continue;
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
    return e;
  },

  // unsafeURL reports whether a link's address would run script or
  // content of its own when followed.
  unsafeURL(v) {
    const scheme = /^\s*([a-z][a-z0-9+.-]*):/i.exec(String(v).replace(/[\u0000-\u001f]/g, ""));
    return !!scheme && ["javascript", "data", "vbscript"].includes(scheme[1].toLowerCase());
  },

  showError(id, err) {
    const p = document.getElementById(id);
    p.textContent = err.details && err.details.length ? err.message + ": " + err.details.join("; ") : err.message;
    p.hidden = false;
  },

  // time shows an instant in the browser's time zone.
  time(iso) {
    return iso ? new Date(iso).toLocaleString() : "";
  },

  // start runs a page's script once the person is known: init(user) shows
  // the page; a failure is said in #loading. Every page but sign-in and
  // setup starts this way.
  start(init) {
    (async () => {
      const user = await sb.me();
      if (!user) return;
      const loading = document.getElementById("loading");
      if (loading) loading.hidden = true;
      await init(user);
    })().catch((err) => {
      const p = document.getElementById("loading");
      if (!p) throw err;
      p.hidden = false;
      p.textContent = "The page could not load: " + err.message;
      p.classList.add("error");
    });
  },

  // query makes "?a=1&b=2" of the set values of params ("" for none).
  query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
    }
    const s = q.toString();
    return s ? "?" + s : "";
  },

  // pager shows "Previous / Next" under a list read with ?limit= and
  // ?offset=, as the API pages. load(offset, current) fetches and shows
  // one page, unless current() says a newer load has started, and answers
  // how many rows it got; Next is offered when the page was
  // full. Answers reset(), which goes back to the first page.
  pager(container, limit, load) {
    let offset = 0;
    const prev = sb.el("button", { type: "button", class: "secondary" }, "Previous");
    const next = sb.el("button", { type: "button", class: "secondary" }, "Next");
    const where = sb.el("span", { class: "hint", role: "status" });
    container.replaceChildren(prev, where, next);
    container.classList.add("pager");
    // Only the newest load shows: a reload or a new filter overtaken by
    // the person's "Next" (or the other way round) is dropped. load is
    // told whether it is still the newest before it shows rows.
    let seq = 0;
    const go = async (to) => {
      const mine = ++seq;
      prev.disabled = next.disabled = true;
      let n = 0;
      try {
        n = await load(to, () => mine === seq);
      } finally {
        if (mine === seq) {
          offset = to;
          where.textContent = n === 0 ? (offset === 0 ? "" : "No more") : (offset + 1) + "–" + (offset + n);
          prev.disabled = offset === 0;
          next.disabled = n < limit;
        }
      }
    };
    prev.addEventListener("click", () => go(Math.max(0, offset - limit)));
    next.addEventListener("click", () => go(offset + limit));
    return { reset: () => go(0), reload: () => go(offset) };
  },

  // listPager pages a list the API answers whole (users, tokens), in the
  // browser: list() is the list as it is now, show(rows) shows one page of
  // it; the pager is hidden while one page holds it all. reload() after
  // the list changed keeps the page shown.
  listPager(container, limit, list, show) {
    return sb.pager(container, limit, async (offset) => {
      const all = list();
      container.hidden = all.length <= limit;
      const rows = all.slice(offset, offset + limit);
      show(rows);
      return rows.length;
    });
  },

  // bars draws a small bar chart (SVG, no library) of points
  // [{label, value}], with each bar's value in its title for pointers and
  // screen readers, and a text summary as the chart's label.
  bars(points, opts) {
    const o = Object.assign({ width: 320, height: 80, label: "" }, opts || {});
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + o.width + " " + o.height);
    svg.setAttribute("class", "chart");
    svg.setAttribute("role", "img");
    const total = points.reduce((a, p) => a + p.value, 0);
    svg.setAttribute("aria-label", (o.label ? o.label + ": " : "") + total + " in all");
    const max = Math.max(1, ...points.map((p) => p.value));
    const w = o.width / Math.max(1, points.length);
    points.forEach((p, i) => {
      const h = Math.round((p.value / max) * (o.height - 4));
      const r = document.createElementNS(NS, "rect");
      r.setAttribute("x", String(i * w + 1));
      r.setAttribute("y", String(o.height - h));
      r.setAttribute("width", String(Math.max(1, w - 2)));
      r.setAttribute("height", String(Math.max(h, p.value > 0 ? 2 : 0)));
      const t = document.createElementNS(NS, "title");
      t.textContent = p.label + ": " + p.value;
      r.append(t);
      svg.append(r);
    });
    return svg;
  },

  // copyButton copies text to the clipboard, and says so.
  copyButton(text, label) {
    const b = sb.el("button", { type: "button", class: "secondary copy" }, label || "Copy");
    b.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text);
        b.textContent = "Copied";
      } catch (_) {
        b.textContent = "Select and copy it";
      }
      setTimeout(() => { b.textContent = label || "Copy"; }, 2000);
    });
    return b;
  },

  // busy shows a long operation's progress on a button (disabled, with
  // the text saying what runs) until the promise settles.
  async busy(button, text, promise) {
    const was = button.textContent;
    const wasDisabled = button.disabled;
    button.disabled = true;
    button.textContent = text;
    button.setAttribute("aria-busy", "true");
    try {
      return await promise;
    } finally {
      button.disabled = wasDisabled;
      button.textContent = was;
      button.removeAttribute("aria-busy");
    }
  },

  // fieldErrors puts each of the API's details that names a field of the
  // form ("fieldName: what is wrong") beside that field, and answers the
  // rest.
  fieldErrors(form, details) {
    for (const p of form.querySelectorAll(".field-error")) p.remove();
    for (const input of form.querySelectorAll('[aria-invalid="true"]')) {
      input.removeAttribute("aria-invalid");
      if ((input.getAttribute("aria-describedby") || "").startsWith("err-")) input.removeAttribute("aria-describedby");
    }
    const rest = [];
    for (const d of details || []) {
      const m = /^([A-Za-z0-9_.-]+): (.*)$/.exec(String(d));
      const input = m && form.querySelector('[name="' + CSS.escape(m[1]) + '"]');
      if (!input) {
        rest.push(d);
        continue;
      }
      const p = sb.el("p", { class: "field-error error", id: "err-" + m[1] }, m[2]);
      input.setAttribute("aria-describedby", p.id);
      input.setAttribute("aria-invalid", "true");
      input.after(p);
    }
    return rest;
  },

  // confirmInline asks, in the page rather than in a browser dialog,
  // before a destructive action (added for history and tokens): button
  // gives way to "question [yes] [Cancel]"; yes runs action() with
  // progress shown, Cancel or Escape puts button back. action handles its
  // own errors. after, if given, runs once the question is gone and the
  // button is back (a page that hides the button after the action does it
  // there, not by a timer that may run first).
  confirmInline(button, question, yes, action, after) {
    const ok = sb.el("button", { type: "button", class: "danger confirm-yes" }, yes);
    const no = sb.el("button", { type: "button", class: "secondary confirm-no" }, "Cancel");
    const box = sb.el("span", { class: "confirm", role: "group", "aria-label": question },
      sb.el("span", { class: "confirm-question" }, question), ok, no);
    const close = () => {
      box.remove();
      button.hidden = false;
      if (button.isConnected) button.focus();
    };
    button.hidden = true;
    button.after(box);
    ok.focus();
    no.addEventListener("click", close);
    box.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
    ok.addEventListener("click", async () => {
      try {
        await sb.busy(ok, yes + "…", action());
      } finally {
        if (box.isConnected) close();
        if (after) after();
      }
    });
  },

  // xmlView shows a template's XML read-only, with line numbers and every
  // problem beside its line: problems are the API's
  // [{line, column, path, message, severity}] (an invalid_template's
  // details, an upload's warnings). A problem's line is highlighted, its
  // column marked, its message under the line; a summary above lists the
  // errors, then the warnings apart, each entry a link that scrolls to its
  // line and focuses it. Each line's element carries data-line. Answers
  // the element; the templates page and the workbench both use it.
  xmlView(xmlText, problems) {
    sb.xmlView.count = (sb.xmlView.count || 0) + 1;
    const uid = "xv" + sb.xmlView.count + "-L";
    const lines = String(xmlText || "").split("\n").map((l) => Array.from(l.endsWith("\r") ? l.slice(0, -1) : l));
    // A final line break ends the last line rather than starting one.
    if (lines.length > 1 && lines[lines.length - 1].length === 0 && !(problems || []).some((p) => p.line === lines.length)) lines.pop();
    const all = (problems || []).slice().sort((a, b) => (a.line - b.line) || (a.column - b.column));
    const errors = all.filter((p) => p.severity !== "warning");
    const warnings = all.filter((p) => p.severity === "warning");
    const byLine = new Map();
    for (const p of all) {
      if (p.line >= 1 && p.line <= lines.length) {
        if (!byLine.has(p.line)) byLine.set(p.line, []);
        byLine.get(p.line).push(p);
      }
    }
    const plural = (n, one) => n + " " + one + (n === 1 ? "" : "s");
    const where = (p) => p.line >= 1 ? "Line " + p.line + (p.column >= 1 ? ", column " + p.column : "") : "Whole file";

    const code = sb.el("div", { class: "xml-code", role: "region", "aria-label": "The template's XML (read-only), " + plural(lines.length, "line"), tabindex: "0" });
    const jump = (line) => (ev) => {
      const row = code.querySelector('[data-line="' + line + '"]');
      if (!row) return;
      ev.preventDefault();
      row.scrollIntoView({ block: "center" });
      row.focus({ preventScroll: true });
    };
    const summary = sb.el("div", { class: "xml-summary" });
    for (const [list, title] of [[errors, "error"], [warnings, "warning"]]) {
      if (!list.length) continue;
      const ol = sb.el("ol", { class: "xml-problems is-" + title });
      for (const p of list) {
        const inFile = byLine.has(p.line);
        const place = inFile ? sb.el("a", { href: "#" + uid + p.line }, where(p)) : sb.el("span", {}, where(p));
        if (inFile) place.addEventListener("click", jump(p.line));
        ol.append(sb.el("li", { class: "is-" + title }, place, ": " + p.message, p.path ? sb.el("span", { class: "xml-path" }, p.path) : ""));
      }
      summary.append(sb.el("h3", { class: "xml-summary-title is-" + title }, plural(list.length, title)), ol);
    }

    lines.forEach((chars, i) => {
      const n = i + 1;
      const here = byLine.get(n);
      const row = sb.el("div", { class: "xml-line", "data-line": String(n) }, sb.el("span", { class: "xml-ln" }, String(n)));
      const src = sb.el("code", { class: "xml-src" });
      if (!here) {
        src.textContent = chars.join("");
        row.append(src);
        code.append(row);
        return;
      }
      const sev = here.some((p) => p.severity !== "warning") ? "error" : "warning";
      row.classList.add("has-problem", "is-" + sev);
      row.id = uid + n;
      row.setAttribute("tabindex", "-1");
      // The marked columns, each once, with the worst severity there.
      const cols = new Map();
      for (const p of here) {
        const c = Math.max(1, p.column || 1);
        if (cols.get(c) !== "error") cols.set(c, p.severity === "warning" ? "warning" : "error");
      }
      let at = 0;
      for (const c of [...cols.keys()].sort((a, b) => a - b)) {
        const k = c - 1;
        if (k > at) src.append(chars.slice(at, k).join(""));
        const mark = sb.el("mark", { class: "xml-col is-" + cols.get(c), title: "column " + c }, k < chars.length ? chars[k] : " ");
        if (k >= chars.length) mark.classList.add("eol");
        src.append(mark);
        at = Math.max(at, k + 1);
      }
      if (at < chars.length) src.append(chars.slice(at).join(""));
      const msgs = sb.el("ul", { class: "xml-msgs" });
      for (const p of here) {
        const s = p.severity === "warning" ? "warning" : "error";
        msgs.append(sb.el("li", { class: "xml-msg is-" + s },
          sb.el("span", { class: "xml-sev" }, s === "error" ? "Error" : "Warning"),
          sb.el("span", { class: "xml-where" }, "column " + (p.column || 1)),
          sb.el("span", { class: "xml-text" }, p.message),
          p.path ? sb.el("span", { class: "xml-path" }, p.path) : ""));
      }
      row.append(src, msgs);
      code.append(row);
    });
    return sb.el("div", { class: "xml-view" }, summary, code);
  },
};
