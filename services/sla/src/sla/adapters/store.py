"""The SLA service's tables (schema ``sla``): each ticket's clocks, the policy set versions, and its timers."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from helpdesk_runtime.uow import Tx

from ..domain.clocks import SlaState
from ..domain.decide import TimerPlan
from ..domain.policy import SlaPolicies

log = logging.getLogger("helpdesk.sla")

DDL = """
CREATE TABLE IF NOT EXISTS sla_tickets (
    ticket_id    text PRIMARY KEY,
    tenant       text NOT NULL,
    correlation  uuid,
    state        jsonb NOT NULL,          -- sla.domain.clocks.SlaState
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS policy_sets (
    version    text PRIMARY KEY,
    body       jsonb NOT NULL,            -- sla.yaml of that version, as validated
    loaded_at  timestamptz NOT NULL DEFAULT now()
);
"""


def timer_prefix(ticket_id: str) -> str:
    return f"sla:{ticket_id}:"


async def load(tx: Tx, ticket_id: str) -> tuple[SlaState, dict[str, Any] | None]:
    """The ticket's state (locked for the transaction) and its row, or a fresh state and ``None``."""
    row = await tx.conn.fetchrow("SELECT * FROM sla_tickets WHERE ticket_id = $1 FOR UPDATE", ticket_id)
    if row is None:
        return SlaState(ticket_id=ticket_id), None
    return SlaState.model_validate(row["state"]), dict(row)


async def save(tx: Tx, state: SlaState, tenant: str, correlation: Any) -> None:
    await tx.conn.execute(
        """INSERT INTO sla_tickets (ticket_id, tenant, correlation, state) VALUES ($1, $2, $3, $4)
           ON CONFLICT (ticket_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()""",
        state.ticket_id,
        tenant,
        correlation,
        state.model_dump(mode="json"),
    )


async def sync_timers(tx: Tx, ticket_id: str, plans: list[TimerPlan]) -> None:
    """Make the ticket's armed timers ``plans``: delete the others, (re)arm the changed ones.

    A row the scheduler is firing right now (locked by another transaction) is left alone instead of waited
    for, which would deadlock (the scheduler locks timers first, then the ticket): its firing re-syncs the
    ticket's timers from the state this transaction commits, and a stale firing records nothing.
    """
    # By entity id (indexed): a LIKE on the key cannot use the primary key and scanned every timer.
    prefix = timer_prefix(ticket_id)
    free = await tx.conn.fetch(
        "SELECT timer_key, due_at FROM timers WHERE entity_id = $1 FOR UPDATE SKIP LOCKED", ticket_id
    )
    armed = {r["timer_key"]: r["due_at"] for r in free if r["timer_key"].startswith(prefix)}
    every = await tx.conn.fetch("SELECT timer_key FROM timers WHERE entity_id = $1", ticket_id)
    busy = {r["timer_key"] for r in every if r["timer_key"].startswith(prefix)} - armed.keys()
    wanted = {timer_prefix(ticket_id) + p.key: p for p in plans}
    for key in armed.keys() - wanted.keys():
        await tx.cancel_timer(key)
    for key, plan in wanted.items():
        if key not in busy and armed.get(key) != plan.at:
            payload = {"target": plan.target, "threshold": plan.threshold}
            await tx.set_timer(key, plan.at, plan.kind, ticket_id, payload)


async def remember_policy_set(pool: asyncpg.Pool, policies: SlaPolicies) -> None:
    """Store this version of the policy set (open tickets re-target against their own version)."""
    body = policies.model_dump(mode="json")
    stored = await pool.fetchval(
        """INSERT INTO policy_sets (version, body) VALUES ($1, $2)
           ON CONFLICT (version) DO UPDATE SET version = EXCLUDED.version RETURNING body""",
        policies.version,
        body,
    )
    if stored != body:
        log.warning(
            "sla.yaml content changed but its version did not: bump `version` (re-targets read the stored one)",
            extra={"version": policies.version},
        )


async def policy_sets(pool: asyncpg.Pool | asyncpg.Connection) -> dict[str, SlaPolicies]:
    rows = await pool.fetch("SELECT version, body FROM policy_sets")
    return {r["version"]: SlaPolicies.model_validate(r["body"]) for r in rows}
