"""Builders of realistic events for given/when/then tests, here and in every service::

    state = fold([opened(at=MON_0900, priority="P1"), replied(at=at_min(30))])

Each builder returns a valid event for ticket ``T-1`` (``ticket=...`` to change it) at ``MON_0900``
(Monday 2 March 2026, 09:00 UTC) unless told otherwise. Event ids are ``UUID(int=n)``, counting up.
``inbound``, ``team``, ``agent`` and ``presence`` build inbound messages and directory events.
"""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import helpdesk_events as he

MON_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at_min(minutes: float) -> datetime:
    """``MON_0900`` plus ``minutes``."""
    return MON_0900 + timedelta(minutes=minutes)


def envelope(at: datetime | None = None, ticket: str = "T-1", producer: str = "test") -> dict[str, Any]:
    """The envelope fields of a ticket event, as keyword arguments."""
    return {
        "event_id": UUID(int=next(_ids)),
        "ticket_id": ticket,
        "occurred_at": at or MON_0900,
        "producer": producer,
    }


def opened(at: datetime | None = None, ticket: str = "T-1", **data: Any) -> he.TicketOpened:
    payload: dict[str, Any] = {
        "folio": "HD-2026-000001",
        "channel": "email",
        "subject": "Printer on fire",
        "body": "It is on fire.",
        "customer": he.Customer(contact_id="email:ana@example.com", email="ana@example.com"),
        "priority": "P3",
        **data,
    }
    return he.TicketOpened(**envelope(at, ticket, "intake"), data=he.TicketOpenedData(**payload))


def status(
    to: he.Status, at: datetime | None = None, ticket: str = "T-1", frm: he.Status = "open", **data: Any
) -> he.TicketStatusChanged:
    payload = {"from_status": frm, "to_status": to, "reason": "test", "actor": "agent:ana", **data}
    return he.TicketStatusChanged(**envelope(at, ticket, "intake"), data=he.TicketStatusChangedData(**payload))


def customer_message(at: datetime | None = None, ticket: str = "T-1") -> he.CustomerMessageReceived:
    sender = he.Customer(contact_id="email:ana@example.com", email="ana@example.com")
    data = he.CustomerMessageReceivedData(
        message_id=f"<m{next(_ids)}@example.com>", channel="email", body="Any news?", sender=sender
    )
    return he.CustomerMessageReceived(**envelope(at, ticket, "intake"), data=data)


def replied(at: datetime | None = None, ticket: str = "T-1", agent: str = "ana") -> he.AgentReplied:
    data = he.AgentRepliedData(agent_id=agent, body="On it.", channel="email")
    return he.AgentReplied(**envelope(at, ticket, "intake"), data=data)


def note(at: datetime | None = None, ticket: str = "T-1", author: str = "ana") -> he.InternalNoteAdded:
    data = he.InternalNoteAddedData(author_id=author, body="Asked facilities.")
    return he.InternalNoteAdded(**envelope(at, ticket, "intake"), data=data)


def reprioritised(
    to: he.Priority, at: datetime | None = None, ticket: str = "T-1", frm: he.Priority = "P3"
) -> he.TicketPriorityChanged:
    data = he.TicketPriorityChangedData(from_priority=frm, to_priority=to, reason="test", actor="sup")
    return he.TicketPriorityChanged(**envelope(at, ticket, "intake"), data=data)


def recategorised(to: str | None, at: datetime | None = None, ticket: str = "T-1") -> he.TicketCategoryChanged:
    data = he.TicketCategoryChangedData(to_category=to, reason="test", actor="sup")
    return he.TicketCategoryChanged(**envelope(at, ticket, "intake"), data=data)


def rated(rating: int, at: datetime | None = None, ticket: str = "T-1") -> he.SatisfactionRated:
    data = he.SatisfactionRatedData(rating=rating)
    return he.SatisfactionRated(**envelope(at, ticket, "intake"), data=data)


def merged(into: str = "T-9", at: datetime | None = None, ticket: str = "T-1") -> he.TicketMerged:
    data = he.TicketMergedData(into_ticket_id=into, actor="sup")
    return he.TicketMerged(**envelope(at, ticket, "intake"), data=data)


_REASON = he.RoutingReason(rule="skills", explanation="least loaded eligible agent")


def queued(team: str = "l1", at: datetime | None = None, ticket: str = "T-1") -> he.TicketQueued:
    data = he.TicketQueuedData(team=team, priority="P3", reason=_REASON)
    return he.TicketQueued(**envelope(at, ticket, "routing"), data=data)


def assigned(
    agent: str = "ana", team: str = "l1", at: datetime | None = None, ticket: str = "T-1"
) -> he.TicketAssigned:
    data = he.TicketAssignedData(team=team, agent_id=agent, reason=_REASON)
    return he.TicketAssigned(**envelope(at, ticket, "routing"), data=data)


def unassigned(agent: str = "ana", at: datetime | None = None, ticket: str = "T-1") -> he.TicketUnassigned:
    data = he.TicketUnassignedData(agent_id=agent, reason="agent went offline")
    return he.TicketUnassigned(**envelope(at, ticket, "routing"), data=data)


