"""Intake's tables (schema ``intake``): inbound message outcomes, ticket state, thread refs, folios."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
from helpdesk_events import TicketEvent, TicketState, evolve

DDL = """
CREATE TABLE IF NOT EXISTS inbound_messages (
    tenant      text NOT NULL,
    message_id  text NOT NULL,
    -- pending | opened | appended | reopened | follow_up | ignored | dead_lettered
    status      text NOT NULL,
    channel     text,
    ticket_id   text,
    folio       text,
    reason      text,
    accepted_at timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, message_id)
);
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id   text PRIMARY KEY,
    tenant      text NOT NULL,
    folio       text NOT NULL UNIQUE,
    status      text NOT NULL,
    channel     text NOT NULL,
    thread_ref  text,
    contact_id  text,
    state       jsonb NOT NULL,
    version     int NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_thread ON tickets (tenant, channel, thread_ref) WHERE thread_ref IS NOT NULL;
CREATE TABLE IF NOT EXISTS message_refs (
    tenant    text NOT NULL,
    ref       text NOT NULL,
    ticket_id text NOT NULL,
    PRIMARY KEY (tenant, ref)
);
CREATE TABLE IF NOT EXISTS command_requests (
    tenant     text NOT NULL,
    request_id text NOT NULL,
    response   jsonb NOT NULL,
    PRIMARY KEY (tenant, request_id)
);
CREATE TABLE IF NOT EXISTS email_message_ids (
    tenant           text NOT NULL,
    email_message_id text NOT NULL,
    message_id       text NOT NULL,
    PRIMARY KEY (tenant, email_message_id)
);
CREATE TABLE IF NOT EXISTS sender_activity (
    tenant     text NOT NULL,
    sender     text NOT NULL,
    recent     timestamptz[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, sender)
);
CREATE TABLE IF NOT EXISTS contact_merges (
    tenant      text NOT NULL,
    contact_id  text NOT NULL,
    merged_into text NOT NULL,
    tickets     text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, contact_id)
);
CREATE TABLE IF NOT EXISTS folio_counters (
    year int PRIMARY KEY,
    last bigint NOT NULL
);
"""


async def next_folio(conn: asyncpg.Connection, prefix: str, year: int) -> str:
    """Gapless per year, unique across replicas (the counter row is locked until commit)."""
    n = await conn.fetchval(
        """INSERT INTO folio_counters (year, last) VALUES ($1, 1)
           ON CONFLICT (year) DO UPDATE SET last = folio_counters.last + 1 RETURNING last""",
        year,
    )
    return f"{prefix}-{year}-{n:06d}"


async def load_ticket(conn: asyncpg.Connection, ticket_id: str) -> TicketState | None:
    row = await conn.fetchrow("SELECT state FROM tickets WHERE ticket_id = $1 FOR UPDATE", ticket_id)
    return TicketState.model_validate(row["state"]) if row else None


async def find_ticket_id(
    conn: asyncpg.Connection,
    *,
    tenant: str,
    channel: str,
    thread_ref: str | None,
    refs: list[str],
    folio: str | None,
    since: datetime | None = None,
) -> str | None:
    """Threading: email references, then folio in the subject, then the channel's conversation id (only
    for a ticket active since ``since``, when the channel has a window)."""
    refs = normalise_refs(refs)
    if refs:
        found = await conn.fetchval(
            """SELECT ticket_id FROM message_refs WHERE tenant = $1 AND ref = ANY($2::text[])
               ORDER BY array_position($2::text[], ref) LIMIT 1""",
            tenant,
            refs,
        )
        if found:
            return str(found)
    if folio:
        found = await conn.fetchval("SELECT ticket_id FROM tickets WHERE tenant = $1 AND folio = $2", tenant, folio)
        if found:
            return str(found)
    if thread_ref:
        found = await conn.fetchval(
            """SELECT ticket_id FROM tickets WHERE tenant = $1 AND channel = $2 AND thread_ref = $3
               AND ($4::timestamptz IS NULL OR updated_at >= $4) ORDER BY updated_at DESC LIMIT 1""",
            tenant,
            channel,
            thread_ref,
            since,
        )
        if found:
            return str(found)
    return None


async def apply_events(conn: asyncpg.Connection, state: TicketState | None, events: list[TicketEvent]) -> TicketState:
    for event in events:
        state = evolve(state, event)
    assert state is not None and state.folio is not None
    await conn.execute(
        """INSERT INTO tickets (ticket_id, tenant, folio, status, channel, thread_ref, contact_id, state, version,
                              updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (ticket_id) DO UPDATE SET status = EXCLUDED.status, state = EXCLUDED.state,
             version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, contact_id = EXCLUDED.contact_id""",
        state.ticket_id,
        state.tenant,
        state.folio,
        state.status,
        state.channel,
        _thread_ref(events),
        state.customer.contact_id if state.customer else None,
        state.model_dump(mode="json"),
        state.version,
        events[-1].occurred_at,
    )
    return state


def _thread_ref(events: list[TicketEvent]) -> str | None:
    for event in events:
        ref = getattr(event.data, "thread_ref", None)
        if ref:
            return str(ref)
    return None


def normalise_refs(refs: list[str]) -> list[str]:
    """Message ids compared without angle brackets and surrounding blanks."""
    out: list[str] = []
    for ref in refs:
        norm = ref.strip().strip("<>").strip()
        if norm and norm not in out:
            out.append(norm)
    return out


async def remember_refs(conn: asyncpg.Connection, tenant: str, ticket_id: str, refs: list[str]) -> None:
    """Message ids (inbound and outbound) that thread replies to ``ticket_id``."""
    refs = normalise_refs(refs)
    if refs:
        await conn.execute(
            """INSERT INTO message_refs (tenant, ref, ticket_id) SELECT $1, unnest($2::text[]), $3
               ON CONFLICT DO NOTHING""",
            tenant,
            refs,
            ticket_id,
        )


async def set_outcome(
    conn: asyncpg.Connection,
    tenant: str,
    message_id: str,
    status: str,
    *,
    ticket_id: str | None = None,
    folio: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO inbound_messages (tenant, message_id, status, ticket_id, folio, reason)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (tenant, message_id) DO UPDATE SET status = EXCLUDED.status, ticket_id = EXCLUDED.ticket_id,
             folio = EXCLUDED.folio, reason = EXCLUDED.reason, updated_at = now()""",
        tenant,
        message_id,
        status,
        ticket_id,
        folio,
        reason,
    )


