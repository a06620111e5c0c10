"""The assigner: drains the waiting work team by team, in short transactions that lock the team's agents.

Woken by NOTIFY (new work, freed capacity, presence and directory changes) with a one-second poll as a
safety net. Any number of routing replicas may run it: a replica works on a team only while it holds the
team's advisory lock (the others skip it and retry shortly), waiting rows are taken with SKIP LOCKED, the
team's agents are locked in id order (an agent in two teams is shared safely, without deadlock) and the
load is counted under those locks, so no agent is ever pushed above capacity.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
from helpdesk_events import RoutingReason
from helpdesk_runtime.clock import Clock
from helpdesk_runtime.uow import Tx, unit_of_work

from ..domain.choice import AgentView, Need, choose_agent, with_assignment
from ..domain.config import RoutingRules
from . import facts
from .agents import lock_agents
from .store import ASSIGN_CHANNEL

log = logging.getLogger("routing.assigner")

_WAITING = """SELECT * FROM work WHERE state = 'waiting' AND team = $1 AND NOT (ticket_id = ANY($2::text[]))
              ORDER BY rank, due_at NULLS LAST, queued_at, ticket_id LIMIT $3 FOR UPDATE SKIP LOCKED"""
_UNANNOUNCED = """SELECT * FROM work WHERE state = 'waiting' AND team = $1 AND NOT announced
                  ORDER BY rank, due_at NULLS LAST, queued_at, ticket_id LIMIT $2 FOR UPDATE SKIP LOCKED"""


def _has_room(agents: dict[str, AgentView]) -> bool:
    return any(a.active and a.presence == "online" and a.load < a.capacity for a in agents.values())


class Assigner:
    def __init__(
        self,
        *,
        pool: Callable[[], asyncpg.Pool],
        dsn: str,
        schema: str,
        clock: Clock,
        topic_prefix: str,
        rules: RoutingRules | None = None,
        batch: int = 200,
        pages: int = 5,
    ) -> None:
        self._pool = pool
        self.dsn = dsn
        self.schema = schema
        self.clock = clock
        self.topic_prefix = topic_prefix
        self.rules = rules or RoutingRules(rules=[])
        self.batch = batch
        self.pages = pages
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
                    done, contended = await self.round()
                    if done == 0:
                        # Another replica holds a team: look again soon, it may have missed freed capacity.
                        with contextlib.suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), 0.05 if contended else 1.0)
                except Exception as exc:  # noqa: BLE001 - keep assigning through outages
                    log.warning("assigner round failed", extra={"error": repr(exc)})
                    listener = None
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), 1.0)
        finally:
            if listener is not None and not listener.is_closed():
                await listener.close()

    async def round(self) -> tuple[int, bool]:
        """One pass over every team with waiting work; returns (rows handled, whether a team was busy)."""
        teams = [r["team"] for r in await self._pool().fetch("SELECT DISTINCT team FROM work WHERE state = 'waiting'")]
        done, contended = 0, False
        for team in teams:
            handled = await self.drain_team(team)
            if handled is None:
                contended = True
            else:
                done += handled
        return done, contended

    async def drain_team(self, team: str) -> int | None:
        """Assign what fits in one team (announcing the rest as queued); None if another replica is on it."""
        now = self.clock.now()
        async with unit_of_work(self._pool(), schema=self.schema, now=now, topic_prefix=self.topic_prefix) as tx:
            conn = tx.conn
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext('routing:team:' || $1))", team):
                return None
            agents = {a.agent_id: a for a in await lock_agents(conn, team=team)}
            # The decision's time is read after the locks and the load count: every release the count saw
            # happened before it, so the log shows the release before the assignment that used its room.
            now = tx.now = self.clock.now()
            strategy = self.rules.strategy(team)
            last: str | None = await conn.fetchval("SELECT rr_last FROM teams WHERE team_id = $1", team)
            handled = 0
            seen: list[str] = []
            for _ in range(self.pages):
                if not _has_room(agents):
                    break
                rows = await conn.fetch(_WAITING, team, seen, self.batch)
                for row in rows:
                    seen.append(row["ticket_id"])
                    need = Need(tuple(row["skills"]), row["language"], row["channel"])
                    chosen, why = choose_agent(list(agents.values()), need, strategy, last)
                    reason = RoutingReason(rule=row["rule"], candidates=why.candidates, explanation=why.explanation)
                    if chosen is None:
                        handled += await self._announce(tx, row, team, reason)
                        continue
                    agents[chosen.agent_id] = with_assignment(chosen, row["channel"], now)
                    last = chosen.agent_id
                    await conn.execute(
                        """UPDATE work SET state = 'assigned', agent_id = $2, assigned_at = $3, manual = false,
                           assigned_by = NULL, previous_agent = NULL WHERE ticket_id = $1""",
                        row["ticket_id"],
                        chosen.agent_id,
                        now,
                    )
                    await conn.execute(
                        "UPDATE agents SET last_assigned_at = $2 WHERE agent_id = $1", chosen.agent_id, now
                    )
                    tx.emit(facts.assigned(row, team=team, agent_id=chosen.agent_id, reason=reason, now=now))
                    handled += 1
                if len(rows) < self.batch:
                    break
            if strategy == "round-robin" and last is not None:
                await conn.execute("UPDATE teams SET rr_last = $2 WHERE team_id = $1", team, last)
            # Whatever did not get an agent is announced as queued once, with the reason.
            for row in await conn.fetch(_UNANNOUNCED, team, self.batch):
                need = Need(tuple(row["skills"]), row["language"], row["channel"])
                chosen, why = choose_agent(list(agents.values()), need, strategy, last)
                if chosen is not None:
                    continue  # beyond this round's pages; the next round assigns it
                reason = RoutingReason(rule=row["rule"], candidates=why.candidates, explanation=why.explanation)
                handled += await self._announce(tx, row, team, reason)
            return handled

    async def _announce(self, tx: Tx, row: facts.Row, team: str, reason: RoutingReason) -> int:
        if row["announced"]:
            return 0
        await tx.conn.execute("UPDATE work SET announced = true WHERE ticket_id = $1", row["ticket_id"])
        tx.emit(facts.queued(row, team=team, reason=reason, now=tx.now))
        return 1
