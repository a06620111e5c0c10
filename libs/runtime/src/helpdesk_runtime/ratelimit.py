"""Per-API-key rate limits: a token bucket per key, in this process (each replica counts on its own).

A key's bucket holds up to ``burst`` tokens and refills at ``per_second`` tokens a second; each
authenticated request takes one. An empty bucket answers 429 with ``Retry-After`` (whole seconds until a
token is back). Buckets are keyed by the key's fingerprint (:func:`fingerprint`), never by the key itself,
and only configured keys ever get one, so their number is bounded by the key file. ``per_second = 0``
turns the limit off.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter

RATE_LIMITED = Counter(
    "helpdesk_rate_limited_total", "Requests refused with 429 by the per-key rate limit", ["key", "role"]
)


def fingerprint(key: str) -> str:
    """A stable, non-reversible name for an API key, fit for logs, metrics and bucket ids."""
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by identity. :meth:`take` answers ``None`` (go ahead) or the seconds to wait."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second < 0 or burst < 0:
            raise ValueError("rate limit per_second and burst must not be negative")
        self.per_second = per_second
        self.burst = max(burst, 1)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()  # routes may run in worker threads; a bucket update must be atomic

    @property
    def enabled(self) -> bool:
        return self.per_second > 0

    def take(self, identity: str) -> float | None:
        if not self.enabled:
            return None
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(identity)
            if bucket is None:
                bucket = self._buckets[identity] = _Bucket(tokens=float(self.burst), updated=now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_second)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self.per_second

    @staticmethod
    def retry_after(wait: float) -> str:
        """The ``Retry-After`` header value: whole seconds, at least 1."""
        return str(max(1, math.ceil(wait)))
