"""helpdesk.directory → the directory: teams, agents and presence published by others (workforce adapters).

Facts routing published itself (seed, HTTP) are skipped: they are already applied.
"""

from __future__ import annotations

from helpdesk_events import (
    AgentPresenceChanged,
    AgentRegistered,
    DirectoryEvent,
    TeamDefined,
    decode_directory_event,
)
from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.uow import Tx

from ..adapters.directory import PRODUCER, put_agent, put_team, set_presence
from ..domain.config import RoutingRules


def directory_consumer(rules: RoutingRules, *, topic: str) -> ConsumerSpec[DirectoryEvent]:
    async def handle(tx: Tx, event: DirectoryEvent, record: Record) -> None:
        if event.producer == PRODUCER:
            return
        match event:
            case TeamDefined(data=d):
                await put_team(tx, d, publish=False)
            case AgentRegistered(data=d):
                await put_agent(tx, d, publish=False)
            case AgentPresenceChanged(data=d):
                await set_presence(
                    tx,
                    d.agent_id,
                    d.presence,
                    grace_seconds=rules.offline_grace_seconds,
                    publish=False,
                    source=event.producer,
                )
            case _:
                pass

    return ConsumerSpec(
        name="routing.directory",
        topics=[topic],
        decode=decode_directory_event,
        handle=handle,
        dedupe_key=lambda e: str(e.event_id),
    )
