"""Stall timers: how long a ticket may stay unassigned or without an agent reply, as durable timers due at
event time plus the level's ``after_minutes`` (pure: the entrypoints arm and cancel what this computes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from .case import Case
from .matrix import STALL_TRIGGERS, Matrix, Trigger


@dataclass(frozen=True)
class StallTimer:
    key: str
    """The level's key; the durable timer is ``timer_key(ticket_id, key)``."""
    trigger: Trigger
    due_at: datetime
    cause: UUID | None


def timer_key(ticket_id: str, key: str) -> str:
    return f"esc:{ticket_id}:{key}"


def stall_timers(matrix: Matrix, case: Case) -> dict[str, StallTimer]:
    """The stall timers the case needs armed now (key -> timer); none once resolved or closed."""
    if not case.is_open:
        return {}
    row = matrix.row_for(case.match_values())
    if row is None:
        return {}
    awaiting = case.awaiting_reply_since()
    wanted: dict[str, StallTimer] = {}
    for lvl in row.levels:
        key = lvl.key()
        if lvl.trigger not in STALL_TRIGGERS or key in case.fired or lvl.after_minutes is None:
            continue
        if lvl.trigger == "unassigned_too_long":
            since, cause = case.unassigned_since, case.unassigned_cause
        else:
            since, cause = awaiting, case.last_customer_message
        if since is not None:
            wanted[key] = StallTimer(key, lvl.trigger, since + timedelta(minutes=lvl.after_minutes), cause)
    return wanted
