"""Hostile strings and the walking of OpenAPI documents that puts them into every field and filter."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

SQLI = [
    "' OR 1=1 --",
    "'; DROP TABLE tickets; --",
    '" OR ""="',
    "') OR ('1'='1",
    "1' UNION SELECT ticket_id, tenant FROM projections.tickets --",
    "%' OR tenant LIKE '%",
]
XSS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(document.cookie)</script>",
    '"><svg/onload=alert(1)>',
]
PAYLOADS = SQLI + XSS

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FOLIO = re.compile(r"HD-\d{4}-\d{6,}")


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][name]
    return schema


def _is_text(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = resolve(doc, schema)
    options = schema.get("anyOf", [schema])
    return any(resolve(doc, o).get("type") == "string" and "enum" not in resolve(doc, o) for o in options)


def _object(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any] | None:
    schema = resolve(doc, schema)
    for option in schema.get("anyOf", [schema]):
        option = resolve(doc, option)
        if option.get("type") == "object" or "properties" in option:
            return option
    return None


def text_fields(doc: dict[str, Any], schema: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place a free-text string goes in a request body: properties, list items, map values, nested."""
    obj = _object(doc, schema)
    if obj is None:
        return
    for name, prop in obj.get("properties", {}).items():
        prop = resolve(doc, prop)
        here = (*path, name)
        if _is_text(doc, prop):
            yield here
        items = next(
            (resolve(doc, o) for o in prop.get("anyOf", [prop]) if resolve(doc, o).get("type") == "array"), None
        )
        if items is not None:
            if _is_text(doc, items.get("items", {})):
                yield (*here, 0)
            else:
                yield from text_fields(doc, items.get("items", {}), (*here, 0))
        extra = prop.get("additionalProperties")
        if isinstance(extra, dict) and _is_text(doc, extra):
            yield (*here, "k")
        if _object(doc, prop) is not None and "properties" in (_object(doc, prop) or {}):
            yield from text_fields(doc, prop, here)


def with_value(body: dict[str, Any], path: tuple[Any, ...], value: str) -> dict[str, Any]:
    """A copy of ``body`` with ``value`` at ``path`` (missing containers are created)."""
    out = copy.deepcopy(body)
    node: Any = out
    for step, nxt in zip(path, path[1:], strict=False):
        if isinstance(step, int):
            while len(node) <= step:
                node.append({} if not isinstance(nxt, int) else [])
            node = node[step]
        else:
            if node.get(step) is None:
                node[step] = [] if isinstance(nxt, int) else {}
            node = node[step]
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append("")
    node[last] = value
    return out


def strings(value: Any) -> Iterator[str]:
    """Every string inside a decoded JSON document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def tickets_named(text: str) -> set[str]:
    """The ticket ids and folios an answer mentions: what a leak would add to."""
    return set(UUID.findall(text)) | set(FOLIO.findall(text))
