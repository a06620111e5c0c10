"""Shared vocabulary of the helpdesk events: literals and small value models.

Everything here is part of the public, stable contract (DESIGN §4): values are only ever added.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Priority = Literal["P1", "P2", "P3", "P4"]
"""ITIL priority, P1 the most urgent."""

PRIORITIES: tuple[Priority, ...] = ("P1", "P2", "P3", "P4")
"""All priorities, most urgent first (so the index is the rank: lower is more urgent)."""

Status = Literal["new", "open", "pending", "resolved", "closed"]
Channel = Literal["email", "web", "chat", "phone", "whatsapp", "social", "api"]
SlaTargetName = Literal["first_response", "next_response", "resolution"]
ClockPhase = Literal["idle", "running", "breached", "met", "stopped"]
"""Where one SLA target's current cycle stands (:mod:`helpdesk_events.sla_clock`)."""
Presence = Literal["online", "away", "offline"]
Tier = Literal["L1", "L2", "L3"]


class Payload(BaseModel):
    """Base of every payload and value model: immutable, and tolerant of fields added by newer producers."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Customer(Payload):
    """The person a ticket is for, as the CRM knows them (or as intake derived them: ``email:ana@x.org``)."""

    contact_id: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    handle: str | None = None
    name: str | None = None
    tier: str = "standard"
    department: str | None = None


class Attachment(Payload):
    """A file travelling with a message; the bytes live in object storage, addressed by ``url``/``sha256``."""

    name: str
    content_type: str
    size: int = Field(ge=0)
    sha256: str
    url: str | None = None
    content_id: str | None = None
    """Email ``Content-ID`` of an inline part (``cid:`` references in HTML bodies)."""


def priority_rank(priority: Priority) -> int:
    """0 for P1 (most urgent) ... 3 for P4; compare ranks, never the strings."""
    return PRIORITIES.index(priority)
