"""The escalation service's tables (schema ``escalation``): one row per ticket with its case and armed timers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from ..domain.case import Case

DDL = """
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id   text PRIMARY KEY,
    tenant      text NOT NULL,
    folio       text,
    correlation uuid,
    body        jsonb NOT NULL,
    armed       jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tickets_folio ON tickets (tenant, folio);
CREATE TABLE IF NOT EXISTS manual_requests (
    tenant     text NOT NULL,
    request_id text NOT NULL,
    response   jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, request_id)
);
"""


class Row:
    """A ticket's stored case, its armed stall timers (level key -> due time, ISO) and correlation id."""

    def __init__(self, case: Case | None, armed: dict[str, str], correlation: UUID | None) -> None:
        self.case = case
        self.armed = armed
        self.correlation = correlation


def _row(record: asyncpg.Record | None) -> Row | None:
    if record is None:
        return None
    return Row(Case.model_validate(record["body"]), dict(record["armed"]), record["correlation"])


async def lock(conn: asyncpg.Connection, ticket_id: str, *, skip_locked: bool = False) -> Row | None:
    """The ticket's row under its row lock (None if unknown, or if ``skip_locked`` and someone holds it)."""
    suffix = "FOR UPDATE SKIP LOCKED" if skip_locked else "FOR UPDATE"
    return _row(await conn.fetchrow(f"SELECT * FROM tickets WHERE ticket_id = $1 {suffix}", ticket_id))  # noqa: S608


async def load(conn: asyncpg.Connection, ticket_id: str) -> Row | None:
    return _row(await conn.fetchrow("SELECT * FROM tickets WHERE ticket_id = $1", ticket_id))


async def exists(conn: asyncpg.Connection, ticket_id: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM tickets WHERE ticket_id = $1", ticket_id))


async def resolve(conn: asyncpg.Connection, tenant: str, ref: str) -> str | None:
    """A ticket id from an id or a folio."""
    found: str | None = await conn.fetchval(
        "SELECT ticket_id FROM tickets WHERE tenant = $1 AND (ticket_id = $2 OR folio = $2) LIMIT 1", tenant, ref
    )
    return found


async def save(conn: asyncpg.Connection, case: Case, armed: dict[str, str], correlation: UUID | None) -> None:
    body: dict[str, Any] = case.model_dump(mode="json")
    await conn.execute(
        """INSERT INTO tickets (ticket_id, tenant, folio, correlation, body, armed) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (ticket_id) DO UPDATE SET tenant = EXCLUDED.tenant, folio = EXCLUDED.folio,
           correlation = coalesce(tickets.correlation, EXCLUDED.correlation), body = EXCLUDED.body,
           armed = EXCLUDED.armed, updated_at = now()""",
        case.ticket.ticket_id,
        case.ticket.tenant,
        case.ticket.folio,
        correlation,
        body,
        armed,
    )


async def previous_response(conn: asyncpg.Connection, tenant: str, request_id: str) -> dict[str, Any] | None:
    """The answer already given to this idempotency key (a retried manual request)."""
    found: dict[str, Any] | None = await conn.fetchval(
        "SELECT response FROM manual_requests WHERE tenant = $1 AND request_id = $2", tenant, request_id
    )
    return found


async def remember_response(conn: asyncpg.Connection, tenant: str, request_id: str, response: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO manual_requests (tenant, request_id, response) VALUES ($1, $2, $3)", tenant, request_id, response
    )
