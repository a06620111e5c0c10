"""Pure routing decisions: which team (rules) and which agent (skills, language, presence, load, strategy)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from helpdesk_events import Candidate, RoutingReason

from .config import RoutingRules, Strategy, TeamRule

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
    skills: Mapping[str, int]
    languages: tuple[str, ...]
    capacity: int
    load: int
    presence: str
    last_assigned_at: datetime | None
    channel_capacity: Mapping[str, int] = field(default_factory=dict)
    """Optional per-channel limits (e.g. 3 chats) on top of ``capacity``."""
    channel_load: Mapping[str, int] = field(default_factory=dict)
    active: bool = True


@dataclass(frozen=True)
class Need:
    skills: tuple[str, ...] = ()
    language: str | None = None
    channel: str | None = None


def with_assignment(agent: AgentView, channel: str | None, now: datetime) -> AgentView:
    """The agent as it is once one more ticket (on ``channel``) is assigned to it."""
    loads = dict(agent.channel_load)
    if channel is not None:
        loads[channel] = loads.get(channel, 0) + 1
    return replace(agent, load=agent.load + 1, channel_load=loads, last_assigned_at=now)


def _why_not(agent: AgentView, need: Need, language_required: bool) -> str | None:
    if not agent.active:
        return "inactive"
    if agent.presence != "online":
        return f"{agent.presence}"
    if agent.load >= agent.capacity:
        return f"at capacity ({agent.load}/{agent.capacity})"
    if need.channel is not None and need.channel in agent.channel_capacity:
        used, limit = agent.channel_load.get(need.channel, 0), agent.channel_capacity[need.channel]
        if used >= limit:
            return f"at {need.channel} capacity ({used}/{limit})"
    missing = [s for s in need.skills if s not in agent.skills]
    if missing:
        return f"lacks skill {', '.join(missing)}"
    if language_required and need.language not in agent.languages:
        return f"does not speak {need.language}"
    return None


def _least_loaded(eligible: list[AgentView], need: Need, last: str | None) -> tuple[AgentView, str]:
    best = min(eligible, key=lambda a: (a.load / a.capacity, a.last_assigned_at or _EPOCH, a.agent_id))
    tied = sum(1 for a in eligible if a.load * best.capacity == best.load * a.capacity)
    why = f"{best.agent_id}: lowest load {best.load}/{best.capacity} among {len(eligible)} eligible"
    return best, why + (", idle longest among equals" if tied > 1 else "")


def _round_robin(eligible: list[AgentView], need: Need, last: str | None) -> tuple[AgentView, str]:
    after = [a for a in eligible if last is None or a.agent_id > last]
    best = after[0] if after else eligible[0]
    return best, f"{best.agent_id}: next in turn after {last or 'nobody'} among {len(eligible)} eligible"


def _skills_first(eligible: list[AgentView], need: Need, last: str | None) -> tuple[AgentView, str]:
    def level(a: AgentView) -> int:
        return sum(a.skills.get(s, 0) for s in need.skills)

    best = min(eligible, key=lambda a: (-level(a), a.load / a.capacity, a.last_assigned_at or _EPOCH, a.agent_id))
    return best, (
        f"{best.agent_id}: highest skill level {level(best)} for {', '.join(need.skills) or 'no skill'}, "
        f"load {best.load}/{best.capacity}, among {len(eligible)} eligible"
    )


STRATEGIES: dict[Strategy, Callable[[list[AgentView], Need, str | None], tuple[AgentView, str]]] = {
    "least-loaded": _least_loaded,
    "round-robin": _round_robin,
    "skills-first": _skills_first,
}


def choose_agent(
    agents: list[AgentView], need: Need, strategy: Strategy = "least-loaded", last: str | None = None
) -> tuple[AgentView | None, RoutingReason]:
    """Pick one eligible agent: active, online, below capacity (overall and on the ticket's channel), with
    every required skill and, when at least one team member speaks it, the ticket's language.

    ``least-loaded``: lowest load relative to capacity, ties to the one idle longest, then by id.
    ``round-robin``: the next eligible agent by id after ``last`` (the team's previous pick).
    ``skills-first``: highest summed level of the required skills, then as least-loaded.
    The result does not depend on the order of ``agents``.
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
    best, explanation = STRATEGIES[strategy](eligible, need, last)
    return best, RoutingReason(rule="", candidates=candidates, explanation=f"{strategy}: {explanation}")
