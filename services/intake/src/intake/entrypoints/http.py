"""Intake's HTTP API: inbound messages from adapters (the same path as Kafka) and their outcome."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from helpdesk_events import InboundMessage, inbound_key
from helpdesk_events.topics import INBOUND
from helpdesk_runtime.auth import Principal
from helpdesk_runtime.service import Context
from helpdesk_runtime.uow import unit_of_work
from pydantic import BaseModel


class Accepted(BaseModel):
    message_id: str
    status: str
    status_url: str


class Outcome(BaseModel):
    message_id: str
    tenant: str
    status: str
    """pending | opened | appended | reopened | follow_up | ignored | dead_lettered"""
    ticket_id: str | None = None
    folio: str | None = None
    reason: str | None = None


def inbound_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1/inbound", tags=["inbound"])
    adapter = Depends(ctx.auth.require("adapter"))

    @router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
    async def post_inbound(msg: InboundMessage, _: Principal = adapter) -> Any:
        """Accept a message from a channel adapter. Repeating a ``message_id`` is harmless (one effect)."""
        async with unit_of_work(
            ctx.pool, schema=ctx.schema, now=ctx.clock.now(), topic_prefix=ctx.settings.topic_prefix
        ) as tx:
            inserted = await tx.conn.fetchval(
                """INSERT INTO inbound_messages (tenant, message_id, status, channel) VALUES ($1, $2, 'pending', $3)
                   ON CONFLICT DO NOTHING RETURNING true""",
                msg.tenant,
                msg.message_id,
                msg.channel,
            )
            if inserted:
                tx.publish(tx.topic(INBOUND), inbound_key(msg), msg.model_dump_json(exclude_none=True).encode())
                current = "pending"
            else:
                current = await tx.conn.fetchval(
                    "SELECT status FROM inbound_messages WHERE tenant = $1 AND message_id = $2",
                    msg.tenant,
                    msg.message_id,
                )
        return Accepted(message_id=msg.message_id, status=current, status_url=f"/v1/inbound/{msg.message_id}")

    @router.get("/{message_id}", response_model=Outcome)
    async def get_inbound(message_id: str, _: Principal = adapter, tenant: Annotated[str, Query()] = "default") -> Any:
        """What became of an inbound message: pending, the ticket it opened or joined, ignored, dead-lettered."""
        row = await ctx.pool.fetchrow(
            "SELECT * FROM inbound_messages WHERE tenant = $1 AND message_id = $2", tenant, message_id
        )
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no inbound message {message_id!r} for tenant {tenant!r}")
        return Outcome(
            message_id=row["message_id"],
            tenant=row["tenant"],
            status=row["status"],
            ticket_id=row["ticket_id"],
            folio=row["folio"],
            reason=row["reason"],
        )

    return router
