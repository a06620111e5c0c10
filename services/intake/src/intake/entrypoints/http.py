"""Intake's HTTP API: inbound messages from adapters (the same path as Kafka) and their outcome."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from helpdesk_events import InboundMessage, inbound_key
from helpdesk_events.topics import INBOUND
from helpdesk_runtime.auth import Principal
from helpdesk_runtime.http import UNSTORABLE, problems, unstorable_text
from helpdesk_runtime.service import Context
from helpdesk_runtime.uow import unit_of_work
from pydantic import BaseModel, ValidationError

from ..domain.email_inbound import inbound_from_email, normalise_email_message
from ..domain.email_parser import parse_email


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


MAX_RECORD_BYTES = 900_000
"""An inbound message must fit one Kafka record (the broker's default limit is 1 MB)."""
_RAW = {"type": "string", "format": "binary"}


def inbound_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1/inbound", tags=["inbound"])
    adapter = Depends(ctx.auth.require("adapter"))

    async def accept(msg: InboundMessage) -> Accepted:
        if msg.raw_rfc822 is not None:  # parsed here, so the topic carries the bounded, parsed message
            msg = await asyncio.to_thread(normalise_email_message, msg)
        # Refused here rather than accepted and then dead-lettered by the consumer that cannot store it.
        if where := unstorable_text(msg.model_dump(exclude_none=True)):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{where}: {UNSTORABLE}")
        value = msg.model_dump_json(exclude_none=True).encode()
        if len(value) > MAX_RECORD_BYTES:
            raise HTTPException(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                f"the message is {len(value)} bytes once encoded, over {MAX_RECORD_BYTES}: send files as attachments "
                "by reference, or the raw email to /v1/inbound/email",
            )
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
                tx.publish(tx.topic(INBOUND), inbound_key(msg), value)
                current = "pending"
            else:
                current = await tx.conn.fetchval(
                    "SELECT status FROM inbound_messages WHERE tenant = $1 AND message_id = $2",
                    msg.tenant,
                    msg.message_id,
                )
        return Accepted(message_id=msg.message_id, status=current, status_url=f"/v1/inbound/{msg.message_id}")

    @router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
    async def post_inbound(msg: InboundMessage, _: Principal = adapter) -> Any:
        """Accept a message from a channel adapter. Repeating a ``message_id`` is harmless (one effect)."""
        return await accept(msg)

    @router.post(
        "/email",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=Accepted,
        responses=problems(415),
        openapi_extra={"requestBody": {"required": True, "content": {"message/rfc822": {"schema": _RAW}}}},
    )
    async def post_email(
        request: Request,
        _: Principal = adapter,
        tenant: Annotated[str, Query(min_length=1, max_length=200)] = "default",
        recipient: Annotated[str | None, Query(max_length=512)] = None,
    ) -> Any:
        """Accept a raw RFC 5322 email (``Content-Type: message/rfc822``, up to the body limit, else 413).

        The ``message_id`` is the email's Message-ID (without angle brackets), or ``sha256:<hex>`` of the raw
        bytes when it has none: the same email posted again has one effect.
        """
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "message/rfc822":
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the raw email with Content-Type: message/rfc822"
            )
        raw = await request.body()
        if not raw.strip():
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "empty email")
        try:
            parsed = await asyncio.to_thread(parse_email, raw)
            msg = inbound_from_email(parsed, received_at=ctx.clock.now(), tenant=tenant, recipient=recipient)
        except (ValidationError, ValueError, LookupError, TypeError) as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"unusable email: {exc}") from None
        return await accept(msg)

    @router.get("/{message_id:path}", response_model=Outcome, responses=problems(404))
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
