"""HTML bodies: sanitised for display (nh3) and flattened into plain text (stdlib parser). Pure, no I/O."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_BLOCK = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "hr", "dt", "dd"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer"}
)
_SKIP = frozenset({"script", "style", "head", "title"})
_URL_SCHEMES = frozenset({"http", "https", "mailto", "cid", "tel"})


def sanitise_html(html: str) -> str:
    """Safe HTML: no scripts, styles, event handlers or javascript: URLs; ``cid:`` images kept."""
    return nh3.clean(html, url_schemes=set(_URL_SCHEMES))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> str:
    """A readable plain-text rendering of an HTML body."""
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - the stdlib parser is lenient; this is the last resort
        return re.sub(r"<[^>]+>", " ", html).strip()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
