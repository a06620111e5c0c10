"""A database holding read models of another shape is rebuilt by replay at start-up: the old tables are
dropped and the projections consumers' offsets and dedupe keys cleared, so the log is read again."""

from __future__ import annotations

import asyncpg
import pytest
from helpdesk_runtime.db import create_pool, migrate
from projections.adapters.schema import READ_MODEL_VERSION, ddl

pytestmark = pytest.mark.integration

OLD_SKELETON = """
CREATE TABLE IF NOT EXISTS tickets (ticket_id text PRIMARY KEY, tenant text NOT NULL, status text NOT NULL,
                                    version int NOT NULL, state jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS timeline (ticket_id text NOT NULL, seq int NOT NULL, event jsonb NOT NULL,
                                     PRIMARY KEY (ticket_id, seq));
"""


async def test_old_shape_is_dropped_and_replayed(database):
    pool = await create_pool(database, "projections")
    try:
        await migrate(pool, "projections", OLD_SKELETON)
        await pool.execute("INSERT INTO tickets VALUES ('T-1', 'default', 'new', 1, '{}')")
        await pool.execute(
            "INSERT INTO consumer_offsets (consumer, topic, partition, next_offset) VALUES "
            "('projections.tickets', 't', 0, 42), ('someone.else', 't', 0, 7)"
        )
        await pool.execute("INSERT INTO processed (consumer, dedupe_key) VALUES ('projections.tickets', 'e1')")

        await migrate(pool, "projections", ddl("projections"))

        assert await pool.fetchval("SELECT count(*) FROM tickets") == 0
        columns = {
            r["column_name"]
            for r in await pool.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'projections' "
                "AND table_name = 'tickets'"
            )
        }
        assert {"sla_state", "first_response_due_at", "search", "kb_text"} <= columns
        offsets = await pool.fetch("SELECT consumer FROM consumer_offsets")
        assert [r["consumer"] for r in offsets] == ["someone.else"]
        assert await pool.fetchval("SELECT count(*) FROM processed") == 0
        assert await pool.fetchval("SELECT version FROM read_model_meta") == READ_MODEL_VERSION

        # same shape: a restart keeps everything
        await pool.execute(
            "INSERT INTO consumer_offsets (consumer, topic, partition, next_offset) VALUES "
            "('projections.tickets', 't', 0, 5)"
        )
        await migrate(pool, "projections", ddl("projections"))
        assert await pool.fetchval("SELECT count(*) FROM consumer_offsets") == 2
    finally:
        await pool.close()
        conn = await asyncpg.connect(database)
        await conn.execute("DROP SCHEMA IF EXISTS projections CASCADE; DROP SCHEMA IF EXISTS analytics CASCADE")
        await conn.close()
