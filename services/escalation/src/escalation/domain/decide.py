"""Pure escalation decisions: given a case and a stimulus (an SLA fact, a due stall timer, a reopen, a VIP
customer, an agent's request), which escalations. Stall timers are computed in ``stalls``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from helpdesk_events import (
    SlaBreached,
    SlaWarning,
    TicketEvent,
    TicketOpened,
    TicketStatusChanged,
    answered_in_time,
    applies,
)
from helpdesk_events.types import Priority, priority_rank

from .case import Case, evolve_case, new_case
from .matrix import Directory, Level, Matrix, Trigger
from .stalls import stall_timers


@dataclass(frozen=True)
class Stimulus:
    trigger: Trigger
    cause: UUID | None = None
    """The event that caused it (causation id of the escalation)."""
    target: str | None = None
    """SLA triggers: the target that warned or breached."""
    key: str | None = None
    """Stall timers: the one level (its key) whose timer fired."""
    actor: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Notify:
    role: str
    id: str
    email: str | None = None


@dataclass(frozen=True)
class Escalation:
    key: str
    level: int
    trigger: Trigger
    reason: str
    from_team: str | None
    to_team: str | None = None
    raise_priority_to: Priority | None = None
    recipients: tuple[Notify, ...] = ()
    cause: UUID | None = None


@dataclass(frozen=True)
class Reaction:
    case: Case
    escalations: list[Escalation] = field(default_factory=list)


_ROLES = {
    "lead": "team_lead",
    "manager": "manager",
    "account_owner": "account_owner",
    "assignee": "assignee",
    "target_lead": "target_team_lead",
}


def _minutes(m: float) -> str:
    if m >= 120 and m % 60 == 0:
        return f"{int(m // 60)} hours"
    return f"{m:g} minute" + ("" if m == 1 else "s")


def _why(lvl: Level, s: Stimulus, case: Case) -> str:
    target = (s.target or "").replace("_", " ")
    match s.trigger:
        case "sla_warning":
            return f"SLA warning on {target}"
        case "sla_breach":
            return f"SLA breached on {target}"
        case "unassigned_too_long":
            return f"unassigned for more than {_minutes(lvl.after_minutes or 0)}"
        case "no_agent_reply":
            return f"no agent reply for more than {_minutes(lvl.after_minutes or 0)} after the customer's message"
        case "reopened":
            return f"reopened {case.ticket.reopen_count} times"
        case "vip":
            tier = case.ticket.customer.tier if case.ticket.customer else "vip"
            return f"customer is VIP (tier {tier})"
        case "manual":
            who = f"agent {s.actor}" if s.actor else "an agent"
            return f"escalation requested by {who}" + (f": {s.note}" if s.note else "")
    return s.trigger  # pragma: no cover - exhaustive above


def _levels(matrix: Matrix, case: Case, s: Stimulus) -> list[tuple[Level, str]]:
    row = matrix.row_for(case.match_values())
    if row is None:
        return []
    out: list[tuple[Level, str]] = []
    for lvl in row.levels:
        if lvl.trigger != s.trigger:
            continue
        if lvl.trigger in ("sla_warning", "sla_breach") and lvl.target not in (None, s.target):
            continue
        if lvl.trigger == "reopened" and case.ticket.reopen_count < (lvl.times or 1):
            continue
        key = lvl.key(s.target if lvl.trigger in ("sla_warning", "sla_breach") else None)
        if key in case.fired or (s.key is not None and key != s.key):
            continue
        out.append((lvl, key))
        if s.trigger == "manual":
            break  # each request climbs one manual level
    return out


def _recipients(
    matrix: Matrix, directory: Directory, case: Case, lvl: Level, team: str | None, to_team: str | None
) -> tuple[Notify, ...]:
    info = directory.teams.get(team or "")
    target = directory.teams.get(to_team or "")
    owners = matrix.account_owners
    who = {
        "lead": info.lead if info else None,
        "manager": info.manager if info else None,
        "account_owner": owners.get(case.ticket.tenant, owners.get("default")),
        "assignee": case.ticket.assignee,
        "target_lead": target.lead if target else None,
    }
    return tuple(
        Notify(_ROLES[role], person, matrix.contacts.get(person))
        for role in lvl.notify
        if (person := who[role]) is not None
    )


def decide(matrix: Matrix, directory: Directory, case: Case, s: Stimulus) -> list[Escalation]:
    """The escalations ``s`` causes, in the row's level order; none for a resolved or closed ticket."""
    if not case.is_open:
        return []
    team, level, priority = case.team, case.current_level, case.ticket.priority
    out: list[Escalation] = []
    for lvl, key in _levels(matrix, case, s):
        reason = _why(lvl, s, case)
        to_team: str | None = None
        new_level = lvl.level
        if lvl.action == "functional":
            step = (None, lvl.to_team) if lvl.to_team else directory.next_tier(team, case.origin_team)
            if step is None or step[1] == team:
                reason += f"; {team or 'the ticket'} is already at the highest support tier"
            else:
                to_team = step[1]
                reason += f"; moved from {team} to {to_team}" + (f" (support tier {step[0]})" if step[0] else "")
                new_level = max(lvl.level, level + 1)  # a functional move must raise the level to apply
        raise_to = lvl.raise_priority_to
        if raise_to is not None and priority is not None and priority_rank(raise_to) >= priority_rank(priority):
            raise_to = None
        if raise_to is not None:
            reason += f"; priority raised from {priority} to {raise_to}"
            priority = raise_to
        out.append(
            Escalation(
                key=key,
                level=new_level,
                trigger=lvl.trigger,
                reason=reason,
                from_team=team,
                to_team=to_team,
                raise_priority_to=raise_to,
                recipients=_recipients(matrix, directory, case, lvl, team, to_team),
                cause=s.cause,
            )
        )
        level = max(level, new_level)
        team = to_team or team
    return out


