"""The local supervisor behind ``make run``: the five services (and the demo) as child processes.

Ctrl-C or SIGTERM (``make stop``) stops every child cleanly; a child that dies is restarted with backoff.
Logs (JSON lines) go to .local/logs/<service>.log.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SERVICES = {"projections": 8080, "intake": 8081, "routing": 8082, "sla": 8083, "escalation": 8084}
ROOT = Path(os.environ.get("HELPDESK_ROOT", Path.cwd()))
RUN_DIR = ROOT / ".local" / "run"
LOG_DIR = ROOT / ".local" / "logs"


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.next_start = 0.0

    def start(self) -> None:
        with (LOG_DIR / f"{self.name}.log").open("ab") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=log, start_new_session=True)

    def check(self) -> None:
        if self.proc is None or self.proc.poll() is None:
            return
        now = time.monotonic()
        if self.next_start == 0.0:
            self.restarts += 1
            self.next_start = now + min(30.0, 2.0**self.restarts)
            print(f"! {self.name} exited with {self.proc.returncode}; restarting (see .local/logs/{self.name}.log)")
        elif now >= self.next_start:
            self.next_start = 0.0
            self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self, deadline: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://localhost:{port}/readyz", timeout=1) as resp:  # noqa: S310
            return bool(resp.status == 200)
    except OSError:
        return False


def supervise(*, demo: bool) -> int:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    (RUN_DIR / "supervisor.pid").write_text(str(os.getpid()))
    bindir = Path(sys.executable).parent
    env = dict(os.environ)
    env.setdefault("HELPDESK_ENV", "development")
    env.setdefault("HELPDESK_CONFIG_DIR", str(ROOT / "deploy" / "config" / "sample"))
    children = [Child(name, [str(bindir / f"helpdesk-{name}"), "serve"], env) for name in SERVICES]
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    for child in children:
        child.start()
    announced = False
    try:
        while not stopping:
            for child in children:
                child.check()
            if not announced and all(_ready(p) for p in SERVICES.values()):
                announced = True
                _announce(time.monotonic() - started)
                if demo:
                    demo_child = Child("demo", [sys.executable, "-m", "helpdesk_cli.demo"], env)
                    demo_child.start()
                    children.append(demo_child)
            time.sleep(0.5)
    finally:
        print("\nstopping services…")
        for child in children:
            child.stop()
        deadline = time.monotonic() + 20
        for child in children:
            child.wait(deadline)
        (RUN_DIR / "supervisor.pid").unlink(missing_ok=True)
        print("stopped.")
    return 0


def _announce(seconds: float) -> None:
    print(
        f"""
helpdesk is up ({seconds:.0f}s). What runs where:
  dashboard                          http://localhost:8080/      (sign in with dev-analyst-key)
  projections (query API)            http://localhost:8080/v1   docs: http://localhost:8080/docs
  intake (inbound, agent commands)   http://localhost:8081   docs: http://localhost:8081/docs
  routing (agent directory)          http://localhost:8082
  sla                                http://localhost:8083
  escalation                         http://localhost:8084
  Kafka localhost:9092 · PostgreSQL localhost:5432/helpdesk · logs in .local/logs/

Open a ticket:
  curl -s -X POST http://localhost:8081/v1/inbound -H 'Authorization: Bearer dev-adapter-key' \\
    -H 'Content-Type: application/json' \\
    -d '{{"message_id":"curl-1","channel":"web","received_at":"2026-11-23T10:00:00+01:00",
         "sender":{{"email":"ana@example.com","name":"Ana"}},"subject":"La impresora no imprime",
         "body":"Desde esta mañana la impresora de la planta 2 no imprime."}}'
  curl -s http://localhost:8081/v1/inbound/curl-1 -H 'Authorization: Bearer dev-adapter-key'
  curl -s http://localhost:8080/v1/tickets/<folio from the answer above> -H 'Authorization: Bearer dev-analyst-key'

Ctrl-C (or `make stop` from another terminal) stops everything.
""",
        flush=True,
    )
