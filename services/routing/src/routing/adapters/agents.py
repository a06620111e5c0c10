"""Reading agents with their current load, under their row locks (the only way load may grow)."""

from __future__ import annotations

import asyncpg

from ..domain.choice import AgentView

_LOADS = """SELECT agent_id, channel, count(*) AS n FROM work
            WHERE state = 'assigned' AND agent_id = ANY($1::text[]) GROUP BY agent_id, channel"""


async def lock_agents(
    conn: asyncpg.Connection, *, team: str | None = None, agent_id: str | None = None
) -> list[AgentView]:
    """Lock a team's agents (or one agent) in id order and count their assigned work, overall and per channel.

    Every assigner and manual assignment locks in id order, so two routing replicas never deadlock; the
    count runs after the locks are held, so it sees every assignment committed before.
    """
    if team is not None:
        rows = await conn.fetch("SELECT * FROM agents WHERE $1 = ANY(teams) ORDER BY agent_id FOR UPDATE", team)
    else:
        rows = await conn.fetch("SELECT * FROM agents WHERE agent_id = $1 FOR UPDATE", agent_id)
    loads: dict[str, dict[str, int]] = {}
    for r in await conn.fetch(_LOADS, [a["agent_id"] for a in rows]):
        loads.setdefault(r["agent_id"], {})[r["channel"] or ""] = r["n"]
    return [
        AgentView(
            agent_id=a["agent_id"],
            skills=dict(a["skills"]),
            languages=tuple(a["languages"]),
            capacity=a["capacity"],
            load=sum(loads.get(a["agent_id"], {}).values()),
            presence=a["presence"],
            last_assigned_at=a["last_assigned_at"],
            channel_capacity=dict(a["capacity_per_channel"]),
            channel_load={c: n for c, n in loads.get(a["agent_id"], {}).items() if c},
            active=a["active"],
        )
        for a in rows
    ]
