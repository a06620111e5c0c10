"""`helpdesk projections rebuild`: replays the log into a new schema while the live one keeps serving,
switches atomically, and yields byte-identical read models; the live service carries on in the new one."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from helpdesk_events import testing as b
from projections.entrypoints.rebuild import rebuild

pytestmark = [pytest.mark.integration, pytest.mark.slow]

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
TABLES = ("tickets", "timeline", "facts", "agents", "teams")


def life(n: int, tag: str) -> list:
    tid = f"rb-{tag}-{n}"
    at = [T0 + timedelta(minutes=n + i) for i in range(6)]
    folio = f"HD-2026-{uuid.uuid4().int % 10**6:06d}"
    return [
        b.opened(at=at[0], ticket=tid, folio=folio, subject=f"Impresora {n} no imprime", language="es"),
        b.assigned("ana", "l1", at=at[1], ticket=tid),
        b.policy(b.due("first_response", at[3]), at=at[1], ticket=tid),
        b.replied(at=at[2], ticket=tid),
        b.status("resolved", at=at[4], ticket=tid, resolution="Cambio de tóner"),
        b.rated(1 + n % 5, at=at[5], ticket=tid),
    ]


async def digest(projections, schema: str, table: str) -> str:
    [row] = await projections.sql(
        f"SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM {schema}.{table} t"
    )
    return f"{row['n']}:{row['h']}"


async def test_rebuild_switches_to_identical_read_models_while_serving(projections):
    tag = uuid.uuid4().hex[:6]
    lives = [life(n, tag) for n in range(40)]
    await projections.publish(
        b.team("l1"), b.agent("ana"), b.presence("ana", "online"), *[e for lf in lives for e in lf]
    )
    for lf in lives:
        await projections.versions(lf[0].ticket_id, 6)

    out = io.StringIO()
    task = asyncio.create_task(rebuild(projections.settings, out=out))
    served = 0
    while not task.done():
        resp = await projections.get(f"/v1/tickets/{lives[0][0].ticket_id}")
        assert resp.status_code == 200
        served += 1
        await asyncio.sleep(0.05)
    old = await task
    assert served > 0
    assert old.startswith("projections_old_")
    assert "ev/s" in out.getvalue() and "ETA" in out.getvalue() and "100%" in out.getvalue()

    for table in TABLES:
        assert await digest(projections, "projections", table) == await digest(projections, old, table), table

    # the live service now reads and writes the rebuilt schema
    extra = life(99, tag)
    await projections.publish(*extra)
    await projections.versions(extra[0].ticket_id, 6)
    assert await projections.sql(f"SELECT 1 FROM {old}.tickets WHERE ticket_id = $1", extra[0].ticket_id) == []
    counts = await projections.sql(
        "SELECT (SELECT count(*) FROM analytics.tickets) AS a, (SELECT count(*) FROM projections.tickets) AS p"
    )
    assert counts[0]["a"] == counts[0]["p"]
    [grant] = await projections.sql(
        "SELECT has_table_privilege('helpdesk_analyst', 'analytics.tickets', 'SELECT') AS g"
    )
    assert grant["g"] is True
    found = await projections.ok("/v1/kb/search", q="impresora no funciona")
    assert len(found) >= 10
