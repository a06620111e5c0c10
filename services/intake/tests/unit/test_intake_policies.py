"""Throttling, contacts, reply splitting and the agent commands added to intake, as given/when/then."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from helpdesk_events import InboundMessage, Sender, fold
from intake.domain.changes import (
    Merge,
    OpenTicket,
    Rate,
    SetCategory,
    SetPriority,
    decide_change,
    decide_merge,
    decide_open,
)
from intake.domain.classify import IntakeRules
from intake.domain.commands import Rejected, Reply, SetStatus, decide_command
from intake.domain.contacts import ContactRules, contact_for, normalise_phone
from intake.domain.decide import decide_inbound
from intake.domain.noise import noise_reason, throttle
from intake.domain.quoting import split_reply

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
RULES = IntakeRules(
    contacts=ContactRules(
        default_region="ES",
        departments={"@rrhh.acme.example": "hr", "facilities@acme.example": "facilities"},
        tiers={"@bigclient.example": "vip", "+34600000001": "vip", "twitter:@famous": "vip"},
    )
)


def inbound(mid: str = "m1", **kw) -> InboundMessage:
    base = dict(
        message_id=mid,
        channel="web",
        received_at=NOW,
        sender={"email": "ana@example.com"},
        subject="Hola",
        body="No funciona",
    )
    base.update(kw)
    return InboundMessage.model_validate(base)


def opened_state(folio: str = "HD-2026-000001", mid: str = "m1"):
    return fold(decide_inbound(inbound(mid), None, rules=RULES, now=NOW, folio=folio).events)


# Throttling: decided from event time, per sender.


def test_a_sender_over_the_limit_within_a_minute_is_throttled_and_recovers_after_it():
    recent: list[datetime] = []
    verdicts = []
    for i in range(4):
        t = throttle(recent, NOW + timedelta(seconds=i), per_minute=3)
        recent, verdicts = list(t.recent), [*verdicts, t.throttled]
    assert verdicts == [False, False, False, True]
    assert throttle(recent, NOW + timedelta(seconds=70), per_minute=3).throttled is False


def test_throttling_off_when_the_limit_is_zero():
    assert throttle([NOW] * 50, NOW, per_minute=0).throttled is False


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "a@x.example", "auto-submitted: auto-replied"),
        ({"auto-submitted": "no"}, "a@x.example", None),
        ({"x-autoreply": "yes"}, "a@x.example", "auto-reply (x-autoreply)"),
        ({"precedence": "Bulk"}, "a@x.example", "precedence: bulk"),
        ({"precedence": "first-class"}, "a@x.example", None),
        ({"list-id": "<l.example>"}, "a@x.example", "mailing list (list-id)"),
        ({"content-type": "multipart/report; report-type=delivery-status"}, "a@x.example", "multipart/report"),
        ({}, "Mailer-Daemon@x.example", "bounce (mailer-daemon)"),
        ({"return-path": "<>"}, "a@x.example", "bounce (empty return path)"),
        ({}, "a@x.example", None),
    ],
)
def test_noise_reason_from_headers_an_adapter_sends(headers, sender, reason):
    got = noise_reason(inbound(channel="email", headers=headers, sender={"email": sender}))
    assert (got is None) if reason is None else (got is not None and reason in got)


def test_mail_from_the_desks_own_address_is_a_loop():
    rules = IntakeRules(own_addresses=frozenset({"HelpDesk@Acme.example"}))
    msg = inbound(channel="email", sender={"email": "helpdesk@acme.EXAMPLE"})
    reason = noise_reason(msg, rules.own_addresses)
    assert reason is not None and reason.startswith("loop")


# Contacts


def test_phones_are_e164_with_the_default_region():
    assert normalise_phone("600 11 12 22", "ES") == "+34600111222"
    assert normalise_phone("0034 600-111-222") == "+34600111222"
    assert normalise_phone("+1 (415) 555-0100") == "+14155550100"


def test_contacts_carry_department_and_tier_from_configuration():
    hr = contact_for(Sender(email="Nuria@RRHH.acme.example"), RULES.contacts)
    assert (hr.contact_id, hr.department, hr.tier) == ("email:nuria@rrhh.acme.example", "hr", "standard")
    vip = contact_for(Sender(phone="600 000 001"), RULES.contacts)
    assert (vip.contact_id, vip.tier) == ("phone:+34600000001", "vip")
    social = contact_for(Sender(handle="@Famous", platform="Twitter"), RULES.contacts)
    assert (social.contact_id, social.tier) == ("handle:twitter:famous", "vip")
    assert contact_for(Sender(handle="famous", platform="facebook"), RULES.contacts).tier == "standard"


def test_vip_customers_get_a_raised_priority():
    events = decide_inbound(
        inbound(sender={"email": "boss@bigclient.example"}), None, rules=RULES, now=NOW, folio="HD-2026-000009"
    ).events
    assert events[0].data.customer.tier == "vip" and events[0].data.priority == "P2"


# Separating new content from history


def test_split_reply_keeps_only_the_new_content():
    split = split_reply("Gracias!\n\n-- \nAna\nTel 600\n\nEl lun, 1 ene 2026, Mesa <m@x> escribió:\n> hola\n")
    assert split.body == "Gracias!"
    assert split.signature == "Ana\nTel 600"
    assert split.quoted is not None and split.quoted.startswith("El lun") and "> hola" in split.quoted


def test_split_reply_with_interleaved_quote_lines():
    split = split_reply("> question one?\nanswer one\n> question two?\nanswer two")
    assert split.body == "answer one\nanswer two"
    assert split.quoted == "> question one?\n> question two?"


def test_a_message_that_is_all_quote_keeps_its_text():
    assert split_reply("> only quoted").body == "> only quoted"


def test_chat_messages_are_not_split():
    events = decide_inbound(inbound(body="> not a quote in chat"), None, rules=RULES, now=NOW, folio="HD-2026-1").events
    assert events[0].data.body == "> not a quote in chat"


# Agent commands


def test_priority_and_category_changes_and_their_rejections():
    state = opened_state()
    [changed] = decide_change(state, SetPriority(priority="P1"), now=NOW, event_id=uuid.uuid4())
    assert (changed.data.from_priority, changed.data.to_priority) == (state.priority, "P1")
    with pytest.raises(Rejected) as same:
        decide_change(state, SetPriority(priority=state.priority), now=NOW, event_id=uuid.uuid4())
    assert same.value.status == 422
    with pytest.raises(Rejected) as stale:
        decide_change(state, SetCategory(category="hr", expected_version=7), now=NOW, event_id=uuid.uuid4())
    assert (stale.value.status, stale.value.version) == (409, state.version)
    [cat] = decide_change(state, SetCategory(category="hr"), now=NOW, event_id=uuid.uuid4())
    assert fold([cat], state).category == "hr"


def test_satisfaction_needs_a_resolved_ticket():
    state = opened_state()
    with pytest.raises(Rejected) as early:
        decide_change(state, Rate(rating=5), now=NOW, event_id=uuid.uuid4())
    assert early.value.status == 422
    resolved = fold(
        decide_command(state, SetStatus(status="resolved", resolution="done"), now=NOW, event_id=uuid.uuid4()), state
    )
    [rated] = decide_change(resolved, Rate(rating=4, comment="ok"), now=NOW, event_id=uuid.uuid4())
    assert fold([rated], resolved).csat == 4


def test_merge_closes_the_source_and_notes_the_target():
    source, target = opened_state("HD-2026-000001", "a"), opened_state("HD-2026-000002", "b")
    merged, note = decide_merge(source, target, Merge(into="HD-2026-000002"), now=NOW, event_ids=(uuid.uuid4(),) * 2)
    after = fold([merged], source)
    assert (after.status, after.merged_into) == ("closed", target.ticket_id)
    assert note.ticket_id == target.ticket_id and "HD-2026-000001" in note.data.body
    for bad_target in (None, source):
        with pytest.raises(Rejected) as rej:
            decide_merge(source, bad_target, Merge(into="x"), now=NOW, event_ids=(uuid.uuid4(),) * 2)
        assert rej.value.status == 422
    with pytest.raises(Rejected) as unknown:
        decide_merge(None, target, Merge(into="x"), now=NOW, event_ids=(uuid.uuid4(),) * 2)
    assert unknown.value.status == 404


def test_agent_replies_carry_a_message_id_customers_can_reply_to():
    state = opened_state()
    [reply] = decide_command(state, Reply(body="Hola"), now=NOW, event_id=uuid.uuid4(), reply_domain="d.example")
    assert reply.data.message_id and reply.data.message_id.endswith("@d.example")


def test_open_through_the_api_with_agent_overrides():
    cmd = OpenTicket(subject="Printer jam", body="Paper stuck", customer=Sender(email="x@y.example"), priority="P1")
    opened = decide_open(cmd, rules=RULES, now=NOW, folio="HD-2026-000010", message_id="api:1", tenant="acme")
    assert (opened.data.channel, opened.data.priority, opened.tenant) == ("api", "P1", "acme")
    by_matrix = decide_open(
        OpenTicket(subject="s", body="b", customer=Sender(email="x@y.example"), impact=1, urgency=1),
        rules=RULES,
        now=NOW,
        folio="HD-2026-000011",
        message_id="api:2",
        tenant="default",
    )
    assert (by_matrix.data.priority, by_matrix.data.impact, by_matrix.data.urgency) == ("P1", 1, 1)


def test_contact_merge_moves_each_ticket_once_and_refuses_loops():
    from intake.domain.contact_merge import MergeContacts, check_merge, move_tickets

    state = opened_state()
    assert state.customer is not None
    [moved] = move_tickets(
        [state], to_contact="phone:+34600111222", reason="merged", actor="a", now=NOW, ids=[uuid.uuid4()]
    )
    after = fold([moved], state)
    assert after.customer.contact_id == "phone:+34600111222" and after.customer.email == state.customer.email
    assert (
        move_tickets([after], to_contact="phone:+34600111222", reason="m", actor="a", now=NOW, ids=[uuid.uuid4()]) == []
    )
    for kwargs in ({"already_merged_into": "x"}, {"target_merged_into": "y"}):
        with pytest.raises(Rejected):
            check_merge(
                MergeContacts(contact_id="a", into="b"),
                **{"already_merged_into": None, "target_merged_into": None, **kwargs},
            )
    with pytest.raises(Rejected):
        check_merge(MergeContacts(contact_id="a", into="a"), already_merged_into=None, target_merged_into=None)
