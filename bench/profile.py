"""`make profile`: the throughput scenario under py-spy, then where each service spent its samples.

Starts the five services as in `make bench` (bench.stack), records each with py-spy (50 Hz, raw stacks) while
N tickets (PROFILE_TICKETS, default 4,000) go through, and prints per service the busiest frames, self and
inclusive. Raw stacks stay in bench/results/tmp/profile-<service>.txt (git-ignored) for flame graphs.
"""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402

OUT = bench.ROOT / "bench" / "results" / "tmp"
PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
IDLE = ("select (selectors", "epoll", "_run_once (asyncio")


def summary(path: Path, top: int = 12) -> list[str]:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    busy = idle = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count, frames = int(count_text), stack.split(";")
        if any(mark in frames[-1] for mark in IDLE):
            idle += count
            continue
        busy += count
        own[frames[-1]] += count
        for frame in {f.split(":")[0] for f in frames}:
            inclusive[frame] += count
    lines = [f"busy samples {busy} (idle {idle})"]
    lines += [f"  self {n:6d}  {frame[:140]}" for frame, n in own.most_common(top)]
    plumbing = ("asyncio/", "<module>", "service_main", "Runner.", "run (helpdesk_runtime/service.py")
    project = [(f, n) for f, n in inclusive.most_common() if not any(p in f for p in plumbing)]
    lines += [f"  incl {n:6d}  {frame[:140]}" for frame, n in project[:top]]
    return lines


async def main() -> int:
    n = int(os.environ.get("PROFILE_TICKETS", "4000"))
    OUT.mkdir(parents=True, exist_ok=True)
    async with bench.stack(list(bench.PORTS), sla=bench.BENCH_SLA) as s:
        spies = {
            name: subprocess.Popen(  # noqa: S603, ASYNC220 - py-spy on our own processes
                [
                    PY_SPY,
                    "record",
                    "--pid",
                    str(proc.pid),
                    "--rate",
                    "50",
                    "--format",
                    "raw",
                    "--nonblocking",
                    "--output",
                    str(OUT / f"profile-{name}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for name, proc in s.procs.items()
        }
        await asyncio.sleep(1)
        rate = await bench.throughput(s, n)
        for spy in spies.values():
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for spy in spies.values():
            spy.wait(timeout=60)
    print(f"throughput under the profiler: {rate:.1f} tickets/s ({n} tickets)")
    for name in spies:
        print(f"=== {name}: " + "\n".join(summary(OUT / f"profile-{name}.txt")))
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
