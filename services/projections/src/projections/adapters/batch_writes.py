"""Set-based writes for a whole batch of ticket events, inside the consumer's transaction: one query locks
and loads every affected ticket, one statement writes the tickets' final rows, the timeline entries, the
facts and the change notifications. The rows equal those of the per-record path (:mod:`.writes`)."""

# SQL here is composed from constants of this module only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import asyncpg
from helpdesk_events import TicketState, encode

from ..domain.projection import Current, Projected
from ..domain.rows import TICKET_COLUMNS, fts_config, ticket_columns
from .schema import column_sql_type
from .writes import CHANGES_CHANNEL

_TAGS = "tags"
_EXTRA = (("description", "text"), ("fts_config", "text"), ("state", "text"))
_TICKET_TYPES = [(c, "text" if c == _TAGS else column_sql_type(c)) for c in TICKET_COLUMNS] + list(_EXTRA)
_NT = len(_TICKET_TYPES)


def _col(c: str) -> str:
    """The value written for column ``c`` from the unnested row ``u``."""
    if c == _TAGS:
        return "u.tags::text[]"  # arrays of arrays cannot be unnested by row: tags travel as array literals
    if c == "state":
        return "u.state::jsonb"
    return f"u.{c}"


_SEARCH = " || ".join(
    f"setweight(to_tsvector(u.fts_config::regconfig, f_unaccent(coalesce(u.{c}, ''))), '{w}')"
    for c, w in (("subject", "A"), ("description", "B"), ("resolution", "A"))
)
_KB_TEXT = "lower(f_unaccent(concat_ws(' ', u.subject, u.description, u.resolution)))"
_TICKET_COLS = [c for c, _ in _TICKET_TYPES]


def _unnest(types: Iterable[tuple[str, str]], first: int) -> str:
    types = list(types)
    params = ", ".join(f"${first + i}::{t}[]" for i, (_, t) in enumerate(types))
    return f"unnest({params}) AS u({', '.join(c for c, _ in types)})"


_ENTRY_TYPES = [
    ("ticket_id", "text"),
    ("seq", "int"),
    ("event_id", "uuid"),
    ("type", "text"),
    ("occurred_at", "timestamptz"),
    ("producer", "text"),
    ("actor", "text"),
    ("summary", "text"),
    ("applied", "boolean"),
    ("event", "text"),
]
_FACT_TYPES = [
    ("event_id", "uuid"),
    ("kind", "text"),
    ("target", "text"),
    ("ticket_id", "text"),
    ("tenant", "text"),
    ("occurred_at", "timestamptz"),
    ("agent", "text"),
    ("value", "float8"),
    ("ok", "boolean"),
]
_E0 = _NT + 1
_F0 = _E0 + len(_ENTRY_TYPES)
_CH = _F0 + len(_FACT_TYPES)
_ENTRY_COLS = ", ".join(c for c, _ in _ENTRY_TYPES)
_FACT_COLS = ", ".join(c for c, _ in _FACT_TYPES)

WRITE_BATCH = f"""
WITH ticket AS (
    INSERT INTO tickets ({", ".join(_TICKET_COLS)}, search, kb_text)
    SELECT {", ".join(_col(c) for c in _TICKET_COLS)}, {_SEARCH}, {_KB_TEXT}
    FROM {_unnest(_TICKET_TYPES, 1)}
    ON CONFLICT (ticket_id) DO UPDATE
    SET {", ".join(f"{c} = EXCLUDED.{c}" for c in (*_TICKET_COLS[1:], "search", "kb_text"))}
    RETURNING 1
),
entry AS (
    INSERT INTO timeline ({_ENTRY_COLS})
    SELECT {", ".join("u.event::jsonb" if c == "event" else f"u.{c}" for c, _ in _ENTRY_TYPES)}
    FROM {_unnest(_ENTRY_TYPES, _E0)}
    RETURNING 1
),
fact AS (
    INSERT INTO facts ({_FACT_COLS})
    SELECT {_FACT_COLS} FROM {_unnest(_FACT_TYPES, _F0)}
    RETURNING 1
),
notified AS (
    SELECT pg_notify(${_CH + 1}, p.payload)
    FROM unnest(${_CH}::text[]) WITH ORDINALITY AS p(payload, i) ORDER BY p.i
)
SELECT (SELECT count(*) FROM ticket) + (SELECT count(*) FROM entry) + (SELECT count(*) FROM fact)
       + (SELECT count(*) FROM notified),
       set_config('synchronous_commit', 'off', true)
"""
"""The transaction commits without waiting for its WAL flush (``synchronous_commit = off`` for this
transaction only): a database crash may lose the last moments of commits, but the consumer's offsets are
lost with them, so the records are read and applied again — the read models stay exactly once."""

LOAD_TICKETS = """
SELECT ticket_id, state::text AS state, description FROM tickets
WHERE ticket_id = ANY($1::text[]) ORDER BY ticket_id FOR UPDATE
"""


async def load_tickets(conn: asyncpg.Connection, ticket_ids: Iterable[str]) -> dict[str, Current]:
    """The rows of these tickets (those that exist), locked for this transaction in one id order."""
    rows = await conn.fetch(LOAD_TICKETS, sorted(set(ticket_ids)))
    return {r["ticket_id"]: Current(TicketState.model_validate_json(r["state"]), r["description"]) for r in rows}


def text_array_literal(values: Iterable[str]) -> str:
    """``values`` as a PostgreSQL array literal of quoted elements (``'{"a","b \\"c\\""}'``)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _columns(projected: Projected) -> list[list[Any]]:
    columns: list[list[Any]] = [[] for _ in range(_NT)]
    for current in projected.tickets.values():
        state = current.state
        row = ticket_columns(state)
        row[_TAGS] = text_array_literal(state.tags)
        values = [row[c] for c in TICKET_COLUMNS]
        values += [current.description, fts_config(state.language), state.model_dump_json()]
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return columns


async def write_batch(conn: asyncpg.Connection, projected: Projected) -> None:
    """Every ticket's final row, every event's timeline entry and facts, and the change notifications (in
    the events' order, delivered at commit)."""
    entries: list[list[Any]] = [[] for _ in _ENTRY_TYPES]
    facts: list[list[Any]] = [[] for _ in _FACT_TYPES]
    changes: list[str] = []
    for e in projected.entries:
        ev = e.event
        row: tuple[Any, ...] = (
            e.after.ticket_id,
            e.after.version,
            ev.event_id,
            ev.type,
            ev.occurred_at,
            ev.producer,
            e.actor,
            e.summary,
            e.applied,
            encode(ev).decode(),
        )
        for column, value in zip(entries, row, strict=True):
            column.append(value)
        for f in e.facts:
            frow = (ev.event_id, f.kind, f.target or "", e.after.ticket_id, e.after.tenant, ev.occurred_at, f.agent)
            for column, value in zip(facts, (*frow, f.value, f.ok), strict=True):
                column.append(value)
        changes.append(json.dumps(e.change, default=str))
    await conn.fetchval(WRITE_BATCH, *_columns(projected), *entries, *facts, changes, CHANGES_CHANNEL)
