"""Ticket lifecycle events, all written by the intake service (DESIGN §2)."""

from typing import Literal

from pydantic import Field

from helpdesk_events.envelope import EventBase
from helpdesk_events.types import Attachment, Channel, Customer, Payload, Priority, Status


class TicketOpenedData(Payload):
    folio: str
    channel: Channel
    subject: str
    body: str
    """Plain text (HTML bodies are sanitised into ``body_html`` and flattened into ``body``)."""
    customer: Customer
    priority: Priority
    impact: int | None = None
    urgency: int | None = None
    category: str | None = None
    language: str | None = None
    message_id: str | None = None
    """The inbound message that opened the ticket (absent for tickets opened by an agent)."""
    thread_ref: str | None = None
    follow_up_of: str | None = None
    """Ticket id of the closed ticket this one follows up."""
    attachments: list[Attachment] = []
    config_version: str | None = None
    """Version of the configuration (rules, policies) the ticket was opened under."""
    tags: list[str] = []
    body_html: str | None = None
    cc: list[str] = []
    recipient: str | None = None
    """Address, number or page the customer wrote to (e.g. ``support@acme.example``)."""
    metadata: dict[str, str] = {}
    quoted: str | None = None
    """Quoted history found under the new content of an email (``body`` holds only the new content)."""
    signature: str | None = None
    """The sender's signature, separated from ``body``."""


class TicketOpened(EventBase):
    type: Literal["TicketOpened"] = "TicketOpened"
    schema_version: int = Field(default=2, ge=1)
    data: TicketOpenedData


class CustomerMessageReceivedData(Payload):
    message_id: str
    channel: Channel
    subject: str | None = None
    body: str
    sender: Customer
    attachments: list[Attachment] = []
    body_html: str | None = None
    cc: list[str] = []
    thread_ref: str | None = None
    in_reply_to: str | None = None
    quoted: str | None = None
    """Quoted history found under the new content (``body`` holds only the new content)."""
    signature: str | None = None
    """The sender's signature, separated from ``body``."""


class CustomerMessageReceived(EventBase):
    type: Literal["CustomerMessageReceived"] = "CustomerMessageReceived"
    data: CustomerMessageReceivedData


class AgentRepliedData(Payload):
    agent_id: str
    body: str
    channel: Channel
    to: str | None = None
    request_id: str | None = None
    """Idempotency key of the agent's HTTP command."""
    attachments: list[Attachment] = []
    cc: list[str] = []
    message_id: str | None = None
    """Id of the outbound message (e.g. the email ``Message-ID``), so customer replies thread back."""


class AgentReplied(EventBase):
    type: Literal["AgentReplied"] = "AgentReplied"
    data: AgentRepliedData


class InternalNoteAddedData(Payload):
    author_id: str
    body: str
    request_id: str | None = None
    attachments: list[Attachment] = []


class InternalNoteAdded(EventBase):
    type: Literal["InternalNoteAdded"] = "InternalNoteAdded"
    data: InternalNoteAddedData


class TicketStatusChangedData(Payload):
    from_status: Status
    to_status: Status
    reason: str
    resolution: str | None = None
    """How it was solved (for ``resolved``); feeds the knowledge base."""
    actor: str


class TicketStatusChanged(EventBase):
    type: Literal["TicketStatusChanged"] = "TicketStatusChanged"
    data: TicketStatusChangedData


class TicketPriorityChangedData(Payload):
    from_priority: Priority
    to_priority: Priority
    reason: str
    actor: str


class TicketPriorityChanged(EventBase):
    type: Literal["TicketPriorityChanged"] = "TicketPriorityChanged"
    data: TicketPriorityChangedData


class TicketCategoryChangedData(Payload):
    from_category: str | None = None
    to_category: str | None = None
    reason: str
    actor: str


class TicketCategoryChanged(EventBase):
    type: Literal["TicketCategoryChanged"] = "TicketCategoryChanged"
    data: TicketCategoryChangedData


class SatisfactionRatedData(Payload):
    rating: int = Field(ge=1, le=5)
    comment: str | None = None


class SatisfactionRated(EventBase):
    type: Literal["SatisfactionRated"] = "SatisfactionRated"
    data: SatisfactionRatedData


class TicketMergedData(Payload):
    into_ticket_id: str = Field(min_length=1)
    into_folio: str | None = None
    actor: str
    reason: str | None = None


class TicketMerged(EventBase):
    type: Literal["TicketMerged"] = "TicketMerged"
    data: TicketMergedData


class TicketContactChangedData(Payload):
    """The ticket now belongs to another contact: two contacts were merged into one (or unmerged again)."""

    from_contact_id: str
    customer: Customer
    """The ticket's customer from now on (``contact_id`` is the surviving contact)."""
    reason: str
    actor: str


class TicketContactChanged(EventBase):
    type: Literal["TicketContactChanged"] = "TicketContactChanged"
    data: TicketContactChangedData


LIFECYCLE_EVENTS = (
    TicketOpened,
    CustomerMessageReceived,
    AgentReplied,
    InternalNoteAdded,
    TicketStatusChanged,
    TicketPriorityChanged,
    TicketCategoryChanged,
    SatisfactionRated,
    TicketMerged,
    TicketContactChanged,
)
