"""The SLA decisions: given a ticket's clocks and one ticket event (or a timer firing), the facts to record.

Pure: time comes from the event (``occurred_at``) or the timer's due time, never from "now", so replaying the
log rebuilds the same due times. The rules are documented in docs/sla.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from helpdesk_events import (
    AgentReplied,
    CustomerMessageReceived,
    SlaClock,
    SlaTargetName,
    TicketCategoryChanged,
    TicketEvent,
    TicketMerged,
    TicketOpened,
    TicketPriorityChanged,
    TicketStatusChanged,
)

from .clocks import (
    Breached,
    ClockPaused,
    ClockResumed,
    CustomerWrote,
    CycleStarted,
    Due,
    Fact,
    FactsChanged,
    Pause,
    PolicyApplied,
    PolicyRef,
    SlaState,
    TargetMet,
    TargetStopped,
    TicketDone,
    Warned,
    evolve_all,
)
from .policy import NoPolicyMatchedError, PolicySpec, SlaPolicies, TicketFacts, choose_policy

STARTS_AT_OPEN: tuple[SlaTargetName, ...] = ("first_response", "resolution")
"""Targets whose first cycle starts when the ticket opens; ``next_response`` waits for a customer message."""


class Calendar(Protocol):
    @property
    def version(self) -> str: ...

    def due(self, start: datetime, minutes: float, pauses: Sequence[Pause] = ()) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime, pauses: Sequence[Pause] = ()) -> float: ...


@dataclass(frozen=True)
class Rules:
    """The configuration decisions read: the current policy set, older versions by id, the calendars."""

    current: SlaPolicies
    calendars: Mapping[str, Calendar]
    versions: Mapping[str, SlaPolicies] = field(default_factory=dict)

    def policy_set(self, version: str) -> SlaPolicies:
        if version == self.current.version:
            return self.current
        return self.versions.get(version, self.current)


@dataclass(frozen=True)
class TimerFired:
    target: SlaTargetName
    kind: Literal["breach", "warning"]
    at: datetime
    """The timer's due time (the instant recorded as the event's ``occurred_at``)."""
    threshold: float | None = None


@dataclass(frozen=True)
class TimerPlan:
    key: str
    """``{target}:breach`` or ``{target}:warn{share}``; the adapter prefixes the ticket."""
    at: datetime
    target: SlaTargetName
    kind: Literal["breach", "warning"]
    threshold: float | None = None


# ----- due times and timers, derived from the state -----


def due_at(s: SlaState, clock: SlaClock, calendar: Calendar) -> datetime | None:
    """The cycle's due time; ``None`` if the clock is not ticking or is paused before reaching it."""
    if not clock.ticking or clock.started_at is None:
        return None
    due = calendar.due(clock.started_at, clock.minutes, s.pauses)
    if s.paused_since is not None and due >= s.paused_since:
        return None
    return due


def dues(s: SlaState, calendar: Calendar, *, only: Sequence[SlaTargetName] | None = None) -> tuple[Due, ...]:
    return tuple(
        Due(c.name, c.minutes, due_at(s, c, calendar), c.phase, c.cycle, c.started_at)
        for c in s.targets.values()
        if (only is None or c.name in only) and c.phase != "stopped"
    )


def timers(s: SlaState, calendar: Calendar) -> list[TimerPlan]:
    """The timers that must be armed for this state: a breach and the unfired warnings per running cycle."""
    if s.policy is None or s.closed or s.paused:
        return []
    plans: list[TimerPlan] = []
    for c in s.targets.values():
        due = due_at(s, c, calendar)
        if c.phase != "running" or due is None or c.started_at is None:
            continue
        floor = c.armed_from or c.started_at
        breach = max(due, floor)
        plans.append(TimerPlan(f"{c.name}:breach", breach, c.name, "breach"))
        for share in s.policy.warnings:
            at = max(calendar.due(c.started_at, c.minutes * share, s.pauses), floor)
            if share not in c.warned and at < breach:
                plans.append(TimerPlan(f"{c.name}:warn{share:g}", at, c.name, "warning", share))
    return plans


# ----- decisions -----


