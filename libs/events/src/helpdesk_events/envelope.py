"""The event envelope (DESIGN §4): the fields every event on Kafka carries around its ``data``.

Concrete events subclass :class:`EventBase` (keyed by ``ticket_id``, on ``helpdesk.tickets``) or
:class:`DirectoryEventBase` (keyed by ``entity_id``, on ``helpdesk.directory``) and add
``type: Literal["<Name>"]`` plus ``data: <Name>Data``. ``occurred_at`` must carry an offset and is written
as RFC 3339 (``2026-03-02T09:00:00Z``, ``2026-03-02T10:00:00+01:00``). Unknown fields are ignored on read,
so producers may add fields before every consumer knows them; anything else needs an upcaster.
"""

from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Envelope(BaseModel):
    """Fields shared by ticket and directory events."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID
    schema_version: int = Field(default=1, ge=1)
    tenant: str = Field(default="default", min_length=1)
    occurred_at: AwareDatetime
    producer: str
    causation_id: UUID | None = None
    """The event (or inbound message id as a UUID) that made the producer emit this one."""
    correlation_id: UUID | None = None
    """Shared by every event of one conversation/flow, for tracing."""


class EventBase(Envelope):
    """A fact about one ticket, published on ``helpdesk.tickets`` keyed by ``ticket_id``."""

    ticket_id: str = Field(min_length=1)


class DirectoryEventBase(Envelope):
    """A fact about a team or an agent, published on the compacted ``helpdesk.directory``."""

    entity_id: str = Field(min_length=1)
