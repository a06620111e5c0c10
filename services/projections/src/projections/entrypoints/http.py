"""The query API (port 8080): tickets by id or folio, with their timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from helpdesk_runtime.auth import Principal
from helpdesk_runtime.service import Context


def query_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["tickets"])
    reader = Depends(ctx.auth.require("analyst", "agent"))

    @router.get("/tickets/{ticket}")
    async def get_ticket(
        ticket: str, _: Principal = reader, tenant: Annotated[str, Query()] = "default"
    ) -> dict[str, Any]:
        """A ticket by id or folio (e.g. ``HD-2026-000123``): its current state and its whole timeline."""
        row = await ctx.pool.fetchrow(
            "SELECT * FROM tickets WHERE tenant = $1 AND (ticket_id = $2 OR folio = $2)", tenant, ticket
        )
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {ticket!r} for tenant {tenant!r}")
        timeline = await ctx.pool.fetch(
            "SELECT seq, type, occurred_at, producer, event FROM timeline WHERE ticket_id = $1 ORDER BY seq",
            row["ticket_id"],
        )
        return {
            "ticket": row["state"],
            "timeline": [
                {
                    "seq": t["seq"],
                    "type": t["type"],
                    "occurred_at": t["occurred_at"].isoformat(),
                    "producer": t["producer"],
                    "data": t["event"].get("data", {}),
                }
                for t in timeline
            ],
        }

    return router
