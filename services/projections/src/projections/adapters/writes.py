"""Writes to the read models, inside the consumer's transaction (exactly once with the stored offsets)."""

# SQL here is composed from constants of this module only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
from typing import Any

import asyncpg
from helpdesk_events import TicketEvent, TicketState, encode

from ..domain.facts import Fact
from ..domain.rows import TICKET_COLUMNS, fts_config, ticket_columns

CHANGES_CHANNEL = "projections_changes"
"""NOTIFY channel: one JSON payload per read-model change, delivered at commit (feeds GET /v1/stream)."""

_COLS = (*TICKET_COLUMNS, "description", "fts_config", "state")
_N = len(_COLS)
_SUBJECT, _DESC, _RES = (_COLS.index(c) + 1 for c in ("subject", "description", "resolution"))
_CFG = _COLS.index("fts_config") + 1
_SEARCH = " || ".join(
    f"setweight(to_tsvector(${_CFG}::text::regconfig, f_unaccent(coalesce(${i}::text, ''))), '{w}')"
    for i, w in ((_SUBJECT, "A"), (_DESC, "B"), (_RES, "A"))
)
_KB_TEXT = f"lower(f_unaccent(concat_ws(' ', ${_SUBJECT}::text, ${_DESC}::text, ${_RES}::text)))"
_UPSERT = f"""
INSERT INTO tickets ({", ".join(_COLS)}, search, kb_text)
VALUES ({", ".join(f"${i}" for i in range(1, _N + 1))}, {_SEARCH}, {_KB_TEXT})
ON CONFLICT (ticket_id) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in (*_COLS[1:], "search", "kb_text"))}
RETURNING 1"""


def _p(k: int) -> str:
    return f"${_N + k}"


# One round trip per event for everything it changes: the ticket row, its timeline entry, its facts and
# the change notification (delivered at commit).
WRITE_EVENT = f"""
WITH ticket AS ({_UPSERT}),
entry AS (
    INSERT INTO timeline (ticket_id, seq, event_id, type, occurred_at, producer, actor, summary, applied, event)
    VALUES ($1, {_p(1)}, {_p(2)}, {_p(3)}, {_p(4)}, {_p(5)}, {_p(6)}, {_p(7)}, {_p(8)}, {_p(9)})
    RETURNING 1
),
fact AS (
    INSERT INTO facts (event_id, kind, target, ticket_id, tenant, occurred_at, agent, value, ok)
    SELECT {_p(2)}, f.kind, f.target, $1, $2, {_p(4)}, f.agent, f.value, f.ok
    FROM unnest({_p(10)}::text[], {_p(11)}::text[], {_p(12)}::text[], {_p(13)}::float8[], {_p(14)}::bool[])
         AS f(kind, target, agent, value, ok)
    RETURNING 1
)
SELECT (SELECT count(*) FROM ticket) + (SELECT count(*) FROM entry) + (SELECT count(*) FROM fact),
       pg_notify({_p(15)}, {_p(16)})
"""


async def load_ticket(conn: asyncpg.Connection, ticket_id: str) -> tuple[TicketState | None, str | None]:
    """The folded state and the opening description, locking the row for this transaction."""
    row = await conn.fetchrow("SELECT state, description FROM tickets WHERE ticket_id = $1 FOR UPDATE", ticket_id)
    if row is None:
        return None, None
    return TicketState.model_validate(row["state"]), row["description"]


async def write_event(
    conn: asyncpg.Connection,
    *,
    state: TicketState,
    description: str | None,
    event: TicketEvent,
    summary: str,
    actor: str | None,
    applied: bool,
    facts: list[Fact],
    change: dict[str, Any],
) -> None:
    """The ticket's new row, the event's timeline entry and facts, and the change notification."""
    cols = ticket_columns(state)
    values: list[Any] = [cols[c] for c in TICKET_COLUMNS]
    values += [description, fts_config(state.language), state.model_dump(mode="json")]
    values += [
        state.version,
        event.event_id,
        event.type,
        event.occurred_at,
        event.producer,
        actor,
        summary,
        applied,
        json.loads(encode(event)),
        [f.kind for f in facts],
        [f.target or "" for f in facts],
        [f.agent for f in facts],
        [f.value for f in facts],
        [f.ok for f in facts],
        CHANGES_CHANNEL,
        json.dumps(change, default=str),
    ]
    await conn.fetchval(WRITE_EVENT, *values)


async def notify_change(conn: asyncpg.Connection, payload: dict[str, Any]) -> None:
    await conn.execute("SELECT pg_notify($1, $2)", CHANGES_CHANNEL, json.dumps(payload, default=str))
