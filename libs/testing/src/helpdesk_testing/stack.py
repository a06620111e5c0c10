"""The whole system as separate processes (``helpdesk-<service> serve``) for end-to-end tests.

Ports come from ``HELPDESK_TEST_PORT_BASE`` (default 18080: projections 18080 … escalation 18084), so two
test runs on one machine do not collide.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class Stack:
    prefix: str
    bootstrap: str
    dsn: str
    clock_file: Path
    log_dir: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    config_dir: Path | None = None

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
            HELPDESK_CONFIG_DIR=str(self.config_dir or self.log_dir / "config"),
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
