"""Reporting measures over the metric facts (definitions: docs/metrics.md).

Facts are counted by their own event time inside ``[from, to)``; the descriptive dimensions (team,
channel, priority, category) are the ticket's current ones, the agent is the fact's agent (falling back
to the current assignee), and ``day`` is the fact's UTC day.
"""

# SQL here is composed from constants of this module only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import asyncpg

GroupBy = Literal["none", "team", "channel", "priority", "agent", "category", "day"]

_KEY: dict[str, tuple[str, str]] = {
    # group -> (expression over facts f joined with tickets t, the same over tickets t alone for backlog)
    "none": ("'all'", "'all'"),
    "team": ("t.team", "t.team"),
    "channel": ("t.channel", "t.channel"),
    "priority": ("t.priority", "t.priority"),
    "category": ("t.category", "t.category"),
    "agent": ("coalesce(f.agent, t.assignee)", "t.assignee"),
    "day": ("to_char(f.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')", ""),
}

_TARGETS = ("first_response", "next_response", "resolution")


def _pct(expr: str, kind: str, target: str | None = None) -> str:
    cond = f"f.kind = '{kind}'" + (f" AND f.target = '{target}'" if target else "")
    return f"percentile_cont({expr}) WITHIN GROUP (ORDER BY f.value) FILTER (WHERE {cond})"


def _measures() -> str:
    cols = [
        "count(*) FILTER (WHERE f.kind = 'created') AS created",
        "count(DISTINCT f.ticket_id) FILTER (WHERE f.kind = 'resolved') AS resolved",
        "count(*) FILTER (WHERE f.kind = 'resolved') AS resolutions",
        "count(*) FILTER (WHERE f.kind = 'reopened') AS reopened",
        "count(*) FILTER (WHERE f.kind = 'escalated') AS escalations",
        "count(*) FILTER (WHERE f.kind = 'sla_breached')"
        " - count(*) FILTER (WHERE f.kind = 'sla_breach_withdrawn') AS breaches",
        "avg(f.value) FILTER (WHERE f.kind = 'csat') AS csat_average",
        "count(*) FILTER (WHERE f.kind = 'csat') AS csat_responses",
        "count(*) FILTER (WHERE f.kind = 'csat' AND f.value >= 4) AS csat_satisfied",
    ]
    for name, kind, target in (
        ("first_response", "first_response", None),
        ("resolution", "resolved", None),
        ("first_response_business", "sla_met", "first_response"),
        ("resolution_business", "sla_met", "resolution"),
    ):
        cols.append(f"{_pct('0.5', kind, target)} AS {name}_median")
        cols.append(f"{_pct('0.9', kind, target)} AS {name}_p90")
    for t in _TARGETS:
        cols.append(f"count(*) FILTER (WHERE f.kind = 'sla_met' AND f.target = '{t}' AND f.ok) AS {t}_met")
        cols.append(
            f"count(*) FILTER (WHERE f.kind = 'sla_breached' AND f.target = '{t}')"
            f" - count(*) FILTER (WHERE f.kind = 'sla_breach_withdrawn' AND f.target = '{t}') AS {t}_breached"
        )
    return ",\n       ".join(cols)


def _facts_sql(key: str) -> str:
    return f"""
WITH f0 AS (SELECT * FROM facts WHERE tenant = $1 AND occurred_at >= $2 AND occurred_at < $3),
f AS (
    SELECT * FROM f0 WHERE kind <> 'csat'
    UNION ALL
    (SELECT DISTINCT ON (ticket_id) * FROM f0 WHERE kind = 'csat' ORDER BY ticket_id, occurred_at DESC)
)
SELECT {key} AS key,
       {_measures()}
FROM f JOIN tickets t ON t.ticket_id = f.ticket_id
GROUP BY 1
"""


_OPEN_AT = """
    NOT EXISTS (
        SELECT 1 FROM (
            SELECT x.kind FROM facts x
            WHERE x.ticket_id = t.ticket_id AND x.kind IN ('resolved', 'closed', 'reopened') AND x.occurred_at < {asof}
            ORDER BY x.occurred_at DESC, (x.kind = 'reopened') LIMIT 1
        ) last WHERE last.kind <> 'reopened'
    )"""


