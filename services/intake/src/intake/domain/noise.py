"""Loop and noise protection: auto-replies, bounces, mailing lists and floods never open tickets. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from helpdesk_events import InboundMessage

_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_REPORT_TYPES = ("multipart/report", "message/delivery-status", "message/disposition-notification")


def noise_reason(msg: InboundMessage, own_addresses: frozenset[str] = frozenset()) -> str | None:
    """Why ``msg`` must not open or touch a ticket (``None``: it is a person writing).

    Read from ``msg.headers`` (lower-case names; filled from the raw email by intake, or by the adapter).
    ``own_addresses`` are the desk's own mailboxes: mail from them is our own mail coming back (a loop).
    """
    h = {k.lower(): v.strip() for k, v in msg.headers.items()}
    if msg.sender.email and msg.sender.email.strip().casefold() in own_addresses:
        return f"loop: sent by the help desk's own address {msg.sender.email.strip().casefold()}"
    auto = h.get("auto-submitted")
    if auto is not None and auto.split(";")[0].strip().lower() != "no":
        return f"auto-submitted: {auto.split(';')[0].strip().lower() or 'yes'}"
    for name in ("x-autoreply", "x-autorespond"):
        if name in h:
            return f"auto-reply ({name})"
    suppress = h.get("x-auto-response-suppress")
    if suppress is not None and suppress.lower() not in ("", "none"):
        return f"auto-generated (x-auto-response-suppress: {suppress})"
    precedence = (h.get("precedence") or "").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    ctype = (h.get("content-type") or "").split(";")[0].strip().lower()
    if ctype in _REPORT_TYPES:
        return "bounce or delivery report (multipart/report)"
    local = (msg.sender.email or "").split("@")[0].strip().strip('"').lower()
    if local in _BOUNCE_SENDERS:
        return f"bounce ({local})"
    if h.get("return-path", "x").strip() in ("<>", ""):
        return "bounce (empty return path)"
    if "x-failed-recipients" in h:
        return "bounce (x-failed-recipients)"
    if "list-id" in h or "list-unsubscribe" in h:
        return "mailing list (list-id)" if "list-id" in h else "mailing list (list-unsubscribe)"
    return None


WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Throttle:
    """Messages per sender within the last minute of event time."""

    recent: tuple[datetime, ...]
    throttled: bool


def throttle(recent: list[datetime], at: datetime, *, per_minute: int) -> Throttle:
    """Count ``at`` in the sender's last minute; more than ``per_minute`` messages is a flood.

    Decided from event time (the message's ``received_at``), so a replay decides the same way.
    """
    kept = tuple(sorted(t for t in recent if at - WINDOW < t <= at)) + (at,)
    return Throttle(recent=kept[-(per_minute + 1) :], throttled=per_minute > 0 and len(kept) > per_minute)