async def claim_email_id(conn: asyncpg.Connection, tenant: str, email_message_id: str, message_id: str) -> str | None:
    """Record which inbound message carried this email; the earlier message's id if one already did."""
    await conn.execute(
        """INSERT INTO email_message_ids (tenant, email_message_id, message_id) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING""",
        tenant,
        email_message_id,
        message_id,
    )
    first = await conn.fetchval(
        "SELECT message_id FROM email_message_ids WHERE tenant = $1 AND email_message_id = $2",
        tenant,
        email_message_id,
    )
    return None if first == message_id else str(first)


async def sender_recent(conn: asyncpg.Connection, tenant: str, sender: str) -> list[datetime]:
    """The sender's recent message times, locked until commit (one decision per sender at a time)."""
    await conn.execute(
        "INSERT INTO sender_activity (tenant, sender) VALUES ($1, $2) ON CONFLICT DO NOTHING", tenant, sender
    )
    recent = await conn.fetchval(
        "SELECT recent FROM sender_activity WHERE tenant = $1 AND sender = $2 FOR UPDATE", tenant, sender
    )
    return list(recent or [])


async def save_sender_recent(conn: asyncpg.Connection, tenant: str, sender: str, recent: list[datetime]) -> None:
    await conn.execute(
        "UPDATE sender_activity SET recent = $3 WHERE tenant = $1 AND sender = $2", tenant, sender, recent
    )


def window_start(now: datetime, minutes: int | None) -> datetime | None:
    return now - timedelta(minutes=minutes) if minutes else None


async def merged_into(conn: asyncpg.Connection, tenant: str, contact_id: str) -> str | None:
    """The contact ``contact_id`` was merged into, if it was."""
    found = await conn.fetchval(
        "SELECT merged_into FROM contact_merges WHERE tenant = $1 AND contact_id = $2", tenant, contact_id
    )
    return str(found) if found else None


async def tickets_of_contact(conn: asyncpg.Connection, tenant: str, contact_id: str) -> list[TicketState]:
    """The contact's tickets, locked in id order (no deadlock with other multi-ticket commands)."""
    rows = await conn.fetch(
        "SELECT state FROM tickets WHERE tenant = $1 AND contact_id = $2 ORDER BY ticket_id FOR UPDATE",
        tenant,
        contact_id,
    )
    return [TicketState.model_validate(r["state"]) for r in rows]
