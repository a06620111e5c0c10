"""Every topic → read models, with the shared fold from libs/events (exactly once: runtime offsets + dedupe)."""

from __future__ import annotations

import json

from helpdesk_events import (
    AgentPresenceChanged,
    AgentRegistered,
    DirectoryEvent,
    TicketEvent,
    TicketState,
    decode_directory_event,
    decode_ticket_event,
    encode,
    evolve,
)
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx


def tickets_consumer(*, topic: str) -> ConsumerSpec[TicketEvent]:
    async def handle(tx: Tx, event: TicketEvent, record: Record) -> None:
        row = await tx.conn.fetchrow("SELECT state FROM tickets WHERE ticket_id = $1 FOR UPDATE", event.ticket_id)
        state = evolve(TicketState.model_validate(row["state"]) if row else None, event)
        await tx.conn.execute(
            """INSERT INTO tickets (ticket_id, tenant, folio, status, priority, category, channel, subject, team,
                                    assignee, escalation_level, created_at, updated_at, version, state)
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
               ON CONFLICT (ticket_id) DO UPDATE SET tenant=$2, folio=$3, status=$4, priority=$5, category=$6,
                 channel=$7, subject=$8, team=$9, assignee=$10, escalation_level=$11, created_at=$12,
                 updated_at=$13, version=$14, state=$15""",
            state.ticket_id,
            state.tenant,
            state.folio,
            state.status,
            state.priority,
            state.category,
            state.channel,
            state.subject,
            state.team,
            state.assignee,
            state.escalation_level,
            state.created_at,
            state.updated_at,
            state.version,
            state.model_dump(mode="json"),
        )
        await tx.conn.execute(
            """INSERT INTO timeline (ticket_id, seq, event_id, type, occurred_at, producer, event)
               VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            event.ticket_id,
            state.version,
            event.event_id,
            event.type,
            event.occurred_at,
            event.producer,
            json.loads(encode(event)),
        )

    return ConsumerSpec(
        name="projections.tickets",
        topics=[topic],
        decode=decode_ticket_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
        correlation=lambda e: str(e.correlation_id) if e.correlation_id else None,
    )


def directory_consumer(*, topic: str) -> ConsumerSpec[DirectoryEvent]:
    async def handle(tx: Tx, event: DirectoryEvent, record: Record) -> None:
        match event:
            case AgentRegistered(data=d):
                await tx.conn.execute(
                    """INSERT INTO agents (agent_id, name, teams, capacity, updated_at) VALUES ($1, $2, $3, $4, $5)
                       ON CONFLICT (agent_id) DO UPDATE SET name=$2, teams=$3, capacity=$4, updated_at=$5""",
                    d.agent_id,
                    d.name,
                    d.teams,
                    d.capacity,
                    event.occurred_at,
                )
            case AgentPresenceChanged(data=d):
                await tx.conn.execute(
                    """INSERT INTO agents (agent_id, presence, updated_at) VALUES ($1, $2, $3)
                       ON CONFLICT (agent_id) DO UPDATE SET presence=$2, updated_at=$3""",
                    d.agent_id,
                    d.presence,
                    event.occurred_at,
                )
            case _:
                pass

    return ConsumerSpec(
        name="projections.directory",
        topics=[topic],
        decode=decode_directory_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
    )
