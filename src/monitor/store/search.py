"""Full-text search (FTS5) over digest points and stored articles: turning a user's words
into a query, indexing articles as they arrive, and the search itself."""

from __future__ import annotations

import re
from datetime import date

from monitor.models import SearchHit
from monitor.store.db import Database, RowMapper, parse_iso

# Around the matched words in an article excerpt (the caller styles them).
MARK_START, MARK_END = "\x02", "\x03"


_QUERY_PART = re.compile(r'"([^"]*)"|(\S+)')


def fts_query(text: str) -> str:
    """A user's search words as an FTS5 query: every word must occur (a word ending in *
    matches as a prefix), "quoted words" as a phrase; OR between words offers a choice.
    FTS5 operators and punctuation in the words are taken literally, never as syntax."""
    parts: list[str] = []
    for m in _QUERY_PART.finditer(text):
        phrase, word = m.group(1), m.group(2)
        if word is not None and word == "OR" and parts and parts[-1] != "OR":
            parts.append("OR")
            continue
        if word == "AND":  # every word must occur anyway
            continue
        raw = phrase if phrase is not None else word
        prefix = word is not None and word.endswith("*") and len(word.rstrip("*")) > 0
        tokens = re.findall(r"\w+", raw.rstrip("*") if prefix else raw)
        if not tokens:
            continue
        quoted = '"' + " ".join(tokens) + '"'
        parts.append(quoted + ("*" if prefix else ""))
    while parts and parts[-1] == "OR":
        parts.pop()
    if not parts:
        raise ValueError("the search has no words")
    return " ".join(parts)


_POINT_HIT = RowMapper(SearchHit, columns={"date": "d"}, convert={"date": date.fromisoformat})
# An article's date is the UTC day it was published.
_ARTICLE_HIT = RowMapper(
    SearchHit,
    columns={"date": "published", "text": "excerpt"},
    convert={"date": lambda text: parse_iso(text).date()},
)


class SearchIndex(Database):
    def search(
        self,
        fts_query: str,
        *,
        since: date | None = None,
        source: str | None = None,
        limit: int = 20,
    ) -> tuple[list[SearchHit], list[SearchHit]]:
        """Digest points and stored articles matching an FTS5 query, best first.

        `source` is a case-insensitive part of the source's name.
        """
        self.index_articles()
        src = f"%{source.lower()}%" if source else "%"
        after = since.isoformat() if since else ""
        # A point's source and headline are those of the article it quotes.
        point_rows = self._all(
            "SELECT p.digest_date AS d, p.text AS text, dp.url AS url, "
            "coalesce(a.source, '') AS source, coalesce(a.title, '') AS title "
            "FROM points_fts p JOIN digest_points dp ON dp.digest_date = p.digest_date "
            "AND dp.story_id = p.story_id AND dp.position = p.position "
            "LEFT JOIN articles a ON a.id = (SELECT id FROM articles WHERE url = dp.url LIMIT 1) "
            "WHERE points_fts MATCH ? AND p.digest_date >= ? AND lower(coalesce(a.source, '')) "
            "LIKE ? ORDER BY bm25(points_fts), p.digest_date DESC LIMIT ?",
            (fts_query, after, src, limit),
        )
        article_rows = self._all(
            "SELECT a.published AS published, a.source AS source, a.title AS title, a.url AS url, "
            "snippet(articles_fts, 1, ?, ?, '…', 16) AS excerpt "
            "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
            "WHERE articles_fts MATCH ? AND a.published >= ? AND lower(a.source) LIKE ? "
            "ORDER BY bm25(articles_fts, 4.0, 1.0), a.published DESC LIMIT ?",
            (MARK_START, MARK_END, fts_query, after, src, limit),
        )
        points = [_POINT_HIT(r, kind="point") for r in point_rows]
        articles = [_ARTICLE_HIT(r, kind="article") for r in article_rows]
        return points, articles

    def index_articles(self) -> int:
        """Add articles stored since the last search to the full-text index; how many."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT value FROM service_state WHERE key = 'articles_fts_through'"
            ).fetchone()
            done = int(row[0]) if row else 0
            top = int(db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])
            if top <= done:
                return 0
            cur = db.execute(
                "INSERT INTO articles_fts(rowid, title, text) "
                "SELECT id, title, text FROM articles WHERE id > ? AND id <= ?",
                (done, top),
            )
            db.execute(
                "INSERT INTO service_state (key, value) VALUES ('articles_fts_through', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(top),),
            )
            return int(cur.rowcount)
