"""The event catalogue: discriminated unions over every event type, and a name -> class registry."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated

from pydantic import Field

from helpdesk_events.directory import DIRECTORY_EVENTS, AgentPresenceChanged, AgentRegistered, TeamDefined
from helpdesk_events.envelope import DirectoryEventBase, EventBase
from helpdesk_events.escalation import ESCALATION_EVENTS, EscalationNoticeRequested, TicketEscalated
from helpdesk_events.lifecycle import (
    LIFECYCLE_EVENTS,
    AgentReplied,
    CustomerMessageReceived,
    InternalNoteAdded,
    SatisfactionRated,
    TicketCategoryChanged,
    TicketContactChanged,
    TicketMerged,
    TicketOpened,
    TicketPriorityChanged,
    TicketStatusChanged,
)
from helpdesk_events.routing import ROUTING_EVENTS, TicketAssigned, TicketQueued, TicketUnassigned
from helpdesk_events.sla import (
    SLA_EVENTS,
    SlaBreached,
    SlaClockPaused,
    SlaClockResumed,
    SlaPolicyApplied,
    SlaTargetMet,
    SlaTargetStopped,
    SlaWarning,
)

TicketEvent = Annotated[
    TicketOpened
    | CustomerMessageReceived
    | AgentReplied
    | InternalNoteAdded
    | TicketStatusChanged
    | TicketPriorityChanged
    | TicketCategoryChanged
    | SatisfactionRated
    | TicketMerged
    | TicketContactChanged
    | TicketQueued
    | TicketAssigned
    | TicketUnassigned
    | SlaPolicyApplied
    | SlaClockPaused
    | SlaClockResumed
    | SlaWarning
    | SlaBreached
    | SlaTargetMet
    | SlaTargetStopped
    | TicketEscalated
    | EscalationNoticeRequested,
    Field(discriminator="type"),
]
"""Any event on ``helpdesk.tickets``."""

DirectoryEvent = Annotated[
    TeamDefined | AgentRegistered | AgentPresenceChanged,
    Field(discriminator="type"),
]
"""Any event on ``helpdesk.directory``."""

AnyEvent = Annotated[
    TicketOpened
    | CustomerMessageReceived
    | AgentReplied
    | InternalNoteAdded
    | TicketStatusChanged
    | TicketPriorityChanged
    | TicketCategoryChanged
    | SatisfactionRated
    | TicketMerged
    | TicketContactChanged
    | TicketQueued
    | TicketAssigned
    | TicketUnassigned
    | SlaPolicyApplied
    | SlaClockPaused
    | SlaClockResumed
    | SlaWarning
    | SlaBreached
    | SlaTargetMet
    | SlaTargetStopped
    | TicketEscalated
    | EscalationNoticeRequested
    | TeamDefined
    | AgentRegistered
    | AgentPresenceChanged,
    Field(discriminator="type"),
]
"""Any event of the catalogue."""


TICKET_EVENT_TYPES: Mapping[str, type[EventBase]] = MappingProxyType(
    {c.model_fields["type"].default: c for c in (*LIFECYCLE_EVENTS, *ROUTING_EVENTS, *SLA_EVENTS, *ESCALATION_EVENTS)}
)
"""Type name -> class, for every ticket event."""

DIRECTORY_EVENT_TYPES: Mapping[str, type[DirectoryEventBase]] = MappingProxyType(
    {c.model_fields["type"].default: c for c in DIRECTORY_EVENTS}
)
"""Type name -> class, for every directory event."""

EVENT_TYPES: Mapping[str, type[EventBase] | type[DirectoryEventBase]] = MappingProxyType(
    {**TICKET_EVENT_TYPES, **DIRECTORY_EVENT_TYPES}
)
"""Type name -> class, for the whole catalogue."""
