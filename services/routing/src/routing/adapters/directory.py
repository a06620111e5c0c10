"""Seeds the directory from configuration at start-up and publishes what changed on helpdesk.directory."""

from __future__ import annotations

import json
import uuid

from helpdesk_events import (
    AgentPresenceChanged,
    AgentPresenceChangedData,
    AgentRegistered,
    AgentRegisteredData,
    TeamDefined,
    TeamDefinedData,
)
from helpdesk_runtime.service import Context
from helpdesk_runtime.uow import unit_of_work

from ..domain.config import Directory
from .store import ASSIGN_CHANNEL

PRODUCER = "routing"


async def seed_directory(ctx: Context, directory: Directory) -> None:
    now = ctx.clock.now()
    async with unit_of_work(ctx.pool, schema=ctx.schema, now=now, topic_prefix=ctx.settings.topic_prefix) as tx:
        await tx.conn.execute("SELECT pg_advisory_xact_lock(hashtext('routing:seed'))")
        for team in directory.teams:
            old = await tx.conn.fetchrow("SELECT * FROM teams WHERE team_id = $1", team.id)
            new = (team.name, team.tier, team.lead, team.manager)
            if old is not None and (old["name"], old["tier"], old["lead_id"], old["manager_id"]) == new:
                continue
            await tx.conn.execute(
                """INSERT INTO teams VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team_id) DO UPDATE
                   SET name = $2, tier = $3, lead_id = $4, manager_id = $5""",
                team.id,
                *new,
            )
            tx.emit(
                TeamDefined(
                    event_id=uuid.uuid4(),
                    entity_id=f"team:{team.id}",
                    occurred_at=now,
                    producer=PRODUCER,
                    data=TeamDefinedData(
                        team_id=team.id, name=team.name, tier=team.tier, lead_id=team.lead, manager_id=team.manager
                    ),
                )
            )
        for agent in directory.agents:
            old = await tx.conn.fetchrow("SELECT * FROM agents WHERE agent_id = $1", agent.id)
            same = old is not None and (
                old["name"],
                list(old["teams"]),
                dict(old["skills"]),
                list(old["languages"]),
                old["capacity"],
            ) == (agent.name, agent.teams, agent.skills, agent.languages, agent.capacity)
            if not same:
                await tx.conn.execute(
                    """INSERT INTO agents (agent_id, name, email, teams, skills, languages, capacity, presence)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (agent_id) DO UPDATE
                       SET name = $2, email = $3, teams = $4, skills = $5, languages = $6, capacity = $7,
                           updated_at = now()""",
                    agent.id,
                    agent.name,
                    agent.email,
                    agent.teams,
                    json.loads(json.dumps(agent.skills)),
                    agent.languages,
                    agent.capacity,
                    agent.presence,
                )
                tx.emit(
                    AgentRegistered(
                        event_id=uuid.uuid4(),
                        entity_id=f"agent:{agent.id}",
                        occurred_at=now,
                        producer=PRODUCER,
                        data=AgentRegisteredData(
                            agent_id=agent.id,
                            name=agent.name,
                            email=agent.email,
                            teams=agent.teams,
                            skills=agent.skills,
                            languages=agent.languages,
                            capacity=agent.capacity,
                        ),
                    )
                )
            if old is None:
                tx.emit(
                    AgentPresenceChanged(
                        event_id=uuid.uuid4(),
                        entity_id=f"agent:{agent.id}",
                        occurred_at=now,
                        producer=PRODUCER,
                        data=AgentPresenceChangedData(agent_id=agent.id, presence=agent.presence),
                    )
                )
        await tx.conn.execute("UPDATE work SET ready = true WHERE state = 'waiting' AND NOT ready")
        await tx.conn.execute("SELECT pg_notify($1, '')", ASSIGN_CHANNEL)
