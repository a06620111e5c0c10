"""Runs one service: pool and migrations, consumers, outbox relay, timer scheduler and HTTP, with a
graceful shutdown on SIGTERM/SIGINT (finish the batch in hand, drain the outbox, stop HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg
import uvicorn
from fastapi import APIRouter, FastAPI

from .auth import ApiKeys
from .clock import Clock, clock_from
from .consumer import Consumer, ConsumerSpec
from .db import create_pool, migrate
from .http import Server, build_http_app
from .logs import configure_logging
from .ratelimit import RateLimiter
from .relay import OutboxRelay
from .replay import ReplaySpec
from .settings import ServiceSettings
from .timers import TimerHandler, TimerScheduler

log = logging.getLogger("helpdesk.service")


class Context:
    """What handlers and routes share at run time; the pool exists once the service has started."""

    def __init__(self, settings: ServiceSettings, schema: str, clock: Clock | None = None) -> None:
        self.settings = settings
        self.schema = schema
        self.clock = clock or clock_from(settings.clock_file)
        self.auth = ApiKeys(settings.api_keys, RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst))
        self._pool: asyncpg.Pool | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("service not started")
        return self._pool

    def topic(self, base: str) -> str:
        return self.settings.topic(base)


class Worker(Protocol):
    """A background loop a service adds (e.g. routing's assigner): run until stop() is called."""

    async def run(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Service:
    name: str
    context: Context
    ddl: str = ""
    consumers: list[ConsumerSpec[Any]] = field(default_factory=list)
    timer_handler: TimerHandler | None = None
    routers: list[APIRouter] = field(default_factory=list)
    on_start: list[Callable[[Context], Awaitable[None]]] = field(default_factory=list)
    description: str = ""
    run_relay: bool = True
    workers: list[Callable[[Context], Worker]] = field(default_factory=list)
    replay: ReplaySpec | None = None
    """How ``helpdesk replay`` rebuilds this service's state from the log (None: it cannot)."""


async def _connect(ctx: Context, max_size: int) -> asyncpg.Pool:
    delay = 0.5
    while True:
        try:
            return await create_pool(ctx.settings.dsn, ctx.schema, max_size=max_size)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("PostgreSQL not reachable yet", extra={"error": repr(exc)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5)


class Runner:
    """Owns the running parts of a service; tests may drive it in-process."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.ctx = service.context
        self.consumers: list[Consumer[Any]] = []
        self.relay: OutboxRelay | None = None
        self.scheduler: TimerScheduler | None = None
        self.app: FastAPI | None = None
        self.workers: list[Worker] = []
        self.server: Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    async def start(self, *, http: bool = True) -> None:
        s = self.ctx.settings
        pool = await _connect(self.ctx, s.pg_pool_max)
        self.ctx._pool = pool
        await migrate(pool, self.ctx.schema, self.service.ddl)
        for hook in self.service.on_start:
            await hook(self.ctx)
        for spec in self.service.consumers:
            consumer: Consumer[Any] = Consumer(
                spec,
                pool=pool,
                schema=self.ctx.schema,
                bootstrap=s.kafka_bootstrap,
                clock=self.ctx.clock,
                topic_prefix=s.topic_prefix,
                group_prefix=s.topic_prefix,
                batch=s.consumer_batch,
                attempts=s.handler_attempts,
                kafka_options=s.kafka_options(),
            )
            self.consumers.append(consumer)
            self._spawn(f"consumer:{spec.name}", consumer.run)
        if self.service.run_relay:
            self.relay = OutboxRelay(
                dsn=s.dsn, schema=self.ctx.schema, bootstrap=s.kafka_bootstrap, kafka_options=s.kafka_options()
            )
            self._tasks.append(asyncio.create_task(self.relay.run(), name="relay"))
        if self.service.timer_handler is not None:
            self.scheduler = TimerScheduler(
                pool=pool,
                schema=self.ctx.schema,
                clock=self.ctx.clock,
                handler=self.service.timer_handler,
                topic_prefix=s.topic_prefix,
            )
            self._tasks.append(asyncio.create_task(self.scheduler.run(), name="timers"))
        for make_worker in self.service.workers:
            worker = make_worker(self.ctx)
            self.workers.append(worker)
            self._spawn(f"worker:{type(worker).__name__}", worker.run)
        if http:
            self.app = self.build_app()
            config = uvicorn.Config(
                self.app, host=s.http_host, port=s.http_port, log_config=None, lifespan="off", access_log=False
            )
            self.server = Server(config)
            self._tasks.append(asyncio.create_task(self.server.serve(), name="http"))
        log.info("service started", extra={"service": self.service.name, "port": s.http_port})

    def build_app(self) -> FastAPI:
        """The service's HTTP app (health, metrics and its routers); needs no running parts to be built."""
        app = build_http_app(
            title=f"helpdesk {self.service.name}",
            version="0.1.0",
            readiness=self.readiness,
            max_body_bytes=self.ctx.settings.max_body_bytes,
            description=self.service.description,
        )
        for router in self.service.routers:
            app.include_router(router)
        return app

    def _spawn(self, name: str, factory: Callable[[], Coroutine[Any, Any, None]]) -> None:
        async def supervised() -> None:
            delay = 0.5
            while not self._stopping.is_set():
                try:
                    await factory()
                    return
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - restart the part, keep the service up
                    log.warning("part failed, restarting", extra={"part": name, "error": repr(exc)})
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), delay)
                    delay = min(delay * 2, 10)

        self._tasks.append(asyncio.create_task(supervised(), name=name))

    async def readiness(self) -> dict[str, bool]:
        checks: dict[str, bool] = {}
        try:
            checks["postgres"] = await asyncio.wait_for(self.ctx.pool.fetchval("SELECT true"), 2) is True
        except Exception:  # noqa: BLE001
            checks["postgres"] = False
        for consumer in self.consumers:
            checks[f"consumer:{consumer.name}"] = consumer.started
        return checks

    async def stop(self) -> None:
        self._stopping.set()
        for consumer in self.consumers:
            consumer.stop()
        for worker in self.workers:
            worker.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.relay is not None:
            self.relay.stop()
        if self.server is not None:
            self.server.should_exit = True
        done, pending = await asyncio.wait(self._tasks, timeout=15) if self._tasks else (set(), set())
        for task in pending:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*pending, return_exceptions=True)
        if self.ctx._pool is not None:
            await self.ctx._pool.close()
            self.ctx._pool = None
        log.info("service stopped", extra={"service": self.service.name})


async def serve(service: Service) -> None:
    configure_logging(service.name, service.context.settings.log_level)
    runner = Runner(service)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runner.start()
    await stop.wait()
    log.info("shutting down", extra={"service": service.name})
    await runner.stop()


def run(build: Callable[[], Service]) -> None:
    asyncio.run(serve(build()))
