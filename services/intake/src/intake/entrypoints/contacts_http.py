"""Contact merge and unmerge (role ``agent``): the contact's tickets follow, as ``TicketContactChanged`` events."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from helpdesk_runtime.auth import Principal
from helpdesk_runtime.http import problems
from helpdesk_runtime.service import Context
from helpdesk_runtime.uow import Tx, unit_of_work
from pydantic import BaseModel

from ..adapters import store
from ..domain.commands import Rejected
from ..domain.contact_merge import MergeContacts, UnmergeContacts, check_merge, move_tickets
from .commands_http import Tenant


class ContactsResult(BaseModel):
    """The contact, whom it is now merged into (``None`` after an unmerge), and the tickets that moved."""

    contact_id: str
    merged_into: str | None
    tickets: list[str]


def contacts_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1/contacts", tags=["contacts"])
    agent = Depends(ctx.auth.require("agent"))

    async def once(tx: Tx, tenant: str, request_id: str | None) -> Any:
        if not request_id:
            return None
        sql = "SELECT response FROM command_requests WHERE tenant = $1 AND request_id = $2"
        return await tx.conn.fetchval(sql, tenant, f"contact:{request_id}")

    async def remember(tx: Tx, tenant: str, request_id: str | None, response: dict[str, Any]) -> JSONResponse:
        if request_id:
            await tx.conn.execute(
                "INSERT INTO command_requests (tenant, request_id, response) VALUES ($1, $2, $3)",
                tenant,
                f"contact:{request_id}",
                response,
            )
        return JSONResponse(response, status_code=201)

    @router.post("/merge", status_code=201, response_model=ContactsResult)
    async def merge(cmd: MergeContacts, _: Principal = agent, tenant: Tenant = "default") -> Any:
        """Merge ``contact_id`` into ``into``: its tickets and its future messages belong to ``into``."""
        now = ctx.clock.now()
        async with unit_of_work(ctx.pool, schema=ctx.schema, now=now, topic_prefix=ctx.settings.topic_prefix) as tx:
            if (done := await once(tx, tenant, cmd.request_id)) is not None:
                return JSONResponse(done, status_code=201)
            await tx.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"contacts:{tenant}")
            try:
                check_merge(
                    cmd,
                    already_merged_into=await store.merged_into(tx.conn, tenant, cmd.contact_id),
                    target_merged_into=await store.merged_into(tx.conn, tenant, cmd.into),
                )
            except Rejected as rej:
                raise HTTPException(rej.status, rej.reason) from None
            tickets = await store.tickets_of_contact(tx.conn, tenant, cmd.contact_id)
            ids = [uuid.uuid4() for _ in tickets]
            events = move_tickets(
                tickets, to_contact=cmd.into, reason="contacts merged", actor=cmd.agent_id, now=now, ids=ids
            )
            by_id = {t.ticket_id: t for t in tickets}
            for event in events:
                await store.apply_events(tx.conn, by_id[event.ticket_id], [event])
                tx.emit(event)
            moved = [e.ticket_id for e in events]
            await tx.conn.execute(
                "INSERT INTO contact_merges (tenant, contact_id, merged_into, tickets) VALUES ($1, $2, $3, $4)",
                tenant,
                cmd.contact_id,
                cmd.into,
                moved,
            )
            response = {"contact_id": cmd.contact_id, "merged_into": cmd.into, "tickets": moved}
            return await remember(tx, tenant, cmd.request_id, response)

    @router.post("/unmerge", status_code=201, response_model=ContactsResult, responses=problems(404))
    async def unmerge(cmd: UnmergeContacts, _: Principal = agent, tenant: Tenant = "default") -> Any:
        """Undo a merge: the tickets the merge moved go back to ``contact_id``, and so do its new messages."""
        now = ctx.clock.now()
        async with unit_of_work(ctx.pool, schema=ctx.schema, now=now, topic_prefix=ctx.settings.topic_prefix) as tx:
            if (done := await once(tx, tenant, cmd.request_id)) is not None:
                return JSONResponse(done, status_code=201)
            await tx.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"contacts:{tenant}")
            row = await tx.conn.fetchrow(
                "DELETE FROM contact_merges WHERE tenant = $1 AND contact_id = $2 RETURNING merged_into, tickets",
                tenant,
                cmd.contact_id,
            )
            if row is None:
                raise HTTPException(404, f"{cmd.contact_id} is not merged into another contact")
            moved = set(row["tickets"])
            current = await store.tickets_of_contact(tx.conn, tenant, row["merged_into"])
            tickets = [t for t in current if t.ticket_id in moved]
            ids = [uuid.uuid4() for _ in tickets]
            events = move_tickets(
                tickets, to_contact=cmd.contact_id, reason="contacts unmerged", actor=cmd.agent_id, now=now, ids=ids
            )
            by_id = {t.ticket_id: t for t in tickets}
            for event in events:
                await store.apply_events(tx.conn, by_id[event.ticket_id], [event])
                tx.emit(event)
            response = {"contact_id": cmd.contact_id, "merged_into": None, "tickets": [e.ticket_id for e in events]}
            return await remember(tx, tenant, cmd.request_id, response)

    return router
