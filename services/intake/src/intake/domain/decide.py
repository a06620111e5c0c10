"""Intake's pure decisions: an inbound message becomes a new ticket or joins one (ids and time passed in)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from helpdesk_events import (
    CustomerMessageReceived,
    CustomerMessageReceivedData,
    InboundMessage,
    TicketEvent,
    TicketOpened,
    TicketOpenedData,
    TicketState,
    TicketStatusChanged,
    TicketStatusChangedData,
)

from .classify import IntakeRules, classify_category, classify_priority, detect_language
from .contacts import contact_for
from .html_text import html_to_text, sanitise_html
from .quoting import Split, split_reply

PRODUCER = "intake"
NAMESPACE = uuid.UUID("6f1c1a52-5d0f-4b7e-9b8e-0f7c2a1d9e11")
FOLIO_IN_SUBJECT = re.compile(r"\[?\b([A-Z]{2,5}-\d{4}-\d{6,})\b\]?")


def event_id(tenant: str, message_id: str, n: int) -> uuid.UUID:
    """Deterministic: the same message always yields the same event ids (replay- and retry-safe)."""
    return uuid.uuid5(NAMESPACE, f"{tenant}\x00{message_id}\x00{n}")


def ticket_id_for(tenant: str, message_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"ticket\x00{tenant}\x00{message_id}"))


def plain_text(msg: InboundMessage) -> str:
    if not msg.body_is_html:
        return msg.body if msg.body.strip() or not msg.body_html else html_to_text(sanitise_html(msg.body_html))
    return html_to_text(sanitise_html(msg.body))


def safe_html(msg: InboundMessage) -> str | None:
    """The sanitised HTML rendering, if the message has one."""
    raw = msg.body if msg.body_is_html else msg.body_html
    return sanitise_html(raw) if raw else None


def split_body(msg: InboundMessage) -> Split:
    """Email replies carry quoted history and signatures; other channels are taken as written."""
    text = plain_text(msg)
    return split_reply(text) if msg.channel == "email" else Split(text.strip(), None, None)


def folio_in(subject: str | None) -> str | None:
    match = FOLIO_IN_SUBJECT.search(subject or "")
    return match.group(1) if match else None


@dataclass(frozen=True)
class Decision:
    events: list[TicketEvent]
    outcome: str  # "opened" | "appended" | "reopened" | "follow_up"


def decide_inbound(
    msg: InboundMessage,
    existing: TicketState | None,
    *,
    rules: IntakeRules,
    now: datetime,
    folio: str | None,
    contact_id: str | None = None,
) -> Decision:
    """``existing`` is the ticket the message threads into (None: a new ticket, which needs ``folio``);
    ``contact_id`` overrides the sender's contact (after a contact merge)."""
    split = split_body(msg)
    body = split.body
    body_html = safe_html(msg)
    customer = contact_for(msg.sender, rules.contacts)
    if contact_id is not None:  # the sender's contact was merged into another one
        customer = customer.model_copy(update={"contact_id": contact_id})
    correlation = event_id(msg.tenant, msg.message_id, 99)
    if existing is not None and existing.opened and existing.status != "closed":
        events: list[TicketEvent] = []
        tid = existing.ticket_id
        if existing.status in ("resolved", "pending"):
            # A customer's message reopens a resolved ticket and ends waiting on the customer.
            events.append(
                TicketStatusChanged(
                    event_id=event_id(msg.tenant, msg.message_id, 2),
                    ticket_id=tid,
                    tenant=msg.tenant,
                    occurred_at=now,
                    producer=PRODUCER,
                    correlation_id=correlation,
                    data=TicketStatusChangedData(
                        from_status=existing.status, to_status="open", reason="customer replied", actor="customer"
                    ),
                )
            )
        events.insert(
            0,
            CustomerMessageReceived(
                event_id=event_id(msg.tenant, msg.message_id, 1),
                ticket_id=tid,
                tenant=msg.tenant,
                occurred_at=now,
                producer=PRODUCER,
                correlation_id=correlation,
                data=CustomerMessageReceivedData(
                    message_id=msg.message_id,
                    channel=msg.channel,
                    subject=msg.subject,
                    body=body,
                    sender=customer,
                    attachments=msg.attachments,
                    thread_ref=msg.thread_ref,
                    in_reply_to=msg.in_reply_to,
                    body_html=body_html,
                    cc=msg.cc,
                    quoted=split.quoted,
                    signature=split.signature,
                ),
            ),
        )
        return Decision(events, "reopened" if existing.status == "resolved" else "appended")
    if folio is None:
        raise ValueError("a new ticket needs a folio")
    subject = (msg.subject or body.strip().split("\n", 1)[0][:120] or "(no subject)").strip()
    category = classify_category(rules, subject=subject, body=body, channel=msg.channel, recipient=msg.recipient)
    priority, impact, urgency = classify_priority(rules, subject=subject, body=body, tier=customer.tier)
    opened = TicketOpened(
        event_id=event_id(msg.tenant, msg.message_id, 0),
        ticket_id=ticket_id_for(msg.tenant, msg.message_id),
        tenant=msg.tenant,
        occurred_at=now,
        producer=PRODUCER,
        correlation_id=correlation,
        data=TicketOpenedData(
            folio=folio,
            channel=msg.channel,
            subject=subject,
            body=body,
            customer=customer,
            priority=priority,
            impact=impact,
            urgency=urgency,
            category=category,
            language=detect_language(f"{subject}\n{body}") or (msg.locale or "")[:2] or None,
            message_id=msg.message_id,
            thread_ref=msg.thread_ref,
            follow_up_of=existing.ticket_id if existing is not None else None,
            attachments=msg.attachments,
            config_version=rules.version,
            recipient=msg.recipient,
            body_html=body_html,
            cc=msg.cc,
            metadata=msg.metadata,
            quoted=split.quoted,
            signature=split.signature,
        ),
    )
    return Decision([opened], "follow_up" if existing is not None else "opened")
