"""The agent command API: reply, note, set status — decided on the ticket's current state under its row lock."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from helpdesk_runtime.auth import Principal
from helpdesk_runtime.service import Context
from helpdesk_runtime.uow import unit_of_work

from ..adapters import store
from ..domain.commands import Note, Rejected, Reply, SetStatus, decide_command


def commands_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1/tickets", tags=["agent commands"])
    agent = Depends(ctx.auth.require("agent"))

    async def execute(ticket: str, cmd: Reply | Note | SetStatus, tenant: str) -> Any:
        now = ctx.clock.now()
        async with unit_of_work(ctx.pool, schema=ctx.schema, now=now, topic_prefix=ctx.settings.topic_prefix) as tx:
            if cmd.request_id:
                previous = await tx.conn.fetchrow(
                    "SELECT response FROM command_requests WHERE tenant = $1 AND request_id = $2",
                    tenant,
                    cmd.request_id,
                )
                if previous is not None:
                    return previous["response"]
            ticket_id = await tx.conn.fetchval(
                "SELECT ticket_id FROM tickets WHERE tenant = $1 AND (ticket_id = $2 OR folio = $2)", tenant, ticket
            )
            state = await store.load_ticket(tx.conn, ticket_id) if ticket_id else None
            try:
                events = decide_command(state, cmd, now=now, event_id=uuid.uuid4())
            except Rejected as rej:
                detail: dict[str, Any] = {"detail": rej.reason}
                if rej.version is not None:
                    detail["current_version"] = rej.version
                raise HTTPException(rej.status, detail) from None
            new_state = await store.apply_events(tx.conn, state, events)
            for event in events:
                tx.emit(event)
            response = {
                "ticket_id": new_state.ticket_id,
                "folio": new_state.folio,
                "version": new_state.version,
                "status": new_state.status,
                "event_ids": [str(e.event_id) for e in events],
            }
            if cmd.request_id:
                await tx.conn.execute(
                    "INSERT INTO command_requests (tenant, request_id, response) VALUES ($1, $2, $3)",
                    tenant,
                    cmd.request_id,
                    response,
                )
            return response

    @router.post("/{ticket}/replies", status_code=201)
    async def reply(ticket: str, cmd: Reply, _: Principal = agent, tenant: str = "default") -> Any:
        """A public reply: goes back to the customer through the ticket's channel (AgentReplied)."""
        return JSONResponse(await execute(ticket, cmd, tenant), status_code=201)

    @router.post("/{ticket}/notes", status_code=201)
    async def note(ticket: str, cmd: Note, _: Principal = agent, tenant: str = "default") -> Any:
        """An internal note, never shown to the customer."""
        return JSONResponse(await execute(ticket, cmd, tenant), status_code=201)

    @router.post("/{ticket}/status", status_code=201)
    async def set_status(ticket: str, cmd: SetStatus, _: Principal = agent, tenant: str = "default") -> Any:
        """pending | resolved (with a resolution) | closed | reopened."""
        return JSONResponse(await execute(ticket, cmd, tenant), status_code=201)

    return router
