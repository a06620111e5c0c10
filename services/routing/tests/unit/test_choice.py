from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from routing.domain.choice import AgentView, Need, choose_agent, choose_team, with_assignment
from routing.domain.config import RoutingRules

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def agent(aid: str, load: int = 0, capacity: int = 5, skills=None, languages=("es",), presence="online", idle_min=0):
    return AgentView(
        aid,
        dict(skills or {"general": 1}),
        tuple(languages),
        capacity,
        load,
        presence,
        T0 - timedelta(minutes=idle_min),
    )


def test_least_loaded_relative_to_capacity_wins():
    chosen, reason = choose_agent([agent("a", load=2, capacity=4), agent("b", load=2, capacity=8)], Need())
    assert chosen is not None and chosen.agent_id == "b"
    assert "b" in reason.explanation and len(reason.candidates) == 2


def test_ties_go_to_the_agent_idle_longest():
    chosen, _ = choose_agent([agent("a", idle_min=5), agent("b", idle_min=50)], Need())
    assert chosen is not None and chosen.agent_id == "b"


def test_offline_full_or_unskilled_agents_are_not_chosen_and_say_why():
    agents = [agent("off", presence="offline"), agent("full", load=5), agent("noskill", skills={"hr": 1})]
    chosen, reason = choose_agent(agents, Need(skills=("general",)))
    assert chosen is None
    why = {c.agent_id: c.why for c in reason.candidates}
    assert why == {"full": "at capacity (5/5)", "noskill": "lacks skill general", "off": "offline"}


def test_language_is_required_only_when_someone_in_the_team_speaks_it():
    agents = [agent("es1", languages=("es",), load=0), agent("en1", languages=("en",), load=3)]
    chosen, _ = choose_agent(agents, Need(language="en"))
    assert chosen is not None and chosen.agent_id == "en1"
    chosen, _ = choose_agent(agents, Need(language="fr"))
    assert chosen is not None and chosen.agent_id == "es1"


def test_first_matching_team_rule_wins():
    rules = RoutingRules.model_validate(
        {"rules": [{"name": "hr", "match": {"category": ["hr"]}, "team": "hr"}, {"name": "all", "team": "desk"}]}
    )
    assert choose_team(rules, {"category": "hr"}).team == "hr"
    assert choose_team(rules, {"category": "network"}).team == "desk"


agents_st = st.lists(
    st.builds(
        agent,
        aid=st.text("abcdefgh", min_size=1, max_size=3),
        load=st.integers(0, 10),
        capacity=st.integers(1, 10),
        skills=st.dictionaries(st.sampled_from(["general", "network", "hr"]), st.integers(1, 3), max_size=3),
        languages=st.lists(st.sampled_from(["es", "en"]), max_size=2),
        presence=st.sampled_from(["online", "away", "offline"]),
        idle_min=st.integers(0, 100),
    ),
    max_size=8,
    unique_by=lambda a: a.agent_id,
)
need_st = st.builds(
    Need,
    skills=st.lists(st.sampled_from(["general", "network"]), max_size=2).map(tuple),
    language=st.none() | st.sampled_from(["es", "en"]),
)


@given(agents_st, need_st)
def test_choice_never_exceeds_capacity_never_lacks_a_skill_and_is_deterministic(agents, need):
    chosen, reason = choose_agent(agents, need)
    again, _ = choose_agent(list(reversed(agents)), need)
    assert (chosen and chosen.agent_id) == (again and again.agent_id)
    if chosen is not None:
        assert chosen.presence == "online"
        assert chosen.load < chosen.capacity
        assert all(s in chosen.skills for s in need.skills)
    else:
        assert not any(c.eligible for c in reason.candidates)


def test_round_robin_takes_the_next_in_turn_after_the_last_pick():
    agents = [agent("a", load=0), agent("b", load=3), agent("c", load=1)]
    assert choose_agent(agents, Need(), "round-robin", last="a")[0].agent_id == "b"
    assert choose_agent(agents, Need(), "round-robin", last="c")[0].agent_id == "a"  # wraps around
    assert choose_agent(agents, Need(), "round-robin", last=None)[0].agent_id == "a"


def test_skills_first_prefers_the_highest_level_then_the_least_loaded():
    agents = [
        agent("junior", load=0, skills={"network": 1}),
        agent("senior", load=3, skills={"network": 3}),
        agent("senior2", load=1, skills={"network": 3}),
    ]
    chosen, reason = choose_agent(agents, Need(skills=("network",)), "skills-first")
    assert chosen.agent_id == "senior2"
    assert reason.explanation.startswith("skills-first: senior2: highest skill level 3")


def test_per_channel_capacity_limits_one_channel_only():
    busy = AgentView("a", {"general": 1}, ("es",), 10, 3, "online", T0, {"chat": 3}, {"chat": 3})
    chosen, reason = choose_agent([busy], Need(channel="chat"))
    assert chosen is None and reason.candidates[0].why == "at chat capacity (3/3)"
    assert choose_agent([busy], Need(channel="email"))[0] is busy


def test_inactive_agents_are_never_chosen():
    chosen, reason = choose_agent([replace(agent("gone"), active=False)], Need())
    assert chosen is None and reason.candidates[0].why == "inactive"


def test_with_assignment_counts_the_ticket_overall_and_on_its_channel():
    after = with_assignment(agent("a", load=1), "chat", T0)
    assert (after.load, after.channel_load, after.last_assigned_at) == (2, {"chat": 1}, T0)


strategy_st = st.sampled_from(["least-loaded", "round-robin", "skills-first"])


@given(agents_st, need_st, strategy_st, st.none() | st.text("abcdefgh", min_size=1, max_size=3))
def test_every_strategy_respects_capacity_skills_and_is_order_independent(agents, need, strategy, last):
    chosen, _ = choose_agent(agents, need, strategy, last)
    again, _ = choose_agent(list(reversed(agents)), need, strategy, last)
    assert (chosen and chosen.agent_id) == (again and again.agent_id)
    if chosen is not None:
        assert chosen.presence == "online" and chosen.load < chosen.capacity
        assert all(s in chosen.skills for s in need.skills)


@given(agents_st, st.lists(need_st, max_size=30), strategy_st)
def test_assigning_a_whole_queue_never_pushes_anyone_over_capacity(agents, needs, strategy):
    """What the assigner does within one transaction: choose, count the ticket, choose again."""
    pool = {a.agent_id: a for a in agents}
    start = {a.agent_id: a.load for a in agents}
    last = None
    for need in needs:
        chosen, _ = choose_agent(list(pool.values()), need, strategy, last)
        if chosen is not None:
            pool[chosen.agent_id] = with_assignment(chosen, need.channel, T0)
            last = chosen.agent_id
    for a in pool.values():
        assert a.load <= max(a.capacity, start[a.agent_id])
