"""The assigner: drains the work list team by team, in short transactions that lock the team's agents.

Woken by NOTIFY (new work, freed capacity, presence changes) with a one-second poll as a safety net.
Any number of routing replicas may run it: queue rows are taken with SKIP LOCKED, agents are locked in id
order (no deadlock between assigners), and the load is counted under those locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

import asyncpg
from helpdesk_events import RoutingReason, TicketAssigned, TicketAssignedData, TicketQueued, TicketQueuedData
from helpdesk_runtime.clock import Clock
from helpdesk_runtime.uow import unit_of_work

from ..domain.choice import AgentView, Need, choose_agent
from .store import ASSIGN_CHANNEL

log = logging.getLogger("routing.assigner")
PRODUCER = "routing"


class Assigner:
    def __init__(
        self,
        *,
        pool: Callable[[], asyncpg.Pool],
        dsn: str,
        schema: str,
        clock: Clock,
        topic_prefix: str,
        batch: int = 100,
    ) -> None:
        self._pool = pool
        self.dsn = dsn
        self.schema = schema
        self.clock = clock
        self.topic_prefix = topic_prefix
        self.batch = batch
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        listener: asyncpg.Connection | None = None
        try:
            while not self._stop.is_set():
                try:
                    if listener is None or listener.is_closed():
                        listener = await asyncpg.connect(self.dsn)
                        await listener.add_listener(ASSIGN_CHANNEL, lambda *_: self._wake.set())
                    self._wake.clear()
                    done = await self.round()
                    if done == 0:
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), 1.0)
                except Exception as exc:  # noqa: BLE001 - keep assigning through outages
                    log.warning("assigner round failed", extra={"error": repr(exc)})
                    listener = None
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), 1.0)
        finally:
            if listener is not None and not listener.is_closed():
                await listener.close()

    async def round(self) -> int:
        """Assign (or announce as queued) up to one batch of one team's ready work; returns rows handled."""
        pool = self._pool()
        now = self.clock.now()
        async with unit_of_work(pool, schema=self.schema, now=now, topic_prefix=self.topic_prefix) as tx:
            conn = tx.conn
            team = await conn.fetchval(
                """SELECT team FROM work WHERE state = 'waiting' AND ready
                   ORDER BY rank, due_at NULLS LAST, queued_at LIMIT 1 FOR UPDATE SKIP LOCKED"""
            )
            if team is None:
                return 0
            rows = await conn.fetch(
                """SELECT * FROM work WHERE state = 'waiting' AND ready AND team = $1
                   ORDER BY rank, due_at NULLS LAST, queued_at LIMIT $2 FOR UPDATE SKIP LOCKED""",
                team,
                self.batch,
            )
            agent_rows = await conn.fetch(
                "SELECT * FROM agents WHERE $1 = ANY(teams) ORDER BY agent_id FOR UPDATE", team
            )
            loads = {
                r["agent_id"]: r["n"]
                for r in await conn.fetch(
                    """SELECT agent_id, count(*) AS n FROM work WHERE state = 'assigned' AND agent_id = ANY($1::text[])
                       GROUP BY agent_id""",
                    [a["agent_id"] for a in agent_rows],
                )
            }
            agents = {
                a["agent_id"]: AgentView(
                    agent_id=a["agent_id"],
                    skills=dict(a["skills"]),
                    languages=tuple(a["languages"]),
                    capacity=a["capacity"],
                    load=loads.get(a["agent_id"], 0),
                    presence=a["presence"],
                    last_assigned_at=a["last_assigned_at"],
                )
                for a in agent_rows
            }
            for row in rows:
                chosen, reason = choose_agent(list(agents.values()), Need(tuple(row["skills"]), row["language"]))
                reason = RoutingReason(rule=row["rule"], candidates=reason.candidates, explanation=reason.explanation)
                if chosen is None:
                    await conn.execute(
                        "UPDATE work SET ready = false, announced = true WHERE ticket_id = $1", row["ticket_id"]
                    )
                    if not row["announced"]:
                        tx.emit(
                            TicketQueued(
                                event_id=uuid.uuid4(),
                                ticket_id=row["ticket_id"],
                                tenant=row["tenant"],
                                occurred_at=now,
                                producer=PRODUCER,
                                correlation_id=row["correlation"],
                                data=TicketQueuedData(team=team, priority=row["priority"], reason=reason),
                            )
                        )
                    continue
                agents[chosen.agent_id] = AgentView(
                    **{**chosen.__dict__, "load": chosen.load + 1, "last_assigned_at": now}
                )
                await conn.execute(
                    "UPDATE work SET state = 'assigned', agent_id = $2, assigned_at = $3 WHERE ticket_id = $1",
                    row["ticket_id"],
                    chosen.agent_id,
                    now,
                )
                await conn.execute("UPDATE agents SET last_assigned_at = $2 WHERE agent_id = $1", chosen.agent_id, now)
                tx.emit(
                    TicketAssigned(
                        event_id=uuid.uuid4(),
                        ticket_id=row["ticket_id"],
                        tenant=row["tenant"],
                        occurred_at=now,
                        producer=PRODUCER,
                        correlation_id=row["correlation"],
                        data=TicketAssignedData(team=team, agent_id=chosen.agent_id, reason=reason),
                    )
                )
            return len(rows)
