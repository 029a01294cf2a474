// Channels and queues: the channels with their numbers and status, a
// new channel from a channel template, and the queues of agents.
"use strict";

sb.start(async () => {
  const page = document.getElementById("channels-page");
  const [tl, el, ql, cl] = await Promise.all([
    sb.api("GET", "/api/v1/templates"), sb.api("GET", "/api/v1/extensions"),
    sb.api("GET", "/api/v1/queues"), sb.api("GET", "/api/v1/channels"),
  ]);
  const templates = channelTemplates(tl.templates);
  const extensions = el.extensions;
  const queues = ql.queues; // shared with the channel form, kept current
  let channels = cl.channels;
  const templateName = (id) => (tl.templates.find((t) => t.id === id) || { name: id }).name;
  const extName = (n) => {
    const e = extensions.find((x) => x.number === n);
    const who = e ? [e.firstName, e.lastName].filter(Boolean).join(" ") : "";
    return who ? n + " · " + who : n;
  };
  const queueName = (id) => (queues.find((q) => q.id === id) || { name: id }).name;
  const destText = (d) => d.type === "queue" ? "Queue " + queueName(d.id) : "Extension " + extName(d.id);

  // showTraffic says how many messages a channel carried in the last 24
  // hours (its page has them per number over any period).
  const showTraffic = async (ch, cell) => {
    try {
      const st = await sb.api("GET", "/api/v1/channels/" + encodeURIComponent(ch.id) + "/stats" +
        sb.query({ from: new Date(Date.now() - 86400e3).toISOString() }));
      const sum = (k) => st.numbers.reduce((a, n) => a + n[k], 0);
      cell.replaceChildren(sb.el("span", {}, sum("sent") + " sent · " + sum("received") + " received"));
      if (sum("failed")) cell.append(sb.el("span", { class: "reason failed-count" }, sum("failed") + " failed"));
    } catch (err) {
      cell.replaceChildren(sb.el("span", { class: "hint", title: err.message }, "—"));
    }
  };

  // Channels.
  const table = document.getElementById("channels");
  const showChannels = () => {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const ch of channels) {
      const numbers = sb.el("ul", { class: "plain" });
      for (const n of ch.numbers) numbers.append(sb.el("li", {}, sb.el("span", { class: "mono" }, n.number), " → ", destText(n.destination)));
      const status = sb.el("td", {}, sb.el("span", { class: "status " + ch.status }, ch.status.replace(/_/g, " ")));
      if (ch.statusReason) status.append(sb.el("span", { class: "reason" }, ch.statusReason));
      const traffic = sb.el("td", { class: "traffic" }, sb.el("span", { class: "hint" }, "…"));
      body.append(sb.el("tr", { "data-channel": ch.id },
        sb.el("td", {}, sb.el("a", { href: "/channels/" + encodeURIComponent(ch.id), class: "strong" }, ch.name),
          sb.el("span", { class: "reason" }, templateName(ch.templateId))),
        sb.el("td", {}, numbers), traffic, status));
      showTraffic(ch, traffic);
    }
    table.hidden = channels.length === 0;
    document.getElementById("channels-empty").hidden = channels.length > 0;
  };
  showChannels();

  const newChannel = document.getElementById("new-channel");
  const slot = document.getElementById("channel-form-slot");
  let form = null;
  const closeForm = () => {
    slot.replaceChildren();
    form = null;
    newChannel.hidden = false;
    newChannel.focus();
  };
  newChannel.addEventListener("click", () => {
    if (!templates.length) {
      sb.showError("channels-error", new Error("No channel template is installed: upload one (Provider sms or messaging) on the Templates page."));
      return;
    }
    form = channelForm({
      templates, extensions, queues,
      onSaved: (ch) => location.assign("/channels/" + encodeURIComponent(ch.id)),
      onCancel: closeForm,
    });
    slot.replaceChildren(form);
    newChannel.hidden = true;
    form.querySelector("#ch-template").focus();
  });

  // Queues.
  const qtable = document.getElementById("queues");
  const qerror = document.getElementById("queues-error");
  const qslot = document.getElementById("queue-form-slot");
  const newQueue = document.getElementById("new-queue");
  const routedFrom = (q) => {
    const out = [];
    for (const ch of channels) {
      for (const n of ch.numbers) if (n.destination.type === "queue" && n.destination.id === q.id) out.push([n.number, ch.name]);
    }
    return out;
  };
  const showQueues = () => {
    const body = qtable.tBodies[0];
    body.replaceChildren();
    for (const q of queues) {
      const agents = q.agents.length
        ? sb.el("ul", { class: "plain" }, ...q.agents.map((a) => sb.el("li", {}, extName(a))))
        : sb.el("span", { class: "hint" }, "No agents: its offers wait for nobody.");
      const routes = routedFrom(q);
      const edit = sb.el("button", { type: "button", class: "secondary", "aria-label": "Edit queue " + q.name }, "Edit");
      const del = sb.el("button", { type: "button", class: "danger", "aria-label": "Delete queue " + q.name }, "Delete");
      const actions = sb.el("td", { class: "row-buttons" }, edit, del);
      edit.addEventListener("click", () => openQueueForm(q));
      del.addEventListener("click", () => confirmDelete(q, actions));
      body.append(sb.el("tr", { "data-queue": q.id },
        sb.el("td", { class: "strong" }, q.name),
        sb.el("td", {}, agents),
        sb.el("td", {}, routes.length ? sb.el("ul", { class: "plain" }, ...routes.map(([n, c]) => sb.el("li", {}, sb.el("span", { class: "mono" }, n), " · " + c))) : sb.el("span", { class: "hint" }, "—")),
        actions));
    }
    qtable.hidden = queues.length === 0;
    document.getElementById("queues-empty").hidden = queues.length > 0;
    if (form) form.refreshDestinations();
  };

  // confirmDelete asks in the row, then deletes; a queue in use stays,
  // and the API's reason is said.
  const confirmDelete = (q, cell) => {
    qerror.hidden = true;
    const was = [...cell.childNodes];
    const yes = sb.el("button", { type: "button", class: "danger" }, "Yes, delete");
    const no = sb.el("button", { type: "button", class: "secondary" }, "Keep");
    cell.replaceChildren(sb.el("span", { class: "confirm-text" }, "Delete " + q.name + "?"), yes, no);
    yes.focus();
    no.addEventListener("click", () => { cell.replaceChildren(...was); was[1].focus(); });
    yes.addEventListener("click", async () => {
      try {
        await sb.busy(yes, "Deleting…", sb.api("DELETE", "/api/v1/queues/" + encodeURIComponent(q.id)));
        queues.splice(queues.indexOf(q), 1);
        showQueues();
        newQueue.focus();
      } catch (err) {
        cell.replaceChildren(...was);
        qerror.textContent = (err.status === 409 ? "The queue " + q.name + " cannot be deleted: " : "") + err.message;
        qerror.hidden = false;
        was[1].focus();
      }
    });
  };

  const openQueueForm = (q) => {
    qerror.hidden = true;
    const f = sb.el("form", { id: "queue-form", class: "queue-form", novalidate: "" });
    const heading = sb.el("h3", { id: "queue-form-title" }, q ? "Edit " + q.name : "New queue");
    f.setAttribute("aria-labelledby", heading.id);
    const name = sb.el("input", { id: "queue-name", name: "name", autocomplete: "off", placeholder: "e.g. Support" });
    name.value = q ? q.name : "";
    const agents = sb.el("fieldset", { class: "agents" }, sb.el("legend", {}, "Agents (extensions)"));
    const checks = sb.el("div", { class: "checks", id: "queue-agents" });
    for (const e of extensions) {
      const cb = sb.el("input", { type: "checkbox", id: "queue-agent-" + e.number, name: "agents", value: e.number });
      cb.checked = !!q && q.agents.includes(e.number);
      checks.append(sb.el("label", { class: "check", for: cb.id }, cb, extName(e.number)));
    }
    if (!extensions.length) checks.append(sb.el("p", { class: "hint small" }, "No extensions yet: the PBX adds them (PUT /api/v1/extensions/{number})."));
    agents.append(checks);
    const err = sb.el("div", { class: "error", role: "alert", hidden: "" });
    const save = sb.el("button", { type: "submit", class: "primary" }, q ? "Save queue" : "Create queue");
    const cancel = sb.el("button", { type: "button", class: "secondary" }, "Cancel");
    f.append(heading, sb.el("label", { for: name.id }, "Name ", sb.el("span", { class: "required", "aria-hidden": "true" }, "*")), name,
      agents, err, sb.el("div", { class: "actions" }, save, cancel));
    const close = () => { qslot.replaceChildren(); newQueue.hidden = false; newQueue.focus(); };
    cancel.addEventListener("click", close);
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      for (const p of f.querySelectorAll(".field-error")) p.remove();
      name.removeAttribute("aria-invalid");
      err.hidden = true;
      const body = { name: name.value, agents: [...checks.querySelectorAll("input:checked")].map((c) => c.value) };
      try {
        const saved = await sb.busy(save, "Saving…", q
          ? sb.api("PUT", "/api/v1/queues/" + encodeURIComponent(q.id), body) : sb.api("POST", "/api/v1/queues", body));
        if (q) queues[queues.indexOf(q)] = saved; else queues.push(saved);
        showQueues();
        close();
      } catch (e) {
        const rest = [];
        for (const d of e.details || []) {
          if (/^name\b/.test(d)) {
            name.setAttribute("aria-invalid", "true");
            name.after(sb.el("p", { class: "field-error error" }, d));
          } else if (/^agents\b/.test(d)) {
            checks.after(sb.el("p", { class: "field-error error" }, d.replace(/^agents: /, "")));
          } else rest.push(d);
        }
        err.replaceChildren(sb.el("p", {}, e.message), ...(rest.length ? [sb.el("ul", {}, ...rest.map((d) => sb.el("li", {}, d)))] : []));
        err.hidden = false;
      }
    });
    qslot.replaceChildren(f);
    newQueue.hidden = true;
    name.focus();
  };
  newQueue.addEventListener("click", () => openQueueForm(null));
  showQueues();

  page.hidden = false;
});
