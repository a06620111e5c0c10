"""The SLA processing step on the real PostgreSQL: clocks and timers stored, replay gives the same due times
and event ids, a timer the scheduler is firing never blocks the consumer, and the firing re-syncs the plan."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from helpdesk_events import decode_ticket_event
from helpdesk_events.testing import at_min, opened, replied, status
from helpdesk_runtime.db import create_pool, migrate
from helpdesk_runtime.uow import Tx, flush
from sla.adapters.store import DDL
from sla.config import load_calendar_set, load_policies
from sla.domain.decide import TimerFired
from sla.entrypoints.process import Configuration, step

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[4] / "deploy" / "config" / "sample"
EVENTS = [opened(at=at_min(0), priority="P1"), replied(at=at_min(3)), status("pending", at=at_min(5))]


def configuration() -> Configuration:
    _, calendars = load_calendar_set(SAMPLE)
    return Configuration(load_policies(SAMPLE), dict(calendars))


@pytest.fixture
async def pool(pg_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    schema = f"sla_it_{uuid.uuid4().hex[:8]}"
    p = await create_pool(pg_dsn, schema, max_size=4)
    await migrate(p, schema, DDL)
    try:
        yield p
    finally:
        await p.execute(f"DROP SCHEMA {schema} CASCADE")
        await p.close()


async def apply(pool: asyncpg.Pool, config: Configuration, events) -> list[bytes]:
    out: list[bytes] = []
    for event in events:
        async with pool.acquire() as conn, conn.transaction():
            tx = Tx(conn, schema="sla", now=event.occurred_at)
            await step(tx, config, event.ticket_id, event)
            await flush(conn, "sla", tx.rows)
            out.extend(r.value for r in tx.rows)
    return out


async def armed(pool: asyncpg.Pool) -> dict[str, object]:
    rows = await pool.fetch("SELECT timer_key, due_at FROM timers ORDER BY timer_key")
    return {r["timer_key"]: r["due_at"] for r in rows}


async def test_opening_stores_the_clocks_and_arms_breach_and_warning_timers(pool):
    await apply(pool, configuration(), EVENTS[:1])
    assert await armed(pool) == {
        "sla:T-1:first_response:breach": at_min(15),
        "sla:T-1:first_response:warn0.75": at_min(11.25),
        "sla:T-1:first_response:warn0.9": at_min(13.5),
        "sla:T-1:resolution:breach": at_min(240),
        "sla:T-1:resolution:warn0.75": at_min(180),
        "sla:T-1:resolution:warn0.9": at_min(216),
    }
    state = await pool.fetchval("SELECT state FROM sla_tickets WHERE ticket_id = 'T-1'")
    assert state["policy"]["policy_id"] == "critical"


async def test_replaying_the_log_rebuilds_the_same_timers_and_event_ids(pg_dsn, pool):
    first = await apply(pool, configuration(), EVENTS)
    schema = f"sla_it_{uuid.uuid4().hex[:8]}"
    other = await create_pool(pg_dsn, schema, max_size=2)
    try:
        await migrate(other, schema, DDL)
        again = await apply(other, configuration(), EVENTS)
        assert await armed(other) == await armed(pool)
    finally:
        await other.execute(f"DROP SCHEMA {schema} CASCADE")
        await other.close()
    assert [decode_ticket_event(v).event_id for v in first] == [decode_ticket_event(v).event_id for v in again]
    assert [decode_ticket_event(v).type for v in first] == [
        "SlaPolicyApplied",
        "SlaTargetMet",
        "SlaClockPaused",
    ]


async def test_a_timer_being_fired_does_not_block_the_consumer_and_its_firing_resyncs(pool):
    config = configuration()
    await apply(pool, config, EVENTS[:1])
    key = "sla:T-1:resolution:warn0.75"
    async with pool.acquire() as scheduler, scheduler.transaction():
        # The scheduler has picked the warning (row locked) when the ticket goes pending.
        row = await scheduler.fetchrow("SELECT due_at FROM timers WHERE timer_key = $1 FOR UPDATE", key)
        await asyncio.wait_for(apply(pool, config, [status("pending", at=at_min(5))]), timeout=10)
        assert set(await armed(pool)) == {key}  # the others are gone; the busy row is left to its firing
        tx = Tx(scheduler, schema="sla", now=row["due_at"])
        await step(tx, config, "T-1", TimerFired("resolution", "warning", row["due_at"], 0.75))
        assert tx.rows == []  # paused meanwhile: a stale firing records nothing
    assert await armed(pool) == {}
