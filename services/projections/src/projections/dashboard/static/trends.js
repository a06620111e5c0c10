/* "Trends": GET /v1/metrics for a range of UTC days, as totals, a created-vs-resolved chart per day, SLA
   compliance per target, and the measures by channel and by team. */
"use strict";
(function () {
  const TARGETS = ["first_response", "next_response", "resolution"];
  let data = null;

  const iso = (d) => d.toISOString().slice(0, 10);
  function range() {
    const from = document.getElementById("from").value, to = document.getElementById("to").value;
    const end = new Date(to + "T00:00:00Z");
    end.setUTCDate(end.getUTCDate() + 1);
    return { from: from + "T00:00:00Z", to: end.toISOString().replace(".000Z", "Z") };
  }
  function setDays(days) {
    const today = new Date();
    const start = new Date(today);
    start.setUTCDate(start.getUTCDate() - (days - 1));
    document.getElementById("from").value = iso(start);
    document.getElementById("to").value = iso(today);
  }

  async function load() {
    const r = range();
    const get = (group_by) => HD.api("/v1/metrics", { from: r.from, to: r.to, group_by });
    const [day, channel, team] = await Promise.all([get("day"), get("channel"), get("team")]);
    data = { range: r, day, channel, team };
    render();
    HD.ready();
  }

  const MEASURES = [
    ["created", (g) => g.created, 0], ["resolved_n", (g) => g.resolved, 0], ["backlog_end", (g) => g.backlog, 0],
    ["frt_median", (g) => g.first_response_minutes.median], ["frt_p90", (g) => g.first_response_minutes.p90],
    ["frt_b_median", (g) => g.first_response_business_minutes.median],
    ["frt_b_p90", (g) => g.first_response_business_minutes.p90],
    ["res_median", (g) => g.resolution_minutes.median], ["res_p90", (g) => g.resolution_minutes.p90],
    ["res_b_median", (g) => g.resolution_business_minutes.median],
    ["res_b_p90", (g) => g.resolution_business_minutes.p90],
    ...TARGETS.map((t) => ["sla_" + t, (g) => (g.sla[t] ? g.sla[t].compliance_pct : null)]),
    ["breaches", (g) => g.breaches, 0],
    ["csat", (g) => g.csat.average, 2], ["csat_responses", (g) => g.csat.responses, 0],
    ["csat_satisfied", (g) => g.csat.satisfied_pct],
    ["reopened", (g) => g.reopened, 0], ["reopen_rate", (g) => g.reopen_rate_pct],
    ["escalations", (g) => g.escalations, 0],
  ];

  /* one row per measure, one column per group (a channel, a team): reads well with a handful of groups */
  function measuresTable(table, report) {
    const groups = [...report.groups].sort((a, b) => String(a.key).localeCompare(String(b.key)));
    if (!groups.length) {
      table.replaceChildren(HD.el("tbody", {}, HD.el("tr", {}, HD.el("td", { text: HD.t("no_data") }))));
      return;
    }
    const head = HD.el("tr", {}, HD.el("th", { scope: "col", text: HD.t("measure") }),
      ...groups.map((g) => HD.el("th", { scope: "col", className: "n", text: g.key || "—" })));
    const rows = MEASURES.map(([k, f, digits]) => HD.el("tr", {}, HD.el("th", { scope: "row", text: HD.t(k) }),
      ...groups.map((g) => HD.el("td", { className: "n", text: HD.num(f(g), digits),
        "data-testid": `${report.group_by}-${g.key}-${k}` }))));
    table.replaceChildren(HD.el("thead", {}, head), HD.el("tbody", {}, ...rows));
  }

  function render() {
    if (!data) return;
    const totals = data.day.totals;
    const dl = document.getElementById("totals");
    dl.dataset.from = data.range.from;
    dl.dataset.to = data.range.to;
    dl.replaceChildren(...MEASURES.map(([k, f, digits]) => HD.el("div", { className: "kpi" },
      HD.el("dt", { text: HD.t(k) }), HD.el("dd", { text: HD.num(f(totals), digits), "data-testid": "total-" + k }))));
    const days = [...data.day.groups].sort((a, b) => String(a.key).localeCompare(String(b.key)));
    HD.barChart(document.getElementById("daily-chart"), days.map((g) => String(g.key).slice(5)), [
      { name: HD.t("created"), values: days.map((g) => g.created) },
      { name: HD.t("resolved_n"), values: days.map((g) => g.resolved) },
    ], { label: HD.t("chart_daily") });
    HD.fill(document.querySelector("#daily tbody"), days.map((g) => HD.el("tr", {},
      HD.el("th", { scope: "row", text: g.key }), HD.el("td", { className: "n", text: g.created }),
      HD.el("td", { className: "n", text: g.resolved }), HD.el("td", { className: "n", text: g.backlog }))), 4);
    HD.barChart(document.getElementById("sla-chart"), TARGETS.map((t) => HD.t(t)), [
      { name: "%", values: TARGETS.map((t) => (totals.sla[t] ? totals.sla[t].compliance_pct || 0 : 0)) },
    ], { label: HD.t("chart_sla"), max: 100, suffix: "%" });
    measuresTable(document.getElementById("by-channel"), data.channel);
    measuresTable(document.getElementById("by-team"), data.team);
  }

  HD.start = function () {
    setDays(7);
    const form = document.getElementById("range-form");
    form.addEventListener("submit", (ev) => { ev.preventDefault(); load().catch(HD.failed); });
    form.querySelectorAll("button[data-days]").forEach((b) => b.addEventListener("click", () => {
      setDays(Number(b.dataset.days));
      load().catch(HD.failed);
    }));
    load().catch(HD.failed);
    const refresh = HD.refresher(load, 1000);
    HD.live(() => refresh());
    HD.onLanguage(render);
  };
})();
