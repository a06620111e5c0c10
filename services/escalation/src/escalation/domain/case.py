"""What the escalation service knows of one ticket: the shared fold's state plus its own bookkeeping."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from helpdesk_events import CustomerMessageReceived, TicketEvent, TicketOpened, TicketState, applies, evolve
from pydantic import BaseModel, ConfigDict, field_serializer


class Case(BaseModel):
    model_config = ConfigDict(frozen=True)

    ticket: TicketState
    origin_team: str | None = None
    """The first team the ticket was routed to: whose tier ladder functional escalations climb."""
    fired: frozenset[str] = frozenset()
    """Keys (trigger[:target]:level) already escalated: never twice."""
    level: int = 0
    """Highest level this service decided; ahead of ``ticket.escalation_level`` until its echo is folded."""
    pending_team: str | None = None
    """Team of the latest functional escalation decided but not yet folded."""
    unassigned_since: datetime | None = None
    unassigned_cause: UUID | None = None
    """The event that left the ticket without an agent."""
    last_customer_message: UUID | None = None
    """The event of the customer's latest message (the opening one included)."""

    @field_serializer("fired")
    def _fired_sorted(self, fired: frozenset[str]) -> list[str]:
        """Sorted: a set's order follows the process's string hashing, and the stored body is compared."""
        return sorted(fired)

    @property
    def is_open(self) -> bool:
        return self.ticket.opened and self.ticket.status in ("new", "open", "pending")

    @property
    def current_level(self) -> int:
        return max(self.level, self.ticket.escalation_level)

    @property
    def team(self) -> str | None:
        """The ticket's team, counting a functional escalation whose event has not come back yet."""
        if self.pending_team is not None and self.level > self.ticket.escalation_level:
            return self.pending_team
        return self.ticket.team

    def match_values(self) -> dict[str, str | None]:
        t = self.ticket
        return {
            "priority": t.priority,
            "category": t.category,
            "tier": t.customer.tier if t.customer else None,
            "tenant": t.tenant,
        }

    def awaiting_reply_since(self) -> datetime | None:
        """When the oldest customer message no agent reply has followed (in the log) arrived; None if
        answered or waiting on the customer (the fold's ``unanswered_since``, as the sla service sees it)."""
        t = self.ticket
        if not self.is_open or t.status == "pending":
            return None
        return t.unanswered_since


def new_case(event: TicketEvent) -> Case:
    return Case(ticket=TicketState(ticket_id=event.ticket_id, tenant=event.tenant))


def evolve_case(case: Case | None, event: TicketEvent) -> Case:
    """Fold one ticket event (the escalation service's own echoes included) into the case."""
    before = case or new_case(event)
    ticket = evolve(before.ticket, event)
    changes: dict[str, object] = {"ticket": ticket}
    if before.origin_team is None and ticket.team is not None:
        changes["origin_team"] = ticket.team
    open_now = ticket.opened and ticket.status in ("new", "open", "pending")
    if open_now and ticket.assignee is None:
        if before.unassigned_since is None:
            changes.update(unassigned_since=event.occurred_at, unassigned_cause=event.event_id)
    else:
        changes.update(unassigned_since=None, unassigned_cause=None)
    if isinstance(event, TicketOpened | CustomerMessageReceived) and applies(before.ticket, event):
        changes["last_customer_message"] = event.event_id
    if ticket.escalation_level >= before.level:
        changes["pending_team"] = None
    return before.model_copy(update=changes)
