"""Kafka topics (DESIGN §2, §4): names, specs for creating them, and record keys.

Keys decide ordering: every event of one ticket shares its key (``ticket_id``), so one partition holds
the ticket's whole history in order. Inbound messages are keyed by conversation (:func:`inbound_key`).
Directory records are keyed ``"<type>:<entity_id>"``: the topic is compacted, and a shared key would let
an agent's latest presence change compact away their profile.
"""

import re
from dataclasses import dataclass, field

from helpdesk_events.envelope import DirectoryEventBase, EventBase
from helpdesk_events.inbound import InboundMessage

INBOUND = "helpdesk.inbound"
TICKETS = "helpdesk.tickets"
DIRECTORY = "helpdesk.directory"
DEADLETTER = "helpdesk.deadletter"

_DAY_MS = 24 * 60 * 60 * 1000
_TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")


@dataclass(frozen=True)
class TopicSpec:
    """What to create: the base name (see :func:`topic_name` for prefixes), partitions and topic configs.

    The replication factor belongs to the environment (1 locally, 3 in production), so it is not here.
    """

    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)


TOPIC_SPECS: tuple[TopicSpec, ...] = (
    TopicSpec(INBOUND, 12, {"cleanup.policy": "delete", "retention.ms": str(7 * _DAY_MS)}),
    TopicSpec(TICKETS, 12, {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}),
    TopicSpec(DIRECTORY, 3, {"cleanup.policy": "compact"}),
    TopicSpec(DEADLETTER, 3, {"cleanup.policy": "delete", "retention.ms": str(30 * _DAY_MS)}),
)


def topic_name(base: str, prefix: str = "") -> str:
    """``prefix + base``: a prefix (e.g. ``"t123."``) isolates a test run's topics from everyone else's."""
    name = prefix + base
    if not _TOPIC_NAME.fullmatch(name) or name in {".", ".."}:
        raise ValueError(f"invalid Kafka topic name {name!r}: use 1-249 of [A-Za-z0-9._-]")
    return name


def partition_key(event: EventBase | DirectoryEventBase) -> bytes:
    """The record key: the ticket id, or ``"<type>:<entity_id>"`` for directory events; UTF-8."""
    if isinstance(event, EventBase):
        return event.ticket_id.encode("utf-8")
    return f"{getattr(event, 'type', type(event).__name__)}:{event.entity_id}".encode()


def inbound_key(msg: InboundMessage) -> bytes:
    """Keep one conversation ordered: thread_ref, else the sender (email, phone, handle), else message_id."""
    sender = msg.sender
    for value in (msg.thread_ref, sender.email and sender.email.strip().lower(), sender.phone, sender.handle):
        if value and value.strip():
            return value.strip().encode("utf-8")
    return msg.message_id.encode("utf-8")
