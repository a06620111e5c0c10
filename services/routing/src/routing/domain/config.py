"""Routing's configuration: teams and agents (the directory seed), team rules and tiers."""

from __future__ import annotations

from helpdesk_events import Tier
from pydantic import BaseModel, ConfigDict, Field


class TeamSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    tier: Tier = "L1"
    lead: str | None = None
    manager: str | None = None


class AgentSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    email: str | None = None
    teams: list[str]
    skills: dict[str, int] = {}
    languages: list[str] = []
    capacity: int = Field(ge=0)
    presence: str = "online"


class Directory(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str = "unversioned"
    teams: list[TeamSpec] = []
    agents: list[AgentSpec] = []


class TeamRule(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    match: dict[str, list[str]] = {}
    team: str
    skills: list[str] = []


class RoutingRules(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str = "unversioned"
    rules: list[TeamRule]
    tiers: dict[str, dict[str, str]] = {}
