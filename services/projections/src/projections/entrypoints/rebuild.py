"""``helpdesk projections rebuild``: replay the log into a new schema while the live one keeps serving,
then switch atomically (a projection bug fixed in code is fixed in the data by a rebuild).

1. create schema ``projections_next`` (dropping a previous, unfinished one) with the current DDL;
2. run the projections consumers on it under another consumer group, from the beginning of every topic,
   printing a progress bar with events/s and ETA up to the end offsets seen at start;
3. switch (:func:`adapters.rebuild.switch`): pause the live consumers, let the replay reach their
   offsets, rename ``projections`` → ``projections_old_<time>`` and ``projections_next`` →
   ``projections``, repoint the ``analytics`` views — one transaction;
4. keep the old schema for comparison, or drop it with ``--drop-old``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

import asyncpg
from helpdesk_events.topics import DIRECTORY, TICKETS
from helpdesk_runtime.clock import clock_from
from helpdesk_runtime.consumer import Consumer
from helpdesk_runtime.db import create_pool, migrate
from helpdesk_runtime.progress import render
from helpdesk_runtime.replay import topic_bounds

from ..adapters import rebuild as sql
from ..adapters.schema import ddl
from ..config import ProjectionsSettings
from .consumers import directory_consumer, tickets_consumer

NEXT = "projections_next"
REBUILD_BATCH = 5000
"""Records per poll while replaying (at least): a replay only catches up, so bigger set-based writes."""


async def rebuild(
    settings: ProjectionsSettings, *, live: str = "projections", drop_old: bool = False, out: TextIO = sys.stderr
) -> str:
    """Run the whole rebuild; returns the name the previous schema was kept under ('' if dropped)."""
    pool = await create_pool(settings.dsn, NEXT, max_size=4)
    try:
        async with pool.acquire() as conn:
            await conn.execute(f"DROP SCHEMA IF EXISTS {NEXT} CASCADE")
        await migrate(pool, NEXT, ddl(NEXT, analytics=False))
        topics = [settings.topic(TICKETS), settings.topic(DIRECTORY)]
        start, end = await topic_bounds(settings.kafka_bootstrap, topics, settings.kafka_options())
        group = f"{settings.topic_prefix}rebuild-{int(time.time())}."
        consumers: list[Consumer[Any]] = [
            Consumer(
                spec,
                pool=pool,
                schema=NEXT,
                bootstrap=settings.kafka_bootstrap,
                clock=clock_from(settings.clock_file),
                topic_prefix=settings.topic_prefix,
                group_prefix=group,
                batch=max(settings.consumer_batch, REBUILD_BATCH),
                attempts=settings.handler_attempts,
                kafka_options=settings.kafka_options(),
            )
            for spec in (
                tickets_consumer(topic=settings.topic(TICKETS)),
                directory_consumer(topic=settings.topic(DIRECTORY)),
            )
        ]
        tasks = [asyncio.create_task(c.run(), name=f"rebuild:{c.name}") for c in consumers]

        async def stop_replay() -> None:
            for c in consumers:
                c.stop()
            await asyncio.gather(*tasks)

        async def applied(target: sql.Offsets) -> bool:
            async with pool.acquire() as c:
                return sql.caught_up(target, await sql.stored_offsets(c, NEXT), start)

        try:
            began = time.monotonic()
            while True:
                async with pool.acquire() as c:
                    stored = await sql.stored_offsets(c, NEXT)
                p = sql.progress(start, end, stored, time.monotonic() - began)
                out.write("\r" + render(p))
                out.flush()
                if sql.caught_up(end, stored, start):
                    break
                if any(t.done() for t in tasks):
                    await asyncio.gather(*tasks)
                    raise RuntimeError("the replay stopped")
                await asyncio.sleep(0.5)
            out.write("\nreplayed; switching\n")
            old = f"{live}_old_{datetime.now(UTC):%Y%m%d%H%M%S}"
            conn = await asyncpg.connect(settings.dsn)
            try:
                await sql.switch(conn, live=live, next_=NEXT, old=old, applied=applied, stop_replay=stop_replay)
                if drop_old:
                    await conn.execute(f"DROP SCHEMA {old} CASCADE")
            finally:
                await conn.close()
        finally:
            for c in consumers:
                c.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await pool.close()
    out.write(f"switched: {live} is the rebuilt schema" + ("" if drop_old else f"; the previous one is {old}") + "\n")
    return "" if drop_old else old


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="helpdesk projections rebuild", description=__doc__.split("\n\n")[0])
    parser.add_argument("--drop-old", action="store_true", help="drop the previous schema after the switch")
    args = parser.parse_args(argv)
    asyncio.run(rebuild(ProjectionsSettings(), drop_old=args.drop_old))
    return 0
