"""Helpers for tests against the real stack."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from helpdesk_runtime.topics_admin import read_all

__all__ = ["eventually", "jsonb", "read_topic"]

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T] | T], *, timeout: float = 10.0, interval: float = 0.1, what: str = "condition"
) -> T:
    """Poll ``probe`` until it returns a truthy value or raise AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        result = probe()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        last = result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s (last value: {last!r})")
        await asyncio.sleep(interval)


async def read_topic(bootstrap: str, topic: str, *, timeout: float = 10.0) -> list[Any]:
    """Read every record currently in ``topic`` (up to the high watermarks at call time)."""
    return await read_all(bootstrap, topic, within=timeout)


def jsonb(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """A jsonb column as asyncpg returns it (text, unless a codec is set) as a dict."""
    return dict(json.loads(value) if isinstance(value, str) else value)
