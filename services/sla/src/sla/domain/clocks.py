"""One ticket's SLA clocks: the state, the facts the service decides about it, and ``evolve``.

A target's clock runs in *cycles*: ``first_response`` and ``resolution`` start at the ticket's opening,
``next_response`` starts at a customer message that waits for an answer, ``resolution`` starts a new cycle
when the ticket is reopened. Within a cycle the phase goes ``idle`` → ``running`` → ``met`` (or ``breached``
→ ``met`` late), or ``stopped`` when the ticket is resolved, closed or merged before the target was met.

Pauses are ticket-wide spans (pending and the other configured statuses); a due time is always
``calendar.due(started_at, minutes, pauses)``, so it is a function of event times only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from helpdesk_events import SlaTargetName
from pydantic import AwareDatetime, BaseModel, ConfigDict

from .policy import TicketFacts

TargetPhase = Literal["idle", "running", "breached", "met", "stopped"]
TICKING: tuple[TargetPhase, ...] = ("running", "breached")
"""Phases in which the target still waits for its event (a breached target can still be met, late)."""

Pause = tuple[AwareDatetime, AwareDatetime]


class TargetClock(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: SlaTargetName
    minutes: float
    phase: TargetPhase = "idle"
    started_at: AwareDatetime | None = None
    armed_from: AwareDatetime | None = None
    """Timers of this cycle never fire before this instant (the last re-plan: a priority change)."""
    warned: tuple[float, ...] = ()
    cycle: int = 0

    @property
    def ticking(self) -> bool:
        return self.phase in TICKING

    def restarted(self, at: datetime) -> TargetClock:
        return self.model_copy(
            update={"phase": "running", "started_at": at, "armed_from": at, "warned": (), "cycle": self.cycle + 1}
        )


class PolicyRef(BaseModel):
    """The policy a ticket runs under, as it was in the policy set version the ticket opened with."""

    model_config = ConfigDict(frozen=True)
    policy_id: str
    policy_version: str
    calendar: str
    calendar_version: str
    warnings: tuple[float, ...] = ()
    pause_statuses: tuple[str, ...] = ("pending",)


class SlaState(BaseModel):
    model_config = ConfigDict(frozen=True)
    ticket_id: str
    opened_at: AwareDatetime | None = None
    policy: PolicyRef | None = None
    facts: TicketFacts | None = None
    targets: dict[SlaTargetName, TargetClock] = {}
    pauses: tuple[Pause, ...] = ()
    """Finished pauses."""
    paused_since: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    closed: bool = False
    last_customer_message_at: AwareDatetime | None = None

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def pauses_until(self, at: datetime) -> tuple[Pause, ...]:
        """The pauses, the current one (if any) counted up to ``at``."""
        if self.paused_since is not None and at > self.paused_since:
            return (*self.pauses, (self.paused_since, at))
        return self.pauses


@dataclass(frozen=True)
class Due:
    """A target with its due time as published (``None``: paused, idle, or done)."""

    name: SlaTargetName
    minutes: float
    due_at: datetime | None


# ----- facts: what the service decided (some are published as events, some only move the state) -----


@dataclass(frozen=True)
class PolicyApplied:
    at: datetime
    reason: str
    policy: PolicyRef
    facts: TicketFacts
    targets: tuple[TargetClock, ...]
    dues: tuple[Due, ...] = ()


@dataclass(frozen=True)
class ClockPaused:
    at: datetime
    status: str


@dataclass(frozen=True)
class ClockResumed:
    at: datetime
    reason: str
    restarted: tuple[tuple[SlaTargetName, datetime], ...] = ()
    """Targets that start a new cycle, with the cycle's start."""
    reopened: bool = False
    dues: tuple[Due, ...] = ()


@dataclass(frozen=True)
class CycleStarted:
    """A customer message now waits for an answer: a ``next_response`` cycle starts at ``at``."""

    target: SlaTargetName
    at: datetime
    dues: tuple[Due, ...] = ()


@dataclass(frozen=True)
class TargetMet:
    target: SlaTargetName
    at: datetime
    due_at: datetime | None
    business_minutes_used: float
    within_target: bool


@dataclass(frozen=True)
class TargetStopped:
    target: SlaTargetName
    at: datetime


@dataclass(frozen=True)
class Warned:
    target: SlaTargetName
    threshold: float
    at: datetime
    due_at: datetime


@dataclass(frozen=True)
class Breached:
    target: SlaTargetName
    at: datetime
    due_at: datetime


@dataclass(frozen=True)
class FactsChanged:
    facts: TicketFacts


@dataclass(frozen=True)
class CustomerWrote:
    at: datetime


@dataclass(frozen=True)
class TicketDone:
    """Resolved (``closed=False``) or closed/merged: no clock runs until a reopen."""

    at: datetime
    closed: bool


Fact = (
    PolicyApplied
    | ClockPaused
    | ClockResumed
    | CycleStarted
    | TargetMet
    | TargetStopped
    | Warned
    | Breached
    | FactsChanged
    | CustomerWrote
    | TicketDone
)


def _target(s: SlaState, name: SlaTargetName, **changes: object) -> SlaState:
    clock = s.targets[name].model_copy(update=changes)
    return s.model_copy(update={"targets": {**s.targets, name: clock}})


def _end_pause(s: SlaState, at: datetime) -> SlaState:
    return s.model_copy(update={"pauses": s.pauses_until(at), "paused_since": None})


def evolve(s: SlaState, fact: Fact) -> SlaState:
    match fact:
        case PolicyApplied():
            return s.model_copy(
                update={
                    "opened_at": s.opened_at or fact.at,
                    "policy": fact.policy,
                    "facts": fact.facts,
                    "targets": {t.name: t for t in fact.targets},
                }
            )
        case ClockPaused():
            return s if s.paused else s.model_copy(update={"paused_since": fact.at})
        case ClockResumed():
            s = _end_pause(s, fact.at)
            if fact.reopened:
                s = s.model_copy(update={"resolved_at": None})
            targets = dict(s.targets)
            for name, start in fact.restarted:
                if name in targets:
                    targets[name] = targets[name].restarted(start)
            return s.model_copy(update={"targets": targets})
        case CycleStarted():
            restarted = s.targets[fact.target].restarted(fact.at)
            return s.model_copy(update={"targets": {**s.targets, fact.target: restarted}})
        case TargetMet():
            return _target(s, fact.target, phase="met")
        case TargetStopped():
            return _target(s, fact.target, phase="stopped")
        case Warned():
            warned = s.targets[fact.target].warned
            return _target(s, fact.target, warned=tuple(sorted({*warned, fact.threshold})))
        case Breached():
            return _target(s, fact.target, phase="breached")
        case FactsChanged():
            return s.model_copy(update={"facts": fact.facts})
        case CustomerWrote():
            return s.model_copy(update={"last_customer_message_at": fact.at})
        case TicketDone():
            s = _end_pause(s, fact.at)
            return s.model_copy(update={"resolved_at": s.resolved_at or fact.at, "closed": s.closed or fact.closed})


def evolve_all(s: SlaState, facts: list[Fact]) -> SlaState:
    for fact in facts:
        s = evolve(s, fact)
    return s
