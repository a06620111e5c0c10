"""The whole system as separate processes (``helpdesk-<service> serve``) for end-to-end tests.

Ports come from ``HELPDESK_TEST_PORT_BASE`` (default 18080: projections 18080 … escalation 18084), so two
test runs on one machine do not collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

BASE = int(os.environ.get("HELPDESK_TEST_PORT_BASE", "18080"))
PORTS = {"projections": BASE, "intake": BASE + 1, "routing": BASE + 2, "sla": BASE + 3, "escalation": BASE + 4}
BIN = Path(sys.executable).parent

FAST_SLA = """
version: "test-1"
policies:
  - id: fast
    match: {}
    calendar: always
    targets: {first_response: 10, next_response: 30, resolution: 120}
    warnings: [0.5]
"""


@contextlib.asynccontextmanager
async def serving(command: list[str], env: dict[str, str], port: int, log: Path, what: str) -> AsyncIterator[str]:
    """One more process beside a stack (other settings, other port): its base URL once ``/readyz`` answers
    200; stopped (SIGTERM, then SIGKILL after 20 s) on exit. Its output goes to ``log``."""
    proc = _spawn(command, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        await _until_ready(proc, url, log, what, timeout=60)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=out)


async def _until_ready(proc: subprocess.Popen[bytes], url: str, log: Path, what: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"{what} exited with {proc.returncode}: {_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/readyz", timeout=2)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not ready within {timeout}s: {_tail(log)}")
            await asyncio.sleep(0.2)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


@dataclass
class Stack:
    prefix: str
    bootstrap: str
    dsn: str
    clock_file: Path
    log_dir: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    config_dir: Path | None = None
    port_base: int = BASE
    """Where this stack's HTTP ports start (projections, intake, routing, sla, escalation in that order): a
    stack that may outlive its tests (package scope) takes its own, so a later stack's readiness check
    cannot be answered by it."""

    def port(self, service: str) -> int:
        return PORTS[service] - BASE + self.port_base

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port(service)}"

    def shift_clock(self, seconds: float) -> None:
        """Move every service's clock: they read system time plus this offset."""
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(str(seconds))
        tmp.replace(self.clock_file)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            HELPDESK_ENV="development",
            HELPDESK_KAFKA_BOOTSTRAP=self.bootstrap,
            HELPDESK_PG_DSN=self.dsn,
            HELPDESK_TOPIC_PREFIX=self.prefix,
            HELPDESK_CONFIG_DIR=str(self.config_dir or self.log_dir / "config"),
            HELPDESK_CLOCK_FILE=str(self.clock_file),
            HELPDESK_LOG_LEVEL="INFO",
        )
        for name in PORTS:
            env[f"HELPDESK_{name.upper()}_HTTP_PORT"] = str(self.port(name))
        return env

    def start(self, name: str) -> None:
        self.procs[name] = _spawn([str(BIN / f"helpdesk-{name}"), "serve"], self.env(), self.log_dir / f"{name}.log")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        proc.wait(timeout=30)

    async def ready(self, name: str, timeout: float = 60) -> None:
        await _until_ready(self.procs[name], self.url(name), self.log_dir / f"{name}.log", name, timeout=timeout)

    @contextlib.asynccontextmanager
    async def running(self, artifacts: Path) -> AsyncIterator[Stack]:
        """Every service started and ready; on exit all stopped and their logs kept in ``artifacts``."""
        try:
            for name in PORTS:
                self.start(name)
            for name in PORTS:
                await self.ready(name)
            yield self
        finally:
            self.stop_all()
            self.keep_logs(artifacts)

    def keep_logs(self, artifacts: Path) -> None:
        artifacts.mkdir(parents=True, exist_ok=True)
        for log in self.log_dir.glob("*.log"):
            shutil.copy(log, artifacts / log.name)

    def replay(self, service: str, *args: str) -> subprocess.CompletedProcess[str]:
        """``helpdesk replay SERVICE ARGS`` against this stack (its report is on stderr)."""
        return subprocess.run(
            [str(BIN / "helpdesk"), "replay", service, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    async def outbox_empty(self, service: str) -> bool:
        """Whether ``service`` has published everything it decided (its schema is named after it)."""
        conn = await asyncpg.connect(self.dsn)
        try:
            return bool(await conn.fetchval(f"SELECT count(*) = 0 FROM {service}.outbox"))  # noqa: S608 - service name
        finally:
            await conn.close()

    def tail(self, name: str, lines: int = 30) -> str:
        return _tail(self.log_dir / f"{name}.log", lines)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for name, proc in list(self.procs.items()):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            self.procs.pop(name)
