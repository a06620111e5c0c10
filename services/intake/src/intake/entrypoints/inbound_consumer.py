"""helpdesk.inbound → ticket events. Thin: load, decide (pure), store, emit."""

from __future__ import annotations

import json

import asyncpg
from helpdesk_events import InboundMessage, decode_inbound
from helpdesk_events.topics import INBOUND
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx

from ..adapters import store
from ..domain.classify import IntakeRules
from ..domain.contacts import contact_for
from ..domain.decide import decide_inbound, folio_in
from ..domain.email_inbound import normalise_email_message
from ..domain.noise import noise_reason, throttle


def inbound_consumer(rules: IntakeRules, *, topic: str, folio_prefix: str) -> ConsumerSpec[InboundMessage]:
    async def handle(tx: Tx, received: InboundMessage, record: Record) -> None:
        msg = normalise_email_message(received)  # a raw email is parsed here, same path as parsed fields
        conn = tx.conn
        await conn.execute(
            """INSERT INTO inbound_messages (tenant, message_id, status, channel) VALUES ($1, $2, 'pending', $3)
               ON CONFLICT DO NOTHING""",
            msg.tenant,
            msg.message_id,
            msg.channel,
        )
        status = await conn.fetchval(
            "SELECT status FROM inbound_messages WHERE tenant = $1 AND message_id = $2 FOR UPDATE",
            msg.tenant,
            msg.message_id,
        )
        if status != "pending":
            return  # the same message again: one effect only
        reason = await _ignored_because(conn, msg, rules)
        if reason is not None:
            await store.set_outcome(conn, msg.tenant, msg.message_id, "ignored", reason=reason)
            return
        customer = contact_for(msg.sender, rules.contacts)
        if msg.channel == "phone" and not msg.thread_ref and customer.phone:
            msg = msg.model_copy(update={"thread_ref": customer.phone})  # the caller is the conversation
        refs = [r for r in [msg.in_reply_to, *msg.references] if r]
        ticket_id = await store.find_ticket_id(
            conn,
            tenant=msg.tenant,
            channel=msg.channel,
            thread_ref=msg.thread_ref,
            refs=refs,
            folio=folio_in(msg.subject),
            since=store.window_start(tx.now, rules.thread_windows_minutes.get(msg.channel)),
        )
        existing = await store.load_ticket(conn, ticket_id) if ticket_id else None
        for _ in range(5):  # a merged ticket's conversation continues in the ticket it was merged into
            if existing is None or existing.merged_into is None:
                break
            existing = await store.load_ticket(conn, existing.merged_into)
        joins = existing is not None and existing.status != "closed"
        folio = None if joins else await store.next_folio(conn, folio_prefix, tx.now.year)
        alias = await store.merged_into(conn, msg.tenant, customer.contact_id)
        decision = decide_inbound(msg, existing, rules=rules, now=tx.now, folio=folio, contact_id=alias)
        base = existing if joins else None
        state = await store.apply_events(conn, base, decision.events)
        own_ids = [msg.message_id, msg.metadata.get("email_message_id", "")]
        await store.remember_refs(conn, msg.tenant, state.ticket_id, [i for i in own_ids if i])
        await store.set_outcome(
            conn, msg.tenant, msg.message_id, decision.outcome, ticket_id=state.ticket_id, folio=state.folio
        )
        for event in decision.events:
            tx.emit(event)

    async def on_dead(conn: asyncpg.Connection, record: Record, msg: InboundMessage | None, error: str) -> None:
        tenant, message_id = (msg.tenant, msg.message_id) if msg else _ids_from_raw(record.value)
        if message_id:
            await store.set_outcome(conn, tenant, message_id, "dead_lettered", reason=error[:1000])

    return ConsumerSpec(
        name="intake.inbound",
        topics=[topic],
        decode=decode_inbound,
        handle=handle,
        on_dead=on_dead,
        correlation=lambda m: m.message_id,
    )


async def _ignored_because(conn: asyncpg.Connection, msg: InboundMessage, rules: IntakeRules) -> str | None:
    """Duplicate email, auto-reply/bounce/list traffic, or a flooding sender: recorded, never ticketed."""
    email_id = msg.metadata.get("email_message_id")
    if email_id:
        first = await store.claim_email_id(conn, msg.tenant, email_id, msg.message_id)
        if first is not None:
            return f"duplicate: the same email (Message-ID {email_id}) arrived as {first}"
    reason = noise_reason(msg, rules.own_addresses)
    if reason is not None:
        return reason
    sender = contact_for(msg.sender, rules.contacts).contact_id
    if rules.throttle_per_minute and sender != "anonymous":
        recent = await store.sender_recent(conn, msg.tenant, sender)
        verdict = throttle(recent, msg.received_at, per_minute=rules.throttle_per_minute)
        await store.save_sender_recent(conn, msg.tenant, sender, list(verdict.recent))
        if verdict.throttled:
            return f"throttled: more than {rules.throttle_per_minute} messages a minute from {sender}"
    return None


def _ids_from_raw(raw: bytes) -> tuple[str, str | None]:
    try:
        obj = json.loads(raw)
    except ValueError:
        return "default", None
    if not isinstance(obj, dict):
        return "default", None
    mid = obj.get("message_id")
    tenant = obj.get("tenant")
    return (tenant if isinstance(tenant, str) and tenant else "default"), (
        mid if isinstance(mid, str) and 0 < len(mid) <= 512 else None
    )


__all__ = ["INBOUND", "inbound_consumer"]
