"""The ONE pure fold that defines what a ticket's events mean (DESIGN §2).

``evolve(state, event) -> state`` and ``fold(events) -> state`` are total: any sequence of ticket events,
in any order, folds without raising. Services decide concurrently from what they have consumed, so the log
can hold decisions that raced; the rules below settle every race the same way in every consumer.

General
  * An event for a ticket with no state yet creates a placeholder (``opened=False``, status ``new``);
    ``TicketOpened`` later fills it in.
  * ``version`` counts every event folded, including ignored ones (optimistic concurrency: a service's
    expected version is the length of the ticket's log). An ignored event changes nothing else.
  * ``updated_at`` is the latest ``occurred_at`` among the applied (not ignored) events.
  * Events for another ``ticket_id`` are counted and ignored.
  * ``closed`` is terminal: closed tickets ignore status, priority, category, merge, queue, assignment and
    escalation events; messages, notes, CSAT and SLA facts are still recorded.
  * :func:`applies` tells whether an event would be applied (e.g. routing releases the agent's capacity
    when its ``TicketAssigned`` is not applied).

Lifecycle (intake)
  * ``TicketOpened``: only the first one applies. It sets the descriptive fields, ``created_at``, counts the
    opening message; priority and category only fill values still unset (a change folded earlier wins).
  * ``TicketStatusChanged`` applies only if the transition is valid from the *folded* status (the event's
    ``from_status`` is informational): new -> open/pending/resolved/closed; open -> pending/resolved/closed;
    pending -> open/resolved/closed; resolved -> open (a reopen: ``reopen_count + 1``, ``resolved_at`` and
    ``resolution`` cleared) or closed; closed -> nothing. Same-status changes are ignored.
    To resolved sets ``resolved_at``/``resolution``; to closed sets ``closed_at``.
  * Customer messages never change the status by themselves: intake decides the un-pend / reopen and
    records it as a ``TicketStatusChanged``. They count, and set ``last_customer_message_at`` and (the oldest
    unanswered one) ``unanswered_since``.
  * ``AgentReplied`` moves ``new`` to ``open``; the first one sets ``first_response_at``; every one counts,
    sets ``last_agent_reply_at`` and clears ``unanswered_since``: a reply answers the messages *before it in
    the log*, whatever their timestamps (a message that waited in the inbound topic while the agent replied
    is still unanswered, as the sla service sees it).
  * Resolve/close keeps the assignee and team (reporting: who resolved it); a reopen clears the assignee
    (keeps the team): routing decides again and records it (``TicketAssigned``, or ``TicketQueued`` when
    nobody has room), so a reopened ticket never shows an agent above capacity.
  * ``TicketMerged`` closes the ticket (``closed_at``) and sets ``merged_into``; ignored when already closed
    or merged, or merged into itself.
  * ``SatisfactionRated``: the latest rating wins, in any status.
  * ``TicketContactChanged`` (contacts merged or unmerged) replaces the customer, in any status.
  * Priority/category changes apply unless closed; a change to the current value is ignored.

Routing
  * ``TicketAssigned`` after resolve/close is recorded (``version + 1``) but does not set the assignee;
    routing sees ``applies(...) is False`` and releases the agent's capacity. Otherwise it sets
    ``assignee`` and ``team`` and clears ``queued_at``. Assignment never changes the status.
  * ``TicketQueued`` (unless resolved/closed) sets ``team`` and ``queued_at`` and clears the assignee.
  * ``TicketUnassigned`` applies only to the current assignee and not after resolve/close.

Escalation
  * The level only grows: an escalation whose level is not above the current one, or that arrives after
    resolve/close, is ignored as a whole (a stale or duplicate decision).
  * ``to_team`` (other than the current team) moves the ticket and clears the assignee: routing releases
    the previous agent's capacity and assigns in the new team.
  * ``raise_priority_to`` applies only if more urgent than the current priority.
  * ``EscalationNoticeRequested`` is recorded (``updated_at``) and changes nothing.

SLA (only the sla service's events move clocks: :mod:`helpdesk_events.sla_clock` is the one model)
  * Every move of a target's clock is an event of the sla service, applied with the same
    :class:`~helpdesk_events.sla_clock.SlaClock` transition the service used, in the order it decided them
    (its events for one ticket are in log order): ``SlaPolicyApplied`` and ``SlaClockResumed`` set each
    listed target's ``phase``, ``cycle``, ``started_at`` and due time as decided (another cycle than the
    fold's starts a fresh clock; the same cycle keeps its outcome fields); ``SlaWarning`` (running only),
    ``SlaBreached`` (running only), ``SlaTargetMet`` (running or breached; within target it withdraws a breach
    that raced it), ``SlaTargetStopped`` (anything but met/stopped). A move that does not apply is ignored.
  * ``SlaClockPaused`` pauses every clock (ignored if already paused); ``SlaClockResumed`` ends the pause,
    except one with reason ``customer_message`` (a ``next_response`` cycle started while pending).
  * Unknown targets in warning/breach/met/stop events create their clock (running).
  * A breach is recorded even when the log already holds the reply or resolution that met the target in
    time (the timer raced it): the service records that target met within target next, which withdraws
    the breach (``breached_at`` cleared). :func:`answered_in_time` tells such a breach (escalation ignores it).
  * Events before 2026-12 carry no ``phase`` and the service did not publish stops then: for such a ticket
    (``sla_stops_recorded`` false) resolving or closing stops the running response targets, a merge stops
    every running clock, a target planned on a ticket already done starts stopped, a policy applied keeps a
    met/breached outcome and a resume restarts a met or stopped target.
"""

