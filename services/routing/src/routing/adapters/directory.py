"""The agent directory: teams, agents and presence, written from configuration, HTTP or helpdesk.directory.

Every change is applied under the entity's row lock. Changes routing decides itself (seed, HTTP) are
published on helpdesk.directory; changes consumed from that topic (a workforce adapter) are not echoed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from helpdesk_events import (
    AgentPresenceChanged,
    AgentPresenceChangedData,
    AgentRegistered,
    AgentRegisteredData,
    TeamDefined,
    TeamDefinedData,
)
from helpdesk_events.types import Presence
from helpdesk_runtime.service import Context
from helpdesk_runtime.uow import Tx, unit_of_work

from ..domain.config import Directory, RoutingRules
from ..domain.presence import offline_timer_key, presence_effect
from .store import ASSIGN_CHANNEL

PRODUCER = "routing"


def _team_fact(d: TeamDefinedData, now: datetime) -> TeamDefined:
    return TeamDefined(event_id=uuid.uuid4(), entity_id=f"team:{d.team_id}", occurred_at=now, producer=PRODUCER, data=d)


def _agent_fact(d: AgentRegisteredData, now: datetime) -> AgentRegistered:
    return AgentRegistered(
        event_id=uuid.uuid4(), entity_id=f"agent:{d.agent_id}", occurred_at=now, producer=PRODUCER, data=d
    )


async def _wake(tx: Tx) -> None:
    await tx.conn.execute("SELECT pg_notify($1, '')", ASSIGN_CHANNEL)


async def put_team(tx: Tx, d: TeamDefinedData, *, publish: bool, seeded: dict[str, Any] | None = None) -> bool:
    """Create or update a team; returns whether anything changed."""
    old = await tx.conn.fetchrow("SELECT * FROM teams WHERE team_id = $1 FOR UPDATE", d.team_id)
    new = (d.name, d.tier, d.lead_id, d.manager_id, d.active)
    if old is not None and (old["name"], old["tier"], old["lead_id"], old["manager_id"], old["active"]) == new:
        return False
    await tx.conn.execute(
        """INSERT INTO teams (team_id, name, tier, lead_id, manager_id, active, seeded)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (team_id) DO UPDATE
           SET name = $2, tier = $3, lead_id = $4, manager_id = $5, active = $6,
               seeded = COALESCE($7, teams.seeded)""",
        d.team_id,
        *new,
        seeded,
    )
    if publish:
        tx.emit(_team_fact(d, tx.now))
    await _wake(tx)
    return True


async def put_agent(tx: Tx, d: AgentRegisteredData, *, publish: bool, seeded: dict[str, Any] | None = None) -> bool:
    """Create or update an agent's profile (not its presence); returns whether anything changed."""
    old = await tx.conn.fetchrow("SELECT * FROM agents WHERE agent_id = $1 FOR UPDATE", d.agent_id)
    new = (d.name, d.email, d.teams, d.skills, d.languages, d.capacity, d.capacity_per_channel, d.active)
    if (
        old is not None
        and (
            old["name"],
            old["email"],
            list(old["teams"]),
            dict(old["skills"]),
            list(old["languages"]),
            old["capacity"],
            dict(old["capacity_per_channel"]),
            old["active"],
        )
        == new
    ):
        return False
    await tx.conn.execute(
        """INSERT INTO agents (agent_id, name, email, teams, skills, languages, capacity, capacity_per_channel,
                               active, seeded, presence, presence_since)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'offline', $11) ON CONFLICT (agent_id) DO UPDATE
           SET name = $2, email = $3, teams = $4, skills = $5, languages = $6, capacity = $7,
               capacity_per_channel = $8, active = $9, seeded = COALESCE($10, agents.seeded), updated_at = $11""",
        d.agent_id,
        *new,
        seeded,
        tx.now,
    )
    if publish:
        tx.emit(_agent_fact(d, tx.now))
    if old is None:
        pending = await tx.conn.fetchrow("DELETE FROM presence_pending WHERE agent_id = $1 RETURNING *", d.agent_id)
        if pending is not None:
            await set_presence(
                tx, d.agent_id, pending["presence"], grace_seconds=0, publish=publish, source=pending["source"]
            )
    await _wake(tx)
    return True


