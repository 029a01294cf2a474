// One channel: how to connect the provider (webhook URL, verify token),
// its status, settings and numbers, each number's messages over a period
// as a chart; check the connection, edit, delete.
"use strict";

sb.start(async () => {
  const id = decodeURIComponent(location.pathname.replace(/^\/channels\//, ""));
  const path = "/api/v1/channels/" + encodeURIComponent(id);
  const [first, tl, el, ql] = await Promise.all([
    sb.api("GET", path), sb.api("GET", "/api/v1/templates"), sb.api("GET", "/api/v1/extensions"), sb.api("GET", "/api/v1/queues"),
  ]);
  let ch = first;
  const templates = channelTemplates(tl.templates);
  const extensions = el.extensions;
  const queues = ql.queues;
  const $ = (x) => document.getElementById(x);
  const extName = (n) => {
    const e = extensions.find((x) => x.number === n);
    const who = e ? [e.firstName, e.lastName].filter(Boolean).join(" ") : "";
    return who ? n + " · " + who : n;
  };
  const queueOf = (qid) => queues.find((q) => q.id === qid);

  const show = () => {
    document.title = ch.name + " · Switchboard";
    $("channel-name").textContent = ch.name;
    const t = tl.templates.find((x) => x.id === ch.templateId);
    $("channel-template").textContent = (t ? t.name : ch.templateId) + " · " + (ch.kind === "sms" ? "SMS" : "messaging") + " channel";
    const st = $("channel-status");
    st.className = "status " + ch.status;
    st.textContent = ch.status.replace(/_/g, " ");
    $("channel-reason").textContent = ch.statusReason || (ch.status === "connected" ? "The provider answered the last check." : "");
    // A channel that connects to its provider itself (SMPP) has no webhook.
    const bound = !ch.webhookUrl;
    $("connect-fields").hidden = bound;
    $("connect-hint").textContent = bound
      ? "This channel connects to the provider itself (SMPP): there is no webhook to set up. Allow this server's address on the provider's IP allowlist."
      : "Give the provider this address for incoming messages and delivery reports.";
    $("webhook-url").value = ch.webhookUrl;
    $("verify-token").value = ch.verifyToken;
    $("webhook-copy").replaceChildren(sb.copyButton(ch.webhookUrl, "Copy URL"));
    $("token-copy").replaceChildren(sb.copyButton(ch.verifyToken, "Copy token"));

    const facts = [
      ["Agents may start conversations", ch.agentInitiated ? "Yes (from the numbers' allowed extensions)" : "No: it only answers customers"],
      ["Sending rate", ch.messagesPerSecond + (ch.messagesPerSecond === 1 ? " message" : " messages") + " per second"],
      ["Idle conversations close", ch.autoCloseHours ? "after " + ch.autoCloseHours + " hours (the provider's rule)"
        : ch.autoCloseDays ? "after " + ch.autoCloseDays + (ch.autoCloseDays === 1 ? " day" : " days") : "never"],
    ];
    if (ch.replyWindowHours) facts.push(["Reply window", ch.replyWindowHours + " hours after the customer's last message"]);
    for (const [k, v] of Object.entries(ch.fields || {})) {
      const f = t && t.fields.find((x) => x.name === k);
      facts.push([f ? f.title : k, v || "—"]);
    }
    for (const k of ch.secretFields || []) {
      const f = t && t.fields.find((x) => x.name === k);
      facts.push([f ? f.title : k, "•••••• (set)"]);
    }
    facts.push(["Created", sb.time(ch.createdAt)], ["Changed", sb.time(ch.updatedAt)]);
    $("channel-settings").replaceChildren(...facts.flatMap(([k, v]) => [sb.el("dt", {}, k), sb.el("dd", {}, v)]));

    const body = $("numbers").tBodies[0];
    body.replaceChildren();
    for (const n of ch.numbers) {
      const d = n.destination;
      const q = d.type === "queue" && queueOf(d.id);
      const dest = d.type === "queue"
        ? sb.el("span", {}, "Queue ", sb.el("strong", {}, q ? q.name : d.id), q ? sb.el("span", { class: "reason" }, q.agents.length ? "Agents " + q.agents.map(extName).join(", ") : "No agents") : "")
        : sb.el("span", {}, "Extension ", sb.el("strong", {}, extName(d.id)));
      body.append(sb.el("tr", {},
        sb.el("td", {}, sb.el("span", { class: "mono" }, n.number), n.numberId ? sb.el("span", { class: "reason" }, "Provider's id " + n.numberId) : ""),
        sb.el("td", {}, dest),
        sb.el("td", {}, !ch.agentInitiated ? sb.el("span", { class: "hint" }, "—")
          : n.allowedExtensions.length ? n.allowedExtensions.map(extName).join(", ") : sb.el("span", { class: "hint" }, "Nobody"))));
    }
  };
  show();

  const notice = (text) => {
    $("channel-notice").textContent = text;
    $("channel-notice").hidden = false;
    $("channel-error").hidden = true;
  };

  // Check the connection.
  $("verify").addEventListener("click", async (ev) => {
    $("channel-error").hidden = true;
    $("channel-notice").hidden = true;
    try {
      ch = await sb.busy(ev.target, "Checking…", sb.api("POST", path + "/verify"));
      show();
      notice(ch.status === "connected" ? "The provider answered: connected." : "Checked: " + ch.status.replace(/_/g, " ") + (ch.statusReason ? " — " + ch.statusReason : ""));
    } catch (err) {
      sb.showError("channel-error", err);
    }
  });

  // Edit.
  const slot = $("channel-form-slot");
  $("edit").addEventListener("click", () => {
    const form = channelForm({
      templates: templates.length ? templates : tl.templates, extensions, queues, channel: ch,
      onSaved: (saved) => {
        ch = saved;
        slot.replaceChildren();
        show();
        notice("Saved. The connection was checked again: " + ch.status.replace(/_/g, " ") + ".");
        $("edit").focus();
        loadStats();
      },
      onCancel: () => { slot.replaceChildren(); $("edit").focus(); },
    });
    slot.replaceChildren(form);
    form.querySelector("#ch-name").focus();
  });

  // Delete, once confirmed.
  $("delete").addEventListener("click", () => {
    $("delete-confirm").hidden = false;
    $("delete-no").focus();
  });
  $("delete-no").addEventListener("click", () => {
    $("delete-confirm").hidden = true;
    $("delete").focus();
  });
  $("delete-yes").addEventListener("click", async (ev) => {
    try {
      await sb.busy(ev.target, "Deleting…", sb.api("DELETE", path));
      location.assign("/channels");
    } catch (err) {
      sb.showError("channel-error", err);
    }
  });

  // Messages per number over a period.
  const range = $("range");
  const customs = [...document.querySelectorAll("#range-form .custom")];
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const dateValue = (d) => d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  const today = midnight(new Date()); // for the custom days' defaults only
  $("range-to").value = dateValue(today);
  $("range-from").value = dateValue(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 13));

  // period answers {from, to, bucket} for the chosen range, in the
  // browser's time zone: hours for a day, days for longer.
  const period = () => {
    const now = new Date();
    const today = midnight(now); // now, not when the page opened: it may be another day
    switch (range.value) {
      case "24h": {
        const h = new Date(now);
        h.setMinutes(0, 0, 0);
        return { from: new Date(h.getTime() - 23 * 3600e3), bucket: "hour" };
      }
      case "7d": return { from: new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6), bucket: "day" };
      case "30d": return { from: new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29), bucket: "day" };
    }
    const [fy, fm, fd] = $("range-from").value.split("-").map(Number);
    const [ty, tm, td] = $("range-to").value.split("-").map(Number);
    if (!fy || !ty) throw new Error("Choose both days of the period.");
    const from = new Date(fy, fm - 1, fd);
    const to = new Date(ty, tm - 1, td + 1);
    if (to <= from) throw new Error("The period's last day comes before its first.");
    return { from, to, bucket: to - from <= 2 * 86400e3 ? "hour" : "day" };
  };

  const statsBox = $("stats");
  // Each load is numbered: when the range changes while one is under way,
  // only the newest one's answer (or error) is shown.
  let statsSeq = 0;
  const loadStats = async () => {
    const seq = ++statsSeq;
    $("stats-error").hidden = true;
    let p;
    try {
      p = period();
    } catch (err) {
      statsBox.removeAttribute("aria-busy");
      sb.showError("stats-error", err);
      return;
    }
    statsBox.setAttribute("aria-busy", "true");
    try {
      const q = sb.query({ from: p.from.toISOString(), to: p.to ? p.to.toISOString() : "", bucket: p.bucket });
      const st = await sb.api("GET", path + "/stats" + q);
      if (seq !== statsSeq) return;
      const shownTo = p.to ? new Date(p.to.getTime() - 1) : new Date();
      $("stats-period").textContent = (p.bucket === "hour" ? "Per hour, " : "Per day, ") + "from " +
        p.from.toLocaleString() + " to " + shownTo.toLocaleString() + ".";
      statsBox.replaceChildren(...st.numbers.map((n) => numberStats(n, p.bucket)));
      if (!st.numbers.length) statsBox.append(sb.el("p", { class: "empty" }, "The channel has no numbers."));
    } catch (err) {
      if (seq === statsSeq) sb.showError("stats-error", err);
    } finally {
      if (seq === statsSeq) statsBox.removeAttribute("aria-busy");
    }
  };

  const counters = [["sent", "Sent"], ["succeeded", "Succeeded"], ["failed", "Failed"], ["received", "Received"]];
  const numberStats = (n, bucket) => {
    const box = sb.el("div", { class: "number-stats", "data-number": n.number });
    const heading = sb.el("h3", {}, sb.el("span", { class: "mono" }, n.number));
    const dl = sb.el("dl", { class: "counters" });
    for (const [k, label] of counters) {
      dl.append(sb.el("div", { class: "counter " + k, "data-kind": k }, sb.el("dt", {}, label), sb.el("dd", { class: "value" }, String(n[k]))));
    }
    box.append(heading, dl, seriesChart(n, bucket));
    return box;
  };

  // seriesChart draws a number's buckets as stacked bars (succeeded,
  // failed, received), each bucket's figures in its title, a legend and
  // the first, middle and last bucket's time under it.
  const seriesChart = (n, bucket) => {
    const NS = "http://www.w3.org/2000/svg";
    const series = n.series || [];
    const W = 720, H = 120, top = 6;
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("class", "series-chart");
    svg.setAttribute("role", "img");
    const label = (iso) => {
      const d = new Date(iso);
      return bucket === "hour" ? d.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" })
        : d.toLocaleDateString([], { weekday: "short", month: "short", day: "numeric" });
    };
    svg.setAttribute("aria-label", "Messages of " + n.number + (bucket === "hour" ? " per hour" : " per day") + ": " +
      n.sent + " sent (" + n.succeeded + " succeeded, " + n.failed + " failed), " + n.received + " received");
    const max = Math.max(1, ...series.map((b) => b.succeeded + b.failed + b.received));
    const w = W / Math.max(1, series.length);
    for (let y = 0; y <= 2; y++) {
      const line = document.createElementNS(NS, "line");
      const ly = top + ((H - top) * y) / 2;
      line.setAttribute("x1", "0"); line.setAttribute("x2", String(W));
      line.setAttribute("y1", String(ly)); line.setAttribute("y2", String(ly));
      line.setAttribute("class", y === 2 ? "axis" : "grid");
      svg.append(line);
    }
    series.forEach((b, i) => {
      const g = document.createElementNS(NS, "g");
      const title = document.createElementNS(NS, "title");
      title.textContent = label(b.from) + ": " + b.sent + " sent (" + b.succeeded + " succeeded, " + b.failed + " failed), " + b.received + " received";
      g.append(title);
      // A full-height hit area, so every bucket has its title.
      const hit = document.createElementNS(NS, "rect");
      hit.setAttribute("x", String(i * w)); hit.setAttribute("y", "0");
      hit.setAttribute("width", String(w)); hit.setAttribute("height", String(H));
      hit.setAttribute("class", "hit");
      g.append(hit);
      let y = H;
      for (const [k, cls] of [["succeeded", "ok"], ["failed", "bad"], ["received", "in"]]) {
        if (!b[k]) continue;
        const h = Math.max(2, ((H - top) * b[k]) / max);
        y -= h;
        const r = document.createElementNS(NS, "rect");
        r.setAttribute("x", String(i * w + Math.min(2, w * 0.15)));
        r.setAttribute("width", String(Math.max(1, w - 2 * Math.min(2, w * 0.15))));
        r.setAttribute("y", String(y)); r.setAttribute("height", String(h));
        r.setAttribute("class", cls);
        g.append(r);
      }
      svg.append(g);
    });
    const axis = sb.el("div", { class: "chart-axis", "aria-hidden": "true" });
    if (series.length) {
      const picks = [0, Math.floor((series.length - 1) / 2), series.length - 1].filter((v, i, a) => a.indexOf(v) === i);
      for (const i of picks) axis.append(sb.el("span", {}, label(series[i].from)));
    }
    const legend = sb.el("ul", { class: "legend", "aria-hidden": "true" },
      sb.el("li", {}, sb.el("span", { class: "swatch ok" }), "Succeeded"),
      sb.el("li", {}, sb.el("span", { class: "swatch bad" }), "Failed"),
      sb.el("li", {}, sb.el("span", { class: "swatch in" }), "Received"),
      sb.el("li", { class: "scale" }, "Highest " + (bucket === "hour" ? "hour" : "day") + ": " + (series.length ? Math.max(...series.map((b) => b.succeeded + b.failed + b.received)) : 0)));
    return sb.el("figure", { class: "series" }, svg, axis, legend);
  };

  range.addEventListener("change", () => {
    for (const c of customs) c.hidden = range.value !== "custom";
    if (range.value !== "custom") loadStats();
  });
  $("range-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadStats();
  });

  $("channel-page").hidden = false;
  await loadStats();
});
