"""Merging two contacts into one (one person writing by email and by WhatsApp), and undoing it. Pure.

The contact's tickets follow: each gets a ``TicketContactChanged``. Later messages from the merged contact's
addresses resolve to the surviving contact until the merge is undone.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from helpdesk_events import TicketContactChanged, TicketContactChangedData, TicketState
from pydantic import BaseModel, ConfigDict, Field

from .commands import PRODUCER, Rejected


class MergeContacts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    contact_id: str = Field(min_length=1, max_length=600)
    """The contact that disappears into ``into`` (e.g. ``phone:+34600111222``)."""
    into: str = Field(min_length=1, max_length=600)
    """The surviving contact (e.g. ``email:ana@cliente.example``)."""
    request_id: str | None = Field(default=None, min_length=1, max_length=200)
    agent_id: str = Field(default="agent", min_length=1, max_length=200)


class UnmergeContacts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    contact_id: str = Field(min_length=1, max_length=600)
    request_id: str | None = Field(default=None, min_length=1, max_length=200)
    agent_id: str = Field(default="agent", min_length=1, max_length=200)


def check_merge(cmd: MergeContacts, *, already_merged_into: str | None, target_merged_into: str | None) -> None:
    if cmd.contact_id == cmd.into:
        raise Rejected(422, "a contact cannot be merged into itself")
    if cmd.contact_id == "anonymous" or cmd.into == "anonymous":
        raise Rejected(422, "anonymous senders are not a contact")
    if already_merged_into is not None:
        raise Rejected(422, f"{cmd.contact_id} is already merged into {already_merged_into}")
    if target_merged_into is not None:
        raise Rejected(422, f"{cmd.into} is itself merged into {target_merged_into}; merge into that one")


def move_tickets(
    tickets: list[TicketState],
    *,
    to_contact: str,
    reason: str,
    actor: str,
    now: datetime,
    ids: list[uuid.UUID],
) -> list[TicketContactChanged]:
    """One ``TicketContactChanged`` per ticket whose customer is not already ``to_contact``."""
    events: list[TicketContactChanged] = []
    for state, event_id in zip(tickets, ids, strict=False):
        if state.customer is None or state.customer.contact_id == to_contact:
            continue
        events.append(
            TicketContactChanged(
                event_id=event_id,
                ticket_id=state.ticket_id,
                tenant=state.tenant,
                occurred_at=now,
                producer=PRODUCER,
                data=TicketContactChangedData(
                    from_contact_id=state.customer.contact_id,
                    customer=state.customer.model_copy(update={"contact_id": to_contact}),
                    reason=reason,
                    actor=actor,
                ),
            )
        )
    return events