def decide(s: SlaState, when: TicketEvent | TimerFired, rules: Rules) -> list[Fact]:
    """The facts ``when`` leads to (empty when it changes nothing)."""
    if isinstance(when, TicketOpened):
        return _opened(s, when, rules)
    if s.policy is None or s.facts is None or s.closed:
        return []
    calendar = rules.calendars[s.policy.calendar]
    match when:
        case TimerFired():
            return _timer(s, when, calendar)
        case AgentReplied():
            return [
                _met(s, s.targets[name], when.occurred_at, calendar)
                for name in ("first_response", "next_response")
                if name in s.targets and s.targets[name].ticking
            ]
        case CustomerMessageReceived():
            return _customer_message(s, when.occurred_at, calendar)
        case TicketStatusChanged():
            return _status(s, when.data.to_status, when.occurred_at, calendar)
        case TicketPriorityChanged():
            return _retarget(s, s.facts.model_copy(update={"priority": when.data.to_priority}), when, rules)
        case TicketCategoryChanged():
            return [FactsChanged(s.facts.model_copy(update={"category": when.data.to_category}))]
        case TicketMerged():
            return [*_stop_all(s, when.occurred_at, "merged"), TicketDone(when.occurred_at, closed=True)]
    return []


def _ref(policies: SlaPolicies, policy: PolicySpec, calendar: Calendar) -> PolicyRef:
    return PolicyRef(
        policy_id=policy.id,
        policy_version=policies.version,
        calendar=policy.calendar,
        calendar_version=calendar.version,
        warnings=tuple(sorted(policy.warnings)),
        pause_statuses=tuple(policies.pause_statuses),
    )


def _opened(s: SlaState, e: TicketOpened, rules: Rules) -> list[Fact]:
    if s.policy is not None:
        return []
    d = e.data
    facts = TicketFacts(priority=d.priority, tier=d.customer.tier, category=d.category, channel=d.channel)
    try:
        policy = choose_policy(rules.current, facts)
    except NoPolicyMatchedError:
        return []
    calendar = rules.calendars[policy.calendar]
    at = e.occurred_at
    targets = tuple(
        SlaClock(name=name, minutes=minutes).restarted(at)
        if name in STARTS_AT_OPEN
        else SlaClock(name=name, minutes=minutes)
        for name, minutes in policy.targets.items()
    )
    applied = PolicyApplied(at, "opened", _ref(rules.current, policy, calendar), facts, targets)
    return [_with_dues(s, applied, calendar)]


def _with_dues(s: SlaState, applied: PolicyApplied, calendar: Calendar) -> PolicyApplied:
    after = evolve_all(s, [applied])
    return PolicyApplied(
        applied.at, applied.reason, applied.policy, applied.facts, applied.targets, dues(after, calendar)
    )


def _timer(s: SlaState, t: TimerFired, calendar: Calendar) -> list[Fact]:
    clock = s.targets.get(t.target)
    due = due_at(s, clock, calendar) if clock is not None else None
    if clock is None or clock.phase != "running" or due is None:
        return []
    plan = next(
        (p for p in timers(s, calendar) if p.target == t.target and p.kind == t.kind and p.threshold == t.threshold),
        None,
    )
    if plan is None or plan.at > t.at:
        return []  # stale: the target was re-planned later, or the warning already fired
    if t.kind == "breach":
        return [Breached(t.target, t.at, due)]
    return [Warned(t.target, t.threshold or 0.0, t.at, due)]


def _met(s: SlaState, clock: SlaClock, at: datetime, calendar: Calendar) -> TargetMet:
    assert clock.started_at is not None  # noqa: S101 - a ticking clock has a start
    used = calendar.elapsed(clock.started_at, at, s.pauses_until(at)) if at > clock.started_at else 0.0
    due = calendar.due(clock.started_at, clock.minutes, s.pauses)
    known_due = due if s.paused_since is None or due < s.paused_since else None
    return TargetMet(clock.name, at, known_due, round(used, 4), used <= clock.minutes + 1e-9)


def _stop_all(
    s: SlaState, at: datetime, reason: str, *, meet: SlaTargetName | None = None, calendar: Calendar | None = None
) -> list[Fact]:
    facts: list[Fact] = []
    for clock in s.targets.values():
        if not clock.ticking:
            continue
        if clock.name == meet and calendar is not None:
            facts.append(_met(s, clock, at, calendar))
        else:
            facts.append(TargetStopped(clock.name, at, reason))
    return facts


