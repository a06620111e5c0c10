"""Routing's HTTP API: the directory (teams, agents, presence), queues, and manual assignment."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from helpdesk_events import AgentRegisteredData, Candidate, RoutingReason, TeamDefinedData
from helpdesk_events.types import Presence, Tier
from helpdesk_runtime.auth import Principal
from helpdesk_runtime.service import Context
from helpdesk_runtime.uow import unit_of_work
from pydantic import BaseModel, ConfigDict, Field

from ..adapters import facts
from ..adapters.agents import lock_agents
from ..adapters.directory import put_agent, put_team, set_presence
from ..adapters.store import ASSIGN_CHANNEL
from ..domain.choice import Need, choose_agent
from ..domain.config import RoutingRules


class TeamBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    tier: Tier = "L1"
    lead: str | None = None
    manager: str | None = None
    active: bool = True


class AgentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    email: str | None = None
    teams: list[str] = Field(min_length=1)
    skills: dict[str, int] = {}
    languages: list[str] = []
    capacity: int = Field(ge=0)
    capacity_per_channel: dict[str, Annotated[int, Field(ge=0)]] = {}
    active: bool = True


class PresenceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    presence: Presence


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_id: str
    actor: str | None = None
    """Who decided (the supervisor); defaults to the API key's id."""
    note: str = ""


def _team(r: Any) -> dict[str, Any]:
    return {"team_id": r["team_id"], "name": r["name"], "tier": r["tier"], "lead": r["lead_id"],
            "manager": r["manager_id"], "active": r["active"]}  # fmt: skip


_AGENTS = """SELECT a.*, (SELECT count(*) FROM work w WHERE w.agent_id = a.agent_id AND w.state = 'assigned') AS load
             FROM agents a"""


def _agent(r: Any) -> dict[str, Any]:
    return {
        "agent_id": r["agent_id"],
        "name": r["name"],
        "email": r["email"],
        "teams": list(r["teams"]),
        "skills": dict(r["skills"]),
        "languages": list(r["languages"]),
        "capacity": r["capacity"],
        "capacity_per_channel": dict(r["capacity_per_channel"]),
        "active": r["active"],
        "presence": r["presence"],
        "presence_since": r["presence_since"],
        "load": r["load"],
    }


