"""The whole system as separate processes against the test Kafka and PostgreSQL (see the root conftest)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from helpdesk_runtime.topics_admin import ensure_topics

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "deploy" / "config" / "sample"
PORTS = {"projections": 18080, "intake": 18081, "routing": 18082, "sla": 18083, "escalation": 18084}
BIN = Path(sys.executable).parent

TEST_SLA = """
version: "test-1"
policies:
  - id: fast
    match: {}
    calendar: always
    targets: {first_response: 10, next_response: 30, resolution: 120}
    warnings: [0.5]
"""


@dataclass
class Stack:
    prefix: str
    bootstrap: str
    dsn: str
    clock_file: Path
    log_dir: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{PORTS[service]}"

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
            HELPDESK_CONFIG_DIR=str(self.log_dir / "config"),
            HELPDESK_CLOCK_FILE=str(self.clock_file),
            HELPDESK_LOG_LEVEL="INFO",
        )
        for name, port in PORTS.items():
            env[f"HELPDESK_{name.upper()}_HTTP_PORT"] = str(port)
        return env

    def start(self, name: str) -> None:
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                [str(BIN / f"helpdesk-{name}"), "serve"], env=self.env(), stdout=log, stderr=log
            )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        proc.wait(timeout=30)

    async def ready(self, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while True:
                proc = self.procs[name]
                if proc.poll() is not None:
                    raise AssertionError(f"{name} exited with {proc.returncode}: {self.tail(name)}")
                try:
                    if (await client.get(f"{self.url(name)}/readyz", timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"{name} not ready within {timeout}s: {self.tail(name)}")
                await asyncio.sleep(0.2)

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for name, proc in list(self.procs.items()):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            self.procs.pop(name)


@pytest.fixture(scope="module")
async def stack(kafka_bootstrap: str, pg_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    base = tmp_path_factory.mktemp("stack")
    shutil.copytree(SAMPLE, base / "config")
    (base / "config" / "sla.yaml").write_text(TEST_SLA)
    prefix = f"e2e{os.getpid()}{int(time.time()) % 100000}."
    await ensure_topics(kafka_bootstrap, prefix)
    s = Stack(prefix=prefix, bootstrap=kafka_bootstrap, dsn=pg_dsn, clock_file=base / "clock", log_dir=base)
    s.shift_clock(0)
    for name in PORTS:
        s.start(name)
    try:
        for name in PORTS:
            await s.ready(name)
        yield s
    finally:
        s.stop_all()
        artifacts = ROOT / "test-artifacts" / "e2e-logs"
        artifacts.mkdir(parents=True, exist_ok=True)
        for name in PORTS:
            src = base / f"{name}.log"
            if src.exists():
                shutil.copy(src, artifacts / f"{name}.log")
