"""Raw RFC 5322 email → a parsed message (stdlib ``email`` with ``policy.default``). Pure: bytes in, values out.

Lenient by design: real mail is broken in every possible way, so each header is read defensively (a header
the modern parser rejects is read raw), every charset decodes (ISO-8859-1 is read as its superset
Windows-1252, unknown charsets as UTF-8 with replacement characters), and no input raises.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from helpdesk_events import Attachment

from .html_text import html_to_text, sanitise_html

# Headers kept for loop protection and threading (lower-case names).
KEPT_HEADERS = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "x-loop",
    "x-failed-recipients",
    "return-path",
    "content-type",
)
MAX_TEXT = 60_000
"""Bodies longer than this (characters) are cut; the event never carries megabytes."""
_ADDRESS = re.compile(r"^[^@\s<>()\[\]]+@[\w-]+(\.[\w-]+)+$")
_ADDRESS_IN = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
_MSGID = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    """The Message-ID without angle brackets, or ``sha256:<hex>`` of the raw message when it has none."""
    from_email: str | None
    from_name: str | None
    to: list[str]
    cc: list[str]
    subject: str | None
    date: datetime | None
    in_reply_to: str | None
    references: list[str]
    text: str
    """Plain text (rendered from the HTML when the mail has no text part)."""
    html: str | None
    """Sanitised HTML, if the mail had an HTML part."""
    attachments: list[Attachment]
    headers: dict[str, str]
    content_type: str
    truncated: bool = False
    defects: list[str] = field(default_factory=list)


def raw_message_id(raw: bytes) -> str:
    """The id intake uses for a raw message: its Message-ID, else the sha256 of the bytes."""
    return parse_email(raw, headers_only=True).message_id


def parse_email(raw: bytes, *, headers_only: bool = False) -> ParsedEmail:
    msg = message_from_bytes(raw, policy=policy.default)
    defects = [type(d).__name__ for d in msg.defects]
    mid = _first_id(_header(msg, "message-id")) or f"sha256:{hashlib.sha256(raw).hexdigest()}"
    name, addr = _from(msg)
    headers = {h: v for h in KEPT_HEADERS if (v := _header(msg, h)) is not None}
    text, html, attachments, truncated = ("", None, [], False) if headers_only else _body(msg)
    return ParsedEmail(
        message_id=mid,
        from_email=addr,
        from_name=name,
        to=_addresses(msg, "to"),
        cc=_addresses(msg, "cc"),
        subject=_header(msg, "subject"),
        date=_date(_header(msg, "date")),
        in_reply_to=_first_id(_header(msg, "in-reply-to")),
        references=_MSGID.findall(_header(msg, "references") or ""),
        text=text,
        html=html,
        attachments=attachments,
        headers=headers,
        content_type=_content_type(msg),
        truncated=truncated,
        defects=defects,
    )


def _header(msg: Message, name: str) -> str | None:
    """The decoded header value; a value the modern parser rejects is decoded from its raw form."""
    try:
        value = msg.get(name)
        if value is None:
            return None
        text = str(value)
    except Exception:  # noqa: BLE001 - malformed header: fall back to the raw value
        raw = next((v for k, v in msg.raw_items() if k.lower() == name), None)
        if raw is None:
            return None
        text = _decode_words(str(raw))
    text = re.sub(r"\s*[\r\n]+\s*", " ", _valid_unicode(text)).strip()
    return text or None


def _valid_unicode(text: str) -> str:
    """Raw 8-bit bytes in a header reach us as lone surrogates: read them as UTF-8, else Windows-1252."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _decode_words(raw: str) -> str:
    try:
        return str(make_header(decode_header(raw)))
    except Exception:  # noqa: BLE001
        return raw


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    found = _MSGID.search(value)
    if found:
        return found.group(1)
    bare = value.strip().strip("<>").strip()
    return bare if bare and " " not in bare else None


def _from(msg: Message) -> tuple[str | None, str | None]:
    value = _header(msg, "from") or _header(msg, "sender") or _header(msg, "reply-to")
    if not value:
        return None, None
    name, addr = parseaddr(value)
    if not _ADDRESS.match(addr):
        found = _ADDRESS_IN.search(value)
        addr = found.group(0) if found else ""
        if not found and not name:
            name = value.replace("<", " ").replace(">", " ")
    display = name.strip().strip('"').strip() or None
    return display, (addr.strip() or None)


