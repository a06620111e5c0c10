from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from helpdesk_events import InboundMessage, fold
from intake.domain.classify import IntakeRules, detect_language
from intake.domain.commands import Rejected, Reply, SetStatus, decide_command
from intake.domain.contacts import contact_for
from intake.domain.decide import decide_inbound, folio_in

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
RULES = IntakeRules.model_validate(
    {
        "version": "r1",
        "categories": [
            {"category": "hr", "recipients": ["rrhh@"], "keywords": ["nómina"]},
            {"category": "hardware", "keywords": ["impresora", "printer"]},
        ],
        "default_category": "it",
        "urgent_keywords": ["urgente"],
    }
)


def msg(mid="m1", **kw):
    base = dict(
        message_id=mid,
        channel="email",
        received_at=NOW,
        sender={"email": "Ana@Example.com"},
        subject="La impresora no imprime",
        body="No funciona desde esta mañana",
    )
    base.update(kw)
    return InboundMessage.model_validate(base)


def test_new_message_opens_a_ticket_classified_by_rules_with_deterministic_ids():
    d1 = decide_inbound(msg(), None, rules=RULES, now=NOW, folio="HD-2026-000001")
    d2 = decide_inbound(msg(), None, rules=RULES, now=NOW, folio="HD-2026-000001")
    [opened] = d1.events
    assert d1.outcome == "opened" and opened == d2.events[0]
    assert (opened.data.category, opened.data.language, opened.data.priority) == ("hardware", "es", "P3")
    assert opened.data.customer.contact_id == "email:ana@example.com"
    assert opened.data.config_version == "r1"


def test_recipient_mailbox_and_urgency_classify():
    [opened] = decide_inbound(
        msg(recipient="rrhh@acme.example", subject="Consulta", body="urgente por favor"),
        None,
        rules=RULES,
        now=NOW,
        folio="F",
    ).events
    assert opened.data.category == "hr" and opened.data.priority == "P3" and opened.data.urgency == 1


def test_reply_to_a_resolved_ticket_reopens_it_and_to_a_closed_one_opens_a_follow_up():
    opened = decide_inbound(msg(), None, rules=RULES, now=NOW, folio="HD-2026-000001").events
    resolved = decide_command(
        fold(opened), SetStatus(status="resolved", resolution="cambiado el tóner"), now=NOW, event_id=opened[0].event_id
    )
    state = fold([*opened, *resolved])
    d = decide_inbound(msg("m2"), state, rules=RULES, now=NOW, folio=None)
    assert d.outcome == "reopened" and [e.type for e in d.events] == ["CustomerMessageReceived", "TicketStatusChanged"]
    closed = fold(
        [*opened, *resolved, *decide_command(state, SetStatus(status="closed"), now=NOW, event_id=opened[0].event_id)]
    )
    d = decide_inbound(msg("m3"), closed, rules=RULES, now=NOW, folio="HD-2026-000002")
    assert d.outcome == "follow_up" and d.events[0].data.follow_up_of == closed.ticket_id


def test_commands_check_version_and_transitions():
    state = fold(decide_inbound(msg(), None, rules=RULES, now=NOW, folio="F").events)
    with pytest.raises(Rejected) as exc:
        decide_command(state, Reply(body="hola", expected_version=7), now=NOW, event_id=uuid.uuid4())
    assert exc.value.status == 409 and exc.value.version == state.version
    with pytest.raises(Rejected) as exc:
        decide_command(state, SetStatus(status="resolved"), now=NOW, event_id=uuid.uuid4())
    assert exc.value.status == 422 and "resolution" in exc.value.reason
    with pytest.raises(Rejected) as exc:
        decide_command(None, Reply(body="x"), now=NOW, event_id=uuid.uuid4())
    assert exc.value.status == 404


def test_folio_in_subject_and_contacts_and_language():
    assert folio_in("Re: [HD-2026-000123] printer") == "HD-2026-000123"
    assert folio_in("no folio here") is None
    assert (
        contact_for(
            InboundMessage.model_validate(
                {"message_id": "x", "channel": "whatsapp", "received_at": NOW, "sender": {"phone": "0034 600 11 22 33"}}
            ).sender
        ).contact_id
        == "phone:+34600112233"
    )
    assert detect_language("The printer is not working since this morning") == "en"
    assert detect_language("La impresora no funciona desde esta mañana") == "es"
