"""One ticket's SLA clocks: the state, the facts the service decides about it, and ``evolve``.

Each target is a :class:`helpdesk_events.SlaClock`, the one clock model the fold shares
(:mod:`helpdesk_events.sla_clock`: cycles, phases and their transitions). Every fact that moves a clock is
published as an event (:mod:`.publish`), so the fold makes the same moves in the same order.

Pauses are ticket-wide spans (pending and the other configured statuses); a due time is always
``calendar.due(started_at, minutes, pauses)``, so it is a function of event times only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from helpdesk_events import ClockPhase, SlaClock, SlaTargetName
from pydantic import AwareDatetime, BaseModel, ConfigDict

from .policy import TicketFacts

Pause = tuple[AwareDatetime, AwareDatetime]


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
    targets: dict[SlaTargetName, SlaClock] = {}
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
    phase: ClockPhase = "running"
    cycle: int = 0
    started_at: datetime | None = None


# ----- facts: what the service decided (some are published as events, some only move the state) -----


@dataclass(frozen=True)
class PolicyApplied:
    at: datetime
    reason: str
    policy: PolicyRef
    facts: TicketFacts
    targets: tuple[SlaClock, ...]
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
    reason: str
    """``resolved``, ``closed``, ``merged`` or ``policy changed``."""


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


def _moved(s: SlaState, name: SlaTargetName, clock: SlaClock | None) -> SlaState:
    """``clock``: the transition's result (None: it does not apply, the state stays)."""
    return s if clock is None else s.model_copy(update={"targets": {**s.targets, name: clock}})


def _planned(targets: dict[SlaTargetName, SlaClock], dues: tuple[Due, ...]) -> dict[SlaTargetName, SlaClock]:
    """The clocks with the due times a fact publishes."""
    return {**targets, **{d.name: targets[d.name].planned(d.due_at) for d in dues if d.name in targets}}


def _paused(targets: dict[SlaTargetName, SlaClock], paused: bool) -> dict[SlaTargetName, SlaClock]:
    return {n: c.with_pause(paused) for n, c in targets.items()}


def _end_pause(s: SlaState, at: datetime) -> SlaState:
    targets = _paused(s.targets, False)
    return s.model_copy(update={"pauses": s.pauses_until(at), "paused_since": None, "targets": targets})


def evolve(s: SlaState, fact: Fact) -> SlaState:
    match fact:
        case PolicyApplied():
            targets = _paused({t.name: t for t in fact.targets}, s.paused)
            return s.model_copy(
                update={
                    "opened_at": s.opened_at or fact.at,
                    "policy": fact.policy,
                    "facts": fact.facts,
                    "targets": _planned(targets, fact.dues),
                }
            )
        case ClockPaused():
            if s.paused:
                return s
            return s.model_copy(update={"paused_since": fact.at, "targets": _paused(s.targets, True)})
        case ClockResumed():
            s = _end_pause(s, fact.at)
            if fact.reopened:
                s = s.model_copy(update={"resolved_at": None})
            targets = dict(s.targets)
            for name, start in fact.restarted:
                if name in targets:
                    targets[name] = targets[name].restarted(start)
            return s.model_copy(update={"targets": _planned(targets, fact.dues)})
        case CycleStarted():
            restarted = s.targets[fact.target].restarted(fact.at).with_pause(s.paused)
            return s.model_copy(update={"targets": _planned({**s.targets, fact.target: restarted}, fact.dues)})
        case TargetMet():
            return _moved(s, fact.target, s.targets[fact.target].met(fact.at, fact.within_target, fact.due_at))
        case TargetStopped():
            return _moved(s, fact.target, s.targets[fact.target].stopped())
        case Warned():
            return _moved(s, fact.target, s.targets[fact.target].warned_at(fact.threshold, fact.due_at))
        case Breached():
            return _moved(s, fact.target, s.targets[fact.target].breached(fact.at, fact.due_at))
        case FactsChanged():
            return s.model_copy(update={"facts": fact.facts})
        case CustomerWrote():
            return s.model_copy(update={"last_customer_message_at": fact.at})
        case TicketDone():
            # The pause span ends; the clocks keep their pause mark as the fold does (no event unpauses them).
            s = s.model_copy(update={"pauses": s.pauses_until(fact.at), "paused_since": None})
            return s.model_copy(update={"resolved_at": s.resolved_at or fact.at, "closed": s.closed or fact.closed})


def evolve_all(s: SlaState, facts: list[Fact]) -> SlaState:
    for fact in facts:
        s = evolve(s, fact)
    return s