def _addresses(msg: Message, name: str) -> list[str]:
    value = _header(msg, name)
    if not value:
        return []
    return [a for _, a in getaddresses([value]) if "@" in a]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "text/plain"


def _charset(part: Message) -> str:
    try:
        name = (part.get_content_charset() or "us-ascii").strip().strip('"').lower()
    except Exception:  # noqa: BLE001
        name = "us-ascii"
    if name in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"):
        name = "cp1252"  # what senders mean by Latin-1, and a superset of it
    try:
        codecs.lookup(name)
    except LookupError:
        return "utf-8"
    return name


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _text(part: Message) -> str:
    data = _payload(part)
    charset = _charset(part)
    try:
        # Mislabelled mail is usually UTF-8, and text in any other charset almost never decodes as UTF-8.
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode(charset, errors="replace")
        except LookupError:
            text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    return _decode_words(name).strip() if name else None


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:  # noqa: BLE001
        return None


@dataclass
class _Acc:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def _walk(part: Message, acc: _Acc, *, in_alternative: bool = False) -> None:
    ctype = _content_type(part)
    if ctype == "message/rfc822" or (part.is_multipart() and not ctype.startswith("multipart/")):
        data = part.as_bytes() if isinstance(part, EmailMessage) else bytes(str(part), "utf-8", "replace")
        label = "message.eml" if ctype == "message/rfc822" else ctype.split("/")[-1] + ".txt"
        acc.attachments.append(_attachment(part, data, ctype, label))
        return
    if part.is_multipart():
        subparts = part.get_payload()
        if not isinstance(subparts, list):
            return
        if ctype == "multipart/alternative":
            _alternative(subparts, acc)
            return
        for sub in subparts:
            if isinstance(sub, Message):
                _walk(sub, acc)
        return
    if ctype.startswith("multipart/"):  # a multipart without a usable boundary: read it as text
        acc.plain.append(_text(part))
        return
    disposition = _disposition(part)
    name = _filename(part)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not (name and disposition):
        (acc.html if ctype == "text/html" else acc.plain).append(_text(part))
        return
    if ctype in ("message/delivery-status", "message/disposition-notification", "text/rfc822-headers"):
        acc.plain.append(_text(part))
        return
    acc.attachments.append(_attachment(part, _payload(part), ctype, name))


def _alternative(subparts: list[Message | str], acc: _Acc) -> None:
    """Keep one plain and one HTML rendering; other alternatives (calendars, nested related) are walked."""
    for sub in subparts:
        if not isinstance(sub, Message):
            continue
        ctype = _content_type(sub)
        if ctype == "text/plain" and not acc.plain:
            acc.plain.append(_text(sub))
        elif ctype == "text/html" and not acc.html:
            acc.html.append(_text(sub))
        elif sub.is_multipart():
            inner = _Acc()
            _walk(sub, inner)
            if not acc.html and inner.html:
                acc.html.extend(inner.html)
            if not acc.plain and inner.plain:
                acc.plain.extend(inner.plain)
            acc.attachments.extend(inner.attachments)
        elif ctype not in ("text/plain", "text/html"):
            _walk(sub, acc)


def _attachment(part: Message, data: bytes, ctype: str, name: str | None) -> Attachment:
    cid = _header(part, "content-id")
    ext = ctype.split("/")[-1].split("+")[0] if "/" in ctype else "bin"
    return Attachment(
        name=name or f"attachment.{ext}",
        content_type=ctype,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_id=_first_id(cid) if cid else None,
    )


def _body(msg: Message) -> tuple[str, str | None, list[Attachment], bool]:
    acc = _Acc()
    try:
        _walk(msg, acc)
    except Exception:  # noqa: BLE001 - a structure the library cannot walk: keep what the top part says
        acc = _Acc(plain=[_text(msg)])
    html_raw = "\n".join(acc.html) if acc.html else None
    html = sanitise_html(html_raw[: MAX_TEXT * 4]) if html_raw else None
    text = "\n\n".join(t.strip("\n") for t in acc.plain if t.strip())
    if not text and html:
        text = html_to_text(html)
    text = text.replace("\r\n", "\n").replace("\x00", "")
    truncated = len(text) > MAX_TEXT or (html is not None and len(html) > MAX_TEXT)
    if html is not None and len(html) > MAX_TEXT:
        html = sanitise_html(html[:MAX_TEXT])  # closes what the cut left open
    return text[:MAX_TEXT], html, acc.attachments, truncated
