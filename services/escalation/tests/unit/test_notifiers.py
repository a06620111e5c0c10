"""The webhook notifier: signed JSON, retries with backoff, gives up with DeliveryFailed (then dead-lettered)."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest
from escalation.adapters.notifiers import DeliveryFailed, LogNotifier, WebhookNotifier
from helpdesk_events.testing import notice

pytestmark = pytest.mark.unit

SECRET = b"s3cret"


def notifier(handler, attempts: int = 3) -> WebhookNotifier:
    return WebhookNotifier(
        "https://hooks.example/desk", SECRET, attempts=attempts, backoff=0, transport=httpx.MockTransport(handler)
    )


async def test_posts_the_notice_signed_with_hmac_sha256():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    event = notice(level=2)
    await notifier(handler).deliver(event)
    [request] = seen
    body = request.content
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    assert request.headers["X-Helpdesk-Signature"] == expected
    assert request.headers["X-Helpdesk-Event-Id"] == str(event.event_id)
    payload = json.loads(body)
    assert payload["type"] == "EscalationNoticeRequested" and payload["data"]["level"] == 2
    assert payload["data"]["recipients"] == [{"role": "team_lead", "id": "lead", "email": None}]


async def test_retries_server_errors_and_network_failures_then_delivers():
    answers = iter([httpx.ConnectError("refused"), httpx.Response(503), httpx.Response(200)])
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    await notifier(handler).deliver(notice())
    assert calls == 3


async def test_gives_up_after_the_attempts():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(500)

    with pytest.raises(DeliveryFailed, match="HTTP 500"):
        await notifier(handler, attempts=2).deliver(notice())
    assert calls == 2


async def test_a_refusal_is_not_retried():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(401)

    with pytest.raises(DeliveryFailed, match="HTTP 401"):
        await notifier(handler).deliver(notice())
    assert calls == 1


async def test_the_log_notifier_logs(caplog):
    caplog.set_level("INFO", logger="helpdesk.escalation.notices")
    await LogNotifier().deliver(notice())
    assert "escalation notice" in caplog.text