from collections.abc import Iterable
from datetime import datetime
from functools import reduce
from typing import Any

from helpdesk_events.catalogue import TicketEvent
from helpdesk_events.escalation import EscalationNoticeRequested, TicketEscalated
from helpdesk_events.lifecycle import (
    AgentReplied,
    CustomerMessageReceived,
    InternalNoteAdded,
    SatisfactionRated,
    TicketCategoryChanged,
    TicketContactChanged,
    TicketMerged,
    TicketOpened,
    TicketPriorityChanged,
    TicketStatusChanged,
)
from helpdesk_events.routing import TicketAssigned, TicketQueued, TicketUnassigned
from helpdesk_events.sla import (
    SlaBreached,
    SlaClockPaused,
    SlaClockResumed,
    SlaPolicyApplied,
    SlaTargetMet,
    SlaTargetStopped,
    SlaWarning,
)
from helpdesk_events.sla_fold import answered_in_time, apply_sla, legacy_stopped
from helpdesk_events.state import TICKET_STATUSES as TICKET_STATUSES
from helpdesk_events.state import ClockState as ClockState
from helpdesk_events.state import SlaClock as SlaClock
from helpdesk_events.state import TicketState as TicketState
from helpdesk_events.state import can_transition as can_transition
from helpdesk_events.state import is_open as is_open
from helpdesk_events.types import priority_rank

_DONE = ("resolved", "closed")


def evolve(state: TicketState | None, event: TicketEvent) -> TicketState:
    """The state after ``event``; never raises."""
    current = state if state is not None else TicketState(ticket_id=event.ticket_id, tenant=event.tenant)
    applied = _apply(current, event) if event.ticket_id == current.ticket_id else None
    if applied is None:
        return current.model_copy(update={"version": current.version + 1})
    return applied.model_copy(
        update={"version": current.version + 1, "updated_at": _later(current.updated_at, event.occurred_at)}
    )


def fold(events: Iterable[TicketEvent], initial: TicketState | None = None) -> TicketState | None:
    """Fold ``events`` over ``initial``; None when there are no events and no initial state."""
    return reduce(evolve, events, initial)


def applies(state: TicketState | None, event: TicketEvent) -> bool:
    """Whether :func:`evolve` would apply ``event`` rather than only count it."""
    current = state if state is not None else TicketState(ticket_id=event.ticket_id, tenant=event.tenant)
    return event.ticket_id == current.ticket_id and _apply(current, event) is not None


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else max(a, b)


