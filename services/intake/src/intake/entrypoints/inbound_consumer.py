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
from ..domain.decide import decide_inbound, folio_in


def inbound_consumer(rules: IntakeRules, *, topic: str, folio_prefix: str) -> ConsumerSpec[InboundMessage]:
    async def handle(tx: Tx, msg: InboundMessage, record: Record) -> None:
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
        refs = [r for r in [msg.in_reply_to, *msg.references] if r]
        ticket_id = await store.find_ticket_id(
            conn,
            tenant=msg.tenant,
            channel=msg.channel,
            thread_ref=msg.thread_ref,
            refs=refs,
            folio=folio_in(msg.subject),
        )
        existing = await store.load_ticket(conn, ticket_id) if ticket_id else None
        joins = existing is not None and existing.status != "closed"
        folio = None if joins else await store.next_folio(conn, folio_prefix, tx.now.year)
        decision = decide_inbound(msg, existing, rules=rules, now=tx.now, folio=folio)
        base = existing if joins else None
        state = await store.apply_events(conn, base, decision.events)
        await store.remember_refs(conn, msg.tenant, state.ticket_id, [msg.message_id])
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