async def set_presence(
    tx: Tx, agent_id: str, presence: Presence, *, grace_seconds: float, publish: bool, source: str
) -> bool | None:
    """Change an agent's presence (None if the agent is unknown); arms or cancels the offline grace timer."""
    old = await tx.conn.fetchval("SELECT presence FROM agents WHERE agent_id = $1 FOR UPDATE", agent_id)
    if old is None:
        if source != "http":  # from the directory topic, presence and profile travel on different partitions
            await tx.conn.execute(
                """INSERT INTO presence_pending VALUES ($1, $2, $3)
                   ON CONFLICT (agent_id) DO UPDATE SET presence = $2, source = $3""",
                agent_id,
                presence,
                source,
            )
        return None
    effect = presence_effect(old, presence, tx.now, grace_seconds)
    if not effect.changed:
        return False
    await tx.conn.execute(
        "UPDATE agents SET presence = $2, presence_since = $3 WHERE agent_id = $1", agent_id, presence, tx.now
    )
    await tx.conn.execute(
        "INSERT INTO presence_log (agent_id, presence, at, source) VALUES ($1, $2, $3, $4)",
        agent_id,
        presence,
        tx.now,
        source,
    )
    if effect.offline_deadline is not None:
        await tx.set_timer(offline_timer_key(agent_id), effect.offline_deadline, "agent-offline", agent_id)
    if effect.cancel_deadline:
        await tx.cancel_timer(offline_timer_key(agent_id))
    if publish:
        tx.emit(
            AgentPresenceChanged(
                event_id=uuid.uuid4(),
                entity_id=f"agent:{agent_id}",
                occurred_at=tx.now,
                producer=PRODUCER,
                data=AgentPresenceChangedData(agent_id=agent_id, presence=presence),
            )
        )
    if effect.wake:
        await _wake(tx)
    return True


async def seed_directory(ctx: Context, directory: Directory, rules: RoutingRules) -> None:
    """Apply teams.yaml: entities new to the database, or whose configuration changed since the last seed.

    Changes made at run time (HTTP, helpdesk.directory) survive restarts until the file itself changes;
    presence comes from the file only for a new agent.
    """
    now = ctx.clock.now()
    async with unit_of_work(ctx.pool, schema=ctx.schema, now=now, topic_prefix=ctx.settings.topic_prefix) as tx:
        await tx.conn.execute("SELECT pg_advisory_xact_lock(hashtext('routing:seed'))")
        for team in directory.teams:
            spec = team.model_dump(mode="json")
            if await tx.conn.fetchval("SELECT seeded = $2 FROM teams WHERE team_id = $1", team.id, spec):
                continue
            data = TeamDefinedData(
                team_id=team.id, name=team.name, tier=team.tier, lead_id=team.lead, manager_id=team.manager
            )
            if not await put_team(tx, data, publish=True, seeded=spec):
                await tx.conn.execute("UPDATE teams SET seeded = $2 WHERE team_id = $1", team.id, spec)
        for agent in directory.agents:
            spec = agent.model_dump(mode="json")
            known = await tx.conn.fetchrow("SELECT seeded = $2 AS same FROM agents WHERE agent_id = $1", agent.id, spec)
            if known is not None and known["same"]:
                continue
            profile = AgentRegisteredData(
                agent_id=agent.id,
                name=agent.name,
                email=agent.email,
                teams=agent.teams,
                skills=agent.skills,
                languages=agent.languages,
                capacity=agent.capacity,
                capacity_per_channel=agent.capacity_per_channel,
            )
            if not await put_agent(tx, profile, publish=True, seeded=spec):
                await tx.conn.execute("UPDATE agents SET seeded = $2 WHERE agent_id = $1", agent.id, spec)
            if known is None:
                await tx.conn.execute("UPDATE agents SET presence = 'new' WHERE agent_id = $1", agent.id)
                await set_presence(
                    tx,
                    agent.id,
                    agent.presence,
                    grace_seconds=rules.offline_grace_seconds,
                    publish=True,
                    source="config",
                )
