"""The ticket as every service sees it: the frozen state the fold (:mod:`helpdesk_events.fold`) produces."""

from pydantic import AwareDatetime, BaseModel, ConfigDict

from helpdesk_events.sla_clock import ClockState as ClockState
from helpdesk_events.sla_clock import SlaClock as SlaClock
from helpdesk_events.types import Channel, Customer, Priority, Status

TICKET_STATUSES: tuple[Status, ...] = ("new", "open", "pending", "resolved", "closed")
"""The lifecycle, in order."""

_TRANSITIONS: dict[Status, frozenset[Status]] = {
    "new": frozenset({"open", "pending", "resolved", "closed"}),
    "open": frozenset({"pending", "resolved", "closed"}),
    "pending": frozenset({"open", "resolved", "closed"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}


def is_open(status: Status) -> bool:
    """Not yet resolved or closed: counts in the backlog and in its agent's load."""
    return status in ("new", "open", "pending")


def can_transition(from_status: Status, to_status: Status) -> bool:
    """Whether the fold applies a status change from ``from_status`` (``resolved -> open`` is a reopen)."""
    return to_status in _TRANSITIONS[from_status]


class TicketState(BaseModel):
    """The meaning of one ticket's events. ``version`` counts every event folded, ignored ones included."""

    model_config = ConfigDict(frozen=True)

    ticket_id: str
    tenant: str = "default"
    opened: bool = False
    """False while only events that precede ``TicketOpened`` in the log have been folded (a placeholder)."""
    folio: str | None = None
    status: Status = "new"
    priority: Priority | None = None
    category: str | None = None
    channel: Channel | None = None
    subject: str | None = None
    customer: Customer | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()
    config_version: str | None = None
    team: str | None = None
    assignee: str | None = None
    """Kept after resolve/close, as "resolved by", for reporting."""
    queued_at: AwareDatetime | None = None
    """When routing last queued it; None once assigned."""
    sla: dict[str, SlaClock] = {}
    sla_paused: bool = False
    sla_stops_recorded: bool = False
    """True once an SLA event of the one clock model (targets with ``phase``, or ``SlaTargetStopped``) was
    folded: the sla service then publishes every stop, and the fold infers none. Older logs lack them, and
    the fold stops their clocks on resolve/close/merge itself (the rule before 2026-12)."""
    sla_policy_id: str | None = None
    sla_policy_version: str | None = None
    escalation_level: int = 0
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    first_response_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    resolution: str | None = None
    closed_at: AwareDatetime | None = None
    reopen_count: int = 0
    csat: int | None = None
    merged_into: str | None = None
    follow_up_of: str | None = None
    last_customer_message_at: AwareDatetime | None = None
    last_agent_reply_at: AwareDatetime | None = None
    unanswered_since: AwareDatetime | None = None
    """When the oldest customer message no agent reply has followed *in the log* was received; None once
    an agent replied after it. Log order, not timestamps: a message that waited in the inbound topic while
    the agent replied is still unanswered, as the sla and escalation services see it."""
    version: int = 0
    message_count: int = 0
    """Public messages: the opening message, customer messages and agent replies (not internal notes)."""
    note_count: int = 0