def record(case: Case, escalations: list[Escalation]) -> Case:
    """The case after deciding ``escalations`` (before their events come back from the log)."""
    if not escalations:
        return case
    level, team = case.level, case.pending_team
    for esc in escalations:
        level = max(level, esc.level)
        if esc.to_team is not None:
            team = esc.to_team
    return case.model_copy(
        update={"fired": case.fired | {e.key for e in escalations}, "level": level, "pending_team": team}
    )


def _stimuli(matrix: Matrix, before: Case, event: TicketEvent) -> list[Stimulus]:
    if not applies(before.ticket, event):
        return []
    cause = event.event_id
    match event:
        case SlaWarning(data=d):
            return [Stimulus("sla_warning", cause, target=d.target)]
        case SlaBreached(data=d) if not answered_in_time(before.ticket, d.target, d.due_at):
            # (a breach that raced a reply or resolution already in the log is withdrawn by the SLA service)
            return [Stimulus("sla_breach", cause, target=d.target)]
        case TicketOpened(data=d) if d.customer.tier in matrix.vip_tiers:
            return [Stimulus("vip", cause)]
        case TicketStatusChanged(data=d) if before.ticket.status == "resolved" and d.to_status == "open":
            return [Stimulus("reopened", cause)]
    return []


def react(matrix: Matrix, directory: Directory, case: Case | None, event: TicketEvent) -> Reaction:
    """Fold ``event`` into the case and decide the escalations it triggers."""
    before = case if case is not None else new_case(event)
    after = evolve_case(case, event)
    escalations: list[Escalation] = []
    for stimulus in _stimuli(matrix, before, event):
        escalations.extend(decide(matrix, directory, record(after, escalations), stimulus))
    return Reaction(record(after, escalations), escalations)


def fire_timer(matrix: Matrix, directory: Directory, case: Case, key: str, now: datetime) -> Reaction:
    """A stall timer came due: escalate if its condition still holds (the timer is still wanted and due)."""
    timer = stall_timers(matrix, case).get(key)
    if timer is None or timer.due_at > now:
        return Reaction(case)
    escalations = decide(matrix, directory, case, Stimulus(timer.trigger, timer.cause, key=key))
    return Reaction(record(case, escalations), escalations)


def request_manual(matrix: Matrix, directory: Directory, case: Case, actor: str | None, note: str | None) -> Reaction:
    """An agent asks to escalate: the next manual level not yet used, if any."""
    escalations = decide(matrix, directory, case, Stimulus("manual", actor=actor, note=note))
    return Reaction(record(case, escalations), escalations)
