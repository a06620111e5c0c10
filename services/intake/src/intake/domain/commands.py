"""Agent commands as pure decisions over the ticket's current state (time and ids passed in)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from helpdesk_events import (
    AgentReplied,
    AgentRepliedData,
    InternalNoteAdded,
    InternalNoteAddedData,
    TicketEvent,
    TicketState,
    TicketStatusChanged,
    TicketStatusChangedData,
    can_transition,
)
from helpdesk_events.types import Status
from pydantic import BaseModel, ConfigDict, Field

PRODUCER = "intake"
MAX_TEXT = 100_000


class Rejected(Exception):
    """A command the ticket's state does not allow: ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str, version: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.version = version


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    expected_version: int | None = Field(default=None, ge=0)
    request_id: str | None = Field(default=None, min_length=1, max_length=200)
    agent_id: str = Field(default="agent", min_length=1, max_length=200)


class Reply(Command):
    body: str = Field(min_length=1, max_length=MAX_TEXT)


class Note(Command):
    body: str = Field(min_length=1, max_length=MAX_TEXT)


class SetStatus(Command):
    status: Literal["pending", "resolved", "closed", "reopened", "open"]
    resolution: str | None = Field(default=None, max_length=MAX_TEXT)
    reason: str | None = Field(default=None, max_length=2000)


def check(state: TicketState | None, cmd: Command) -> TicketState:
    if state is None or not state.opened:
        raise Rejected(404, "unknown ticket")
    if cmd.expected_version is not None and cmd.expected_version != state.version:
        raise Rejected(409, f"ticket is at version {state.version}, not {cmd.expected_version}", state.version)
    return state


def decide_command(
    state: TicketState | None,
    cmd: Reply | Note | SetStatus,
    *,
    now: datetime,
    event_id: uuid.UUID,
    reply_domain: str = "helpdesk.invalid",
) -> list[TicketEvent]:
    st = check(state, cmd)
    common = dict(event_id=event_id, ticket_id=st.ticket_id, tenant=st.tenant, occurred_at=now, producer=PRODUCER)
    if isinstance(cmd, Reply):
        if st.status == "closed":
            raise Rejected(422, "a closed ticket takes no replies; the customer's next message opens a follow-up")
        assert st.channel is not None
        to = st.customer.email or st.customer.phone or st.customer.handle if st.customer else None
        return [
            AgentReplied(
                **common,
                data=AgentRepliedData(
                    agent_id=cmd.agent_id,
                    body=cmd.body,
                    channel=st.channel,
                    to=to,
                    request_id=cmd.request_id,
                    message_id=f"reply-{event_id}@{reply_domain}",
                ),
            )
        ]
    if isinstance(cmd, Note):
        return [
            InternalNoteAdded(
                **common, data=InternalNoteAddedData(author_id=cmd.agent_id, body=cmd.body, request_id=cmd.request_id)
            )
        ]
    target: Status = "open" if cmd.status in ("reopened", "open") else cmd.status  # type: ignore[assignment]
    if target == st.status:
        raise Rejected(422, f"ticket is already {st.status}")
    if not can_transition(st.status, target):
        raise Rejected(422, f"cannot go from {st.status} to {cmd.status}")
    if target == "resolved" and not (cmd.resolution and cmd.resolution.strip()):
        raise Rejected(422, "resolving needs a resolution text")
    return [
        TicketStatusChanged(
            **common,
            data=TicketStatusChangedData(
                from_status=st.status,
                to_status=target,
                reason=cmd.reason or f"set by {cmd.agent_id}",
                resolution=cmd.resolution if target == "resolved" else None,
                actor=cmd.agent_id,
            ),
        )
    ]
