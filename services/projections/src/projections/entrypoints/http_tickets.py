"""GET /v1/tickets (filters, sort, cursor), /v1/tickets/{ref} (with ``as_of`` time travel) and
/v1/tickets/{ref}/similar."""

from __future__ import annotations

import json
from typing import Annotated, Any, get_args

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Query, status
from helpdesk_events import Channel, Priority, Status, TicketState, decode_ticket_event, fold
from helpdesk_runtime.http import problems
from helpdesk_runtime.service import Context
from pydantic import AwareDatetime

from ..adapters import kb
from ..adapters.ticket_queries import SORTS, TicketFilter, find_ticket, list_tickets, timeline
from ..domain.cursor import BadCursor, decode_cursor, encode_cursor
from .schemas import Article, TicketPage, TicketView

Many = Annotated[list[str] | None, Query()]
_ALLOWED: dict[str, tuple[str, ...]] = {
    "status": get_args(Status),
    "priority": get_args(Priority),
    "channel": get_args(Channel),
    "sla": ("ok", "warning", "breached"),
}
SORT_VALUES = tuple(s for name in SORTS for s in (name, f"-{name}"))


def split(name: str, values: list[str] | None) -> list[str] | None:
    """Repeated parameters and comma-separated lists both work: ``?status=open,pending&status=new``."""
    if not values:
        return None
    items = [v.strip() for value in values for v in value.split(",") if v.strip()]
    allowed = _ALLOWED.get(name)
    bad = [v for v in items if allowed is not None and v not in allowed]
    if bad:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name}: {', '.join(bad)} not one of {', '.join(allowed or ())}"
        )
    return items or None


def timeline_entries(rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [
        {
            "seq": t["seq"],
            "type": t["type"],
            "occurred_at": t["occurred_at"],
            "producer": t["producer"],
            "actor": t["actor"],
            "summary": t["summary"],
            "applied": t["applied"],
            "data": t["event"].get("data", {}),
        }
        for t in rows
    ]


def tickets_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["tickets"], dependencies=[Depends(ctx.auth.require("analyst", "agent"))])

    @router.get("/tickets", response_model=TicketPage)
    async def search_tickets(
        tenant: str = "default",
        status_: Annotated[list[str] | None, Query(alias="status", description="new, open, pending, ...")] = None,
        priority: Many = None,
        team: Many = None,
        assignee: Annotated[list[str] | None, Query(description="agent ids; `none` = unassigned")] = None,
        channel: Many = None,
        category: Many = None,
        customer: Annotated[str | None, Query(description="contact id or email")] = None,
        sla: Annotated[list[str] | None, Query(description="ok, warning or breached")] = None,
        created_from: AwareDatetime | None = None,
        created_to: AwareDatetime | None = None,
        updated_from: AwareDatetime | None = None,
        updated_to: AwareDatetime | None = None,
        q: Annotated[str | None, Query(max_length=500, description="full text (Spanish/English) or a folio")] = None,
        sort: Annotated[str, Query(description=f"one of {', '.join(SORT_VALUES)}")] = "-created_at",
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    ) -> dict[str, Any]:
        """Tickets matching every given filter (a list filter matches any of its values)."""
        if sort not in SORT_VALUES:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"sort must be one of {', '.join(SORT_VALUES)}")
        try:
            after = decode_cursor(cursor, sort=sort) if cursor else None
        except BadCursor as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"bad cursor: {exc}") from exc
        f = TicketFilter(
            tenant=tenant,
            status=split("status", status_),
            priority=split("priority", priority),
            team=split("team", team),
            assignee=split("assignee", assignee),
            channel=split("channel", channel),
            category=split("category", category),
            customer=customer,
            sla=split("sla", sla),
            created_from=created_from,
            created_to=created_to,
            updated_from=updated_from,
            updated_to=updated_to,
            q=q.strip() if q and q.strip() else None,
        )
        try:
            rows, nxt = await list_tickets(
                ctx.pool, f, sort=sort.lstrip("-"), descending=sort.startswith("-"), limit=limit, after=after
            )
        except (asyncpg.DataError, asyncpg.InvalidTextRepresentationError, asyncpg.InvalidDatetimeFormatError) as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "bad cursor") from exc
        return {"items": [dict(r) for r in rows], "next_cursor": encode_cursor(nxt) if nxt else None}

    @router.get("/tickets/{ticket}", response_model=TicketView, responses=problems(404))
    async def get_ticket(
        ticket: str,
        tenant: str = "default",
        as_of: Annotated[
            AwareDatetime | None, Query(description="RFC 3339 instant: the ticket as it was then (time travel)")
        ] = None,
    ) -> dict[str, Any]:
        """A ticket by id or folio (e.g. ``HD-2026-000123``): its state and its timeline. With ``as_of``, the
        events that occurred up to that instant folded again with the shared fold."""
        row = await find_ticket(ctx.pool, tenant, ticket)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {ticket!r} for tenant {tenant!r}")
        rows = await timeline(ctx.pool, row["ticket_id"], as_of)
        state: Any = row["state"]
        if as_of is not None:
            state = as_of_state(rows)
            if state is None or not state.opened:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, f"ticket {ticket!r} did not exist at {as_of.isoformat()}"
                )
        return {"ticket": state, "timeline": timeline_entries(rows), "as_of": as_of}

    @router.get("/tickets/{ticket}/similar", response_model=list[Article], responses=problems(404))
    async def similar(
        ticket: str, tenant: str = "default", limit: Annotated[int, Query(ge=1, le=50)] = 5
    ) -> list[dict[str, Any]]:
        """Solved tickets similar to this one (knowledge base), best first, with their resolutions."""
        row = await find_ticket(ctx.pool, tenant, ticket)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {ticket!r} for tenant {tenant!r}")
        text = await kb.query_text(ctx.pool, row["ticket_id"])
        if not text:
            return []
        return [dict(r) for r in await kb.search(ctx.pool, tenant, text, limit=limit, exclude=row["ticket_id"])]

    return router


def as_of_state(rows: list[asyncpg.Record]) -> TicketState | None:
    events = [decode_ticket_event(json.dumps(r["event"]).encode()) for r in rows]
    return fold(events)
