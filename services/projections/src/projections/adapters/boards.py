"""Agents' and queues' boards: derived from the tickets and directory tables at read time, so an agent's
load is always exactly the tickets assigned to them (no counter to drift).

Each query is a template over ``{now}``: the HTTP API passes its (injectable) clock as ``$1``; the
``board_*`` views use ``now()``.
"""

# SQL here is composed from constants of this module only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

OPEN_STATUSES = "('new', 'open', 'pending')"

AGENTS_SQL = f"""
SELECT a.agent_id, a.tenant, a.name, a.email, a.teams, a.languages, a.skills, a.capacity, a.active,
       a.presence, a.presence_since,
       coalesce(l.load, 0)::int AS load,
       greatest(a.capacity - coalesce(l.load, 0), 0)::int AS free_capacity,
       coalesce(d.assigned_today, 0)::int AS assigned_today,
       coalesce(d.resolved_today, 0)::int AS resolved_today,
       a.updated_at
FROM agents a
LEFT JOIN (SELECT assignee, count(*) AS load FROM tickets
           WHERE assignee IS NOT NULL AND status IN {OPEN_STATUSES} GROUP BY assignee) l
       ON l.assignee = a.agent_id
LEFT JOIN (SELECT agent,
                  count(*) FILTER (WHERE kind = 'assigned') AS assigned_today,
                  count(*) FILTER (WHERE kind = 'resolved') AS resolved_today
           FROM facts
           WHERE agent IS NOT NULL AND kind IN ('assigned', 'resolved')
             AND occurred_at >= date_trunc('day', {{now}}, 'UTC') AND occurred_at <= {{now}}
           GROUP BY agent) d
       ON d.agent = a.agent_id
"""

QUEUES_SQL = f"""
WITH waiting AS (
    SELECT tenant, team, priority, coalesce(queued_at, created_at) AS since, next_due_at
    FROM tickets
    WHERE team IS NOT NULL AND assignee IS NULL AND status IN ('new', 'open')
),
open_work AS (
    SELECT tenant, team, count(*) AS open_tickets FROM tickets
    WHERE team IS NOT NULL AND status IN {OPEN_STATUSES} GROUP BY tenant, team
),
known AS (
    SELECT tenant, team FROM open_work
    UNION SELECT tenant, team_id FROM teams WHERE active
)
SELECT k.tenant, k.team, t.name AS team_name, t.tier,
       count(w.team)::int AS waiting,
       count(w.team) FILTER (WHERE w.priority = 'P1')::int AS waiting_p1,
       count(w.team) FILTER (WHERE w.priority = 'P2')::int AS waiting_p2,
       count(w.team) FILTER (WHERE w.priority = 'P3')::int AS waiting_p3,
       count(w.team) FILTER (WHERE w.priority = 'P4')::int AS waiting_p4,
       min(w.since) AS oldest_waiting_since,
       coalesce(extract(epoch FROM {{now}} - min(w.since)), 0)::double precision AS oldest_age_seconds,
       min(w.next_due_at) AS next_due_at,
       coalesce(max(o.open_tickets), 0)::int AS open_tickets
FROM known k
LEFT JOIN teams t ON t.team_id = k.team
LEFT JOIN waiting w ON w.tenant = k.tenant AND w.team = k.team
LEFT JOIN open_work o ON o.tenant = k.tenant AND o.team = k.team
GROUP BY k.tenant, k.team, t.name, t.tier
"""

BOARD_VIEWS_DDL = f"""
CREATE OR REPLACE VIEW board_agents AS {AGENTS_SQL.format(now="now()")};
CREATE OR REPLACE VIEW board_queues AS {QUEUES_SQL.format(now="now()")};
"""
