"""SLA events, all written by the sla service (DESIGN §2, §5).

Due times are absolute instants computed from event time and the business calendar; ``minutes`` is the
target in business minutes. ``warning_thresholds`` are shares of the target (``0.75`` = warn when 75 % of
the business time is used), each in ``(0, 1]``.

Every SLA event may carry the policy and calendar it was decided under (``policy_id``, ``policy_version``,
``calendar``, ``calendar_version``); they are optional only because older events lack them.
"""

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, FiniteFloat

from helpdesk_events.envelope import EventBase
from helpdesk_events.types import ClockPhase, Payload, SlaTargetName

Share = Annotated[FiniteFloat, Field(gt=0, le=1)]
Minutes = Annotated[FiniteFloat, Field(ge=0)]


class SlaVersions(Payload):
    """The policy and calendar versions an SLA fact was decided under (absent in events before 2026-11)."""

    policy_id: str | None = None
    policy_version: str | None = None
    calendar: str | None = None
    calendar_version: str | None = None


class SlaTargetDue(Payload):
    name: SlaTargetName
    minutes: Minutes
    due_at: AwareDatetime | None = None
    """None while the clock is paused or the target has no deadline yet."""
    phase: ClockPhase | None = None
    """The target's phase as the sla service decided it (:mod:`helpdesk_events.sla_clock`); absent in events
    before 2026-12, whose stops the fold infers."""
    cycle: int | None = None
    """The cycle this due time belongs to; a cycle other than the fold's starts a new one."""
    started_at: AwareDatetime | None = None
    """Start of that cycle."""


class SlaPolicyAppliedData(Payload):
    policy_id: str
    policy_version: str
    calendar: str
    calendar_version: str
    targets: list[SlaTargetDue]
    warning_thresholds: list[Share] = []
    reason: str | None = None
    """Why it was (re)applied: ``opened``, ``priority P3 -> P1``."""


class SlaPolicyApplied(EventBase):
    type: Literal["SlaPolicyApplied"] = "SlaPolicyApplied"
    data: SlaPolicyAppliedData


class SlaClockPausedData(SlaVersions):
    reason: str
    status: str | None = None
    """The ticket status that stopped the clocks (``pending``)."""


class SlaClockPaused(EventBase):
    type: Literal["SlaClockPaused"] = "SlaClockPaused"
    data: SlaClockPausedData


class SlaClockResumedData(SlaVersions):
    targets: list[SlaTargetDue]
    """The targets ticking again, with their new due times."""
    reason: str | None = None
    """``status open`` (end of a pause), ``reopened`` (resolution restarts), ``customer_message`` (a
    ``next_response`` cycle starts; this one does not end a pause: while paused its due time is None)."""


class SlaClockResumed(EventBase):
    type: Literal["SlaClockResumed"] = "SlaClockResumed"
    data: SlaClockResumedData


class SlaWarningData(SlaVersions):
    target: SlaTargetName
    threshold: Share
    due_at: AwareDatetime


class SlaWarning(EventBase):
    type: Literal["SlaWarning"] = "SlaWarning"
    data: SlaWarningData


class SlaBreachedData(SlaVersions):
    target: SlaTargetName
    due_at: AwareDatetime
    policy_id: str


class SlaBreached(EventBase):
    type: Literal["SlaBreached"] = "SlaBreached"
    data: SlaBreachedData


class SlaTargetMetData(SlaVersions):
    target: SlaTargetName
    due_at: AwareDatetime | None = None
    met_at: AwareDatetime
    business_minutes_used: Minutes
    within_target: bool


class SlaTargetMet(EventBase):
    type: Literal["SlaTargetMet"] = "SlaTargetMet"
    data: SlaTargetMetData


class SlaTargetStoppedData(SlaVersions):
    target: SlaTargetName
    reason: str
    """``resolved``, ``closed``, ``merged`` (the ticket no longer owes it) or ``policy changed`` (the new
    policy has no such target)."""


class SlaTargetStopped(EventBase):
    """A target stopped without an outcome: neither met nor breached (its timers are gone)."""

    type: Literal["SlaTargetStopped"] = "SlaTargetStopped"
    data: SlaTargetStoppedData


SLA_EVENTS = (
    SlaPolicyApplied,
    SlaClockPaused,
    SlaClockResumed,
    SlaWarning,
    SlaBreached,
    SlaTargetMet,
    SlaTargetStopped,
)
