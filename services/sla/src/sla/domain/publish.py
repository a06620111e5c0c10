"""The public SLA events for the facts the service decided: every move of a clock is published (only
``FactsChanged``, ``CustomerWrote`` and ``TicketDone``, which move no clock, publish nothing).

Event ids are derived from the cause (the consumed event's id, or the timer's key and due time) and the
position, so a replay or a retried transaction produces the same ids, which consumers drop as duplicates.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from helpdesk_events import (
    SlaBreached,
    SlaBreachedData,
    SlaClockPaused,
    SlaClockPausedData,
    SlaClockResumed,
    SlaClockResumedData,
    SlaPolicyApplied,
    SlaPolicyAppliedData,
    SlaTargetDue,
    SlaTargetMet,
    SlaTargetMetData,
    SlaTargetStopped,
    SlaTargetStoppedData,
    SlaWarning,
    SlaWarningData,
)

from .clocks import (
    Breached,
    ClockPaused,
    ClockResumed,
    CycleStarted,
    Due,
    Fact,
    PolicyApplied,
    PolicyRef,
    SlaState,
    TargetMet,
    TargetStopped,
    Warned,
)

PRODUCER = "sla"
_NAMESPACE = uuid.UUID("5d9e3c1a-0b7f-4e58-9a51-2f1c7b0e5a11")

SlaEvent = (
    SlaPolicyApplied | SlaClockPaused | SlaClockResumed | SlaWarning | SlaBreached | SlaTargetMet | SlaTargetStopped
)


@dataclass(frozen=True)
class Cause:
    """Where the facts came from: the envelope fields the SLA events inherit."""

    key: str
    """Unique per cause: the consumed event's id, or ``{timer_key}@{due_at}``."""
    ticket_id: str
    tenant: str
    causation_id: uuid.UUID | None = None
    correlation_id: uuid.UUID | None = None


def _targets(dues: tuple[Due, ...]) -> list[SlaTargetDue]:
    return [
        SlaTargetDue(
            name=d.name, minutes=d.minutes, due_at=d.due_at, phase=d.phase, cycle=d.cycle, started_at=d.started_at
        )
        for d in dues
    ]


def _versions(ref: PolicyRef) -> dict[str, Any]:
    return {
        "policy_id": ref.policy_id,
        "policy_version": ref.policy_version,
        "calendar": ref.calendar,
        "calendar_version": ref.calendar_version,
    }


def to_events(facts: list[Fact], before: SlaState, after: SlaState, cause: Cause) -> list[SlaEvent]:
    """``before``/``after``: the state around ``facts`` (paused-time facts read ``before``'s pause)."""
    events: list[SlaEvent] = []
    ref = after.policy or before.policy
    if ref is None:
        return events
    versions = _versions(ref)
    for fact in facts:
        envelope: dict[str, Any] = {
            "event_id": uuid.uuid5(_NAMESPACE, f"{cause.key}#{len(events)}"),
            "ticket_id": cause.ticket_id,
            "tenant": cause.tenant,
            "producer": PRODUCER,
            "causation_id": cause.causation_id,
            "correlation_id": cause.correlation_id,
        }
        match fact:
            case PolicyApplied():
                data = SlaPolicyAppliedData(
                    **_versions(fact.policy),
                    targets=_targets(fact.dues),
                    warning_thresholds=list(fact.policy.warnings),
                    reason=fact.reason,
                )
                events.append(SlaPolicyApplied(**envelope, occurred_at=fact.at, data=data))
            case ClockPaused():
                paused = SlaClockPausedData(**versions, reason=f"status {fact.status}", status=fact.status)
                events.append(SlaClockPaused(**envelope, occurred_at=fact.at, data=paused))
            case ClockResumed():
                resumed = SlaClockResumedData(**versions, targets=_targets(fact.dues), reason=fact.reason)
                events.append(SlaClockResumed(**envelope, occurred_at=fact.at, data=resumed))
            case CycleStarted():
                # A new next_response cycle (while paused its due time is None; the resume publishes it).
                started = SlaClockResumedData(**versions, targets=_targets(fact.dues), reason="customer_message")
                events.append(SlaClockResumed(**envelope, occurred_at=fact.at, data=started))
            case Warned():
                warned = SlaWarningData(**versions, target=fact.target, threshold=fact.threshold, due_at=fact.due_at)
                events.append(SlaWarning(**envelope, occurred_at=fact.at, data=warned))
            case Breached():
                breached = SlaBreachedData(**versions, target=fact.target, due_at=fact.due_at)
                events.append(SlaBreached(**envelope, occurred_at=fact.at, data=breached))
            case TargetMet():
                met = SlaTargetMetData(
                    **versions,
                    target=fact.target,
                    due_at=fact.due_at,
                    met_at=fact.at,
                    business_minutes_used=fact.business_minutes_used,
                    within_target=fact.within_target,
                )
                events.append(SlaTargetMet(**envelope, occurred_at=fact.at, data=met))
            case TargetStopped():
                stopped = SlaTargetStoppedData(**versions, target=fact.target, reason=fact.reason)
                events.append(SlaTargetStopped(**envelope, occurred_at=fact.at, data=stopped))
    return events