def routing_router(ctx: Context, rules: RoutingRules) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["directory"])
    admin = Depends(ctx.auth.require("admin"))
    reader = Depends(ctx.auth.require("agent", "analyst"))
    agent_or_admin = Depends(ctx.auth.require("agent"))

    def uow(now: datetime) -> Any:
        return unit_of_work(ctx.pool, schema=ctx.schema, now=now, topic_prefix=ctx.settings.topic_prefix)

    @router.get("/teams")
    async def list_teams(_: Principal = reader) -> list[dict[str, Any]]:
        return [_team(r) for r in await ctx.pool.fetch("SELECT * FROM teams ORDER BY team_id")]

    @router.put("/teams/{team_id}")
    async def define_team(team_id: str, body: TeamBody, _: Principal = admin) -> dict[str, Any]:
        """Create or change a team (tier L1/L2/L3, lead); published as TeamDefined."""
        data = TeamDefinedData(
            team_id=team_id, name=body.name, tier=body.tier, lead_id=body.lead, manager_id=body.manager,
            active=body.active,
        )  # fmt: skip
        async with uow(ctx.clock.now()) as tx:
            changed = await put_team(tx, data, publish=True)
        return {"team_id": team_id, "changed": changed}

    @router.get("/agents")
    async def list_agents(team: str | None = None, _: Principal = reader) -> list[dict[str, Any]]:
        rows = await ctx.pool.fetch(f"{_AGENTS} WHERE $1::text IS NULL OR $1 = ANY(a.teams) ORDER BY a.agent_id", team)
        return [_agent(r) for r in rows]

    @router.get("/agents/{agent_id}")
    async def get_agent(agent_id: str, _: Principal = reader) -> dict[str, Any]:
        row = await ctx.pool.fetchrow(f"{_AGENTS} WHERE a.agent_id = $1", agent_id)
        if row is None:
            raise HTTPException(404, f"unknown agent {agent_id!r}")
        history = await ctx.pool.fetch(
            "SELECT presence, at, source FROM presence_log WHERE agent_id = $1 ORDER BY at DESC LIMIT 50", agent_id
        )
        return {**_agent(row), "presence_history": [dict(h) for h in history]}

    @router.put("/agents/{agent_id}")
    async def register_agent(agent_id: str, body: AgentBody, _: Principal = admin) -> dict[str, Any]:
        """Create or change an agent (teams, skills with levels, languages, capacity, per channel too)."""
        async with uow(ctx.clock.now()) as tx:
            known = {r["team_id"] for r in await tx.conn.fetch("SELECT team_id FROM teams")}
            unknown = sorted(set(body.teams) - known)
            if unknown:
                raise HTTPException(422, f"unknown team(s) {unknown}")
            data = AgentRegisteredData(agent_id=agent_id, **body.model_dump())
            changed = await put_agent(tx, data, publish=True)
        return {"agent_id": agent_id, "changed": changed}

    @router.put("/agents/{agent_id}/presence")
    async def change_presence(agent_id: str, body: PresenceBody, _: Principal = agent_or_admin) -> dict[str, Any]:
        """online | away (keeps its tickets, takes no new ones) | offline (tickets requeued after the grace)."""
        async with uow(ctx.clock.now()) as tx:
            changed = await set_presence(
                tx, agent_id, body.presence, grace_seconds=rules.offline_grace_seconds, publish=True, source="http"
            )
        if changed is None:
            raise HTTPException(404, f"unknown agent {agent_id!r}")
        return {"agent_id": agent_id, "presence": body.presence, "changed": changed}

    @router.get("/queues/{team}", tags=["queues"])
    async def queue(team: str, limit: int = 100, _: Principal = reader) -> list[dict[str, Any]]:
        """The team's waiting tickets, next to be served first (priority, then SLA due time)."""
        rows = await ctx.pool.fetch(
            """SELECT ticket_id, priority, due_at, queued_at, channel, language, skills FROM work
               WHERE state = 'waiting' AND team = $1 ORDER BY rank, due_at NULLS LAST, queued_at, ticket_id
               LIMIT $2""",
            team,
            min(max(limit, 1), 1000),
        )
        return [dict(r) for r in rows]

    @router.post("/tickets/{ticket_id}/assignment", status_code=201, tags=["assignment"])
    async def assign(ticket_id: str, body: AssignBody, principal: Principal = agent_or_admin) -> dict[str, Any]:
        """A supervisor's assignment: kept as is (no automatic reassignment unless configured); still never
        above the agent's capacity (409)."""
        now = ctx.clock.now()
        actor = body.actor or principal.key_id
        async with uow(now) as tx:
            row = await tx.conn.fetchrow("SELECT * FROM work WHERE ticket_id = $1 FOR UPDATE", ticket_id)
            if row is None:
                raise HTTPException(404, f"unknown ticket {ticket_id!r} (not yet routed?)")
            if row["state"] == "done":
                raise HTTPException(409, "the ticket is resolved or closed")
            if row["state"] == "assigned" and row["agent_id"] == body.agent_id:
                return {"ticket_id": ticket_id, "agent_id": body.agent_id, "changed": False}
            agents = await lock_agents(tx.conn, agent_id=body.agent_id)
            if not agents:
                raise HTTPException(404, f"unknown agent {body.agent_id!r}")
            agent = agents[0]
            now = tx.now = ctx.clock.now()  # after the lock and the load count, as the assigner does
            teams = await tx.conn.fetchval("SELECT teams FROM agents WHERE agent_id = $1", agent.agent_id)
            team = row["team"] if not teams or row["team"] in teams else teams[0]
            # Any presence will do for a hand-picked agent; capacity (overall and per channel) still holds.
            chosen, why = choose_agent([replace(agent, presence="online")], Need(channel=row["channel"]))
            if chosen is None:
                raise HTTPException(409, f"{agent.agent_id} cannot take it: {why.candidates[0].why}")
            candidate = Candidate(agent_id=agent.agent_id, load=agent.load, capacity=agent.capacity, eligible=True,
                                  why="chosen by hand")  # fmt: skip
            reason = RoutingReason(
                rule="manual", candidates=[candidate], explanation=f"assigned by hand by {actor}" + (
                    f": {body.note}" if body.note else ""),
            )  # fmt: skip
            event = facts.assigned(row, team=team, agent_id=agent.agent_id, reason=reason, now=now, actor=actor)
            await tx.conn.execute(
                """UPDATE work SET state = 'assigned', agent_id = $2, team = $3, assigned_at = $4, manual = true,
                   assigned_by = $5, announced = true, previous_agent = NULL WHERE ticket_id = $1""",
                ticket_id,
                agent.agent_id,
                team,
                now,
                actor,
            )
            tx.emit(event)
            await tx.conn.execute("SELECT pg_notify($1, '')", ASSIGN_CHANNEL)
        return {
            "ticket_id": ticket_id,
            "agent_id": agent.agent_id,
            "previous_agent_id": event.data.previous_agent_id,
            "changed": True,
        }

    return router
