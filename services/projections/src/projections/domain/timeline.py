"""The readable timeline: one sentence and the actor for every ticket event."""

from __future__ import annotations

from helpdesk_events import (
    AgentReplied,
    CustomerMessageReceived,
    EscalationNoticeRequested,
    InternalNoteAdded,
    SatisfactionRated,
    SlaBreached,
    SlaClockPaused,
    SlaClockResumed,
    SlaPolicyApplied,
    SlaTargetMet,
    SlaTargetStopped,
    SlaWarning,
    TicketAssigned,
    TicketCategoryChanged,
    TicketEscalated,
    TicketEvent,
    TicketMerged,
    TicketOpened,
    TicketPriorityChanged,
    TicketQueued,
    TicketStatusChanged,
    TicketUnassigned,
)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(event: TicketEvent) -> tuple[str, str | None]:
    """``(summary, actor)`` for one event; the actor is an agent/customer id or the producing service."""
    match event:
        case TicketOpened(data=d):
            who = d.customer.name or d.customer.email or d.customer.contact_id
            return f"Opened by {who} via {d.channel}: {_short(d.subject)} ({d.priority})", d.customer.contact_id
        case CustomerMessageReceived(data=d):
            return f"Customer wrote via {d.channel}: {_short(d.body)}", d.sender.contact_id
        case AgentReplied(data=d):
            return f"{d.agent_id} replied: {_short(d.body)}", d.agent_id
        case InternalNoteAdded(data=d):
            return f"{d.author_id} added an internal note: {_short(d.body)}", d.author_id
        case TicketStatusChanged(data=d):
            extra = f" — {_short(d.resolution)}" if d.resolution else ""
            return f"Status {d.from_status} → {d.to_status} ({d.reason}){extra}", d.actor
        case TicketPriorityChanged(data=d):
            return f"Priority {d.from_priority} → {d.to_priority} ({d.reason})", d.actor
        case TicketCategoryChanged(data=d):
            return f"Category {d.from_category or '—'} → {d.to_category or '—'} ({d.reason})", d.actor
        case SatisfactionRated(data=d):
            return f"Customer rated {d.rating}/5" + (f": {_short(d.comment)}" if d.comment else ""), None
        case TicketMerged(data=d):
            return f"Merged into {d.into_folio or d.into_ticket_id}", d.actor
        case TicketQueued(data=d):
            return f"Queued for team {d.team}: {d.reason.explanation}", event.producer
        case TicketAssigned(data=d):
            how = f"by {d.actor}" if d.manual and d.actor else d.reason.explanation
            return f"Assigned to {d.agent_id} (team {d.team}): {how}", d.actor or event.producer
        case TicketUnassigned(data=d):
            return f"Unassigned from {d.agent_id}: {d.reason}", event.producer
        case TicketEscalated(data=d):
            to = f" to team {d.to_team}" if d.to_team else ""
            return f"Escalated to level {d.level}{to} ({d.trigger}): {d.reason}", event.producer
        case EscalationNoticeRequested(data=d):
            who = ", ".join(r.id or r.email or r.role for r in d.recipients)
            return f"Escalation notice (level {d.level}) to {who}", event.producer
        case SlaPolicyApplied(data=d):
            targets = ", ".join(f"{t.name} {t.minutes:g} min" for t in d.targets)
            return f"SLA policy {d.policy_id} v{d.policy_version} applied: {targets}", event.producer
        case SlaClockPaused(data=d):
            return f"SLA clock paused ({d.reason})", event.producer
        case SlaClockResumed(data=d) if d.reason == "customer_message":
            return "SLA next response clock started (a customer message waits)", event.producer
        case SlaClockResumed():
            return "SLA clock resumed", event.producer
        case SlaWarning(data=d):
            return f"SLA warning: {d.target} at {d.threshold:.0%} of its target", event.producer
        case SlaBreached(data=d):
            return f"SLA breached: {d.target} was due {d.due_at.isoformat()}", event.producer
        case SlaTargetMet(data=d):
            how = "within target" if d.within_target else "late"
            return f"SLA {d.target} met {how} ({d.business_minutes_used:g} business min)", event.producer
        case SlaTargetStopped(data=d):
            return f"SLA {d.target} stopped ({d.reason}): neither met nor breached", event.producer
        case _:
            return event.type, event.producer
