"""What a presence change means for routing (pure): wake the assigners, arm or cancel the offline grace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PresenceEffect:
    changed: bool
    offline_deadline: datetime | None = None
    """When the agent's open tickets go back to the queue unless it comes back (arm the timer)."""
    cancel_deadline: bool = False
    wake: bool = False
    """Capacity may have appeared: the assigners should look at the queues."""


def presence_effect(old: str | None, new: str, now: datetime, grace_seconds: float) -> PresenceEffect:
    """``online`` wakes the queues; ``offline`` arms the grace timer; anything but ``offline`` cancels it.

    ``away`` keeps the agent's tickets but takes no new ones.
    """
    if old == new:
        return PresenceEffect(changed=False)
    if new == "offline":
        return PresenceEffect(changed=True, offline_deadline=now + timedelta(seconds=grace_seconds))
    return PresenceEffect(changed=True, cancel_deadline=True, wake=new == "online")


def offline_timer_key(agent_id: str) -> str:
    return f"offline:{agent_id}"
