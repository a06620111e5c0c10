"""How SLA events move a ticket's clocks: the SLA part of :mod:`helpdesk_events.fold` (rules there)."""

from datetime import datetime
from typing import Any

from helpdesk_events.sla import (
    SlaBreached,
    SlaClockPaused,
    SlaClockResumed,
    SlaPolicyApplied,
    SlaTargetDue,
    SlaTargetMet,
    SlaWarning,
)
from helpdesk_events.state import SlaClock, TicketState
from helpdesk_events.types import SlaTargetName

SlaEvent = SlaPolicyApplied | SlaClockPaused | SlaClockResumed | SlaWarning | SlaBreached | SlaTargetMet

_TICKING = ("running", "warning")
_RESPONSE = ("first_response", "next_response")


def _stopped_by_done(s: TicketState, name: str) -> bool:
    """A target the sla service planned before a resolve/close/merge the fold has already applied: the
    service stops it when it reaches that event (without an event of its own), so the fold shows it
    stopped. Resolving stops the response targets (resolution is met by its SlaTargetMet); a merge stops
    them all."""
    return s.merged_into is not None or (name in _RESPONSE and s.status in ("resolved", "closed"))


def apply_sla(s: TicketState, e: SlaEvent) -> TicketState | None:
    """The new state, or None when the event is ignored."""
    match e:
        case SlaPolicyApplied():
            return _policy_applied(s, e)
        case SlaClockPaused():
            if s.sla_paused:
                return None
            paused = {n: _with(c, state="paused") if c.state in _TICKING else c for n, c in s.sla.items()}
            return s.model_copy(update={"sla": paused, "sla_paused": True})
        case SlaClockResumed():
            return _resumed(s, e)
        case SlaWarning():
            return _warning(s, e)
        case SlaBreached():
            return _breached(s, e)
        case SlaTargetMet():
            return _met(s, e)


def _with(clock: SlaClock, **changes: Any) -> SlaClock:
    return clock.model_copy(update=changes)


def _ticking(clock: SlaClock) -> SlaClock:
    return _with(clock, state="running" if clock.warning_threshold is None else "warning")


def _clocks(s: TicketState, name: SlaTargetName, clock: SlaClock) -> dict[str, SlaClock]:
    return {**s.sla, name: clock}


def _policy_applied(s: TicketState, e: SlaPolicyApplied) -> TicketState:
    clocks = dict(s.sla)
    for target in e.data.targets:
        old = clocks.get(target.name)
        if old is None or old.state not in ("met", "breached"):
            state = "stopped" if _stopped_by_done(s, target.name) else "paused" if s.sla_paused else "running"
            clocks[target.name] = SlaClock(name=target.name, due_at=target.due_at, state=state)
    return s.model_copy(
        update={"sla": clocks, "sla_policy_id": e.data.policy_id, "sla_policy_version": e.data.policy_version}
    )


def _resumed(s: TicketState, e: SlaClockResumed) -> TicketState:
    clocks = {n: _ticking(c) if c.state == "paused" else c for n, c in s.sla.items()}
    for target in e.data.targets:
        clock = _replanned(clocks.get(target.name), target)
        clocks[target.name] = _with(clock, state="stopped") if _stopped_by_done(s, target.name) else clock
    return s.model_copy(update={"sla": clocks, "sla_paused": False})


def _replanned(old: SlaClock | None, target: SlaTargetDue) -> SlaClock:
    if old is None or old.state in ("met", "stopped"):
        return SlaClock(name=target.name, due_at=target.due_at)
    return _with(old, due_at=target.due_at)


def _warning(s: TicketState, e: SlaWarning) -> TicketState | None:
    d = e.data
    old = s.sla.get(d.target)
    if old is None:
        clock = SlaClock(name=d.target, due_at=d.due_at, state="warning", warning_threshold=d.threshold)
    elif old.state in _TICKING:
        threshold = max(old.warning_threshold or 0.0, d.threshold)
        clock = _with(old, state="warning", warning_threshold=threshold)
    else:
        return None
    return s.model_copy(update={"sla": _clocks(s, d.target, clock)})


def _breached(s: TicketState, e: SlaBreached) -> TicketState | None:
    d = e.data
    old = s.sla.get(d.target)
    if (old is not None and old.state in ("met", "breached")) or _satisfied_by(s, d.target, d.due_at):
        return None
    base = old if old is not None else SlaClock(name=d.target)
    clock = _with(base, state="breached", breached_at=e.occurred_at, due_at=base.due_at or d.due_at)
    return s.model_copy(update={"sla": _clocks(s, d.target, clock)})


def _satisfied_by(s: TicketState, target: SlaTargetName, due: datetime) -> bool:
    """Whether the ticket's own facts met ``target`` at or before ``due`` (the breach timer raced them)."""
    if target == "first_response":
        return s.first_response_at is not None and s.first_response_at <= due
    if target == "resolution":
        done_at = s.resolved_at or s.closed_at
        return s.status in ("resolved", "closed") and done_at is not None and done_at <= due
    reply = s.last_agent_reply_at
    return s.unanswered_since is None and reply is not None and reply <= due


def _met(s: TicketState, e: SlaTargetMet) -> TicketState | None:
    d = e.data
    old = s.sla.get(d.target)
    if old is not None and old.state == "met":
        return None
    base = old if old is not None else SlaClock(name=d.target)
    clock = _with(base, state="met", met_at=d.met_at, within_target=d.within_target, due_at=base.due_at or d.due_at)
    return s.model_copy(update={"sla": _clocks(s, d.target, clock)})
