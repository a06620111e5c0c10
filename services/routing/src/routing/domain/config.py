"""Routing's configuration: teams and agents (the directory seed), team rules and tiers."""

from __future__ import annotations

from typing import Annotated, Literal

from helpdesk_events import Tier
from pydantic import BaseModel, ConfigDict, Field, model_validator

Strategy = Literal["least-loaded", "round-robin", "skills-first"]


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
    capacity_per_channel: dict[str, Annotated[int, Field(ge=0)]] = {}
    """Optional limits per channel on top of ``capacity`` (e.g. ``{chat: 3}``)."""
    presence: Literal["online", "away", "offline"] = "online"


class Directory(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str = "unversioned"
    teams: list[TeamSpec] = []
    agents: list[AgentSpec] = []

    @model_validator(mode="after")
    def _known_teams(self) -> Directory:
        known = {t.id for t in self.teams}
        for agent in self.agents:
            unknown = sorted(set(agent.teams) - known)
            if unknown:
                raise ValueError(f"agent {agent.id!r} belongs to unknown team(s) {unknown}")
        return self


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
    default_strategy: Strategy = "least-loaded"
    strategies: dict[str, Strategy] = {}
    """Per team: how to pick among eligible agents."""
    offline_grace_seconds: float = Field(300, ge=0)
    """An agent offline longer than this loses its open tickets to the queue (reassigned)."""
    reassign_manual: bool = False
    """Whether tickets a supervisor assigned by hand are also taken back after the grace time."""

    def strategy(self, team: str) -> Strategy:
        return self.strategies.get(team, self.default_strategy)


def check_rules_against(rules: RoutingRules, directory: Directory) -> None:
    """routing.yaml may only name teams that teams.yaml defines (rules, strategies, tiers)."""
    known = {t.id for t in directory.teams}
    named = {r.team for r in rules.rules} | set(rules.strategies) | set(rules.tiers)
    named |= {team for tiers in rules.tiers.values() for team in tiers.values()}
    unknown = sorted(named - known)
    if unknown:
        raise ValueError(f"routing.yaml names team(s) not defined in teams.yaml: {unknown}")
    if not any(not r.match for r in rules.rules):
        raise ValueError("routing.yaml needs a catch-all rule (one with an empty match) as its last rule")
