"""Separate what the sender just wrote from the quoted history and the signature under it. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A line that introduces quoted history; everything from it on is the history.
_QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*El\b.{0,300}\bescribi[oó]:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,200}:?\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Mensaje original|Forwarded message|Mensaje reenviado"
        r"|Urspr.ngliche Nachricht)\s*-{2,}\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above the quoted header block
]
# Outlook's quoted header block: "From: ..." followed closely by "Sent:"/"Date:" (or the Spanish labels).
_FROM = re.compile(r"^\s*\*?(From|De)\s*:\*?\s", re.IGNORECASE)
_SENT = re.compile(r"^\s*\*?(Sent|Date|Enviado(\s+el)?|Fecha)\s*:", re.IGNORECASE)
_WRAPPED_START = re.compile(r"^\s*(On|El|Am)\s")
_WRAPPED_END = re.compile(r"^.{0,200}\b(wrote|escribi[oó]|schrieb)\b.{0,100}:\s*$", re.IGNORECASE)
_SIGNATURE = re.compile(r"^(-- ?|--)\s*$")
_MOBILE = re.compile(r"^\s*(Sent from my \w+|Enviado desde mi \w+)", re.IGNORECASE)


@dataclass(frozen=True)
class Split:
    body: str
    quoted: str | None
    signature: str | None


def _quote_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if any(p.match(line) for p in _QUOTE_HEADERS):
            return i
        # "On Mon, 1 Jan 2026 at 10:00, Ana <ana@x>\nwrote:" wrapped over two lines
        if i + 1 < len(lines) and _WRAPPED_START.match(line) and _WRAPPED_END.match(lines[i + 1]):
            return i
        if _FROM.match(line) and any(_SENT.match(nxt) for nxt in lines[i + 1 : i + 4]):
            return i
    return None


def split_reply(text: str) -> Split:
    """``body`` is the new content; quoted history (``On … wrote:``, ``El … escribió:``, ``-----Original
    Message-----``, ``>`` lines) and the signature (after ``-- ``, or a mobile footer) are returned apart.
    If nothing but quotes is left, the whole text is the body (better too much than nothing)."""
    lines = text.replace("\r\n", "\n").split("\n")
    quoted: list[str] = []
    start = _quote_start(lines)
    if start is not None:
        quoted = lines[start:]
        lines = lines[:start]
    if any(line.startswith(">") for line in lines):
        kept = [line for line in lines if not line.startswith(">")]
        quoted = [line for line in lines if line.startswith(">")] + quoted
        lines = kept
    signature: list[str] = []
    for i, line in enumerate(lines):
        if _SIGNATURE.match(line) or _MOBILE.match(line):
            signature = lines[i + 1 :] if _SIGNATURE.match(line) else lines[i:]
            lines = lines[:i]
            break
    body = "\n".join(lines).strip()
    if not body:
        return Split(text.strip(), None, None)
    return Split(body, "\n".join(quoted).strip() or None, "\n".join(signature).strip() or None)
