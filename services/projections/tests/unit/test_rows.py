"""The ticket row: SLA state, next due time, minutes, language configuration; the readable timeline."""

from __future__ import annotations

import pytest
from helpdesk_events import fold
from helpdesk_events import testing as b
from projections.domain.rows import TICKET_COLUMNS, fts_config, ticket_columns
from projections.domain.timeline import describe

pytestmark = pytest.mark.unit

FR, RES = b.at_min(30), b.at_min(240)


def row(*events):
    state = fold(events)
    assert state is not None
    return ticket_columns(state)


def test_columns_are_stable_and_complete():
    assert list(row(b.opened())) == list(TICKET_COLUMNS)


def test_no_policy_no_sla_state():
    assert row(b.opened())["sla_state"] is None


def test_sla_state_ok_warning_breached():
    base = (b.opened(), b.policy(b.due("first_response", FR), b.due("resolution", RES)))
    assert row(*base)["sla_state"] == "ok"
    assert row(*base, b.warned("resolution", RES))["sla_state"] == "warning"
    breached = row(*base, b.warned("resolution", RES), b.breached("first_response", FR))
    assert breached["sla_state"] == "breached"
    assert breached["first_response_sla"] == "breached"


def test_a_late_met_target_stays_breached():
    r = row(
        b.opened(),
        b.policy(b.due("first_response", FR)),
        b.breached("first_response", FR),
        b.met("first_response", b.at_min(40), FR),
    )
    assert (r["sla_state"], r["first_response_sla"]) == ("breached", "met")


def test_next_due_skips_met_and_paused_targets():
    base = (b.opened(), b.policy(b.due("first_response", FR), b.due("resolution", RES)))
    assert row(*base)["next_due_at"] == FR
    assert row(*base, b.met("first_response", b.at_min(5), FR))["next_due_at"] == RES
    assert row(*base, b.paused())["next_due_at"] is None


def test_minutes_and_customer():
    r = row(b.opened(), b.replied(at=b.at_min(15)), b.status("resolved", at=b.at_min(75), resolution="x"))
    assert (r["first_response_minutes"], r["resolution_minutes"]) == (15.0, 75.0)
    assert r["customer_email"] == "ana@example.com"


@pytest.mark.parametrize(
    ("language", "config"),
    [("es", "spanish"), ("es-MX", "spanish"), ("en", "english"), (None, "simple"), ("de", "simple")],
)
def test_text_search_configuration_follows_the_language(language, config):
    assert fts_config(language) == config


def test_timeline_sentences():
    summary, actor = describe(b.assigned("lucia", "l1"))
    assert summary == "Assigned to lucia (team l1): least loaded eligible agent"
    assert actor == "routing"
    summary, actor = describe(b.status("resolved", resolution="Replaced the toner"))
    assert summary == "Status open → resolved (test) — Replaced the toner"
    assert actor == "agent:ana"
    assert describe(b.breached("first_response", FR))[0].startswith("SLA breached: first_response")
