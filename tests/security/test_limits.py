"""Body-size limits and per-key rate limits on the running services.

- Every POST/PUT endpoint of every service answers 413 to a body over ``HELPDESK_MAX_BODY_BYTES`` (the suite
  runs with 2 MB rather than 25 MB, to send less), whether the client declares the length or streams the
  body; intake also refuses (413) a message under the body limit that would not fit one Kafka record.
- A projections process with a low limit (``HELPDESK_RATE_LIMIT_PER_SECOND=1``, burst 3) answers 429 with
  ``Retry-After`` and a JSON reason to one key while another key is still served, never limits health
  endpoints, counts the refusals in ``helpdesk_rate_limited_total`` by key fingerprint, and serves the key
  again once the wait has passed.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from helpdesk_runtime.ratelimit import fingerprint
from helpdesk_runtime.topics_admin import ensure_topics
from helpdesk_testing.stack import BASE, BIN, PORTS, serving

from .conftest import MAX_BODY_BYTES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIMITED_PORT = BASE + 8


def write_operations(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if method in ("post", "put", "patch")
    ]


def concrete(path: str) -> str:
    return path.replace("{", "x").replace("}", "").replace(":path", "")


@pytest.mark.parametrize("service", list(PORTS))
async def test_oversized_bodies_get_413_on_every_write_endpoint(service, secure, client):
    url = secure.url(service)
    operations = write_operations((await client.get(f"{url}/openapi.json")).json())
    if not operations:  # sla takes no writes over HTTP; the limit still guards the whole app
        operations = [("POST", "/v1/anything")]
    big = b"{" + b" " * MAX_BODY_BYTES + b"}"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit counts what arrives
        for i in range(0, len(big), 256 * 1024):
            yield big[i : i + 256 * 1024]

    for method, path in operations:
        headers = {**secure.auth("admin"), "Content-Type": "application/json"}
        declared = await client.request(method, url + concrete(path), content=big, headers=headers)
        assert declared.status_code == 413, f"{service} {method} {path}: {declared.status_code}"
        assert "larger than" in declared.json()["detail"]
        streamed = await client.request(method, url + concrete(path), content=chunks(), headers=headers)
        assert streamed.status_code == 413, f"{service} {method} {path} (chunked): {streamed.status_code}"


async def test_an_inbound_message_over_one_kafka_record_gets_413(secure, client):
    body = {
        "message_id": "too-big",
        "channel": "web",
        "received_at": "2026-11-23T10:00:00+01:00",
        "sender": {"email": "a@cliente.example"},
        "subject": "Grande",
        "body": "x" * 1_000_000,
    }
    r = await client.post(f"{secure.url('intake')}/v1/inbound", json=body, headers=secure.auth("adapter"))
    assert r.status_code == 413, r.text
    assert "bytes once encoded" in r.json()["detail"]


@pytest.fixture(scope="module")
async def limited(secure, kafka_bootstrap) -> AsyncIterator[str]:
    """A second projections process over the stack's database, on topics of its own, with a low limit."""
    prefix = f"rl{os.getpid()}{int(time.time()) % 100000}."
    await ensure_topics(kafka_bootstrap, prefix)
    env = dict(
        secure.env(),
        HELPDESK_TOPIC_PREFIX=prefix,
        HELPDESK_PROJECTIONS_HTTP_PORT=str(LIMITED_PORT),
        HELPDESK_RATE_LIMIT_PER_SECOND="1",
        HELPDESK_RATE_LIMIT_BURST="3",
    )
    command = [str(BIN / "helpdesk-projections"), "serve"]
    log = secure.log_dir / "projections-limited.log"
    async with serving(command, env, LIMITED_PORT, log, "rate-limited projections") as url:
        yield url


async def test_one_key_over_its_rate_gets_429_while_another_is_served(secure, limited, client):
    analyst, agent = secure.auth("analyst"), secure.auth("agent")
    answers = [(await client.get(f"{limited}/v1/queues", headers=analyst)) for _ in range(6)]
    codes = [r.status_code for r in answers]
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:], codes
    refused = next(r for r in answers if r.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"].startswith("application/json")
    assert "rate limit" in refused.json()["detail"]
    assert secure.keys["analyst"] not in refused.text

    other = await client.get(f"{limited}/v1/queues", headers=agent)
    assert other.status_code == 200, "another key has a bucket of its own"
    for _ in range(10):
        assert (await client.get(f"{limited}/healthz")).status_code == 200
        assert (await client.get(f"{limited}/readyz")).status_code == 200

    metrics = (await client.get(f"{limited}/metrics")).text
    name = fingerprint(secure.keys["analyst"])
    line = next(m for m in metrics.splitlines() if m.startswith("helpdesk_rate_limited_total{") and name in m)
    assert 'role="analyst"' in line and float(line.rsplit(" ", 1)[1]) >= 1
    for key in secure.keys.values():
        assert key not in metrics

    await asyncio.sleep(int(refused.headers["retry-after"]))
    assert (await client.get(f"{limited}/v1/queues", headers=analyst)).status_code == 200


async def test_the_stack_runs_with_the_generous_default_limit(secure, client):
    """The other services keep the default (500/s, burst 1000): a quick burst of 50 is never refused."""
    url = secure.url("projections")
    answers = await asyncio.gather(*(client.get(f"{url}/v1/queues", headers=secure.auth("analyst")) for _ in range(50)))
    assert {r.status_code for r in answers} == {200}
