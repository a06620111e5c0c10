"""Readiness probe for the local Kafka broker (used by deploy/local/kafka.sh wait).

Repeatedly sends a Kafka Metadata request with aiokafka until the broker answers
with at least one broker in the cluster, or the deadline passes.

    .venv/bin/python deploy/local/kafka_ready.py --bootstrap localhost:9092 --timeout 120 [--pid N]

Exit codes: 0 ready, 1 deadline passed, 2 the broker process (--pid) exited.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import time

from aiokafka import AIOKafkaClient  # type: ignore[import-untyped,unused-ignore]

_label = ["kafka"]


def _say(msg: str) -> None:
    print(f"[{_label[0]}] {msg}", file=sys.stderr, flush=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still "exists" for kill(0); treat it as dead.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


async def _probe(bootstrap: str, request_timeout_ms: int) -> int:
    """One metadata round trip; returns the number of brokers in the answer."""
    client = AIOKafkaClient(
        bootstrap_servers=bootstrap,
        client_id="helpdesk-kafka-ready",
        request_timeout_ms=request_timeout_ms,
    )
    try:
        await client.bootstrap()
        return len(client.cluster.brokers())
    finally:
        await client.close()


async def _wait(bootstrap: str, limit_s: float, pid: int | None) -> int:
    start = time.monotonic()
    deadline = start + limit_s
    last_error = "no attempt made"
    while True:
        if pid is not None and not _alive(pid):
            _say(f"broker process {pid} exited before becoming ready")
            return 2
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _say(f"not ready after {limit_s:.0f}s ({bootstrap}): {last_error}")
            return 1
        attempt = max(1.0, min(10.0, remaining))
        try:
            brokers = await asyncio.wait_for(_probe(bootstrap, int(attempt * 1000)), attempt + 1)
        except Exception as exc:  # connection refused, timeouts, protocol errors while starting
            text, name = str(exc), type(exc).__name__
            last_error = text if text.startswith(name) else f"{name}: {text}".rstrip(": ")
        else:
            if brokers >= 1:
                _say(f"ready at {bootstrap} after {time.monotonic() - start:.1f}s ({brokers} broker(s))")
                return 0
            last_error = "metadata answered with no brokers"
        await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", default="localhost:9092", help="host:port (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds (default: %(default)s)")
    parser.add_argument("--pid", type=int, default=None, help="fail fast if this process exits")
    args = parser.parse_args()
    _label[0] = f"kafka:{args.bootstrap.rsplit(':', 1)[-1]}"
    # aiokafka logs every refused connection at ERROR; the retry loop reports instead.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL + 1)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_wait(args.bootstrap, args.timeout, args.pid))
    return 130


if __name__ == "__main__":
    sys.exit(main())
