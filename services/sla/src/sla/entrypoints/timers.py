"""SLA timers firing: a warning or a breach, unless the target was met (or the ticket closed) meanwhile."""

from __future__ import annotations

import uuid
from datetime import datetime

from helpdesk_events import SlaBreached, SlaBreachedData, SlaWarning, SlaWarningData
from helpdesk_runtime.timers import Timer
from helpdesk_runtime.uow import Tx

PRODUCER = "sla"


async def on_timer(tx: Tx, timer: Timer) -> None:
    clock = await tx.conn.fetchrow("SELECT * FROM clocks WHERE ticket_id = $1 FOR UPDATE", timer.entity_id)
    if clock is None:
        return
    targets = dict(clock["targets"])
    name = str(timer.payload["target"])
    target = targets.get(name)
    if not target or target["state"] not in ("running", "warning") or not target.get("due_at"):
        return
    due = datetime.fromisoformat(target["due_at"])
    common = dict(
        event_id=uuid.uuid4(),
        ticket_id=timer.entity_id,
        tenant=clock["tenant"],
        occurred_at=timer.due_at,
        producer=PRODUCER,
        correlation_id=clock["correlation"],
    )
    if timer.kind == "breach":
        target["state"] = "breached"
        tx.emit(SlaBreached(**common, data=SlaBreachedData(target=name, due_at=due, policy_id=clock["policy_id"])))
    else:
        target["state"] = "warning"
        threshold = float(timer.payload["threshold"])
        tx.emit(SlaWarning(**common, data=SlaWarningData(target=name, threshold=threshold, due_at=due)))
    await tx.conn.execute("UPDATE clocks SET targets = $2 WHERE ticket_id = $1", timer.entity_id, targets)
