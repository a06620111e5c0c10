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
    or merged, or merged into itself. Every SLA clock still open is ``stopped`` (the sla service stops
    them all, resolution included, without an event).
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

SLA (only the sla service's events move clocks, with one exception)
  * Resolving or closing stops the response targets (first/next response) still running, warning or
    paused: ``stopped``, neither met nor breached. The sla service stops their timers without an event of
    its own, and a read model must not show them ticking forever. A later cycle (``SlaClockResumed``)
    starts them again, as after ``met``. The same holds when the resolve/close is folded first: a response
    target that ``SlaPolicyApplied`` or ``SlaClockResumed`` plans on a resolved or closed ticket (decided
    before the sla service reached the resolve, which then stops it) starts ``stopped``.
  * ``SlaPolicyApplied`` records the policy and (re)plans each listed target as running (paused while the
    clock is paused); a target already met or breached keeps its outcome.
  * ``SlaClockPaused`` pauses running/warning clocks (ignored if already paused). ``SlaClockResumed``
    unpauses them and re-plans each listed target: a met or stopped target starts a new cycle (how ``next_response``
    restarts), a breached one stays breached with the new due time, others take the new due time.
  * ``SlaWarning`` applies to running/warning clocks (the highest threshold is kept).
  * ``SlaBreached`` is ignored after the target was met or already breached, and also when the ticket's own
    facts show the target satisfied by the due time (the timer raced the reply/resolution): first
    response at or before due, resolved (or closed) at or before due, or for ``next_response`` no customer
    message left unanswered (in log order) and the last agent reply at or before due.
  * ``SlaTargetMet``: the first one per cycle wins; a late met keeps ``breached_at``.
  * Unknown targets in warning/breach/met events create their clock.
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
    SlaWarning,
)
from helpdesk_events.sla_clocks import apply_sla
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
            # The sla service stops every clock of a merged ticket, resolution included, without an event.
            stopped = _stopped(s, s.sla)
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
        case SlaPolicyApplied() | SlaClockPaused() | SlaClockResumed() | SlaWarning() | SlaBreached() | SlaTargetMet():
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


def _stopped(s: TicketState, names: Iterable[str]) -> dict[str, SlaClock]:
    """The clocks among ``names`` still running, warning or paused, now ``stopped``."""
    return {
        n: c.model_copy(update={"state": "stopped"})
        for n, c in s.sla.items()
        if n in names and c.state in ("running", "warning", "paused")
    }


def _status_changed(s: TicketState, e: TicketStatusChanged) -> TicketState | None:
    to = e.data.to_status
    if not can_transition(s.status, to):
        return None
    changes: dict[str, Any] = {"status": to}
    if to in _DONE:
        # Resolving or closing ends the response targets still open: the SLA service stops their timers
        # without an event of its own, so the fold records it here (the resolution target is met by its
        # own SlaTargetMet).
        stopped = _stopped(s, ("first_response", "next_response"))
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
    "ClockState",
    "SlaClock",
    "TicketState",
    "applies",
    "can_transition",
    "evolve",
    "fold",
    "is_open",
]
