/* A ticket: its state, SLA clocks with time left, the whole timeline with the reasons of routing and
   escalation decisions, and time travel: a slider over the timeline's instants (GET /v1/tickets/{ref}?as_of=). */
"use strict";
(function () {
  const ref = decodeURIComponent(location.pathname.split("/")[2] || "");
  let live = null; // the ticket now
  let shown = null; // the view on screen (live or as of an instant)
  let instants = []; // distinct occurred_at values, in order (raw strings, as the API gave them)

  const slider = () => document.getElementById("as-of");

  async function loadLive() {
    live = await HD.api("/v1/tickets/" + encodeURIComponent(ref));
    const seen = new Set();
    instants = live.timeline.map((e) => e.occurred_at).filter((x) => !seen.has(x) && seen.add(x));
    const s = slider();
    const atLive = !shown || shown === live || Number(s.value) >= Number(s.max);
    s.max = String(instants.length);
    if (atLive) {
      s.value = s.max;
      shown = live;
    }
    render();
    HD.ready();
  }

  async function travel() {
    const i = Number(slider().value);
    if (i >= instants.length) {
      shown = live;
    } else {
      const view = await HD.api("/v1/tickets/" + encodeURIComponent(ref), { as_of: instants[i] });
      if (Number(slider().value) !== i) return; // the slider moved on meanwhile
      shown = view;
    }
    render();
  }

  function sliderLabel() {
    const s = slider(), i = Number(s.value);
    const label = i >= instants.length ? HD.t("live_now") : HD.instant(instants[i]);
    document.getElementById("as-of-value").textContent = label;
    s.setAttribute("aria-valuetext", label);
  }

  function fact(k, v) {
    return HD.el("div", {}, HD.el("dt", { text: HD.t(k) }), HD.el("dd", { "data-field": k, text: v ?? "—" }));
  }

  function renderState(t) {
    const who = t.customer ? [t.customer.name, t.customer.email].filter(Boolean).join(" · ") : null;
    document.getElementById("h-state").textContent = shown.as_of
      ? `${HD.t("state_as_of")} ${HD.instant(shown.as_of)}` : HD.t("current_state");
    document.getElementById("t-state").replaceChildren(
      fact("status", HD.word(t.status)), fact("priority", t.priority), fact("team", t.team),
      fact("assignee", t.assignee || HD.t("unassigned")), fact("channel", t.channel), fact("category", t.category),
      fact("customer", who), fact("escalation_level", t.escalation_level), fact("created_at", HD.when(t.created_at)),
      fact("first_response_at", HD.when(t.first_response_at)), fact("resolved_at", HD.when(t.resolved_at)),
      fact("closed_at", HD.when(t.closed_at)), fact("reopen_count", t.reopen_count),
      fact("sla_policy", t.sla_policy_id), fact("version", t.version));
  }

  function leftAt(clock, ref) {
    if (!clock.due_at || clock.state === "met") return "—";
    const secs = (new Date(clock.due_at).getTime() - ref) / 1000;
    return secs >= 0 ? HD.duration(secs) : HD.t("overdue") + " " + HD.duration(-secs);
  }

  function renderClocks(t) {
    const ref = shown.as_of ? new Date(shown.as_of).getTime() : HD.now();
    const order = ["first_response", "next_response", "resolution"];
    const clocks = Object.values(t.sla || {}).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    HD.fill(document.querySelector("#t-clocks tbody"), clocks.map((c) => HD.el("tr", { className: "clock-" + c.state },
      HD.el("th", { scope: "row", text: HD.t(c.name) }),
      HD.el("td", { text: HD.word(c.state) + (t.sla_paused && c.state !== "met" ? ` (${HD.t("paused")})` : "") }),
      HD.el("td", {}, HD.el("time", { datetime: c.due_at, text: HD.when(c.due_at) })),
      HD.el("td", { className: "left", "data-testid": "left-" + c.name, text: leftAt(c, ref) }))), 4);
  }

  function why(e) {
    const d = e.data || {};
    const parts = [];
    if (d.reason && typeof d.reason === "object") {
      parts.push(HD.el("p", { className: "why" }, HD.el("strong", { text: HD.t("why") + ": " }),
        d.reason.explanation || "", d.reason.rule ? ` [${d.reason.rule}]` : ""));
      if (Array.isArray(d.reason.candidates) && d.reason.candidates.length) {
        parts.push(HD.el("details", {}, HD.el("summary", { text: HD.t("candidates") }),
          HD.el("ul", {}, ...d.reason.candidates.map((c) => HD.el("li", {
            text: `${c.agent_id}: ${c.load}/${c.capacity}${c.eligible ? "" : " ✗"} — ${c.why}` })))));
      }
    } else if (typeof d.reason === "string" && d.reason) {
      const trigger = d.trigger ? `${d.trigger}: ` : "";
      parts.push(HD.el("p", { className: "why" }, HD.el("strong", { text: HD.t("why") + ": " }), trigger + d.reason));
    }
    return parts;
  }

  function renderTimeline() {
    const then = new Set(shown.timeline.map((e) => e.seq)); // what had happened at the instant shown
    document.getElementById("t-timeline").replaceChildren(...live.timeline.map((e) => HD.el("li", {
      className: (then.has(e.seq) ? "" : "future ") + (e.applied ? "" : "ignored"), dataset: { type: e.type } },
    HD.el("div", { className: "head" },
      HD.el("time", { datetime: e.occurred_at, text: HD.instant(e.occurred_at) }), " ",
      HD.el("strong", { text: e.type }), " ",
      HD.el("span", { className: "muted", text: `${HD.t("by")} ${e.actor || e.producer}` })),
    HD.el("p", { className: "summary", text: e.summary }),
    ...why(e),
    e.applied ? null : HD.el("p", { className: "muted", text: HD.t("not_applied") }))));
  }

  function render() {
    if (!live || !shown) return;
    const t = shown.ticket;
    HD.text("t-folio", live.ticket.folio || live.ticket.ticket_id);
    HD.text("t-subject", live.ticket.subject || "");
    document.title = `${live.ticket.folio || ""} — ${HD.t("title_ticket")}`;
    sliderLabel();
    renderState(t);
    renderClocks(t);
    renderTimeline();
  }

  HD.start = function () {
    const s = slider();
    const go = HD.debounce(() => travel().catch(HD.failed), 120);
    s.addEventListener("input", () => { sliderLabel(); go(); });
    setInterval(HD.syncClock, 60000);
    HD.syncClock().then(loadLive).catch((e) => {
      if (e.status === 404) {
        HD.text("t-error", HD.t("not_found"));
        HD.ready();
      } else HD.failed(e);
    });
    const reload = HD.refresher(loadLive, 150);
    HD.live((kind, change) => {
      if (kind === "ticket" && live && change.ticket_id === live.ticket.ticket_id) reload();
    });
    HD.onLanguage(render);
    setInterval(() => { if (shown === live) renderClocks(live.ticket); }, 1000);
  };
})();
