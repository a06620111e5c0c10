"""How far a replay of the log has come (``helpdesk projections rebuild``, ``helpdesk replay SERVICE``):
offsets per (topic, partition), whether they are caught up, and a text bar with events/s and ETA."""

from __future__ import annotations

from dataclasses import dataclass

Offsets = dict[tuple[str, int], int]
"""Next offset per (topic, partition)."""


def caught_up(target: Offsets, stored: Offsets, start: Offsets) -> bool:
    """Every partition holding records up to ``target`` is applied that far."""
    return all(stored.get(tp, start.get(tp, 0)) >= off for tp, off in target.items() if off > start.get(tp, 0))


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed: float
    """Seconds since the replay started."""

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate; None before anything was applied."""
        if self.done >= self.total:
            return 0.0
        return (self.total - self.done) / self.rate if self.rate > 0 else None


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


def render(p: Progress, width: int = 30) -> str:
    share = 1.0 if p.total == 0 else min(p.done / p.total, 1.0)
    filled = int(share * width)
    bar = "#" * filled + "." * (width - filled)
    return f"[{bar}] {share:4.0%} {p.done:,}/{p.total:,} events  {p.rate:,.0f} ev/s  ETA {_clock(p.eta)}"


def progress(start: Offsets, end: Offsets, stored: Offsets, elapsed: float) -> Progress:
    """Records applied between ``start`` and ``end``, from the offsets stored so far."""
    total = sum(end[tp] - start.get(tp, 0) for tp in end)
    done = sum(max(0, min(stored.get(tp, start.get(tp, 0)), end[tp]) - start.get(tp, 0)) for tp in end)
    return Progress(done=done, total=total, elapsed=elapsed)
