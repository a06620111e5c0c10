from typing import Any

import helpdesk_events as he
import pytest
from helpdesk_events.testing import agent, inbound, opened, presence, team

pytestmark = pytest.mark.unit

_DAY_MS = 86_400_000


def test_topic_specs():
    specs = {spec.name: spec for spec in he.TOPIC_SPECS}

    assert list(specs) == [he.INBOUND, he.TICKETS, he.DIRECTORY, he.DEADLETTER]
    assert specs["helpdesk.inbound"].partitions == 12
    assert specs["helpdesk.inbound"].configs["retention.ms"] == str(7 * _DAY_MS)
    assert specs["helpdesk.tickets"].partitions == 12
    assert specs["helpdesk.tickets"].configs["retention.ms"] == "-1"
    assert specs["helpdesk.directory"].partitions == 3
    assert specs["helpdesk.directory"].configs["cleanup.policy"] == "compact"
    assert specs["helpdesk.deadletter"].partitions == 3
    assert specs["helpdesk.deadletter"].configs["retention.ms"] == str(30 * _DAY_MS)


def test_topic_name_prefixes_for_isolation():
    assert he.topic_name(he.TICKETS) == "helpdesk.tickets"
    assert he.topic_name(he.TICKETS, prefix="t123.") == "t123.helpdesk.tickets"


@pytest.mark.parametrize("prefix", ["bad prefix ", "ü.", "x" * 240])
def test_topic_name_rejects_what_kafka_would(prefix):
    with pytest.raises(ValueError, match="invalid Kafka topic name"):
        he.topic_name(he.TICKETS, prefix)


def test_ticket_events_are_keyed_by_ticket_id():
    assert he.partition_key(opened(ticket="T-ñ1")) == "T-ñ1".encode()


def test_directory_records_are_keyed_per_kind_so_compaction_keeps_profile_and_presence():
    assert he.partition_key(agent("ana")) == b"AgentRegistered:ana"
    assert he.partition_key(presence("ana")) == b"AgentPresenceChanged:ana"
    assert he.partition_key(team("l1")) == b"TeamDefined:l1"


def _msg(**fields: Any) -> he.InboundMessage:
    return inbound(message_id="m-1", channel="chat", **fields)


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"thread_ref": "conv-9", "sender": he.Sender(email="a@x.org")}, b"conv-9"),
        ({"sender": he.Sender(email=" Ana@X.org ", phone="+34600")}, b"ana@x.org"),
        ({"sender": he.Sender(phone="+34600", handle="@ana")}, b"+34600"),
        ({"sender": he.Sender(handle="@ana")}, b"@ana"),
        ({"thread_ref": " ", "sender": he.Sender(name="Ana")}, b"m-1"),
    ],
)
def test_inbound_key_keeps_one_conversation_on_one_partition(fields, key):
    assert he.inbound_key(_msg(**fields)) == key