def _backlog_sql(key: str) -> str:
    return f"""
SELECT {key} AS key, count(*) AS backlog FROM tickets t
WHERE t.tenant = $1 AND t.created_at < $2 AND {_OPEN_AT.format(asof="$2")}
GROUP BY 1
"""


_BACKLOG_BY_DAY = f"""
WITH days AS (
    SELECT to_char(d AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key, least(d + interval '1 day', $3) AS asof
    FROM generate_series(date_trunc('day', $2::timestamptz, 'UTC'), $3::timestamptz - interval '1 microsecond',
                         interval '1 day') d
)
SELECT days.key, count(t.ticket_id) AS backlog
FROM days LEFT JOIN tickets t
  ON t.tenant = $1 AND t.created_at < days.asof AND {_OPEN_AT.format(asof="days.asof")}
GROUP BY days.key
"""


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _ratio(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 2) if den else None


def shape(row: dict[str, Any], backlog: int) -> dict[str, Any]:
    sla = {
        t: {
            "met": row[f"{t}_met"],
            "breached": row[f"{t}_breached"],
            "compliance_pct": _ratio(row[f"{t}_met"], row[f"{t}_met"] + row[f"{t}_breached"]),
        }
        for t in _TARGETS
    }
    return {
        "key": row["key"],
        "created": row["created"],
        "resolved": row["resolved"],
        "backlog": backlog,
        "first_response_minutes": {
            "median": _round(row["first_response_median"]),
            "p90": _round(row["first_response_p90"]),
        },
        "first_response_business_minutes": {
            "median": _round(row["first_response_business_median"]),
            "p90": _round(row["first_response_business_p90"]),
        },
        "resolution_minutes": {"median": _round(row["resolution_median"]), "p90": _round(row["resolution_p90"])},
        "resolution_business_minutes": {
            "median": _round(row["resolution_business_median"]),
            "p90": _round(row["resolution_business_p90"]),
        },
        "sla": sla,
        "breaches": row["breaches"],
        "reopened": row["reopened"],
        "reopen_rate_pct": _ratio(row["reopened"], row["resolutions"]),
        "csat": {
            "average": _round(row["csat_average"]),
            "responses": row["csat_responses"],
            "satisfied_pct": _ratio(row["csat_satisfied"], row["csat_responses"]),
        },
        "escalations": row["escalations"],
    }


_EMPTY: dict[str, Any] = {
    "created": 0,
    "resolved": 0,
    "resolutions": 0,
    "reopened": 0,
    "escalations": 0,
    "breaches": 0,
    "csat_average": None,
    "csat_responses": 0,
    "csat_satisfied": 0,
}


async def metrics(
    pool: asyncpg.Pool, tenant: str, start: datetime, end: datetime, group_by: GroupBy, now: datetime
) -> list[dict[str, Any]]:
    fact_key, ticket_key = _KEY[group_by]
    rows = {r["key"]: dict(r) for r in await pool.fetch(_facts_sql(fact_key), tenant, start, end)}
    if group_by == "day":
        backlog_rows = await pool.fetch(_BACKLOG_BY_DAY, tenant, start, min(end, now))
    else:
        backlog_rows = await pool.fetch(_backlog_sql(ticket_key), tenant, min(end, now))
    backlog = {r["key"]: r["backlog"] for r in backlog_rows}
    out = []
    for key in sorted(set(rows) | set(backlog), key=lambda k: (k is None, k or "")):
        row = rows.get(key)
        if row is None:
            row = {
                "key": key,
                **_EMPTY,
                **{c: None for c in _NULLS},
                **{f"{t}_{o}": 0 for t in _TARGETS for o in ("met", "breached")},
            }
        out.append(shape(row, backlog.get(key, 0)))
    return out


_NULLS = [
    f"{n}_{s}"
    for n in ("first_response", "resolution", "first_response_business", "resolution_business")
    for s in ("median", "p90")
]
