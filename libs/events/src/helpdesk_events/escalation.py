"""Escalation events, all written by the escalation service (DESIGN §2, §5).

``trigger`` names what fired the escalation; the escalation matrix uses ``sla_warning``, ``sla_breach``,
``unassigned_too_long``, ``no_agent_reply``, ``reopened``, ``vip``, ``manual`` (open set: new triggers may
appear). Recipient roles: ``team_lead``, ``manager``, ``account_owner``, ``assignee``, ``target_team_lead``.
"""

from typing import Literal

from pydantic import Field

from helpdesk_events.envelope import EventBase
from helpdesk_events.types import Payload, Priority


class TicketEscalatedData(Payload):
    level: int = Field(ge=1)
    trigger: str
    reason: str
    from_team: str | None = None
    to_team: str | None = None
    """Functional escalation: the team (next support tier) that takes the ticket over."""
    raise_priority_to: Priority | None = None


class TicketEscalated(EventBase):
    type: Literal["TicketEscalated"] = "TicketEscalated"
    data: TicketEscalatedData


class Recipient(Payload):
    role: str
    """``team_lead``, ``manager``, ``assignee``, ..."""
    id: str | None = None
    email: str | None = None


class EscalationNoticeRequestedData(Payload):
    level: int = Field(ge=1)
    trigger: str
    reason: str
    recipients: list[Recipient]
    folio: str | None = None
    """The ticket's folio, for the message the adapter sends."""
    from_team: str | None = None
    to_team: str | None = None


class EscalationNoticeRequested(EventBase):
    type: Literal["EscalationNoticeRequested"] = "EscalationNoticeRequested"
    data: EscalationNoticeRequestedData


ESCALATION_EVENTS = (TicketEscalated, EscalationNoticeRequested)
