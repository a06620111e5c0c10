"""Metric facts: what one event changed that reports count (docs/metrics.md defines each measure).

Facts come from the difference between the state before and after the event, so an event the fold
ignores (a late assignment, a stale escalation, a breach that raced the reply) produces no fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from helpdesk_events import SatisfactionRated, SlaTargetMet, TicketAssigned, TicketEvent, TicketState

from .rows import minutes_between

FactKind = Literal[
    "created",
    "first_response",
    "resolved",
    "reopened",
    "closed",
    "assigned",
    "escalated",
    "sla_met",
    "sla_breached",
    "sla_breach_withdrawn",
    "csat",
]


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    agent: str | None = None
    target: str | None = None
    value: float | None = None
    """Minutes (first_response, resolved: calendar; sla_met: business), the level, or the rating."""
    ok: bool | None = None
    """For ``sla_met``: met within target."""


def facts(before: TicketState | None, after: TicketState, event: TicketEvent) -> list[Fact]:
    b = before if before is not None else TicketState(ticket_id=after.ticket_id, tenant=after.tenant)
    out: list[Fact] = []
    if after.opened and not b.opened:
        out.append(Fact("created"))
    if after.first_response_at is not None and b.first_response_at is None:
        agent = getattr(event.data, "agent_id", None)
        out.append(
            Fact("first_response", agent=agent, value=minutes_between(after.created_at, after.first_response_at))
        )
    if after.status == "resolved" and b.status != "resolved":
        out.append(Fact("resolved", agent=after.assignee, value=minutes_between(after.created_at, after.resolved_at)))
    if after.reopen_count > b.reopen_count:
        out.append(Fact("reopened", agent=after.assignee))
    if after.status == "closed" and b.status != "closed":
        done = after.resolved_at or after.closed_at
        out.append(Fact("closed", agent=after.assignee, value=minutes_between(after.created_at, done)))
    if isinstance(event, TicketAssigned) and after.assignee == event.data.agent_id and b.assignee != after.assignee:
        out.append(Fact("assigned", agent=after.assignee))
    if after.escalation_level > b.escalation_level:
        out.append(Fact("escalated", value=float(after.escalation_level)))
    for name, clock in after.sla.items():
        old = b.sla.get(name)
        if clock.breached_at is not None and (old is None or old.breached_at is None):
            out.append(Fact("sla_breached", agent=after.assignee, target=name))
        if clock.breached_at is None and old is not None and old.breached_at is not None and old.cycle == clock.cycle:
            # Met within target: the breach timer had raced the reply or resolution (docs/sla.md).
            out.append(Fact("sla_breach_withdrawn", agent=after.assignee, target=name))
        if clock.state == "met" and (old is None or old.state != "met"):
            minutes = event.data.business_minutes_used if isinstance(event, SlaTargetMet) else None
            ok = clock.breached_at is None and clock.within_target is not False
            out.append(Fact("sla_met", agent=after.assignee, target=name, value=minutes, ok=ok))
    if isinstance(event, SatisfactionRated) and after.csat == event.data.rating:
        out.append(Fact("csat", agent=after.assignee, value=float(event.data.rating)))
    return out
