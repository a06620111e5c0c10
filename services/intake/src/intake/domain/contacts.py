"""Who wrote: the sender resolved to a contact (email case-insensitive, phone E.164, handle per platform),
with the department of internal users and the customer tier from configuration."""

from __future__ import annotations

import re

import phonenumbers
from helpdesk_events import Customer, Sender
from pydantic import BaseModel, ConfigDict


class ContactRules(BaseModel):
    """``departments`` and ``tiers`` map an address (``ana@acme.example``), a domain (``@acme.example``),
    a phone (E.164) or a handle (``twitter:@ana``) to a department / a tier (``vip``)."""

    model_config = ConfigDict(frozen=True)
    default_region: str = "ES"
    departments: dict[str, str] = {}
    tiers: dict[str, str] = {}


def normalise_phone(phone: str, region: str = "ES") -> str:
    """E.164 (``+34600111222``); numbers phonenumbers cannot parse keep their digits with a ``+``."""
    raw = phone.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, region.upper() or None)
        if phonenumbers.is_possible_number(parsed):
            return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    except phonenumbers.NumberParseException:
        pass
    digits = re.sub(r"[^\d]", "", raw)
    return f"+{digits}" if digits else raw


def _lookup(table: dict[str, str], keys: list[str]) -> str | None:
    folded = {k.strip().casefold(): v for k, v in table.items()}
    for key in keys:
        if key and key.casefold() in folded:
            return folded[key.casefold()]
    return None


def contact_for(sender: Sender, rules: ContactRules | None = None) -> Customer:
    rules = rules or ContactRules()
    email = sender.email.strip().casefold() if sender.email and sender.email.strip() else None
    phone = normalise_phone(sender.phone, rules.default_region) if sender.phone and sender.phone.strip() else None
    handle = sender.handle.strip().lstrip("@") if sender.handle and sender.handle.strip() else None
    platform = (sender.platform or "chat").strip().casefold()
    if email:
        cid = f"email:{email}"
    elif phone:
        cid = f"phone:{phone}"
    elif handle:
        cid = f"handle:{platform}:{handle.casefold()}"
    else:
        cid = "anonymous"
    keys = [k for k in (email, phone, f"{platform}:@{handle}" if handle else None) if k]
    if email and "@" in email:
        keys.append("@" + email.split("@", 1)[1])
    return Customer(
        contact_id=cid,
        email=email,
        phone=phone,
        handle=handle,
        name=sender.name.strip() if sender.name and sender.name.strip() else None,
        tier=_lookup(rules.tiers, keys) or "standard",
        department=_lookup(rules.departments, keys),
    )
