"""A minimal service on the runtime for the crash tests: applies each input once, emits one output.

Run as a subprocess: ``python echo_service.py SCHEMA IN_TOPIC OUT_TOPIC`` with HELPDESK_* settings in env.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from typing import Any

from helpdesk_runtime.consumer import ConsumerSpec, Record
from helpdesk_runtime.service import Context, Service, run
from helpdesk_runtime.settings import ServiceSettings
from helpdesk_runtime.uow import Tx

DDL = "CREATE TABLE IF NOT EXISTS applied (input_id int PRIMARY KEY, times int NOT NULL)"


def build() -> Service:
    schema, in_topic, out_topic = sys.argv[1:4]
    ctx = Context(ServiceSettings(), schema)

    async def handle(tx: Tx, msg: dict[str, Any], record: Record) -> None:
        if os.environ.get("ECHO_BUG") == "1" and msg.get("poison"):
            raise RuntimeError("bug: cannot handle poison input")
        await tx.conn.execute(
            "INSERT INTO applied VALUES ($1, 1) ON CONFLICT (input_id) DO UPDATE SET times = applied.times + 1",
            msg["id"],
        )
        out = {"event_id": str(uuid.uuid4()), "input_id": msg["id"]}
        tx.publish(out_topic, str(msg["id"]).encode(), json.dumps(out).encode())

    async def handle_batch(tx: Tx, batch: list[tuple[dict[str, Any], Record]]) -> None:
        for msg, record in batch:
            await handle(tx, msg, record)

    spec: ConsumerSpec[dict[str, Any]] = ConsumerSpec(
        name=f"echo-{schema}",
        topics=[in_topic],
        decode=json.loads,
        handle=handle,
        handle_batch=handle_batch if os.environ.get("ECHO_BATCH") == "1" else None,
    )
    return Service(name=schema, context=ctx, ddl=DDL, consumers=[spec])


if __name__ == "__main__":
    run(build)
