"""Replay progress for ``helpdesk projections rebuild``: a text bar with events/s and ETA."""

from __future__ import annotations

from dataclasses import dataclass


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
