"""How SLA events move a ticket's clocks: the SLA part of :mod:`helpdesk_events.fold` (rules there).

Each event is one of the moves of :class:`helpdesk_events.sla_clock.SlaClock`, the model the sla service
decides with; events that carry a target's ``phase`` and ``cycle`` say exactly what the service's clock
became. Events from before 2026-12 carry neither, and ``_legacy_*`` keeps the rules the fold used for them.
"""

from collections.abc import Callable
from datetime import datetime

from helpdesk_events.sla import (
    SlaBreached,
    SlaClockPaused,
    SlaClockResumed,
    SlaPolicyApplied,
    SlaTargetDue,
    SlaTargetMet,
    SlaTargetStopped,
    SlaWarning,
)
from helpdesk_events.sla_clock import SlaClock
from helpdesk_events.state import TicketState
from helpdesk_events.types import SlaTargetName

SlaEvent = (
    SlaPolicyApplied | SlaClockPaused | SlaClockResumed | SlaWarning | SlaBreached | SlaTargetMet | SlaTargetStopped
)

_RESPONSE = ("first_response", "next_response")


def apply_sla(s: TicketState, e: SlaEvent) -> TicketState | None:
    """The new state, or None when the event is ignored."""
    match e:
        case SlaPolicyApplied():
            s = _planned(s, e.data.targets, s.sla_paused)
            return s.model_copy(update={"sla_policy_id": e.data.policy_id, "sla_policy_version": e.data.policy_version})
        case SlaClockPaused():
            if s.sla_paused:
                return None
            paused = {n: c.with_pause(True) for n, c in s.sla.items()}
            return s.model_copy(update={"sla": paused, "sla_paused": True})
        case SlaClockResumed():
            # A next_response cycle started by a customer message does not end a pause (it starts paused).
            keeps_pause = s.sla_paused and e.data.reason == "customer_message"
            if not keeps_pause:
                s = s.model_copy(
                    update={"sla": {n: c.with_pause(False) for n, c in s.sla.items()}, "sla_paused": False}
                )
            return _planned(s, e.data.targets, keeps_pause, resumed=True)
        case SlaWarning():
            w = e.data
            return _moved(s, w.target, lambda c: c.warned_at(w.threshold, w.due_at))
        case SlaBreached():
            return _moved(s, e.data.target, lambda c: c.breached(e.occurred_at, e.data.due_at))
        case SlaTargetMet():
            d = e.data
            return _moved(s, d.target, lambda c: c.met(d.met_at, d.within_target, d.due_at))
        case SlaTargetStopped():
            s = s.model_copy(update={"sla_stops_recorded": True})
            return _moved(s, e.data.target, lambda c: c.stopped()) or s


def answered_in_time(s: TicketState, target: SlaTargetName, due: datetime) -> bool:
    """Whether facts already in the log met ``target`` at or before ``due``. A breach for which this holds
    raced them (the timer fired before the sla service consumed them): the fold still records it as the
    service did, the service's ``SlaTargetMet`` that follows withdraws it, and escalation does not act on it."""
    if target == "first_response":
        return s.first_response_at is not None and s.first_response_at <= due
    if target == "resolution":
        done_at = s.resolved_at or s.closed_at
        return s.merged_into is None and s.status in ("resolved", "closed") and done_at is not None and done_at <= due
    reply = s.last_agent_reply_at
    return s.unanswered_since is None and reply is not None and reply <= due


def _moved(s: TicketState, name: SlaTargetName, move: Callable[[SlaClock], SlaClock | None]) -> TicketState | None:
    """Apply ``move`` to the target's clock (an unknown target's clock is created running)."""
    old = s.sla.get(name)
    clock = move(old if old is not None else SlaClock(name=name, phase="running", paused=s.sla_paused))
    if clock is None:
        return None
    return s.model_copy(update={"sla": {**s.sla, name: clock}})


def _planned(s: TicketState, targets: list[SlaTargetDue], paused: bool, *, resumed: bool = False) -> TicketState:
    clocks = dict(s.sla)
    recorded = s.sla_stops_recorded
    for t in targets:
        old = clocks.get(t.name)
        if t.phase is not None:
            recorded = True
            clocks[t.name] = _as_decided(old, t, paused)
        else:
            clocks[t.name] = _legacy_planned(s, old, t, paused, resumed)
    return s.model_copy(update={"sla": clocks, "sla_stops_recorded": recorded})


def _as_decided(old: SlaClock | None, t: SlaTargetDue, paused: bool) -> SlaClock:
    """The clock the sla service published: a new cycle when the cycle differs, else the same one re-planned."""
    assert t.phase is not None  # noqa: S101 - checked by the caller
    if old is None or (t.cycle is not None and t.cycle != old.cycle):
        clock = SlaClock(
            name=t.name,
            minutes=t.minutes,
            phase=t.phase,
            cycle=t.cycle or 0,
            started_at=t.started_at,
            armed_from=t.started_at,
            due_at=t.due_at,
        )
        return clock.with_pause(paused)
    # The same cycle: re-planned; an outcome it already has (met, breached, stopped) stays.
    phase = old.phase if old.phase in ("met", "breached", "stopped") else t.phase
    return old.planned(t.due_at, t.minutes).model_copy(update={"phase": phase}).with_pause(paused)


# ----- events before 2026-12: no phase, no stop events; the fold infers the service's stops -----


def legacy_stopped(s: TicketState, names: tuple[str, ...]) -> dict[str, SlaClock]:
    """The clocks among ``names`` still running, now ``stopped`` (the service stopped them without an event);
    nothing once the log records stops (``sla_stops_recorded``)."""
    if s.sla_stops_recorded:
        return {}
    return {
        n: c.model_copy(update={"phase": "stopped", "paused": False})
        for n, c in s.sla.items()
        if n in names and c.phase == "running"
    }


def _legacy_planned(s: TicketState, old: SlaClock | None, t: SlaTargetDue, paused: bool, resumed: bool) -> SlaClock:
    """A policy applied keeps a met or breached outcome; a resume starts a new cycle for a met or stopped
    target. Either starts ``stopped`` on a ticket the fold already shows done (resolved: response targets;
    merged: all)."""
    if old is not None and not resumed and old.phase in ("met", "breached"):
        return old
    if old is None or old.phase in ("met", "stopped", "idle"):
        cycle = (old.cycle if old is not None else 0) + 1
        clock = SlaClock(name=t.name, minutes=t.minutes, phase="running", cycle=cycle, due_at=t.due_at).with_pause(
            paused
        )
    else:
        clock = old.planned(t.due_at, t.minutes).with_pause(paused)
    done = s.merged_into is not None or (t.name in _RESPONSE and s.status in ("resolved", "closed"))
    return clock.model_copy(update={"phase": "stopped", "paused": False}) if done else clock
