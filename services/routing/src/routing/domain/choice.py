"""Pure routing decisions: which team (rules) and which agent (skills, language, presence, load)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from helpdesk_events import Candidate, RoutingReason

from .config import RoutingRules, TeamRule

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def choose_team(rules: RoutingRules, facts: dict[str, str | None]) -> TeamRule:
    """First rule whose every ``match`` key holds (category, channel, language, tier)."""
    for rule in rules.rules:
        if all(facts.get(key) in allowed for key, allowed in rule.match.items()):
            return rule
    raise ValueError("no routing rule matched and there is no catch-all rule")


@dataclass(frozen=True)
class AgentView:
    agent_id: str
    skills: dict[str, int]
    languages: tuple[str, ...]
    capacity: int
    load: int
    presence: str
    last_assigned_at: datetime | None


@dataclass(frozen=True)
class Need:
    skills: tuple[str, ...] = ()
    language: str | None = None


def _why_not(agent: AgentView, need: Need, language_required: bool) -> str | None:
    if agent.presence != "online":
        return f"{agent.presence}"
    if agent.load >= agent.capacity:
        return f"at capacity ({agent.load}/{agent.capacity})"
    missing = [s for s in need.skills if s not in agent.skills]
    if missing:
        return f"lacks skill {', '.join(missing)}"
    if language_required and need.language not in agent.languages:
        return f"does not speak {need.language}"
    return None


def choose_agent(agents: list[AgentView], need: Need) -> tuple[AgentView | None, RoutingReason]:
    """Least loaded relative to capacity among eligible agents; ties to the one idle longest, then by id.

    The language is required when at least one team member speaks it (otherwise nobody could ever serve
    the ticket, and it is routed on skills alone).
    """
    language_required = need.language is not None and any(need.language in a.languages for a in agents)
    candidates: list[Candidate] = []
    eligible: list[AgentView] = []
    for agent in sorted(agents, key=lambda a: a.agent_id):
        reason = _why_not(agent, need, language_required)
        candidates.append(
            Candidate(
                agent_id=agent.agent_id,
                load=agent.load,
                capacity=agent.capacity,
                eligible=reason is None,
                why=reason or "eligible",
            )
        )
        if reason is None:
            eligible.append(agent)
    if not eligible:
        return None, RoutingReason(rule="", candidates=candidates, explanation="no eligible agent has spare capacity")
    best = min(eligible, key=lambda a: (a.load / a.capacity, a.last_assigned_at or _EPOCH, a.agent_id))
    explanation = f"{best.agent_id}: lowest load {best.load}/{best.capacity} among {len(eligible)} eligible" + (
        ", idle longest among equals"
        if sum(1 for a in eligible if a.load / a.capacity == best.load / best.capacity) > 1
        else ""
    )
    return best, RoutingReason(rule="", candidates=candidates, explanation=explanation)
