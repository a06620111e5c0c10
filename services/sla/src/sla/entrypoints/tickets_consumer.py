"""helpdesk.tickets → SLA clocks: apply the policy at open, record met targets, arm the timers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from helpdesk_events import (
    AgentReplied,
    SlaPolicyApplied,
    SlaPolicyAppliedData,
    SlaTargetMet,
    SlaTargetMetData,
    TicketEvent,
    TicketMerged,
    TicketOpened,
    TicketStatusChanged,
    decode_ticket_event,
)
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx

from ..domain.calendar import BusinessCalendar
from ..domain.policy import SlaPolicies, choose_policy, targets_at_open, warning_times

PRODUCER = "sla"


def timer_key(ticket_id: str, target: str, kind: str) -> str:
    return f"sla:{ticket_id}:{target}:{kind}"


async def arm(
    tx: Tx,
    ticket_id: str,
    target: str,
    start: datetime,
    minutes: float,
    due: datetime,
    warnings: list[tuple[float, datetime]],
) -> None:
    await tx.set_timer(timer_key(ticket_id, target, "breach"), due, "breach", ticket_id, {"target": target})
    for share, at in warnings:
        await tx.set_timer(
            timer_key(ticket_id, target, f"warn{share}"),
            at,
            "warning",
            ticket_id,
            {"target": target, "threshold": share},
        )


def tickets_consumer(
    policies: SlaPolicies, calendars: dict[str, BusinessCalendar], *, topic: str
) -> ConsumerSpec[TicketEvent]:
    async def meet(tx: Tx, event: TicketEvent, clock: Any, targets: dict[str, Any], name: str) -> None:
        target = targets.get(name)
        if not target or target["state"] not in ("running", "warning"):
            return
        calendar = calendars[clock["calendar"]]
        started = datetime.fromisoformat(target["started_at"])
        used = calendar.elapsed(started, event.occurred_at)
        due = datetime.fromisoformat(target["due_at"]) if target.get("due_at") else None
        target["state"] = "met"
        await tx.cancel_timers(f"sla:{event.ticket_id}:{name}:")
        tx.emit(
            SlaTargetMet(
                event_id=uuid.uuid4(),
                ticket_id=event.ticket_id,
                tenant=event.tenant,
                occurred_at=event.occurred_at,
                producer=PRODUCER,
                causation_id=event.event_id,
                correlation_id=event.correlation_id,
                data=SlaTargetMetData(
                    target=name,
                    due_at=due,
                    met_at=event.occurred_at,
                    business_minutes_used=round(used, 4),
                    within_target=used <= float(target["minutes"]),
                ),
            )
        )

    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        if isinstance(event, TicketOpened):
            exists = await tx.conn.fetchval("SELECT true FROM clocks WHERE ticket_id = $1", event.ticket_id)
            if exists:
                return
            d = event.data
            policy = choose_policy(
                policies,
                {"priority": d.priority, "tier": d.customer.tier, "category": d.category, "channel": d.channel},
            )
            calendar = calendars[policy.calendar]
            dues = targets_at_open(policy, calendar, event.occurred_at)
            targets: dict[str, Any] = {}
            for t in dues:
                targets[t.name] = {
                    "minutes": t.minutes,
                    "started_at": event.occurred_at.isoformat() if t.due_at else None,
                    "due_at": t.due_at.isoformat() if t.due_at else None,
                    "state": "running" if t.due_at else "idle",
                }
                if t.due_at is not None:
                    await arm(
                        tx,
                        event.ticket_id,
                        t.name,
                        event.occurred_at,
                        t.minutes,
                        t.due_at,
                        warning_times(policy, calendar, event.occurred_at, t.minutes),
                    )
            await tx.conn.execute(
                """INSERT INTO clocks (ticket_id, tenant, policy_id, policy_version, calendar, calendar_version,
                                       opened_at, targets, correlation) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)""",
                event.ticket_id,
                event.tenant,
                policy.id,
                policies.version,
                policy.calendar,
                calendar.version,
                event.occurred_at,
                targets,
                event.correlation_id,
            )
            tx.emit(
                SlaPolicyApplied(
                    event_id=uuid.uuid4(),
                    ticket_id=event.ticket_id,
                    tenant=event.tenant,
                    occurred_at=event.occurred_at,
                    producer=PRODUCER,
                    causation_id=event.event_id,
                    correlation_id=event.correlation_id,
                    data=SlaPolicyAppliedData(
                        policy_id=policy.id,
                        policy_version=policies.version,
                        calendar=policy.calendar,
                        calendar_version=calendar.version,
                        targets=dues,
                        warning_thresholds=policy.warnings,
                    ),
                )
            )
            return
        clock = await tx.conn.fetchrow("SELECT * FROM clocks WHERE ticket_id = $1 FOR UPDATE", event.ticket_id)
        if clock is None:
            return
        targets = dict(clock["targets"])
        if isinstance(event, AgentReplied):
            await meet(tx, event, clock, targets, "first_response")
            await meet(tx, event, clock, targets, "next_response")
        elif isinstance(event, TicketStatusChanged) and event.data.to_status in ("resolved", "closed"):
            await meet(tx, event, clock, targets, "resolution")
            await tx.cancel_timers(f"sla:{event.ticket_id}:")
            for t in targets.values():
                if t["state"] in ("running", "warning"):
                    t["state"] = "stopped"
        elif isinstance(event, TicketMerged):
            await tx.cancel_timers(f"sla:{event.ticket_id}:")
        else:
            return
        await tx.conn.execute("UPDATE clocks SET targets = $2 WHERE ticket_id = $1", event.ticket_id, targets)

    return ConsumerSpec(
        name="sla.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
        correlation=lambda e: str(e.correlation_id) if e.correlation_id else None,
    )
