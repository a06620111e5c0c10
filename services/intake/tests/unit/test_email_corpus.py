"""Every email of our corpus (services/intake/tests/corpus, expectations in expected.json) parses into the
right message, is ignored with the right reason or opens the right ticket; every Zammad fixture parses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from helpdesk_events import TicketOpened
from hypothesis import example, given, settings
from hypothesis import strategies as st
from intake.domain.classify import IntakeRules
from intake.domain.decide import decide_inbound, folio_in
from intake.domain.email_inbound import inbound_from_email, normalise_email_message
from intake.domain.email_parser import MAX_TEXT, parse_email
from intake.domain.noise import noise_reason

pytestmark = pytest.mark.unit

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus"
ROOT = HERE.parents[3]
ZAMMAD = ROOT.parent / "shared" / "corpus" / "email" / "zammad"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
RULES = IntakeRules.model_validate(yaml.safe_load((ROOT / "deploy/config/sample/intake.yaml").read_text("utf-8")))
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_the_corpus_has_at_least_forty_emails_each_with_expectations():
    files = sorted(p.stem for p in CORPUS.glob("*.eml"))
    assert len(files) >= 40
    assert files == sorted(EXPECTED)


def _outcome(raw: bytes):
    msg = inbound_from_email(parse_email(raw), received_at=NOW)
    reason = noise_reason(msg)
    if reason is not None:
        return msg, reason, None
    [opened] = decide_inbound(msg, None, rules=RULES, now=NOW, folio="HD-2026-000001").events
    assert isinstance(opened, TicketOpened)
    return msg, None, opened


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_email(name: str):
    exp = EXPECTED[name]
    raw = (CORPUS / f"{name}.eml").read_bytes()
    parsed = parse_email(raw)
    msg, reason, opened = _outcome(raw)
    if exp["outcome"] == "ignored":
        assert reason is not None and exp["reason"] in reason, reason
    else:
        assert reason is None, reason
        assert opened is not None
    if "from" in exp:
        assert parsed.from_email == exp["from"]
    if "name" in exp:
        assert parsed.from_name == exp["name"]
    if "subject" in exp:
        assert parsed.subject == exp["subject"]
    if "body" in exp:
        assert exp["body"] in parsed.text
    if exp.get("message_id_sha256"):
        assert parsed.message_id.startswith("sha256:") and len(parsed.message_id) == 71
    else:
        assert not parsed.message_id.startswith("sha256:")
    if "date" in exp:
        assert parsed.date is None
    if exp.get("html"):
        assert parsed.html
    for bad in exp.get("html_excludes", []):
        assert bad not in (parsed.html or "")
        assert opened is None or bad not in (opened.data.body_html or "")
    for good in exp.get("html_includes", []):
        assert good in (parsed.html or "")
    if "attachments" in exp:
        got = [[a.name, a.content_type, a.size, a.content_id] for a in parsed.attachments]
        assert got == exp["attachments"]
        assert all(len(a.sha256) == 64 for a in parsed.attachments)
    if "attachments_min" in exp:
        assert len(parsed.attachments) >= exp["attachments_min"]
    if exp.get("truncated"):
        assert parsed.truncated and len(parsed.text) == MAX_TEXT and msg.metadata["truncated"] == "true"
    if "cc" in exp:
        assert parsed.cc == exp["cc"]
    if "references" in exp:
        assert parsed.references == exp["references"]
    if "in_reply_to" in exp:
        assert parsed.in_reply_to == exp["in_reply_to"]
    if "folio" in exp:
        assert folio_in(parsed.subject) == exp["folio"]
    if opened is not None:
        d = opened.data
        if "body_exact" in exp:
            assert d.body == exp["body_exact"]
        if "quoted" in exp:
            assert d.quoted is not None and exp["quoted"] in d.quoted
            assert exp["quoted"] not in d.body
        if "signature" in exp:
            assert d.signature is not None and exp["signature"] in d.signature
            assert exp["signature"] not in d.body
        for key in ("category", "language", "priority", "recipient"):
            if key in exp:
                assert getattr(d, key) == exp[key], key
        if "tier" in exp:
            assert d.customer.tier == exp["tier"]
        if "department" in exp:
            assert d.customer.department == exp["department"]


def test_a_25_mb_email_parses_into_a_bounded_event():
    line = "Registro: el proceso de sincronización devolvió un error inesperado.\n"
    raw = (
        b"From: Logs <logs@cliente.example>\r\nSubject: Volcado\r\nMessage-ID: <huge@x>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + (line * 350_000).encode()
    )
    assert len(raw) > 24_000_000
    msg, reason, opened = _outcome(raw)
    assert reason is None and opened is not None
    assert len(opened.data.body) <= MAX_TEXT and msg.metadata["truncated"] == "true"
    assert len(opened.model_dump_json()) < 900_000


def test_raw_rfc822_on_kafka_is_parsed_keeping_the_adapter_id_tenant_and_recipient():
    import base64

    from helpdesk_events import InboundMessage

    raw = (CORPUS / "03-iso-8859-1-8bit.eml").read_bytes()
    sent = InboundMessage(
        message_id="gw-77",
        channel="email",
        received_at=NOW,
        raw_rfc822=base64.b64encode(raw).decode(),
        tenant="acme",
        recipient="rrhh@acme.example",
    )
    msg = normalise_email_message(sent)
    assert (msg.message_id, msg.tenant, msg.recipient) == ("gw-77", "acme", "rrhh@acme.example")
    assert msg.sender.name == "José Muñoz" and msg.metadata["email_message_id"] == "c03@cliente.example"
    assert msg.raw_rfc822 is None and "nómina" in msg.body


@pytest.mark.skipif(not ZAMMAD.is_dir(), reason="shared Zammad corpus not present")
@pytest.mark.parametrize("path", sorted(ZAMMAD.glob("*.box")) if ZAMMAD.is_dir() else [], ids=lambda p: p.name)
def test_every_zammad_email_parses_and_decides_without_error(path: Path):
    msg, reason, opened = _outcome(path.read_bytes())
    assert reason is not None or (opened is not None and opened.data.subject)
    assert len(msg.body) <= MAX_TEXT


@pytest.mark.skipif(not ZAMMAD.is_dir(), reason="shared Zammad corpus not present")
def test_zammad_bounces_are_ignored_and_encoded_names_decoded():
    def parsed(name: str):
        return parse_email((ZAMMAD / name).read_bytes())

    for bounce in ("mail033-undelivered-mail-returned-to-sender-notification.box", "mail055.box", "mail078.box"):
        assert noise_reason(inbound_from_email(parsed(bounce), received_at=NOW)) is not None, bounce
    assert parsed("mail065.box").from_name == "Bürling, Andreas"
    assert parsed("mail072.box").subject == "Réclamation commande n° 018255977840"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\nHola sin boundary\r\n", "Hola sin boundary"),
        (
            b'From: a@b.example\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\n'
            b"Content-Type: text/plain\r\n\r\nparte sin cierre\r\n",
            "parte sin cierre",
        ),
        (b"\x00\xff no headers at all", "no headers at all"),
        (b"", ""),
    ],
)
def test_broken_structures_still_parse(raw: bytes, text: str):
    parsed = parse_email(raw)
    assert text in parsed.text and parsed.message_id


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_parse_without_raising(raw: bytes):
    parsed = parse_email(raw)
    msg = inbound_from_email(parsed, received_at=NOW)
    noise_reason(msg)
    decide_inbound(msg, None, rules=RULES, now=NOW, folio="HD-2026-000001")


HEADERISH = st.sampled_from(
    [
        b"From: ",
        b"Subject: =?utf-8?q?",
        b"Content-Type: multipart/mixed; boundary=",
        b"--",
        b"\r\n",
        b"=?",
        b"?=",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Message-ID: <",
        b">",
        b"charset=",
        b"x-unknown",
        b"\xe9",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(HEADERISH | st.binary(max_size=20), max_size=60).map(b"".join))
@example(raw=b"Message-ID: <:\x80")  # raw 8-bit bytes in a header once broke the message id
def test_header_shaped_garbage_parses_without_raising(raw: bytes):
    parsed = parse_email(raw)
    decide_inbound(inbound_from_email(parsed, received_at=NOW), None, rules=RULES, now=NOW, folio="HD-2026-000001")
