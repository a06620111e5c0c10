"""The escalation API: an agent's manual escalation request, and what a ticket's escalation state is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from helpdesk_events import TicketEvent
from helpdesk_runtime.auth import Principal
from helpdesk_runtime.service import Context
from helpdesk_runtime.uow import unit_of_work
from pydantic import BaseModel, ConfigDict, Field

from ..adapters import store
from ..domain.decide import Reaction, request_manual
from ..domain.matrix import Directory, Matrix
from .apply import commit


class EscalationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)
    """Why the agent escalates, in words (goes into the escalation's reason and the notices)."""
    agent_id: str | None = Field(None, min_length=1, max_length=200)
    """Who asks; defaults to the API key's id."""
    request_id: str | None = Field(None, min_length=1, max_length=200)
    """Idempotency key: a retried request gets the first answer and escalates nothing more."""


def _answer(reaction: Reaction, events: list[TicketEvent]) -> dict[str, Any]:
    ticket = reaction.case.ticket
    escalations = [
        {
            "level": e.level,
            "trigger": e.trigger,
            "reason": e.reason,
            "from_team": e.from_team,
            "to_team": e.to_team,
            "raise_priority_to": e.raise_priority_to,
            "notified": [{"role": r.role, "id": r.id} for r in e.recipients],
        }
        for e in reaction.escalations
    ]
    return {
        "ticket_id": ticket.ticket_id,
        "folio": ticket.folio,
        "escalations": escalations,
        "event_ids": [str(e.event_id) for e in events],
    }


def escalation_router(ctx: Context, matrix: Matrix, directory: Directory) -> APIRouter:
    router = APIRouter(prefix="/v1/tickets", tags=["escalations"])
    agent = Depends(ctx.auth.require("agent"))
    reader = Depends(ctx.auth.require("agent", "analyst"))

    def uow() -> Any:
        return unit_of_work(ctx.pool, schema=ctx.schema, now=ctx.clock.now(), topic_prefix=ctx.settings.topic_prefix)

    @router.post("/{ticket}/escalations", status_code=201)
    async def escalate(
        ticket: str, body: EscalationRequest, principal: Principal = agent, tenant: str = "default"
    ) -> Any:
        """Escalate by hand to the next ``manual`` level of the ticket's matrix row (id or folio).
        404: unknown ticket; 422: resolved/closed, or no manual level left."""
        async with uow() as tx:
            ticket_id = await store.resolve(tx.conn, tenant, ticket)
            row = await store.lock(tx.conn, ticket_id) if ticket_id else None
            if body.request_id and (done := await store.previous_response(tx.conn, tenant, body.request_id)):
                return JSONResponse(done, status_code=201)
            if row is None or row.case is None or not row.case.ticket.opened:
                raise HTTPException(404, f"unknown ticket {ticket!r}")
            case = row.case
            if not case.is_open:
                raise HTTPException(422, f"the ticket is {case.ticket.status}: nothing to escalate")
            reaction = request_manual(matrix, directory, case, body.agent_id or principal.key_id, body.reason)
            if not reaction.escalations:
                raise HTTPException(422, "no manual escalation level left for this ticket in the escalation matrix")
            events = await commit(tx, matrix, reaction, row.armed, at=tx.now, correlation=row.correlation)
            response = _answer(reaction, events)
            if body.request_id:
                await store.remember_response(tx.conn, tenant, body.request_id, response)
        return JSONResponse(response, status_code=201)

    @router.get("/{ticket}/escalations")
    async def state(ticket: str, _: Principal = reader, tenant: str = "default") -> dict[str, Any]:
        """The ticket's escalation level, team, what already fired, and the stall timers pending."""
        async with ctx.pool.acquire() as conn:
            ticket_id = await store.resolve(conn, tenant, ticket)
            row = await store.load(conn, ticket_id) if ticket_id else None
        if row is None or row.case is None or not row.case.ticket.opened:
            raise HTTPException(404, f"unknown ticket {ticket!r}")
        case = row.case
        return {
            "ticket_id": case.ticket.ticket_id,
            "folio": case.ticket.folio,
            "status": case.ticket.status,
            "team": case.team,
            "origin_team": case.origin_team,
            "level": case.current_level,
            "fired": sorted(case.fired),
            "pending_timers": [
                {"key": key, "trigger": key.rsplit(":", 1)[0], "due_at": due}
                for key, due in sorted(row.armed.items(), key=lambda kv: kv[1])
            ],
        }

    return router
