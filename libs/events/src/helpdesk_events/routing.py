"""Queueing and assignment events, all written by the routing service (DESIGN §2).

Every decision carries a :class:`RoutingReason` (the rule that fired and the candidates it weighed), so a
supervisor can see *why* a ticket went where it went.
"""

from typing import Literal

from helpdesk_events.envelope import EventBase
from helpdesk_events.types import Payload, Priority


class Candidate(Payload):
    agent_id: str
    load: int
    capacity: int
    eligible: bool
    why: str


class RoutingReason(Payload):
    rule: str
    candidates: list[Candidate] = []
    explanation: str


class TicketQueuedData(Payload):
    team: str
    priority: Priority
    reason: RoutingReason


class TicketQueued(EventBase):
    type: Literal["TicketQueued"] = "TicketQueued"
    data: TicketQueuedData


class TicketAssignedData(Payload):
    team: str
    agent_id: str
    previous_agent_id: str | None = None
    manual: bool = False
    """True when a supervisor/agent assigned it by hand (HTTP), False for automatic routing."""
    reason: RoutingReason
    actor: str | None = None
    """Who assigned it by hand, when ``manual``."""


class TicketAssigned(EventBase):
    type: Literal["TicketAssigned"] = "TicketAssigned"
    data: TicketAssignedData


class TicketUnassignedData(Payload):
    agent_id: str
    reason: str


class TicketUnassigned(EventBase):
    type: Literal["TicketUnassigned"] = "TicketUnassigned"
    data: TicketUnassignedData


ROUTING_EVENTS = (TicketQueued, TicketAssigned, TicketUnassigned)
