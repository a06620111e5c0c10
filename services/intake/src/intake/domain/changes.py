"""More agent commands: priority, category, merge, satisfaction — and opening a ticket through the API.

Pure decisions over the ticket's current state (time and ids passed in), like :mod:`.commands`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from helpdesk_events import (
    InboundMessage,
    InternalNoteAdded,
    InternalNoteAddedData,
    Priority,
    SatisfactionRated,
    SatisfactionRatedData,
    Sender,
    TicketCategoryChanged,
    TicketCategoryChangedData,
    TicketEvent,
    TicketMerged,
    TicketMergedData,
    TicketOpened,
    TicketPriorityChanged,
    TicketPriorityChangedData,
    TicketState,
)
from pydantic import BaseModel, ConfigDict, Field

from .classify import IntakeRules, classify_priority
from .commands import MAX_TEXT, PRODUCER, Command, Rejected, check
from .decide import decide_inbound


class SetPriority(Command):
    priority: Priority
    reason: str | None = Field(default=None, max_length=2000)


class SetCategory(Command):
    category: str | None = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)


class Merge(Command):
    into: str = Field(min_length=1, max_length=200)
    """The ticket id or folio this ticket is merged into."""
    reason: str | None = Field(default=None, max_length=2000)


class Rate(Command):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=MAX_TEXT)


class OpenTicket(BaseModel):
    """``POST /v1/tickets``: an agent (or an integration) opens a ticket on a customer's behalf."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=MAX_TEXT)
    customer: Sender
    priority: Priority | None = None
    category: str | None = Field(default=None, min_length=1, max_length=200)
    impact: int | None = Field(default=None, ge=1, le=3)
    urgency: int | None = Field(default=None, ge=1, le=3)
    locale: str | None = Field(default=None, max_length=20)
    recipient: str | None = Field(default=None, max_length=512)
    request_id: str | None = Field(default=None, min_length=1, max_length=200)
    agent_id: str = Field(default="agent", min_length=1, max_length=200)


Change = SetPriority | SetCategory | Rate


def _common(st: TicketState, now: datetime, event_id: uuid.UUID) -> dict[str, Any]:
    return dict(event_id=event_id, ticket_id=st.ticket_id, tenant=st.tenant, occurred_at=now, producer=PRODUCER)


def decide_change(state: TicketState | None, cmd: Change, *, now: datetime, event_id: uuid.UUID) -> list[TicketEvent]:
    st = check(state, cmd)
    common = _common(st, now, event_id)
    if isinstance(cmd, Rate):
        if st.status not in ("resolved", "closed"):
            raise Rejected(422, f"a satisfaction rating needs a resolved or closed ticket (it is {st.status})")
        return [SatisfactionRated(**common, data=SatisfactionRatedData(rating=cmd.rating, comment=cmd.comment))]
    if st.status == "closed":
        raise Rejected(422, "a closed ticket cannot be changed")
    reason = cmd.reason or f"set by {cmd.agent_id}"
    if isinstance(cmd, SetPriority):
        if st.priority == cmd.priority:
            raise Rejected(422, f"priority is already {cmd.priority}")
        assert st.priority is not None
        data = TicketPriorityChangedData(
            from_priority=st.priority, to_priority=cmd.priority, reason=reason, actor=cmd.agent_id
        )
        return [TicketPriorityChanged(**common, data=data)]
    if st.category == cmd.category:
        raise Rejected(422, f"category is already {cmd.category}")
    cat = TicketCategoryChangedData(
        from_category=st.category, to_category=cmd.category, reason=reason, actor=cmd.agent_id
    )
    return [TicketCategoryChanged(**common, data=cat)]


def decide_merge(
    source: TicketState | None,
    target: TicketState | None,
    cmd: Merge,
    *,
    now: datetime,
    event_ids: tuple[uuid.UUID, uuid.UUID],
) -> list[TicketEvent]:
    """The source ticket is closed as merged; the target gets an internal note saying so."""
    st = check(source, cmd)
    if target is None or not target.opened or target.tenant != st.tenant:
        raise Rejected(422, f"no ticket {cmd.into!r} to merge into")
    if target.ticket_id == st.ticket_id:
        raise Rejected(422, "a ticket cannot be merged into itself")
    if st.status == "closed":
        raise Rejected(422, "a closed ticket cannot be merged")
    if target.status == "closed":
        raise Rejected(422, f"cannot merge into {target.folio}: it is closed")
    merged = TicketMerged(
        **_common(st, now, event_ids[0]),
        data=TicketMergedData(
            into_ticket_id=target.ticket_id, into_folio=target.folio, actor=cmd.agent_id, reason=cmd.reason
        ),
    )
    note = InternalNoteAdded(
        **_common(target, now, event_ids[1]),
        data=InternalNoteAddedData(
            author_id=cmd.agent_id, body=f"{st.folio} ({st.subject}) was merged into this ticket.", request_id=None
        ),
    )
    return [merged, note]


def decide_open(
    cmd: OpenTicket, *, rules: IntakeRules, now: datetime, folio: str, message_id: str, tenant: str
) -> TicketOpened:
    """A ticket opened through the API channel: classified like any inbound message, agent overrides win."""
    msg = InboundMessage(
        message_id=message_id,
        channel="api",
        received_at=now,
        sender=cmd.customer,
        subject=cmd.subject,
        body=cmd.body,
        locale=cmd.locale,
        tenant=tenant,
        recipient=cmd.recipient,
    )
    [opened] = decide_inbound(msg, None, rules=rules, now=now, folio=folio).events
    assert isinstance(opened, TicketOpened)
    data = opened.data
    updates: dict[str, Any] = {}
    if cmd.priority is not None:
        updates["priority"] = cmd.priority
    elif cmd.impact is not None or cmd.urgency is not None:
        prio, imp, urg = classify_priority(
            rules, subject=cmd.subject, body=cmd.body, tier=data.customer.tier, impact=cmd.impact, urgency=cmd.urgency
        )
        updates.update(priority=prio, impact=imp, urgency=urg)
    if cmd.category is not None:
        updates["category"] = cmd.category
    return opened.model_copy(update={"data": data.model_copy(update=updates)})