def _earlier(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else min(a, b)


def _apply(s: TicketState, e: TicketEvent) -> TicketState | None:
    """The new state, or None when the event is ignored."""
    match e:
        case TicketOpened():
            return _opened(s, e)
        case CustomerMessageReceived():
            return _set(
                s,
                message_count=s.message_count + 1,
                last_customer_message_at=_later(s.last_customer_message_at, e.occurred_at),
                unanswered_since=_earlier(s.unanswered_since, e.occurred_at),
            )
        case AgentReplied():
            return _set(
                s,
                status="open" if s.status == "new" else s.status,
                first_response_at=s.first_response_at or e.occurred_at,
                message_count=s.message_count + 1,
                last_agent_reply_at=_later(s.last_agent_reply_at, e.occurred_at),
                unanswered_since=None,
            )
        case InternalNoteAdded():
            return _set(s, note_count=s.note_count + 1)
        case TicketStatusChanged():
            return _status_changed(s, e)
        case TicketPriorityChanged():
            if s.status == "closed" or e.data.to_priority == s.priority:
                return None
            return _set(s, priority=e.data.to_priority)
        case TicketCategoryChanged():
            if s.status == "closed" or e.data.to_category == s.category:
                return None
            return _set(s, category=e.data.to_category)
        case SatisfactionRated():
            return _set(s, csat=e.data.rating)
        case TicketContactChanged():
            return _set(s, customer=e.data.customer)
        case TicketMerged():
            if s.status == "closed" or s.merged_into is not None or e.data.into_ticket_id == s.ticket_id:
                return None
            stopped = legacy_stopped(s, tuple(s.sla))
            return _set(
                s, status="closed", closed_at=e.occurred_at, merged_into=e.data.into_ticket_id, sla={**s.sla, **stopped}
            )
        case TicketQueued():
            if s.status in _DONE:
                return None
            return _set(s, team=e.data.team, assignee=None, queued_at=e.occurred_at)
        case TicketAssigned():
            if s.status in _DONE:
                return None
            return _set(s, team=e.data.team, assignee=e.data.agent_id, queued_at=None)
        case TicketUnassigned():
            if s.status in _DONE or s.assignee != e.data.agent_id:
                return None
            return _set(s, assignee=None)
        case TicketEscalated():
            return _escalated(s, e)
        case EscalationNoticeRequested():
            return s
        case (
            SlaPolicyApplied()
            | SlaClockPaused()
            | SlaClockResumed()
            | SlaWarning()
            | SlaBreached()
            | SlaTargetMet()
            | SlaTargetStopped()
        ):
            return apply_sla(s, e)
        case _:  # not a ticket event: nothing to apply
            return None


def _set(s: TicketState, **changes: Any) -> TicketState:
    return s.model_copy(update=changes)


def _opened(s: TicketState, e: TicketOpened) -> TicketState | None:
    if s.opened:
        return None
    d = e.data
    return _set(
        s,
        opened=True,
        tenant=e.tenant,
        folio=d.folio,
        channel=d.channel,
        subject=d.subject,
        customer=d.customer,
        language=d.language,
        tags=tuple(d.tags),
        config_version=d.config_version,
        follow_up_of=d.follow_up_of,
        priority=s.priority or d.priority,
        category=s.category if s.category is not None else d.category,
        created_at=e.occurred_at,
        message_count=s.message_count + 1,
        last_customer_message_at=_later(s.last_customer_message_at, e.occurred_at),
        # Unanswered unless a reply was folded first (a placeholder: the reply came before the opening).
        unanswered_since=_earlier(s.unanswered_since, e.occurred_at) if s.first_response_at is None else None,
    )


def _status_changed(s: TicketState, e: TicketStatusChanged) -> TicketState | None:
    to = e.data.to_status
    if not can_transition(s.status, to):
        return None
    changes: dict[str, Any] = {"status": to}
    if to in _DONE:
        stopped = legacy_stopped(s, ("first_response", "next_response"))  # logs before 2026-12 only
        if stopped:
            changes["sla"] = {**s.sla, **stopped}
    if to == "resolved":
        changes.update(resolved_at=e.occurred_at, resolution=e.data.resolution)
    elif to == "closed":
        changes.update(closed_at=e.occurred_at)
        if s.resolution is None and e.data.resolution is not None:
            changes.update(resolution=e.data.resolution)
    elif s.status == "resolved":  # resolved -> open
        # Routing decides again (TicketAssigned, or TicketQueued when nobody has room): until then the
        # ticket has no agent, so no read model counts it against an agent who may be full.
        changes.update(reopen_count=s.reopen_count + 1, resolved_at=None, resolution=None, assignee=None)
    return _set(s, **changes)


def _escalated(s: TicketState, e: TicketEscalated) -> TicketState | None:
    d = e.data
    if s.status in _DONE or d.level <= s.escalation_level:
        return None
    changes: dict[str, Any] = {"escalation_level": d.level}
    if d.to_team is not None and d.to_team != s.team:
        changes.update(team=d.to_team, assignee=None)
    raise_to = d.raise_priority_to
    if raise_to is not None and (s.priority is None or priority_rank(raise_to) < priority_rank(s.priority)):
        changes.update(priority=raise_to)
    return _set(s, **changes)


__all__ = [
    "TICKET_STATUSES",
    "answered_in_time",
    "ClockState",
    "SlaClock",
    "TicketState",
    "applies",
    "can_transition",
    "evolve",
    "fold",
    "is_open",
]
