"""Injectable wall clock. Decisions take time as an argument; only timer firing reads the clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetFileClock:
    """System time plus an offset in seconds read from a file, so a test can move a live process in time.

    The file holds one number (seconds, may be fractional). Re-read when its mtime changes.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._mtime: float | None = None
        self._offset = 0.0

    def now(self) -> datetime:
        try:
            mtime = os.stat(self._path).st_mtime_ns
        except FileNotFoundError:
            return datetime.now(UTC)
        if mtime != self._mtime:
            text = self._path.read_text(encoding="utf-8").strip()
            self._offset = float(text or 0)
            self._mtime = mtime
        return datetime.now(UTC) + timedelta(seconds=self._offset)


class ManualClock:
    """A clock a test sets by hand."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def clock_from(path: Path | None) -> Clock:
    return OffsetFileClock(path) if path is not None else SystemClock()
