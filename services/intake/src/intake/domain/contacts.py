"""Who wrote: the sender resolved to a contact id (email case-insensitive, phone digits, handle per platform)."""

from __future__ import annotations

import re

from helpdesk_events import Customer, Sender


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits if digits.startswith("+") else f"+{digits}"


def contact_for(sender: Sender) -> Customer:
    if sender.email:
        email = sender.email.strip().casefold()
        cid = f"email:{email}"
    elif sender.phone:
        cid = f"phone:{normalise_phone(sender.phone)}"
    elif sender.handle:
        cid = f"handle:{(sender.platform or 'chat').casefold()}:{sender.handle.strip().casefold()}"
    else:
        cid = "anonymous"
    return Customer(
        contact_id=cid,
        email=sender.email.strip().casefold() if sender.email else None,
        phone=normalise_phone(sender.phone) if sender.phone else None,
        handle=sender.handle,
        name=sender.name,
    )
