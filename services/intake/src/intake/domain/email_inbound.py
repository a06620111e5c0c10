"""A parsed raw email becomes the same :class:`InboundMessage` every other channel sends. Pure."""

from __future__ import annotations

from datetime import datetime

from helpdesk_events import InboundMessage, Sender

from .email_parser import ParsedEmail, parse_email


def inbound_from_email(
    parsed: ParsedEmail,
    *,
    received_at: datetime,
    tenant: str = "default",
    message_id: str | None = None,
    recipient: str | None = None,
    metadata: dict[str, str] | None = None,
) -> InboundMessage:
    """``message_id`` defaults to the email's Message-ID (or the sha256 of the raw message)."""
    meta = dict(metadata or {})
    meta["email_message_id"] = parsed.message_id
    if parsed.date is not None:
        meta["email_date"] = parsed.date.isoformat()
    if parsed.truncated:
        meta["truncated"] = "true"
    if parsed.defects:
        meta["email_defects"] = ",".join(sorted(set(parsed.defects)))[:500]
    return InboundMessage(
        message_id=(message_id or parsed.message_id)[:512],
        channel="email",
        received_at=received_at,
        sender=Sender(email=parsed.from_email, name=parsed.from_name),
        subject=parsed.subject,
        body=parsed.text,
        body_html=parsed.html,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        attachments=parsed.attachments,
        metadata=meta,
        tenant=tenant,
        recipient=recipient or (parsed.to[0] if parsed.to else None),
        cc=parsed.cc,
        headers=parsed.headers,
    )


def normalise_email_message(msg: InboundMessage) -> InboundMessage:
    """An inbound message carrying ``raw_rfc822`` replaced by its parsed form (adapter's id, tenant and
    recipient kept); any other message unchanged."""
    raw = msg.rfc822_bytes()
    if raw is None:
        return msg
    return inbound_from_email(
        parse_email(raw),
        received_at=msg.received_at,
        tenant=msg.tenant,
        message_id=msg.message_id,
        recipient=msg.recipient,
        metadata=msg.metadata,
    )
