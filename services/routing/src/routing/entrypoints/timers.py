"""Durable timers: an agent offline longer than the grace time loses its open tickets to the queue."""

from __future__ import annotations

from helpdesk_runtime.timers import Timer, TimerHandler
from helpdesk_runtime.uow import Tx

from ..adapters import facts
from ..adapters.store import ASSIGN_CHANNEL
from ..domain.config import RoutingRules


def timer_handler(rules: RoutingRules) -> TimerHandler:
    async def handle(tx: Tx, timer: Timer) -> None:
        if timer.kind != "agent-offline":
            return
        rows = await tx.conn.fetch(
            """SELECT * FROM work WHERE agent_id = $1 AND state = 'assigned' AND (NOT manual OR $2)
               ORDER BY ticket_id FOR UPDATE""",
            timer.entity_id,
            rules.reassign_manual,
        )
        presence = await tx.conn.fetchval("SELECT presence FROM agents WHERE agent_id = $1", timer.entity_id)
        if presence != "offline" or not rows:
            return
        reason = f"agent offline for more than {rules.offline_grace_seconds:g}s"
        for row in rows:
            tx.emit(facts.unassigned(row, reason=reason, now=tx.now))
        await tx.conn.execute(
            """UPDATE work SET state = 'waiting', previous_agent = agent_id, agent_id = NULL, announced = false,
               manual = false WHERE ticket_id = ANY($1::text[])""",
            [r["ticket_id"] for r in rows],
        )
        await tx.conn.execute("SELECT pg_notify($1, '')", ASSIGN_CHANNEL)

    return handle
