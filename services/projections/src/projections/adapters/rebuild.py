"""SQL of the zero-downtime rebuild: the replay's progress and the atomic switch of schemas."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import asyncpg
from helpdesk_runtime.progress import Offsets as Offsets
from helpdesk_runtime.progress import caught_up as caught_up
from helpdesk_runtime.progress import progress as progress

from .analytics import analytics_ddl
from .db_names import check


async def stored_offsets(conn: asyncpg.Connection, schema: str) -> Offsets:
    query = f"SELECT topic, partition, next_offset FROM {check(schema)}.consumer_offsets"  # noqa: S608 - checked name
    rows = await conn.fetch(query)
    return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}


async def switch(
    conn: asyncpg.Connection,
    *,
    live: str,
    next_: str,
    old: str,
    applied: Callable[[Offsets], Awaitable[bool]],
    stop_replay: Callable[[], Awaitable[None]],
    wait_seconds: float = 60.0,
) -> None:
    """In one transaction: pause the live consumers (lock their offsets), let the replay reach the live
    offsets, stop it, rename ``live`` to ``old`` and ``next_`` to ``live``, repoint the analytics views.

    The live service addresses its tables by name through its search_path, so its next statement uses the
    rebuilt tables, and its consumers continue from the rebuilt schema's stored offsets."""
    live, next_, old = check(live), check(next_), check(old)
    async with conn.transaction():
        await conn.execute(f"LOCK TABLE {live}.consumer_offsets IN EXCLUSIVE MODE")
        target = await stored_offsets(conn, live)
        deadline = time.monotonic() + wait_seconds
        while not await applied(target):
            if time.monotonic() > deadline:
                raise TimeoutError("the replay did not reach the live offsets in time")
            await asyncio.sleep(0.1)
        await stop_replay()
        await conn.execute(f"ALTER SCHEMA {live} RENAME TO {old}")
        await conn.execute(f"ALTER SCHEMA {next_} RENAME TO {live}")
        await conn.execute(f"SET LOCAL search_path = {live}, public")
        await conn.execute(analytics_ddl(live))
