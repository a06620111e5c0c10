"""The agent command API: decided on the ticket's current state under its row lock, idempotent by request id.

Every command answers 201 with the ticket's new version; 404 for an unknown ticket, 409 with
``current_version`` when ``expected_version`` does not match, 422 with the reason for an invalid change.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from helpdesk_events import AgentReplied, TicketEvent, TicketState
from helpdesk_runtime.auth import Principal
from helpdesk_runtime.http import problems
from helpdesk_runtime.service import Context
from helpdesk_runtime.uow import Tx, unit_of_work
from pydantic import BaseModel

from ..adapters import store
from ..domain.changes import Merge, OpenTicket, Rate, SetCategory, SetPriority, decide_change, decide_merge, decide_open
from ..domain.classify import IntakeRules
from ..domain.commands import Command, Note, Rejected, Reply, SetStatus, decide_command

Decider = Callable[[Tx, TicketState | None], Awaitable[list[TicketEvent]]]
Tenant = Annotated[str, Query(min_length=1, max_length=200, description="the tenant (every event carries one)")]


class CommandResult(BaseModel):
    """What every command answers (201), and answers again for a repeated ``request_id``."""

    ticket_id: str
    folio: str
    version: int
    status: str
    event_ids: list[str]


ON_TICKET = problems(404, 409)
"""A command on a ticket: 404 for an unknown ticket, 409 with ``current_version`` on a version mismatch."""


async def _resolve(conn: asyncpg.Connection, tenant: str, ref: str) -> str | None:
    found = await conn.fetchval(
        "SELECT ticket_id FROM tickets WHERE tenant = $1 AND (ticket_id = $2 OR folio = $2)", tenant, ref
    )
    return str(found) if found else None


def _rejected(rej: Rejected) -> HTTPException:
    detail: dict[str, Any] = {"detail": rej.reason}
    if rej.version is not None:
        detail["current_version"] = rej.version
    return HTTPException(rej.status, detail)


def commands_router(ctx: Context, rules: IntakeRules, *, folio_prefix: str = "HD", reply_domain: str) -> APIRouter:
    router = APIRouter(prefix="/v1/tickets", tags=["agent commands"])
    agent = Depends(ctx.auth.require("agent"))
    adapter = Depends(ctx.auth.require("adapter"))

    async def previous(tx: Tx, tenant: str, request_id: str | None) -> Any:
        if not request_id:
            return None
        return await tx.conn.fetchval(
            "SELECT response FROM command_requests WHERE tenant = $1 AND request_id = $2", tenant, request_id
        )

    async def finish(tx: Tx, tenant: str, request_id: str | None, response: dict[str, Any]) -> dict[str, Any]:
        if request_id:
            await tx.conn.execute(
                "INSERT INTO command_requests (tenant, request_id, response) VALUES ($1, $2, $3)",
                tenant,
                request_id,
                response,
            )
        return response

    async def execute(ticket: str, cmd: Command, tenant: str, decide: Decider) -> JSONResponse:
        now = ctx.clock.now()
        async with unit_of_work(ctx.pool, schema=ctx.schema, now=now, topic_prefix=ctx.settings.topic_prefix) as tx:
            if (done := await previous(tx, tenant, cmd.request_id)) is not None:
                return JSONResponse(done, status_code=201)
            ticket_id = await _resolve(tx.conn, tenant, ticket)
            state = await store.load_ticket(tx.conn, ticket_id) if ticket_id else None
            try:
                events = await decide(tx, state)
            except Rejected as rej:
                raise _rejected(rej) from None
            own = [e for e in events if state is not None and e.ticket_id == state.ticket_id]
            new_state = await store.apply_events(tx.conn, state, own)
            for event in events:
                tx.emit(event)
                if isinstance(event, AgentReplied) and event.data.message_id:
                    await store.remember_refs(tx.conn, tenant, event.ticket_id, [event.data.message_id])
            response = {
                "ticket_id": new_state.ticket_id,
                "folio": new_state.folio,
                "version": new_state.version,
                "status": new_state.status,
                "event_ids": [str(e.event_id) for e in events],
            }
            return JSONResponse(await finish(tx, tenant, cmd.request_id, response), status_code=201)

    def simple(cmd: Reply | Note | SetStatus) -> Decider:
        async def decide(tx: Tx, state: TicketState | None) -> list[TicketEvent]:
            return decide_command(state, cmd, now=tx.now, event_id=uuid.uuid4(), reply_domain=reply_domain)

        return decide

    def change(cmd: SetPriority | SetCategory | Rate) -> Decider:
        async def decide(tx: Tx, state: TicketState | None) -> list[TicketEvent]:
            return decide_change(state, cmd, now=tx.now, event_id=uuid.uuid4())

        return decide

    @router.post("", status_code=201, response_model=CommandResult)
    async def open_ticket(cmd: OpenTicket, _: Principal = agent, tenant: Tenant = "default") -> Any:
        """Open a ticket through the API channel (an agent on the phone, an integration)."""
        now = ctx.clock.now()
        async with unit_of_work(ctx.pool, schema=ctx.schema, now=now, topic_prefix=ctx.settings.topic_prefix) as tx:
            if (done := await previous(tx, tenant, cmd.request_id)) is not None:
                return JSONResponse(done, status_code=201)
            message_id = f"api:{cmd.request_id}" if cmd.request_id else f"api:{uuid.uuid4()}"
            folio = await store.next_folio(tx.conn, folio_prefix, now.year)
            opened = decide_open(cmd, rules=rules, now=now, folio=folio, message_id=message_id, tenant=tenant)
            state = await store.apply_events(tx.conn, None, [opened])
            await store.set_outcome(tx.conn, tenant, message_id, "opened", ticket_id=state.ticket_id, folio=folio)
            tx.emit(opened)
            response = {
                "ticket_id": state.ticket_id,
                "folio": folio,
                "version": state.version,
                "status": state.status,
                "event_ids": [str(opened.event_id)],
            }
            return JSONResponse(await finish(tx, tenant, cmd.request_id, response), status_code=201)

    @router.post("/{ticket}/replies", status_code=201, response_model=CommandResult, responses=ON_TICKET)
    async def reply(ticket: str, cmd: Reply, _: Principal = agent, tenant: Tenant = "default") -> Any:
        """A public reply: goes back to the customer through the ticket's channel (AgentReplied)."""
        return await execute(ticket, cmd, tenant, simple(cmd))

    @router.post("/{ticket}/notes", status_code=201, response_model=CommandResult, responses=ON_TICKET)
    async def note(ticket: str, cmd: Note, _: Principal = agent, tenant: Tenant = "default") -> Any:
        """An internal note, never shown to the customer."""
        return await execute(ticket, cmd, tenant, simple(cmd))

    @router.post("/{ticket}/status", status_code=201, response_model=CommandResult, responses=ON_TICKET)
    async def set_status(ticket: str, cmd: SetStatus, _: Principal = agent, tenant: Tenant = "default") -> Any:
        """pending | resolved (with a resolution) | closed | reopened."""
        return await execute(ticket, cmd, tenant, simple(cmd))

    @router.post("/{ticket}/priority", status_code=201, response_model=CommandResult, responses=ON_TICKET)
    async def set_priority(ticket: str, cmd: SetPriority, _: Principal = agent, tenant: Tenant = "default") -> Any:
        """Override the priority (P1..P4)."""
        return await execute(ticket, cmd, tenant, change(cmd))

    @router.post("/{ticket}/category", status_code=201, response_model=CommandResult, responses=ON_TICKET)
    async def set_category(ticket: str, cmd: SetCategory, _: Principal = agent, tenant: Tenant = "default") -> Any:
        """Override the category."""
        return await execute(ticket, cmd, tenant, change(cmd))

    @router.post("/{ticket}/satisfaction", status_code=201, response_model=CommandResult, responses=ON_TICKET)
    async def satisfaction(ticket: str, cmd: Rate, _: Principal = adapter, tenant: Tenant = "default") -> Any:
        """A CSAT rating 1-5 from the survey (role ``adapter``); the latest rating wins."""
        return await execute(ticket, cmd, tenant, change(cmd))

    @router.post("/{ticket}/merge", status_code=201, response_model=CommandResult, responses=ON_TICKET)
    async def merge(ticket: str, cmd: Merge, _: Principal = agent, tenant: Tenant = "default") -> Any:
        """Merge this ticket into ``into`` (id or folio): this one is closed, the other gets a note."""

        async def decide(tx: Tx, state: TicketState | None) -> list[TicketEvent]:
            target_id = await _resolve(tx.conn, tenant, cmd.into)
            target: TicketState | None = None
            if target_id is not None and state is not None and target_id != state.ticket_id:
                target = await store.load_ticket(tx.conn, target_id)
            elif state is not None and target_id == state.ticket_id:
                target = state
            events = decide_merge(state, target, cmd, now=tx.now, event_ids=(uuid.uuid4(), uuid.uuid4()))
            if target is not None and target is not state:
                await store.apply_events(tx.conn, target, [e for e in events if e.ticket_id == target.ticket_id])
            return events

        return await execute(ticket, cmd, tenant, decide)

    return router
