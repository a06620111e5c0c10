"""Classification from configuration: category rules, language, ITIL impact x urgency priority."""

from __future__ import annotations

import re
import unicodedata

from helpdesk_events import Priority
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .contacts import ContactRules

DEFAULT_MATRIX: dict[int, dict[int, Priority]] = {
    1: {1: "P1", 2: "P2", 3: "P3"},
    2: {1: "P2", 2: "P3", 3: "P3"},
    3: {1: "P3", 2: "P3", 3: "P4"},
}


class CategoryRule(BaseModel):
    model_config = ConfigDict(frozen=True)
    category: str
    recipients: list[str] = []
    channels: list[str] = []
    keywords: list[str] = []


class IntakeRules(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str = "unversioned"
    categories: list[CategoryRule] = []
    default_category: str | None = None
    priority_matrix: dict[int, dict[int, Priority]] = DEFAULT_MATRIX
    default_impact: int = 3
    default_urgency: int = 2
    urgent_keywords: list[str] = []
    vip_raises_priority: bool = True
    contacts: ContactRules = ContactRules()
    throttle_per_minute: int = Field(default=20, ge=0)
    """More messages than this from one sender within a minute are ignored as "throttled" (0: never)."""
    own_addresses: frozenset[str] = frozenset()
    """The desk's own mailboxes (case-insensitive): mail from them is a loop and is ignored."""
    thread_windows_minutes: dict[str, int] = {"phone": 60}
    """Per channel: a message joins the conversation's ticket by ``thread_ref`` only within this window."""

    @field_validator("own_addresses", mode="after")
    @classmethod
    def _fold_addresses(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(a.strip().casefold() for a in value)


def _fold(text: str) -> str:
    nfkd = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


_WORD = re.compile(r"\w+", re.UNICODE)
_ES = {
    "el",
    "la",
    "los",
    "las",
    "de",
    "que",
    "no",
    "por",
    "para",
    "con",
    "una",
    "un",
    "es",
    "mi",
    "se",
    "del",
    "hola",
    "gracias",
    "funciona",
    "desde",
    "esta",
}
_EN = {
    "the",
    "and",
    "is",
    "not",
    "my",
    "to",
    "of",
    "a",
    "it",
    "for",
    "with",
    "this",
    "hello",
    "thanks",
    "please",
    "does",
    "since",
    "working",
}


def detect_language(text: str) -> str | None:
    """Spanish or English by stop words; None when there is too little to tell."""
    words = [w for w in _WORD.findall(_fold(text))]
    es = sum(w in _ES for w in words) + sum(ch in text for ch in "ñ¿¡áéíóú")
    en = sum(w in _EN for w in words)
    if es == en == 0:
        return None
    return "es" if es >= en else "en"


def _matches_keyword(folded: str, keyword: str) -> bool:
    return re.search(rf"\b{re.escape(_fold(keyword))}\b", folded) is not None


def classify_category(
    rules: IntakeRules, *, subject: str, body: str, channel: str, recipient: str | None
) -> str | None:
    folded = _fold(f"{subject}\n{body}")
    rcpt = (recipient or "").casefold()
    for rule in rules.categories:
        if rule.channels and channel not in rule.channels:
            continue
        if rule.recipients and any(rcpt.startswith(r.casefold()) for r in rule.recipients):
            return rule.category
        if rule.keywords and any(_matches_keyword(folded, k) for k in rule.keywords):
            return rule.category
    return rules.default_category


def classify_priority(
    rules: IntakeRules, *, subject: str, body: str, tier: str, impact: int | None = None, urgency: int | None = None
) -> tuple[Priority, int, int]:
    """Priority from the impact x urgency matrix; urgent keywords raise urgency; VIP raises one step."""
    folded = _fold(f"{subject}\n{body}")
    imp = impact or rules.default_impact
    urg = urgency or rules.default_urgency
    if urgency is None and any(_matches_keyword(folded, k) for k in rules.urgent_keywords):
        urg = 1
    priority: Priority = rules.priority_matrix.get(imp, {}).get(urg, "P3")
    if rules.vip_raises_priority and tier == "vip":
        order: list[Priority] = ["P1", "P2", "P3", "P4"]
        priority = order[max(0, order.index(priority) - 1)]
    return priority, imp, urg
