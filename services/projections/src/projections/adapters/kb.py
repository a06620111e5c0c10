"""The knowledge base: resolved tickets with their resolution, found by full text (Spanish, English and
unstemmed, accents folded, any word of the query) plus trigram word similarity for typos."""

# SQL here is composed from constants of this module only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import asyncpg

_RESOLVED = "status IN ('resolved', 'closed') AND resolution IS NOT NULL"
"""Matches the predicate of the partial trigram index ``tickets_kb_trgm``."""

_ES, _EN, _SIMPLE = (f"any_words('{cfg}', f_unaccent($2))" for cfg in ("spanish", "english", "simple"))
_TEXT = "lower(f_unaccent($2))"

# Written with index-friendly operators: @@ on the GIN text-search index, <% (word similarity above
# pg_trgm.word_similarity_threshold, 0.6 by default) on the partial GIN trigram index.
_SEARCH = f"""
SELECT ticket_id, folio, subject, resolution, category, team, language, resolved_at, closed_at,
       greatest(coalesce(ts_rank_cd(search, {_ES}), 0), coalesce(ts_rank_cd(search, {_EN}), 0),
                coalesce(ts_rank_cd(search, {_SIMPLE}), 0)) + word_similarity({_TEXT}, kb_text) AS score
FROM tickets
WHERE tenant = $1 AND {_RESOLVED} AND merged_into IS NULL AND ticket_id <> $3
  AND (search @@ {_ES} OR search @@ {_EN} OR search @@ {_SIMPLE} OR {_TEXT} <% kb_text)
ORDER BY score DESC, resolved_at DESC NULLS LAST, ticket_id
LIMIT $4
"""


async def search(pool: asyncpg.Pool, tenant: str, text: str, *, limit: int, exclude: str = "") -> list[asyncpg.Record]:
    return list(await pool.fetch(_SEARCH, tenant, text, exclude, limit))


async def query_text(pool: asyncpg.Pool, ticket_id: str) -> str | None:
    """What a ticket is about: its subject and opening description, as the query for similar tickets."""
    row = await pool.fetchrow(
        "SELECT concat_ws(' ', subject, description) AS text FROM tickets WHERE ticket_id = $1", ticket_id
    )
    return None if row is None else str(row["text"])
