"""In-process and fast: the rate limiter, the body limit, the documented errors and decoding errors that
keep message text out of the logs (test_limits.py and test_secrets_in_logs.py show them on the running
services)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from helpdesk_runtime.auth import ApiKeys, Principal
from helpdesk_runtime.http import build_http_app, unstorable_text
from helpdesk_runtime.ratelimit import RateLimiter, fingerprint
from helpdesk_runtime.settings import ServiceSettings

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_the_burst_then_the_rate():
    clock = Clock()
    limiter = RateLimiter(per_second=2, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    wait = limiter.take("a")
    assert wait == pytest.approx(0.5) and limiter.retry_after(wait) == "1"
    assert limiter.take("b") is None, "each identity has a bucket of its own"
    clock.now += 0.5
    assert limiter.take("a") is None and limiter.take("a") is not None
    clock.now += 60
    assert [limiter.take("a") for _ in range(4)].count(None) == 3, "refills up to the burst, not beyond"


def test_zero_turns_the_limit_off():
    limiter = RateLimiter(per_second=0, burst=1)
    assert not limiter.enabled
    assert all(limiter.take("a") is None for _ in range(10_000))
    assert RateLimiter(per_second=0.1, burst=1).retry_after(9.2) == "10"


def test_the_limit_is_read_from_the_environment(monkeypatch):
    assert ServiceSettings(env="production").rate_limit_per_second == 500
    assert ServiceSettings(env="production").rate_limit_burst == 1000
    monkeypatch.setenv("HELPDESK_RATE_LIMIT_PER_SECOND", "0")
    monkeypatch.setenv("HELPDESK_RATE_LIMIT_BURST", "7")
    s = ServiceSettings(env="production")
    assert (s.rate_limit_per_second, s.rate_limit_burst) == (0, 7)
    monkeypatch.setenv("HELPDESK_RATE_LIMIT_PER_SECOND", "-1")
    with pytest.raises(ValueError, match="rate_limit_per_second"):
        ServiceSettings(env="production")


def test_fingerprints_name_a_key_without_showing_it():
    name = fingerprint("sk-very-secret-key")
    assert name.startswith("key-") and "secret" not in name and name == fingerprint("sk-very-secret-key")
    assert name != fingerprint("sk-very-secret-kez")


async def _ready() -> dict[str, bool]:
    return {}


def app_with(limiter: RateLimiter) -> FastAPI:
    keys = ApiKeys({"k-analyst": "analyst", "k-agent": "agent"}, limiter)
    app = build_http_app(title="t", version="0", readiness=_ready, max_body_bytes=1000)

    @app.get("/twice", dependencies=[Depends(keys.require("analyst"))])
    async def twice(principal: Principal = Depends(keys.require("analyst"))) -> dict[str, str]:  # noqa: B008
        return {"role": principal.role}

    @app.post("/echo", dependencies=[Depends(keys.require("analyst"))])
    async def echo(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_429_with_retry_after_per_key_once_per_request_before_the_role_check():
    async with client(app_with(RateLimiter(per_second=1, burst=2, clock=Clock()))) as c:
        analyst, agent = {"Authorization": "Bearer k-analyst"}, {"Authorization": "Bearer k-agent"}
        # two key checks on one route take one token: two requests pass, the third is refused
        assert [(await c.get("/twice", headers=analyst)).status_code for _ in range(3)] == [200, 200, 429]
        refused = await c.get("/twice", headers=analyst)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
        assert "rate limit" in refused.json()["detail"] and "k-analyst" not in refused.text
        # the agent's key has its own bucket: its requests are refused for their role (403), then limited
        assert [(await c.get("/twice", headers=agent)).status_code for _ in range(3)] == [403, 403, 429]
        assert (await c.get("/twice")).status_code == 401, "no key: nothing to count against"
        assert {(await c.get("/healthz")).status_code for _ in range(20)} == {200}


async def test_streamed_bodies_over_the_limit_get_413_not_400():
    async def stream(size: int) -> AsyncIterator[bytes]:
        for _ in range(size // 100):
            yield b"x" * 100

    async with client(app_with(RateLimiter(per_second=0, burst=1))) as c:
        headers = {"Authorization": "Bearer k-analyst"}
        assert (await c.post("/echo", content=stream(2000), headers=headers)).status_code == 413
        assert (await c.post("/nowhere", content=stream(2000), headers=headers)).status_code == 413
        assert (await c.post("/echo", content=b"x" * 2000, headers=headers)).status_code == 413
        small = await c.post("/echo", content=stream(900), headers=headers)
        assert small.status_code == 200 and small.json() == {"received": 900}


def test_every_operation_documents_its_errors():
    doc = app_with(RateLimiter(per_second=0, burst=1)).openapi()
    echo: dict[str, Any] = doc["paths"]["/echo"]["post"]["responses"]
    assert {"401", "403", "429", "503"} <= set(echo)
    assert "Retry-After" in echo["429"]["headers"]
    health = doc["paths"]["/healthz"]["get"]["responses"]
    assert not {"401", "429", "503"} & set(health)
    assert doc["components"]["schemas"]["Problem"]["required"] == ["detail"]


def test_unstorable_text_is_found_where_it_is():
    assert unstorable_text({"a": "fine", "b": ["ok", {"c": "nul\x00"}]}) == "body.b[1].c"
    assert unstorable_text({"a": "lone \udc80 surrogate"}) == "body.a"
    assert unstorable_text({"a": "😀 ñ <script>' OR 1=1 --"}) is None


def test_a_decoding_error_names_the_kind_of_a_text_field_never_its_content():
    from helpdesk_events import DecodeError, decode_inbound

    message = {"message_id": "m", "channel": "web", "received_at": "2026-11-23T10:00:00+01:00"}
    with pytest.raises(DecodeError) as bad_body:
        decode_inbound(json.dumps({**message, "body": {"text": "SECRET"}}).encode())
    assert "SECRET" not in str(bad_body.value) and "body: Input should be a valid string (got object)" in str(
        bad_body.value
    )
    with pytest.raises(DecodeError) as bad_date:
        decode_inbound(json.dumps({**message, "received_at": "yesterday"}).encode())
    assert "(got 'yesterday')" in str(bad_date.value), "other fields still show what was wrong"
