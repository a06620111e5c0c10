"""The AsyncAPI 3.0 document of the project's topics and messages, generated from the event models.

``python -m helpdesk_events.asyncapi > docs/asyncapi.json`` regenerates the committed copy; a test fails
when the committed copy and the code disagree, so the published contract cannot drift from the code.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from helpdesk_events.catalogue import DIRECTORY_EVENT_TYPES, TICKET_EVENT_TYPES
from helpdesk_events.inbound import InboundMessage
from helpdesk_events.topics import DEADLETTER, DIRECTORY, INBOUND, TICKETS, TOPIC_SPECS

DEAD_LETTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["original_topic", "original_partition", "original_offset", "original_value_b64", "error", "consumer"],
    "properties": {
        "original_topic": {"type": "string"},
        "original_partition": {"type": "integer"},
        "original_offset": {"type": "integer"},
        "original_key_b64": {"type": ["string", "null"], "description": "the original key, base64"},
        "original_value_b64": {"type": "string", "description": "the original bytes, base64"},
        "original_headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "error": {"type": "string", "description": "why the consumer gave up"},
        "consumer": {"type": "string", "description": "the consumer (group) that gave up"},
        "attempts": {"type": "integer"},
        "failed_at": {"type": "string", "format": "date-time"},
    },
}


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")


def _lift_defs(schema: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    for name, sub in schema.pop("$defs", {}).items():
        shared.setdefault(name, sub)
    return schema


def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, cls in {**TICKET_EVENT_TYPES, **DIRECTORY_EVENT_TYPES}.items():
        schemas[name] = _lift_defs(_schema(cls), schemas)
        messages[name] = {
            "name": name,
            "title": name,
            "summary": (cls.__doc__ or "").strip().split("\n")[0],
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{name}"},
        }
    schemas["InboundMessage"] = _lift_defs(_schema(InboundMessage), schemas)
    messages["InboundMessage"] = {
        "name": "InboundMessage",
        "title": "Inbound message from a channel adapter",
        "contentType": "application/json",
        "payload": {"$ref": "#/components/schemas/InboundMessage"},
    }
    schemas["DeadLetter"] = DEAD_LETTER_SCHEMA
    messages["DeadLetter"] = {
        "name": "DeadLetter",
        "title": "A record a consumer gave up on",
        "contentType": "application/json",
        "payload": {"$ref": "#/components/schemas/DeadLetter"},
    }
    specs = {s.name: s for s in TOPIC_SPECS}
    by_topic = {
        INBOUND: ["InboundMessage"],
        TICKETS: sorted(TICKET_EVENT_TYPES),
        DIRECTORY: sorted(DIRECTORY_EVENT_TYPES),
        DEADLETTER: ["DeadLetter"],
    }
    keys = {
        INBOUND: "the conversation: thread_ref, else the sender, else the message id",
        TICKETS: "the ticket id (one ticket's events are totally ordered)",
        DIRECTORY: "'<type>:<entity id>' (compacted: the latest fact per entity and type)",
        DEADLETTER: "the original record's key",
    }
    channels = {
        topic.replace(".", "_"): {
            "address": topic,
            "description": f"Key: {keys[topic]}. Partitions: {specs[topic].partitions}. "
            f"Configs: {json.dumps(dict(specs[topic].configs), sort_keys=True)}.",
            "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in names},
        }
        for topic, names in by_topic.items()
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Helpdesk events",
            "version": "1.0.0",
            "description": "Topics and messages of the event-sourced helpdesk. Every event carries the envelope "
            "(event_id, type, schema_version, ticket_id or entity_id, tenant, occurred_at, producer, "
            "causation_id, correlation_id) around its data. Schema changes are additive or come with "
            "an upcaster.",
        },
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "localhost:9092", "protocol": "kafka"}},
        "channels": channels,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
