"""The knowledge base: solved tickets found by meaning in Spanish and English (stemming, accents, any word,
typos), as /v1/kb/search results and as /v1/tickets/{id}/similar suggestions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from helpdesk_events import testing as b

pytestmark = pytest.mark.integration

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture(scope="module")
async def kb(projections):
    tag = uuid.uuid4().hex[:6]
    tenant = f"kb-{tag}"
    solved = {
        "printer_es": (
            "La impresora no funciona",
            "La impresora de la planta 3 no responde",
            "es",
            "Se reinstaló el controlador de la impresora y se reinició la cola de impresión.",
        ),
        "vpn_en": (
            "VPN keeps disconnecting",
            "The VPN client drops every five minutes",
            "en",
            "Updated the VPN client and switched the profile to TCP.",
        ),
        "password_es": (
            "Contraseña caducada",
            "No puedo iniciar sesión, la contraseña caducó",
            "es",
            "Restablecida la contraseña desde el portal de autoservicio.",
        ),
        "monitor_en": (
            "Monitor flickering",
            "Second screen flickers when docked",
            "en",
            "Replaced the docking station cable.",
        ),
    }
    events = []
    ids: dict[str, str] = {}
    for i, (name, (subject, body, lang, resolution)) in enumerate(solved.items()):
        tid = ids[name] = f"{name}-{tag}"
        folio = f"HD-2026-{uuid.uuid4().int % 10**6:06d}"
        events += [
            b.opened(at=at(i), ticket=tid, folio=folio, subject=subject, body=body, language=lang),
            b.status("resolved", at=at(i + 30), ticket=tid, frm="new", resolution=resolution),
        ]
    # open (unsolved) tickets: never suggested as answers, but can ask for suggestions
    for name, subject, body, lang in (
        ("new_es", "Mi impresora no imprime", "Desde ayer la impresora no imprime nada", "es"),
        ("new_en", "Cannot connect to the VPN", "VPN disconnects all the time from home", "en"),
        ("unsolved_printer", "Impresora atascada", "Papel atascado en la impresora", "es"),
    ):
        tid = ids[name] = f"{name}-{tag}"
        folio = f"HD-2026-{uuid.uuid4().int % 10**6:06d}"
        events.append(b.opened(at=at(50), ticket=tid, folio=folio, subject=subject, body=body, language=lang))
    await projections.publish(*[e.model_copy(update={"tenant": tenant}) for e in events])
    for name, tid in ids.items():
        await projections.versions_in(tenant, tid, 2 if name in solved else 1)
    return tenant, ids


async def search(projections, kb, q: str) -> list[dict]:
    return await projections.ok("/v1/kb/search", q=q, tenant=kb[0])


def names(kb, articles: list[dict]) -> list[str]:
    by_id = {v: k for k, v in kb[1].items()}
    return [by_id[a["ticket_id"]] for a in articles]


async def test_spanish_search_matches_other_forms_of_the_words(projections, kb):
    found = await search(projections, kb, "impresora no imprime")
    assert names(kb, found)[0] == "printer_es"
    assert "controlador" in found[0]["resolution"]
    assert "unsolved_printer" not in names(kb, found)


async def test_accents_are_folded(projections, kb):
    assert names(kb, await search(projections, kb, "contrasena caducada"))[0] == "password_es"
    assert names(kb, await search(projections, kb, "CONTRASEÑA"))[0] == "password_es"


async def test_english_stemming(projections, kb):
    assert names(kb, await search(projections, kb, "vpn disconnects"))[0] == "vpn_en"
    assert names(kb, await search(projections, kb, "flickers"))[0] == "monitor_en"


async def test_typos_are_forgiven_by_trigrams(projections, kb):
    assert names(kb, await search(projections, kb, "impresorra"))[:1] == ["printer_es"]


async def test_nothing_relevant_finds_nothing(projections, kb):
    assert await search(projections, kb, "vacaciones de verano") == []


async def test_similar_solved_tickets_in_spanish_and_english(projections, kb):
    tenant, ids = kb
    es = await projections.ok(f"/v1/tickets/{ids['new_es']}/similar", tenant=tenant)
    assert names(kb, es)[0] == "printer_es"
    assert es[0]["resolution"].startswith("Se reinstaló")
    en = await projections.ok(f"/v1/tickets/{ids['new_en']}/similar", tenant=tenant)
    assert names(kb, en)[0] == "vpn_en"
    solved = await projections.ok(f"/v1/tickets/{ids['printer_es']}/similar", tenant=tenant)
    assert "printer_es" not in names(kb, solved)


async def test_reopening_removes_the_answer(projections, kb):
    tenant, ids = kb
    await projections.publish(
        b.status("open", at=at(100), ticket=ids["monitor_en"], frm="resolved").model_copy(update={"tenant": tenant})
    )
    await projections.versions_in(tenant, ids["monitor_en"], 3)
    assert "monitor_en" not in names(kb, await search(projections, kb, "monitor flickering"))
