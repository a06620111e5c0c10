"""GET /v1/agents, /v1/queues, /v1/metrics and /v1/kb/search."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from helpdesk_runtime.service import Context
from pydantic import AwareDatetime

from ..adapters import kb
from ..adapters.boards import AGENTS_SQL, QUEUES_SQL
from ..adapters.metrics import GroupBy, metrics
from .schemas import Agent, Article, MetricsReport, Queue

_NOW = "$1::timestamptz"


def boards_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1", dependencies=[Depends(ctx.auth.require("analyst", "agent"))])

    @router.get("/agents", response_model=list[Agent], tags=["boards"])
    async def agents(
        team: str | None = None,
        presence: str | None = None,
        tenant: str | None = None,
    ) -> list[dict[str, Any]]:
        """Agents with presence, load (open tickets assigned) against capacity, and today's (UTC) work."""
        rows = await ctx.pool.fetch(
            f"SELECT * FROM ({AGENTS_SQL.format(now=_NOW)}) a "  # noqa: S608 - constant SQL
            "WHERE ($2::text IS NULL OR $2 = ANY(teams)) AND ($3::text IS NULL OR presence = $3) "
            "AND ($4::text IS NULL OR tenant = $4) ORDER BY agent_id",
            ctx.clock.now(),
            team,
            presence,
            tenant,
        )
        return [dict(r) for r in rows]

    @router.get("/queues", response_model=list[Queue], tags=["boards"])
    async def queues(tenant: str = "default") -> list[dict[str, Any]]:
        """Per team: tickets waiting for an agent (by priority), the oldest wait and the next due time."""
        rows = await ctx.pool.fetch(
            f"SELECT * FROM ({QUEUES_SQL.format(now=_NOW)}) q WHERE tenant = $2 ORDER BY team",  # noqa: S608
            ctx.clock.now(),
            tenant,
        )
        return [dict(r) for r in rows]

    @router.get("/metrics", response_model=MetricsReport, tags=["reports"])
    async def get_metrics(
        start: Annotated[AwareDatetime | None, Query(alias="from", description="RFC 3339; default 30 days ago")] = None,
        end: Annotated[AwareDatetime | None, Query(alias="to", description="RFC 3339, exclusive; default now")] = None,
        group_by: GroupBy = "none",
        tenant: str = "default",
    ) -> dict[str, Any]:
        """Service-desk measures for ``[from, to)`` grouped by team, channel, priority, agent, category or day
        (definitions in docs/metrics.md)."""
        now = ctx.clock.now()
        end_ = end or now
        start_ = start or end_ - timedelta(days=30)
        if start_ >= end_:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "`from` must be before `to`")
        if group_by == "day" and end_ - start_ > timedelta(days=400):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "group_by=day covers at most 400 days")
        groups = await metrics(ctx.pool, tenant, start_, end_, group_by, now)
        totals = await metrics(ctx.pool, tenant, start_, end_, "none", now)
        return {
            "tenant": tenant,
            "start": start_,
            "end": end_,
            "group_by": group_by,
            "groups": groups,
            "totals": totals[0] if totals else _zero(),
        }

    @router.get("/kb/search", response_model=list[Article], tags=["knowledge base"])
    async def kb_search(
        q: Annotated[str, Query(min_length=2, max_length=500, description="words in Spanish or English")],
        tenant: str = "default",
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> list[dict[str, Any]]:
        """Solved tickets whose subject, description or resolution match ``q`` (stemming, accents folded,
        any word; typos through trigram similarity), best first."""
        return [dict(r) for r in await kb.search(ctx.pool, tenant, q, limit=limit)]

    return router


def _zero() -> dict[str, Any]:
    p = {"median": None, "p90": None}
    return {
        "key": "all",
        "created": 0,
        "resolved": 0,
        "backlog": 0,
        "first_response_minutes": p,
        "first_response_business_minutes": p,
        "resolution_minutes": p,
        "resolution_business_minutes": p,
        "sla": {},
        "breaches": 0,
        "reopened": 0,
        "reopen_rate_pct": None,
        "csat": {"average": None, "responses": 0, "satisfied_pct": None},
        "escalations": 0,
    }
