/* "Now": backlog by status/team/priority, tickets at risk and breached, queues, agents, latest tickets, and
   the live change feed. Reloads the figures (coalesced) on every change from GET /v1/stream. */
"use strict";
(function () {
  const OPEN = ["new", "open", "pending"];
  const PRIORITIES = ["P1", "P2", "P3", "P4"];
  let data = null;
  const feed = [];

  function counts(items, key) {
    const out = new Map();
    for (const t of items) {
      const k = t[key] === null || t[key] === undefined ? "" : String(t[key]);
      out.set(k, (out.get(k) || 0) + 1);
    }
    return out;
  }

  async function load() {
    const [open, risk, breached, queues, agents, latest] = await Promise.all([
      HD.allPages({ status: OPEN, sort: "created_at" }),
      HD.api("/v1/tickets", { status: OPEN, sla: "warning", sort: "next_due_at", limit: 50 }),
      HD.api("/v1/tickets", { status: OPEN, sla: "breached", sort: "next_due_at", limit: 50 }),
      HD.api("/v1/queues"),
      HD.api("/v1/agents"),
      HD.api("/v1/tickets", { sort: "-created_at", limit: 10 }),
    ]);
    data = { open, risk: risk.items, breached: breached.items, queues, agents, latest: latest.items, at: new Date(HD.now()) };
    render();
    HD.ready();
  }

  function countRows(map, order, label, testid) {
    const keys = order.filter((k) => map.has(k)).concat([...map.keys()].filter((k) => !order.includes(k)).sort());
    return keys.map((k) => HD.el("tr", {},
      HD.el("th", { scope: "row", text: label(k) }),
      HD.el("td", { className: "n", text: map.get(k), "data-testid": testid + "-" + (k || "none") })));
  }

  const TARGETS = ["first_response", "next_response", "resolution"];

  /* The target a list is about (the one warned or breached, earliest due first) and its due time. */
  function focus(t, clockState) {
    const hits = TARGETS.filter((n) => t[n + "_sla"] === clockState && t[n + "_due_at"])
      .sort((a, b) => new Date(t[a + "_due_at"]) - new Date(t[b + "_due_at"]));
    return hits.length ? { target: hits[0], due: t[hits[0] + "_due_at"] } : { target: null, due: t.next_due_at };
  }

  function ticketRows(items, clockState) {
    return items.map((t) => [t, focus(t, clockState)])
      .sort(([, a], [, b]) => new Date(a.due || 8.64e15) - new Date(b.due || 8.64e15))
      .map(([t, f]) => HD.el("tr", { dataset: { ticket: t.ticket_id, due: f.due || "" } },
        HD.el("td", {}, HD.ticketLink(t)),
        HD.el("td", { className: "subject", text: t.subject || "" }),
        HD.el("td", { text: t.team || "—" }),
        HD.el("td", { text: t.priority || "—" }),
        HD.el("td", {}, f.target ? HD.t(f.target) + " · " : "",
          HD.el("time", { datetime: f.due, text: HD.when(f.due) })),
        HD.el("td", { className: "left", dataset: { due: f.due || "" }, text: HD.left(f.due) })));
  }

  function render() {
    if (!data) return;
    HD.text("updated-at", HD.when(data.at));
    HD.text("backlog-total", data.open.length);
    const q = (id) => document.querySelector(`#${id} tbody`);
    HD.fill(q("backlog-status"), countRows(counts(data.open, "status"), OPEN, HD.word, "backlog-status"), 2);
    const names = new Map(data.queues.map((r) => [r.team, r.team_name || r.team]));
    HD.fill(q("backlog-team"), countRows(counts(data.open, "team"), [], (k) => names.get(k) || k || HD.t("no_team"),
      "backlog-team"), 2);
    HD.fill(q("backlog-priority"), countRows(counts(data.open, "priority"), PRIORITIES, (k) => k || "—",
      "backlog-priority"), 2);
    HD.fill(q("backlog-escalation"), countRows(counts(data.open, "escalation_level"), ["0", "1", "2", "3"],
      (k) => k, "backlog-escalation"), 2);
    HD.fill(q("at-risk"), ticketRows(data.risk, "warning"), 6);
    HD.fill(q("breached"), ticketRows(data.breached, "breached"), 6);
    HD.fill(q("queues"), data.queues.map((r) => HD.el("tr", {},
      HD.el("th", { scope: "row", text: r.team_name || r.team }),
      HD.el("td", { className: "n", text: r.waiting, "data-testid": "queue-" + r.team }),
      HD.el("td", { className: "n", text: r.waiting_p1 }), HD.el("td", { className: "n", text: r.waiting_p2 }),
      HD.el("td", { className: "n", text: r.waiting_p3 }), HD.el("td", { className: "n", text: r.waiting_p4 }),
      HD.el("td", { text: r.waiting ? HD.duration(r.oldest_age_seconds) : "—" }),
      HD.el("td", { className: "n", text: r.open_tickets }))), 8);
    const order = { online: 0, away: 1, offline: 2 };
    const agents = [...data.agents].filter((a) => a.active)
      .sort((a, b) => (order[a.presence] - order[b.presence]) || a.agent_id.localeCompare(b.agent_id));
    HD.text("agents-online", agents.filter((a) => a.presence === "online").length);
    HD.fill(q("agents"), agents.map((a) => {
      const meter = HD.el("meter", { min: 0, max: Math.max(1, a.capacity), value: a.load,
        high: Math.max(1, a.capacity) - 0.5, "aria-label": `${a.load} / ${a.capacity}` });
      return HD.el("tr", { className: "presence-" + a.presence },
        HD.el("th", { scope: "row", text: a.name || a.agent_id }),
        HD.el("td", { text: HD.word(a.presence) }),
        HD.el("td", {}, meter, " ", HD.el("span", { "data-testid": "load-" + a.agent_id,
          text: `${a.load} / ${a.capacity}` })),
        HD.el("td", { className: "n", text: a.resolved_today }));
    }), 4);
    HD.fill(q("latest"), data.latest.map((t) => HD.el("tr", { dataset: { ticket: t.ticket_id } },
      HD.el("td", {}, HD.ticketLink(t)),
      HD.el("td", { className: "subject", text: t.subject || "" }),
      HD.el("td", { text: HD.word(t.status) }),
      HD.el("td", { text: t.team || "—" }),
      HD.el("td", { text: t.assignee || HD.t("unassigned") }))), 5);
    renderFeed();
  }

  function renderFeed() {
    const list = document.getElementById("feed");
    list.replaceChildren(...feed.map((c) => HD.el("li", {},
      HD.el("time", { datetime: c.at.toISOString(), text: c.at.toLocaleTimeString(HD.lang()) }), " ",
      c.folio ? HD.el("a", { href: "/tickets/" + encodeURIComponent(c.folio), text: c.folio }) : c.id || "", " ",
      HD.el("span", { className: "summary", text: c.summary || c.event || "" }))));
  }

  function tick() {
    document.querySelectorAll("td.left[data-due]").forEach((n) => {
      if (n.dataset.due) n.textContent = HD.left(n.dataset.due);
    });
  }

  HD.start = function () {
    const refresh = HD.refresher(load, 150);
    HD.syncClock().then(load).catch(HD.failed);
    setInterval(HD.syncClock, 60000);
    HD.live((kind, change) => {
      feed.unshift({ at: new Date(), folio: change.folio, id: change.ticket_id || change.id,
        event: change.event, summary: change.summary || `${kind}: ${change.event || ""}` });
      feed.length = Math.min(feed.length, 20);
      renderFeed();
      refresh();
    });
    HD.onLanguage(render);
    setInterval(tick, 1000);
  };
})();
