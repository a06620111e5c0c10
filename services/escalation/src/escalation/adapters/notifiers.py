"""Delivering EscalationNoticeRequested: a log-only notifier, and a webhook notifier (HTTP POST of the event's
JSON with an ``X-Helpdesk-Signature: sha256=<hex HMAC-SHA256 of the body>`` header, retried with backoff)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Protocol

import httpx
from helpdesk_events import EscalationNoticeRequested, encode

log = logging.getLogger("helpdesk.escalation.notices")

SIGNATURE_HEADER = "X-Helpdesk-Signature"


class DeliveryFailed(Exception):
    """The notice could not be delivered after the retries (the runtime then dead-letters it)."""


class Notifier(Protocol):
    async def deliver(self, notice: EscalationNoticeRequested) -> None: ...


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _summary(notice: EscalationNoticeRequested) -> dict[str, object]:
    d = notice.data
    return {
        "ticket_id": notice.ticket_id,
        "folio": d.folio,
        "escalation_level": d.level,
        "trigger": d.trigger,
        "reason": d.reason,
        "recipients": [f"{r.role}:{r.id or r.email}" for r in d.recipients],
        "notice_id": str(notice.event_id),
    }


class LogNotifier:
    """Writes each notice as a log line; what runs when no webhook is configured."""

    async def deliver(self, notice: EscalationNoticeRequested) -> None:
        log.info("escalation notice", extra=_summary(notice))


class WebhookNotifier:
    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        attempts: int = 3,
        backoff: float = 0.5,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.timeout = timeout
        self.transport = transport

    async def deliver(self, notice: EscalationNoticeRequested) -> None:
        body = encode(notice)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, body),
            "X-Helpdesk-Event-Id": str(notice.event_id),
            "X-Helpdesk-Event-Type": notice.type,
        }
        error = ""
        async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
            for attempt in range(1, self.attempts + 1):
                try:
                    resp = await client.post(self.url, content=body, headers=headers)
                    if resp.is_success:
                        log.info("escalation notice delivered", extra={**_summary(notice), "status": resp.status_code})
                        return
                    error = f"HTTP {resp.status_code}"
                    if 400 <= resp.status_code < 500 and resp.status_code not in (408, 429):
                        break  # the receiver refuses it: retrying will not help
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                log.warning("escalation notice delivery failed", extra={"attempt": attempt, "error": error})
                if attempt < self.attempts:
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        raise DeliveryFailed(f"webhook {self.url} refused notice {notice.event_id}: {error}")
