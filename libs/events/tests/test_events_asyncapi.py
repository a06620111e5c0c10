"""The AsyncAPI document is generated from the code, and the committed copy is current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpdesk_events import EVENT_TYPES
from helpdesk_events.asyncapi import document, render

pytestmark = pytest.mark.unit
COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"


def test_committed_asyncapi_document_matches_the_code():
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        "docs/asyncapi.json is stale: run `.venv/bin/python -m helpdesk_events.asyncapi > docs/asyncapi.json`"
    )


def test_every_event_type_is_a_message_on_its_topic_with_a_resolvable_schema():
    doc = document()
    assert doc["asyncapi"].startswith("3.")
    on_channels = {m for ch in doc["channels"].values() for m in ch["messages"]}
    assert set(EVENT_TYPES) | {"InboundMessage", "DeadLetter"} == on_channels
    schemas = doc["components"]["schemas"]
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        kind, name = ref.removeprefix("#/components/").split("/")
        assert name in doc["components"][kind], ref
    assert schemas["TicketOpened"]["properties"]["type"]["const"] == "TicketOpened"
