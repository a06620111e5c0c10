"""Analysts' SQL: documented views in schema analytics, readable by a member of helpdesk_analyst, and
nothing else is reachable with that role."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from helpdesk_events import testing as b
from projections.adapters.analytics import ANALYST_ROLE, VIEWS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def analyst_dsn(projections):
    """A login role that is only a member of helpdesk_analyst (the documented way to grant access)."""
    name = f"analyst_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    admin = await asyncpg.connect(projections.dsn)
    try:
        await admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {ANALYST_ROLE}")
    finally:
        await admin.close()
    scheme, rest = projections.dsn.split("://", 1)
    _, host = rest.split("@", 1)
    try:
        yield f"{scheme}://{name}:{password}@{host}"
    finally:
        admin = await asyncpg.connect(projections.dsn)
        try:
            await admin.execute(f"DROP ROLE IF EXISTS {name}")
        finally:
            await admin.close()


async def test_the_analyst_reads_every_view(projections, analyst_dsn):
    tid = f"an-{uuid.uuid4().hex[:8]}"
    at = datetime(2026, 7, 1, 9, tzinfo=UTC)
    await projections.publish(b.opened(at=at, ticket=tid, folio=f"HD-2026-{uuid.uuid4().int % 10**6:06d}"))
    await projections.versions(tid, 1)
    conn = await asyncpg.connect(analyst_dsn)
    try:
        for view in VIEWS:
            await conn.fetch(f"SELECT * FROM analytics.{view.name} LIMIT 1")
        row = await conn.fetchrow("SELECT status, opened FROM analytics.tickets WHERE ticket_id = $1", tid)
        assert (row["status"], row["opened"]) == ("new", True)
        assert await conn.fetchval("SELECT count(*) FROM analytics.metric_facts WHERE ticket_id = $1", tid) == 1
    finally:
        await conn.close()


async def test_the_analyst_sees_who_waits_on_an_agent_and_since_when(projections, analyst_dsn):
    """unanswered_since follows the log: a message logged after the agent's reply waits, even when its
    timestamp is earlier (it sat in the inbound topic while the agent replied)."""
    tid = f"wait-{uuid.uuid4().hex[:8]}"
    at = datetime(2026, 7, 1, 9, tzinfo=UTC)

    async def waiting() -> object:
        conn = await asyncpg.connect(analyst_dsn)
        try:
            return await conn.fetchval("SELECT unanswered_since FROM analytics.tickets WHERE ticket_id = $1", tid)
        finally:
            await conn.close()

    folio = f"HD-2026-{uuid.uuid4().int % 10**6:06d}"
    await projections.publish(
        b.opened(at=at, ticket=tid, folio=folio), b.customer_message(at=at.replace(minute=5), ticket=tid)
    )
    await projections.versions(tid, 2)
    assert await waiting() == at  # the opening message has waited since it arrived
    await projections.publish(b.replied(at=at.replace(minute=20), ticket=tid))
    await projections.versions(tid, 3)
    assert await waiting() is None
    late = at.replace(minute=15)  # written before the reply, logged after it
    await projections.publish(b.customer_message(at=late, ticket=tid))
    await projections.versions(tid, 4)
    assert await waiting() == late


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM projections.tickets",
        "SELECT * FROM projections.consumer_offsets",
        "DELETE FROM analytics.tickets",
        "UPDATE analytics.tickets SET status = 'closed'",
        "INSERT INTO analytics.teams (team_id) VALUES ('x')",
        "CREATE TABLE analytics.mine (x int)",
        "CREATE TABLE public.mine (x int)",
        "CREATE VIEW analytics.mine AS SELECT 1",
    ],
)
async def test_the_analyst_can_do_nothing_else(projections, analyst_dsn, statement):
    conn = await asyncpg.connect(analyst_dsn)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(statement)
    finally:
        await conn.close()


async def test_every_view_and_column_has_a_comment(projections):
    rows = await projections.sql(
        """SELECT c.relname AS view, a.attname AS column, col_description(c.oid, a.attnum) AS comment,
                  obj_description(c.oid, 'pg_class') AS view_comment
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE n.nspname = 'analytics' AND c.relkind = 'v'"""
    )
    assert {r["view"] for r in rows} == {v.name for v in VIEWS}
    assert [f"{r['view']}.{r['column']}" for r in rows if not r["comment"] or not r["view_comment"]] == []
    declared = {(v.name, c) for v in VIEWS for c, _ in v.columns}
    assert {(r["view"], r["column"]) for r in rows} == declared
