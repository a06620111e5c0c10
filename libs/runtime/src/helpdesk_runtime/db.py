"""PostgreSQL plumbing: one schema per service, the runtime's tables, and the pool."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

RUNTIME_DDL = """
CREATE TABLE IF NOT EXISTS consumer_offsets (
    consumer    text   NOT NULL,
    topic       text   NOT NULL,
    partition   int    NOT NULL,
    next_offset bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);
CREATE TABLE IF NOT EXISTS processed (
    consumer text NOT NULL,
    dedupe_key text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, dedupe_key)
);
CREATE TABLE IF NOT EXISTS outbox (
    id         bigserial PRIMARY KEY,
    topic      text  NOT NULL,
    key        bytea,
    value      bytea NOT NULL,
    headers    jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS timers (
    timer_key text PRIMARY KEY,
    due_at    timestamptz NOT NULL,
    kind      text NOT NULL,
    entity_id text NOT NULL,
    payload   jsonb NOT NULL DEFAULT '{}',
    attempts  int NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at);
CREATE INDEX IF NOT EXISTS timers_entity ON timers (entity_id);
"""


def check_schema_name(schema: str) -> str:
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return schema


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=_json_dumps, decoder=_json_loads, schema="pg_catalog")


def _json_dumps(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"), default=str)


def _json_loads(value: str) -> Any:
    import json

    return json.loads(value)


def connect_options(dsn: str) -> dict[str, Any]:
    """No TLS to a server on this host unless the DSN asks for it (asyncpg's default tries TLS first,
    which costs CPU on every round trip and buys nothing over loopback)."""
    parsed = urlsplit(dsn)
    if "sslmode" in parse_qs(parsed.query) or parsed.hostname not in ("localhost", "127.0.0.1", "::1"):
        return {}
    return {"ssl": False}


async def create_pool(dsn: str, schema: str, *, max_size: int = 8, min_size: int = 1) -> asyncpg.Pool:
    check_schema_name(schema)
    pool = await asyncpg.create_pool(
        dsn,
        **connect_options(dsn),
        min_size=min_size,
        max_size=max_size,
        server_settings={"search_path": f"{schema},public", "application_name": schema},
        init=_init_connection,
    )
    assert pool is not None
    return pool


RUNTIME_OBJECTS = ("consumer_offsets", "processed", "outbox", "timers", "timers_due", "timers_entity")


async def migrate(pool: asyncpg.Pool, schema: str, service_ddl: str = "") -> None:
    """Create the schema, the runtime tables and the service's own tables (idempotent DDL).

    Replicas starting together serialise on a session advisory lock. The runtime's DDL runs only when one
    of its objects is missing: ``CREATE INDEX IF NOT EXISTS`` still takes a table lock before it finds the
    index, which can deadlock with a running replica's writes. Each step commits on its own, so no lock
    is held across steps.
    """
    check_schema_name(schema)
    async with pool.acquire() as conn:
        lock = f"migrate:{schema}"
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", lock)
        try:
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            missing = await conn.fetchval(
                "SELECT count(*) FROM unnest($1::text[]) AS o(name) WHERE to_regclass($2 || '.' || o.name) IS NULL",
                list(RUNTIME_OBJECTS),
                schema,
            )
            if missing:
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL search_path = {schema}, public")
                    await conn.execute(RUNTIME_DDL)
            if service_ddl:
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL search_path = {schema}, public")
                    await conn.execute(service_ddl)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", lock)