def escalated(level: int, at: datetime | None = None, ticket: str = "T-1", **data: Any) -> he.TicketEscalated:
    payload = {"level": level, "trigger": "sla_warning", "reason": "test", **data}
    return he.TicketEscalated(**envelope(at, ticket, "escalation"), data=he.TicketEscalatedData(**payload))


def notice(level: int = 1, at: datetime | None = None, ticket: str = "T-1") -> he.EscalationNoticeRequested:
    data = he.EscalationNoticeRequestedData(
        level=level,
        trigger="sla_breach",
        reason="resolution breached",
        recipients=[he.Recipient(role="team_lead", id="lead")],
    )
    return he.EscalationNoticeRequested(**envelope(at, ticket, "escalation"), data=data)


def due(name: he.SlaTargetName, due_at: datetime | None, minutes: float = 60) -> he.SlaTargetDue:
    return he.SlaTargetDue(name=name, minutes=minutes, due_at=due_at)


def policy(*targets: he.SlaTargetDue, at: datetime | None = None, ticket: str = "T-1") -> he.SlaPolicyApplied:
    data = he.SlaPolicyAppliedData(
        policy_id="p3-standard",
        policy_version="7",
        calendar="office",
        calendar_version="3",
        targets=list(targets),
        warning_thresholds=[0.75],
    )
    return he.SlaPolicyApplied(**envelope(at, ticket, "sla"), data=data)


def paused(at: datetime | None = None, ticket: str = "T-1") -> he.SlaClockPaused:
    data = he.SlaClockPausedData(reason="pending")
    return he.SlaClockPaused(**envelope(at, ticket, "sla"), data=data)


def resumed(*targets: he.SlaTargetDue, at: datetime | None = None, ticket: str = "T-1") -> he.SlaClockResumed:
    data = he.SlaClockResumedData(targets=list(targets))
    return he.SlaClockResumed(**envelope(at, ticket, "sla"), data=data)


def warned(
    target: he.SlaTargetName, due_at: datetime, threshold: float = 0.75, at: datetime | None = None
) -> he.SlaWarning:
    data = he.SlaWarningData(target=target, threshold=threshold, due_at=due_at)
    return he.SlaWarning(**envelope(at, "T-1", "sla"), data=data)


def breached(target: he.SlaTargetName, due_at: datetime, at: datetime | None = None) -> he.SlaBreached:
    """Breach fired at ``at`` (default: exactly at ``due_at``)."""
    data = he.SlaBreachedData(target=target, due_at=due_at, policy_id="p3-standard")
    return he.SlaBreached(**envelope(at or due_at, "T-1", "sla"), data=data)


def met(target: he.SlaTargetName, met_at: datetime, due_at: datetime | None = None) -> he.SlaTargetMet:
    data = he.SlaTargetMetData(
        target=target,
        due_at=due_at,
        met_at=met_at,
        business_minutes_used=12.5,
        within_target=due_at is None or met_at <= due_at,
    )
    return he.SlaTargetMet(**envelope(met_at, "T-1", "sla"), data=data)


def inbound(body: str = "My printer is on fire.", **fields: Any) -> he.InboundMessage:
    """An inbound email from ana@example.com received at ``MON_0900``; override any field."""
    values: dict[str, Any] = {
        "message_id": f"<in{next(_ids)}@example.com>",
        "channel": "email",
        "received_at": MON_0900,
        "sender": he.Sender(email="ana@example.com", name="Ana López"),
        "subject": "Printer",
        "body": body,
        **fields,
    }
    return he.InboundMessage(**values)


def _directory(entity: str, at: datetime | None) -> dict[str, Any]:
    return {"event_id": UUID(int=next(_ids)), "entity_id": entity, "occurred_at": at or MON_0900, "producer": "routing"}


def team(team_id: str = "l1", tier: he.Tier = "L1", at: datetime | None = None, **data: Any) -> he.TeamDefined:
    payload: dict[str, Any] = {"team_id": team_id, "name": f"Team {team_id}", "tier": tier, **data}
    return he.TeamDefined(**_directory(team_id, at), data=he.TeamDefinedData(**payload))


def agent(agent_id: str = "ana", at: datetime | None = None, **data: Any) -> he.AgentRegistered:
    payload: dict[str, Any] = {
        "agent_id": agent_id,
        "name": agent_id.title(),
        "email": f"{agent_id}@desk.example",
        "teams": ["l1"],
        "skills": {},
        "languages": ["en", "es"],
        "capacity": 5,
        **data,
    }
    return he.AgentRegistered(**_directory(agent_id, at), data=he.AgentRegisteredData(**payload))


def presence(agent_id: str = "ana", to: he.Presence = "online", at: datetime | None = None) -> he.AgentPresenceChanged:
    data = he.AgentPresenceChangedData(agent_id=agent_id, presence=to)
    return he.AgentPresenceChanged(**_directory(agent_id, at), data=data)
