"""Entries and what becomes of them: entries waiting for their article, stored articles
with their daily window and story, and the feed entries that point at each article."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from monitor.models import NewArticle, PendingEntry, StoredArticle, StoredEntry
from monitor.store.db import Database, RowMapper, iso, parse_iso, parse_iso_or_none

_PENDING = RowMapper(PendingEntry, convert={"first_seen": parse_iso})
_ARTICLE = RowMapper(
    StoredArticle, convert={"published": parse_iso, "window_date": date.fromisoformat}
)
_ENTRY = RowMapper(
    StoredEntry,
    convert={"published": parse_iso_or_none, "first_seen": parse_iso, "on_topic": bool},
)


class ArticleRecords(Database):
    # -- entries ----------------------------------------------------------------------------

    def pending_entries(self) -> list[PendingEntry]:
        rows = self._all(
            "SELECT e.*, f.name AS source FROM entries e JOIN feeds f ON f.id = e.feed_id "
            "WHERE e.on_topic = 1 AND e.article_id IS NULL AND e.rejected IS NULL ORDER BY e.id"
        )
        # an entry without a date counts as published when it was first seen
        return [_PENDING(r, published=parse_iso(r["published"] or r["first_seen"])) for r in rows]

    def reject_entries(self, reasons: dict[int, str]) -> None:
        """Record why these entries can never become articles; they stop being pending."""
        if not reasons:
            return
        with self.transaction() as db:
            db.executemany(
                "UPDATE entries SET rejected = ? WHERE id = ?",
                [(why[:1000], entry_id) for entry_id, why in reasons.items()],
            )

    def entries_since(self, since: datetime) -> list[StoredEntry]:
        """Feed entries first seen since `since`, newest first."""
        rows = self._all(
            "SELECT e.*, f.name AS source FROM entries e JOIN feeds f ON f.id = e.feed_id "
            "WHERE e.first_seen >= ? ORDER BY e.first_seen DESC, e.id DESC",
            (iso(since),),
        )
        return [_ENTRY(r) for r in rows]

    # -- articles and stories ---------------------------------------------------------------

    def article_ids_by_url(self, canonical_urls: Sequence[str]) -> dict[str, int]:
        rows = self._in_chunks(
            "SELECT id, canonical_url FROM articles WHERE canonical_url IN ({marks})",
            canonical_urls,
        )
        return {r["canonical_url"]: r["id"] for r in rows}

    def articles_between(self, start: datetime, end: datetime) -> list[StoredArticle]:
        """Articles published in [start, end), oldest first."""
        rows = self._all(
            "SELECT * FROM articles WHERE published >= ? AND published < ? ORDER BY published, id",
            (iso(start), iso(end)),
        )
        return [_ARTICLE(r) for r in rows]

    def articles_in_window(self, day: date) -> list[StoredArticle]:
        rows = self._all(
            "SELECT * FROM articles WHERE window_date = ? ORDER BY published, id",
            (day.isoformat(),),
        )
        return [_ARTICLE(r) for r in rows]

    def link_entries(self, links: dict[int, int]) -> None:
        """entry id -> existing article id (another outlet's copy of a stored article)."""
        if not links:
            return
        with self.transaction() as db:
            db.executemany(
                "UPDATE entries SET article_id = ? WHERE id = ?", [(a, e) for e, a in links.items()]
            )

    def add_articles(
        self,
        articles: Sequence[tuple[NewArticle, date, int | str | None]],
        stories: dict[str, str],
        now: datetime,
    ) -> list[int]:
        """Insert articles (with window, duplicate-of, story) and their stories; one commit.

        `stories` maps canonical URL -> story id for the articles that are not duplicates;
        a duplicate-of given as a string is the canonical URL of an earlier row of the batch.
        """
        ids: list[int] = []
        by_url: dict[str, int] = {}
        stamp = iso(now)
        with self.transaction() as db:
            for art, window, dup in articles:
                dup_of = by_url[dup] if isinstance(dup, str) else dup
                sid = stories.get(art.canonical_url)
                if sid is not None:
                    db.execute(
                        "INSERT INTO stories (id, first_seen, last_seen) VALUES (?, ?, ?) "
                        "ON CONFLICT(id) DO UPDATE SET "
                        "first_seen = min(first_seen, excluded.first_seen), "
                        "last_seen = max(last_seen, excluded.last_seen)",
                        (sid, iso(art.published), iso(art.published)),
                    )
                cur = db.execute(
                    "INSERT INTO articles (canonical_url, url, title, source, feed_id, published, "
                    "first_seen, window_date, text, text_origin, fetch_note, content_hash, sketch, "
                    "duplicate_of, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        art.canonical_url,
                        art.url,
                        art.title,
                        art.source,
                        art.feed_id,
                        iso(art.published),
                        stamp,
                        window.isoformat(),
                        art.text,
                        art.text_origin,
                        art.fetch_note,
                        art.content_hash,
                        art.sketch,
                        dup_of,
                        sid,
                    ),
                )
                aid = int(cur.lastrowid or 0)
                ids.append(aid)
                by_url[art.canonical_url] = aid
                db.executemany(
                    "UPDATE entries SET article_id = ? WHERE id = ?",
                    [(aid, e) for e in art.entry_ids],
                )
        return ids

    def story_first_windows(self, story_ids: Sequence[str]) -> dict[str, date]:
        rows = self._in_chunks(
            "SELECT story_id, min(window_date) FROM articles WHERE story_id IN ({marks}) "
            "GROUP BY story_id",
            story_ids,
        )
        return {r[0]: date.fromisoformat(r[1]) for r in rows if r[1]}

    def story_first_digests(self, story_ids: Sequence[str], before: date) -> dict[str, date]:
        """For each story, the earliest digest before `before` whose window holds one of its
        articles (a story whose earlier windows have no digest is left out)."""
        rows = self._in_chunks(
            "SELECT a.story_id, min(a.window_date) FROM articles a JOIN digests d "
            "ON d.date = a.window_date WHERE a.story_id IN ({marks}) AND a.window_date < ? "
            "GROUP BY a.story_id",
            story_ids,
            (before.isoformat(),),
        )
        return {r[0]: date.fromisoformat(r[1]) for r in rows if r[1]}

    def entry_sources(self, article_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
        """article id -> [(source name, link)] of every feed entry that points at it."""
        out: dict[int, list[tuple[str, str]]] = {aid: [] for aid in article_ids}
        rows = self._in_chunks(
            "SELECT e.article_id, f.name, e.link FROM entries e JOIN feeds f ON f.id = e.feed_id "
            "WHERE e.article_id IN ({marks}) ORDER BY e.id",
            article_ids,
        )
        for aid, name, link in rows:
            if (name, link) not in out[aid]:
                out[aid].append((name, link))
        return out

    def window_counts_by_feed(self, day: date) -> dict[int, int]:
        rows = self._all(
            "SELECT feed_id, count(*) FROM articles WHERE window_date = ? GROUP BY feed_id",
            (day.isoformat(),),
        )
        return {r[0]: r[1] for r in rows}

    def busiest_window(self) -> date | None:
        """The window holding most articles (the demo shows that day)."""
        rows = self._all(
            "SELECT window_date, count(*) AS n FROM articles "
            "WHERE duplicate_of IS NULL GROUP BY window_date "
            "ORDER BY n DESC, window_date DESC LIMIT 1"
        )
        return date.fromisoformat(rows[0][0]) if rows else None
