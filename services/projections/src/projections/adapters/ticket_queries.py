"""Reads of tickets: one by id or folio, its timeline, and filtered, sorted, keyset-paginated lists."""

# SQL here is composed from constants of this module only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from ..domain.cursor import Cursor
from ..domain.rows import TICKET_COLUMNS

# sort name -> (expression, SQL type of the expression); NULLs sort last ascending via the sentinels.
SORTS: dict[str, tuple[str, str]] = {
    "created_at": ("coalesce(created_at, '-infinity')", "timestamptz"),
    "updated_at": ("coalesce(updated_at, '-infinity')", "timestamptz"),
    "next_due_at": ("coalesce(next_due_at, 'infinity')", "timestamptz"),
    "priority": ("coalesce(priority, 'P9')", "text"),
    "folio": ("coalesce(folio, '')", "text"),
}

LIST_COLUMNS = ", ".join(TICKET_COLUMNS)


@dataclass
class Where:
    """A conjunction of conditions with numbered parameters."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def add(self, clause: str) -> None:
        self.clauses.append(clause)

    def any_of(self, column: str, values: list[str] | None) -> None:
        if values:
            self.add(f"{column} = ANY({self.param(values)}::text[])")

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "true"


@dataclass(frozen=True)
class TicketFilter:
    tenant: str = "default"
    status: list[str] | None = None
    priority: list[str] | None = None
    team: list[str] | None = None
    assignee: list[str] | None = None
    channel: list[str] | None = None
    category: list[str] | None = None
    customer: str | None = None
    sla: list[str] | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    q: str | None = None


def text_match(where: Where, q: str) -> str:
    """Full text over subject, description and resolution, in Spanish, English and unstemmed."""
    p = where.param(q)
    return (
        f"(search @@ websearch_to_tsquery('spanish', f_unaccent({p})) "
        f"OR search @@ websearch_to_tsquery('english', f_unaccent({p})) "
        f"OR search @@ websearch_to_tsquery('simple', f_unaccent({p})) OR folio = upper({p}))"
    )


def build_where(f: TicketFilter) -> Where:
    w = Where()
    w.add(f"tenant = {w.param(f.tenant)}")
    w.add("(state->>'opened')::boolean")
    for column, values in (
        ("status", f.status),
        ("priority", f.priority),
        ("team", f.team),
        ("channel", f.channel),
        ("category", f.category),
        ("sla_state", f.sla),
    ):
        w.any_of(column, values)
    if f.assignee:
        named = [a for a in f.assignee if a != "none"]
        parts = [f"assignee = ANY({w.param(named)}::text[])"] if named else []
        if "none" in f.assignee:
            parts.append("assignee IS NULL")
        w.add("(" + " OR ".join(parts) + ")")
    if f.customer:
        p = w.param(f.customer)
        w.add(f"(customer_id = {p} OR lower(customer_email) = lower({p}))")
    for column, op, value in (
        ("created_at", ">=", f.created_from),
        ("created_at", "<", f.created_to),
        ("updated_at", ">=", f.updated_from),
        ("updated_at", "<", f.updated_to),
    ):
        if value is not None:
            w.add(f"{column} {op} {w.param(value)}")
    if f.q:
        w.add(text_match(w, f.q))
    return w


async def list_tickets(
    pool: asyncpg.Pool, f: TicketFilter, *, sort: str, descending: bool, limit: int, after: Cursor | None
) -> tuple[list[asyncpg.Record], Cursor | None]:
    expr, typ = SORTS[sort]
    w = build_where(f)
    op, direction = ("<", "DESC") if descending else (">", "ASC")
    if after is not None:
        w.add(f"({expr}, ticket_id) {op} ({w.param(after.value)}::text::{typ}, {w.param(after.ticket_id)})")
    sql = (
        f"SELECT {LIST_COLUMNS}, ({expr})::text AS sort_value FROM tickets WHERE {w.sql()} "
        f"ORDER BY {expr} {direction}, ticket_id {direction} LIMIT {w.param(limit + 1)}"
    )
    rows = await pool.fetch(sql, *w.params)
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1]
    key = f"{'-' if descending else ''}{sort}"
    return list(rows[:limit]), Cursor(sort=key, value=last["sort_value"], ticket_id=last["ticket_id"])


async def find_ticket(pool: asyncpg.Pool, tenant: str, ref: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT ticket_id, state FROM tickets WHERE tenant = $1 AND (ticket_id = $2 OR folio = $2)", tenant, ref
    )


async def timeline(pool: asyncpg.Pool, ticket_id: str, until: datetime | None = None) -> list[asyncpg.Record]:
    return list(
        await pool.fetch(
            """SELECT seq, type, occurred_at, producer, actor, summary, applied, event FROM timeline
               WHERE ticket_id = $1 AND ($2::timestamptz IS NULL OR occurred_at <= $2) ORDER BY seq""",
            ticket_id,
            until,
        )
    )
