"""The ONE SLA clock model: one target of one ticket, shared by the fold and the sla service.

A target runs in *cycles*: ``first_response`` and ``resolution`` start when the ticket opens,
``next_response`` when a customer message waits for an answer, ``resolution`` again on a reopen. Within a
cycle the phase moves

    idle ──restarted──► running ──breached──► breached
                           │  └──────met──────────┴──► met        (a later cycle: restarted)
                           └──────stopped─────────┴──► stopped    (resolved, closed, merged, policy changed)

The sla service decides every move and publishes each one as an event (``SlaPolicyApplied`` and
``SlaClockResumed`` carry each target's ``phase``, ``cycle`` and ``started_at``; ``SlaWarning``,
``SlaBreached``, ``SlaTargetMet``, ``SlaTargetStopped`` the rest), so the fold applies the same moves, in the
same order, with the same methods below, and infers nothing. A transition that does not apply from the
current phase returns ``None`` (the caller ignores the fact): both sides share that table too.

Pauses are ticket-wide; ``paused`` marks the clock while the ticket's clocks are paused. ``state`` is the
view read models show (``paused`` and ``warning`` refine ``running``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, computed_field

from helpdesk_events.types import ClockPhase, SlaTargetName

ClockState = Literal["idle", "running", "paused", "warning", "breached", "met", "stopped"]
"""The view of a clock: its phase, with a running cycle shown ``paused`` (ticket pending) or ``warning`` (a
warning share reached). ``stopped``: the ticket was resolved, closed or merged (or its new policy has no such
target) before the target was met; it counts as neither met nor breached (``breached_at`` tells if it had
breached first). ``idle``: no cycle yet (``next_response`` before a customer message waits)."""

TICKING: tuple[ClockPhase, ...] = ("running", "breached")
"""Phases in which the target still waits for its event (a breached target can still be met, late)."""


class SlaClock(BaseModel):
    """One SLA target of one ticket: its current cycle and that cycle's outcome."""

    model_config = ConfigDict(frozen=True)

    name: SlaTargetName
    minutes: float = 0.0
    """The target in business minutes."""
    phase: ClockPhase = "idle"
    cycle: int = 0
    """Counts the cycles started (``next_response`` restarts at each waiting customer message)."""
    started_at: AwareDatetime | None = None
    """Start of the current cycle."""
    armed_from: AwareDatetime | None = None
    """Timers of this cycle never fire before this instant (the last re-plan: a priority change)."""
    due_at: AwareDatetime | None = None
    """The cycle's due time as last published; None while paused before reaching it, or idle."""
    paused: bool = False
    """The ticket's clocks are paused (pending) while this cycle ticks; only a ticking clock is ever paused."""
    warned: tuple[float, ...] = ()
    """Warning shares reached in this cycle."""
    met_at: AwareDatetime | None = None
    breached_at: AwareDatetime | None = None
    """Kept when the target is met late, so ``breached_at is None`` means compliant."""
    within_target: bool | None = None
    """As reported by ``SlaTargetMet``."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def state(self) -> ClockState:
        if self.phase == "running":
            return "paused" if self.paused else "warning" if self.warned else "running"
        return self.phase

    @computed_field  # type: ignore[prop-decorator]
    @property
    def warning_threshold(self) -> float | None:
        """The highest warning share reached in this cycle."""
        return max(self.warned) if self.warned else None

    @property
    def ticking(self) -> bool:
        return self.phase in TICKING

    # ----- the transitions (None: does not apply from this phase) -----

    def restarted(self, at: datetime, due_at: datetime | None = None) -> SlaClock:
        """A new cycle starting at ``at``: from any phase (how ``next_response`` and a reopen restart)."""
        return self.model_copy(
            update={
                "phase": "running",
                "started_at": at,
                "armed_from": at,
                "due_at": due_at,
                "warned": (),
                "cycle": self.cycle + 1,
                "met_at": None,
                "breached_at": None,
                "within_target": None,
            }
        )

    def planned(
        self, due_at: datetime | None, minutes: float | None = None, armed_from: datetime | None = None
    ) -> SlaClock:
        """The same cycle with a new due time (a pause ended, the priority changed)."""
        update: dict[str, object] = {"due_at": due_at}
        if minutes is not None:
            update["minutes"] = minutes
        if armed_from is not None:
            update["armed_from"] = armed_from
        return self.model_copy(update=update)

    # ``due_at`` below: the due time the event states (None keeps the clock's).

    def warned_at(self, share: float, due_at: datetime | None = None) -> SlaClock | None:
        """A warning share reached (never while paused: paused time does not count)."""
        if self.phase != "running" or self.paused or share in self.warned:
            return None
        return self.model_copy(update={"warned": tuple(sorted({*self.warned, share})), "due_at": due_at or self.due_at})

    def breached(self, at: datetime, due_at: datetime | None = None) -> SlaClock | None:
        if self.phase != "running" or self.paused:
            return None
        return self.model_copy(update={"phase": "breached", "breached_at": at, "due_at": due_at or self.due_at})

    def met(self, at: datetime, within_target: bool, due_at: datetime | None = None) -> SlaClock | None:
        """Met: the first per cycle wins. Met within target after a breach means the breach timer raced the
        reply or resolution it had not consumed yet: the outcome is compliant, the breach is withdrawn."""
        if self.phase not in TICKING:
            return None
        breached_at = None if within_target else self.breached_at
        return self.model_copy(
            update={
                "phase": "met",
                "met_at": at,
                "within_target": within_target,
                "breached_at": breached_at,
                "paused": False,
                "due_at": due_at or self.due_at,
            }
        )

    def stopped(self) -> SlaClock | None:
        """No outcome for this cycle: resolved/closed/merged while ticking, or dropped by a new policy."""
        if self.phase in ("met", "stopped"):
            return None
        return self.model_copy(update={"phase": "stopped", "paused": False})

    def with_pause(self, paused: bool) -> SlaClock:
        """Marked paused (or not) with the ticket's clocks; a clock that does not tick is never paused."""
        value = paused and self.ticking
        return self if self.paused == value else self.model_copy(update={"paused": value})


__all__ = ["TICKING", "ClockState", "SlaClock"]
