"""Directory events (teams, agents, presence), written by the routing service to ``helpdesk.directory``.

The topic is compacted: each record is the latest full fact of its kind for one entity, so
``AgentRegistered`` carries the whole agent profile and is re-emitted on every change. The Kafka key is
``"<type>:<entity_id>"`` (see :func:`helpdesk_events.topics.partition_key`) so compaction keeps one
profile *and* one presence per agent. By convention ``entity_id`` is the team id or the agent id.
"""

from typing import Annotated, Literal

from pydantic import Field

from helpdesk_events.envelope import DirectoryEventBase
from helpdesk_events.types import Payload, Presence, Tier


class TeamDefinedData(Payload):
    team_id: str
    name: str
    tier: Tier
    lead_id: str | None = None
    manager_id: str | None = None
    skills: list[str] = []
    active: bool = True
    """False retires the team (compaction keeps the record, so deletion is a flag)."""


class TeamDefined(DirectoryEventBase):
    type: Literal["TeamDefined"] = "TeamDefined"
    data: TeamDefinedData


class AgentRegisteredData(Payload):
    agent_id: str
    name: str
    email: str | None = None
    teams: list[str]
    skills: dict[str, int]
    """Skill name to level."""
    languages: list[str]
    capacity: int = Field(ge=0)
    """Maximum open tickets assigned at once."""
    capacity_per_channel: dict[str, Annotated[int, Field(ge=0)]] = {}
    active: bool = True
    """False off-boards the agent: routing assigns nothing more to them."""


class AgentRegistered(DirectoryEventBase):
    type: Literal["AgentRegistered"] = "AgentRegistered"
    data: AgentRegisteredData


class AgentPresenceChangedData(Payload):
    agent_id: str
    presence: Presence


class AgentPresenceChanged(DirectoryEventBase):
    type: Literal["AgentPresenceChanged"] = "AgentPresenceChanged"
    data: AgentPresenceChangedData


DIRECTORY_EVENTS = (TeamDefined, AgentRegistered, AgentPresenceChanged)