def _answer_pending(s: SlaState) -> bool:
    """Whether a customer message would start a next_response cycle (first response given, none running)."""
    first, nxt = s.targets.get("first_response"), s.targets.get("next_response")
    return nxt is not None and not nxt.ticking and (first is None or not first.ticking)


def _customer_message(s: SlaState, at: datetime, calendar: Calendar) -> list[Fact]:
    facts: list[Fact] = [CustomerWrote(at)]
    if s.resolved_at is None and _answer_pending(s):
        after = evolve_all(s, [*facts, CycleStarted("next_response", at)])
        facts.append(CycleStarted("next_response", at, dues(after, calendar, only=["next_response"])))
    return facts


def _status(s: SlaState, to: str, at: datetime, calendar: Calendar) -> list[Fact]:
    assert s.policy is not None  # noqa: S101 - checked by decide
    if to in ("resolved", "closed"):
        if s.resolved_at is not None:
            return [TicketDone(at, closed=True)] if to == "closed" else []
        stops = _stop_all(s, at, to, meet="resolution", calendar=calendar)
        return [*stops, TicketDone(at, closed=to == "closed")]
    if s.resolved_at is not None:  # only a reopen (resolved -> open) leaves resolved
        if to != "open":
            return []
        restarted: list[tuple[SlaTargetName, datetime]] = []
        if "resolution" in s.targets:
            restarted.append(("resolution", at))
        message = s.last_customer_message_at
        if message is not None and message >= s.resolved_at and _answer_pending(s):
            restarted.append(("next_response", message))
        return [_resumed(s, ClockResumed(at, "reopened", tuple(restarted), reopened=True), calendar)]
    if to in s.policy.pause_statuses:
        return [] if s.paused else [ClockPaused(at, to)]
    if s.paused:
        return [_resumed(s, ClockResumed(at, f"status {to}"), calendar)]
    return []


def _resumed(s: SlaState, resumed: ClockResumed, calendar: Calendar) -> ClockResumed:
    after = evolve_all(s, [resumed])
    running = [c.name for c in after.targets.values() if c.phase == "running"]
    return ClockResumed(
        resumed.at, resumed.reason, resumed.restarted, resumed.reopened, dues(after, calendar, only=running)
    )


def _retarget(s: SlaState, facts: TicketFacts, e: TicketPriorityChanged, rules: Rules) -> list[Fact]:
    """Re-select the policy with the new priority in the ticket's own policy set version; keep the cycles."""
    assert s.policy is not None  # noqa: S101 - checked by decide
    policies = rules.policy_set(s.policy.policy_version)
    try:
        policy = choose_policy(policies, facts)
    except NoPolicyMatchedError:
        return [FactsChanged(facts)]
    calendar = rules.calendars[policy.calendar]
    at = e.occurred_at
    unchanged = (
        policy.id == s.policy.policy_id
        and policy.calendar == s.policy.calendar
        and all(name in s.targets and s.targets[name].minutes == minutes for name, minutes in policy.targets.items())
    )
    if unchanged:
        return [FactsChanged(facts)]
    # Targets the new policy lacks stop first (each an event), then the policy lists the rest.
    dropped: list[Fact] = [
        TargetStopped(name, at, "policy changed")
        for name, old in s.targets.items()
        if name not in policy.targets and old.stopped() is not None
    ]
    s = evolve_all(s, dropped)
    pause_statuses = s.policy.pause_statuses if s.policy is not None else ()
    targets: list[SlaClock] = []
    for name, minutes in policy.targets.items():
        old = s.targets.get(name)
        if old is not None:
            targets.append(old.planned(old.due_at, minutes, armed_from=at))
        elif name in STARTS_AT_OPEN and s.resolved_at is None:
            targets.append(SlaClock(name=name, minutes=minutes).restarted(at))
        else:
            targets.append(SlaClock(name=name, minutes=minutes))
    targets += [old for name, old in s.targets.items() if name not in policy.targets]
    reason = f"priority {e.data.from_priority} -> {e.data.to_priority}"
    ref = _ref(policies, policy, calendar).model_copy(update={"pause_statuses": pause_statuses})
    return [*dropped, _with_dues(s, PolicyApplied(at, reason, ref, facts, tuple(targets)), calendar)]
