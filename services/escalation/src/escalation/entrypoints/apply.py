"""Turns a pure reaction into effects inside the caller's transaction: events, stall timers, the case row."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from helpdesk_events import TicketEvent
from helpdesk_runtime.uow import Tx

from ..adapters import store
from ..domain.decide import Reaction
from ..domain.events import escalation_events
from ..domain.matrix import Matrix
from ..domain.stalls import stall_timers, timer_key


async def rearm(tx: Tx, matrix: Matrix, reaction: Reaction, armed: dict[str, str]) -> dict[str, str]:
    """Arm the stall timers the case needs and cancel the others (condition cleared, resolved, fired)."""
    ticket_id = reaction.case.ticket.ticket_id
    wanted = stall_timers(matrix, reaction.case)
    for key in armed.keys() - wanted.keys():
        await tx.cancel_timer(timer_key(ticket_id, key))
    now_armed: dict[str, str] = {}
    for key, timer in wanted.items():
        due = timer.due_at.isoformat()
        if armed.get(key) != due:
            payload = {"key": key, "due": due}
            await tx.set_timer(timer_key(ticket_id, key), timer.due_at, timer.trigger, ticket_id, payload)
        now_armed[key] = due
    return now_armed


async def commit(
    tx: Tx,
    matrix: Matrix,
    reaction: Reaction,
    armed: dict[str, str],
    *,
    at: datetime,
    correlation: UUID | None,
) -> list[TicketEvent]:
    """Emit the reaction's events, re-arm the timers and save the case, all in ``tx``."""
    events = escalation_events(
        reaction.case, reaction.escalations, at=at, correlation_id=correlation, new_id=uuid.uuid4
    )
    for event in events:
        tx.emit(event)
    armed = await rearm(tx, matrix, reaction, armed)
    await store.save(tx.conn, reaction.case, armed, correlation)
    return events
