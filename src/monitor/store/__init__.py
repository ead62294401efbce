"""The SQLite database. All SQL of the project lives here.

Times are stored as UTC ISO-8601 strings ending in 'Z'; dates as YYYY-MM-DD.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from monitor.config import FeedConfig
from monitor.errors import StorageError
from monitor.models import (
    Delivery,
    DigestRecord,
    FeedHealth,
    FeedState,
    FeedUpdate,
    NewArticle,
    NewEntry,
    PendingEntry,
    RenderedBodies,
    SearchHit,
    StoredArticle,
    StoredEntry,
)
from monitor.store.migrations import MIGRATIONS, SCHEMA_VERSION

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


def iso(when: datetime) -> str:
    # isoformat, not strftime: strftime("%Y") does not pad years below 1000 on glibc
    return when.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _opt_dt(text: str | None) -> datetime | None:
    return parse_iso(text) if text else None


class Store:
    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Store:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                str(path), isolation_level=None, timeout=10.0, check_same_thread=False
            )
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout = 10000")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError(f"{path}: cannot switch the database to WAL mode ({mode})")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        store = cls(db, path)
        store._migrate()
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"{self.path}: database schema version {version} is newer than this "
                    f"monitor understands ({SCHEMA_VERSION}); upgrade monitor"
                )
            if version == SCHEMA_VERSION:
                return
            with self.transaction():
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                for number in range(version, SCHEMA_VERSION):
                    MIGRATIONS[number](self.db)
                    self.db.execute(f"PRAGMA user_version = {number + 1}")
                problems = self.db.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise StorageError(f"{self.path}: foreign key check failed after migration")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot migrate database {self.path}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back whole on any error."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StorageError(f"database {self.path} is busy or locked: {exc}") from exc
        try:
            yield self.db
        except sqlite3.Error as exc:  # a corrupted file, a full disk: exit 3, not a traceback
            self._rollback()
            raise StorageError(f"database {self.path}: write failed: {exc}") from exc
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StorageError(f"cannot commit to {self.path}: {exc}") from exc

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # the error being reported matters more
            self.db.execute("ROLLBACK")

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"database query failed: {exc}") from exc

    # -- feeds ------------------------------------------------------------------------------

    def sync_feeds(self, feeds: Iterable[FeedConfig], now: datetime | None = None) -> None:
        """Make the feeds table hold every configured feed (history of removed ones is kept);
        `now` is recorded as the time a new one was added."""
        with self.transaction() as db:
            for f in feeds:
                db.execute(
                    "INSERT INTO feeds (url, name, grp, added) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET name = excluded.name, grp = excluded.grp",
                    (f.url, f.name, f.group, iso(now) if now else None),
                )

    def feeds(self, urls: Sequence[str] | None = None) -> list[FeedState]:
        rows = self._all("SELECT * FROM feeds ORDER BY id")
        rejected = {
            r[0]: (r[1], r[2])
            for r in self._all(
                "SELECT feed_id, count(*), (SELECT rejected FROM entries l WHERE "
                "l.feed_id = e.feed_id AND l.rejected IS NOT NULL ORDER BY l.id DESC LIMIT 1) "
                "FROM entries e WHERE rejected IS NOT NULL GROUP BY feed_id"
            )
        }
        states = [
            FeedState(
                id=r["id"],
                url=r["url"],
                name=r["name"],
                group=r["grp"],
                etag=r["etag"],
                last_modified=r["last_modified"],
                last_attempt=_opt_dt(r["last_attempt"]),
                last_success=_opt_dt(r["last_success"]),
                last_status=r["last_status"],
                last_error=r["last_error"],
                consecutive_errors=r["consecutive_errors"],
                entries_seen=r["entries_seen"],
                title=r["title"],
                format=r["format"],
                next_poll=_opt_dt(r["next_poll"]),
                paused=r["paused"],
                entries_rejected=rejected.get(r["id"], (0, None))[0],
                last_rejected=rejected.get(r["id"], (0, None))[1],
            )
            for r in rows
        ]
        if urls is None:
            return states
        by_url = {s.url: s for s in states}
        return [by_url[u] for u in urls if u in by_url]

    def known_keys(self, feed_id: int, keys: Sequence[str]) -> set[str]:
        rows = self._in_chunks(
            "SELECT key FROM entries WHERE key IN ({marks}) AND feed_id = ?", keys, (feed_id,)
        )
        return {r[0] for r in rows}

    def record_poll_success(
        self,
        feed_id: int,
        now: datetime,
        entries: Sequence[NewEntry],
        *,
        etag: str | None,
        last_modified: str | None,
        title: str,
        format: str,
        not_modified: bool = False,
    ) -> int:
        """Commit the feed's new entries, then advance its validators and health."""
        stamp = iso(now)
        inserted = 0
        with self.transaction() as db:
            for e in entries:
                cur = db.execute(
                    "INSERT OR IGNORE INTO entries (feed_id, key, link, title, summary, content, "
                    "published, first_seen, on_topic, rejected) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        feed_id,
                        e.key,
                        e.link,
                        e.title,
                        e.summary,
                        e.content,
                        iso(e.published) if e.published else None,
                        stamp,
                        int(e.on_topic),
                        e.rejected[:1000] or None,
                    ),
                )
                inserted += cur.rowcount
            db.execute(
                "INSERT INTO polls (feed_id, at, status, new_entries) VALUES (?, ?, ?, ?)",
                (feed_id, stamp, "not-modified" if not_modified else "ok", inserted),
            )
            if not_modified:
                db.execute(
                    "UPDATE feeds SET last_attempt = ?, last_success = ?, "
                    "last_status = 'not-modified', last_error = NULL, consecutive_errors = 0, "
                    "next_poll = NULL WHERE id = ?",
                    (stamp, stamp, feed_id),
                )
            else:
                db.execute(
                    "UPDATE feeds SET last_attempt = ?, last_success = ?, last_status = 'ok', "
                    "last_error = NULL, consecutive_errors = 0, next_poll = NULL, etag = ?, "
                    "last_modified = ?, title = ?, format = ?, entries_seen = entries_seen + ? "
                    "WHERE id = ?",
                    (stamp, stamp, etag, last_modified, title, format, inserted, feed_id),
                )
        return inserted

    def record_poll_error(
        self,
        feed_id: int,
        now: datetime,
        error: str,
        next_poll: datetime | None = None,
        pause: str | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE feeds SET last_attempt = ?, last_status = 'error', last_error = ?, "
                "consecutive_errors = consecutive_errors + 1, next_poll = ?, "
                "paused = coalesce(?, paused) WHERE id = ?",
                (iso(now), error[:1000], iso(next_poll) if next_poll else None, pause, feed_id),
            )
            db.execute(
                "INSERT INTO polls (feed_id, at, status, error) VALUES (?, ?, 'error', ?)",
                (feed_id, iso(now), error[:1000]),
            )

    def apply_feed_update(self, update: FeedUpdate) -> int:
        """Record one poll of one feed as decided (ingest.polling.decide); its new entries
        stored."""
        if update.status in ("ok", "not-modified"):
            return self.record_poll_success(
                update.feed_id,
                update.at,
                update.entries,
                etag=update.etag,
                last_modified=update.last_modified,
                title=update.title,
                format=update.format,
                not_modified=update.status == "not-modified",
            )
        if update.status == "error":
            self.record_poll_error(
                update.feed_id, update.at, update.error, update.next_poll, update.pause
            )
        else:
            self.record_poll_skipped(update.feed_id, update.at, update.status, update.error)
        return 0

    def record_poll_skipped(self, feed_id: int, now: datetime, status: str, why: str) -> None:
        """A feed not asked this cycle: `deferred` (back-off, Retry-After) or `paused`."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO polls (feed_id, at, status, error) VALUES (?, ?, ?, ?)",
                (feed_id, iso(now), status, why[:1000]),
            )

    def feed_health(
        self, urls: Sequence[str], start: datetime, until: datetime
    ) -> list[FeedHealth]:
        """Each feed's health as recorded up to `until`, with its polls from `start` on.

        Listed: the feeds of `urls` already configured by `until` (a feed added later is
        left out; one configured before its addition was recorded is kept), then other
        feeds polled in the period (since removed from the configuration).
        """
        a, b = iso(start), iso(until)
        rows = {r["id"]: r for r in self._all("SELECT id, url, name, added FROM feeds")}
        by_url = {r["url"]: r["id"] for r in rows.values()}
        polled = {
            r[0]
            for r in self._all(
                "SELECT DISTINCT feed_id FROM polls WHERE at >= ? AND at <= ?", (a, b)
            )
        }
        ids = [by_url[u] for u in urls if u in by_url and (rows[by_url[u]]["added"] or "") <= b]
        ids += sorted(polled - set(ids))
        attempted = "status IN ('ok', 'not-modified', 'error')"
        out: list[FeedHealth] = []
        for fid in ids:
            last = self._all(
                f"SELECT status, error FROM polls WHERE feed_id = ? AND at <= ? AND {attempted} "
                "ORDER BY at DESC, id DESC LIMIT 1",
                (fid, b),
            )
            latest = self._all(
                "SELECT status, error FROM polls WHERE feed_id = ? AND at <= ? "
                "ORDER BY at DESC, id DESC LIMIT 1",
                (fid, b),
            )
            success = self._all(
                "SELECT max(at) FROM polls WHERE feed_id = ? AND at <= ? "
                "AND status IN ('ok', 'not-modified')",
                (fid, b),
            )[0][0]
            polls, failed = self._all(
                "SELECT count(*), count(*) FILTER (WHERE status = 'error') FROM polls "
                f"WHERE feed_id = ? AND at >= ? AND at <= ? AND {attempted}",
                (fid, a, b),
            )[0]
            errors_since_success = self._all(
                "SELECT count(*) FROM polls WHERE feed_id = ? AND at > ? AND at <= ? "
                "AND status = 'error'",
                (fid, success or "", b),
            )[0][0]
            rejected = self._all(
                "SELECT count(*) FROM entries WHERE feed_id = ? AND rejected IS NOT NULL "
                "AND first_seen >= ? AND first_seen <= ?",
                (fid, a, b),
            )[0][0]
            paused = bool(latest) and latest[0]["status"] == "paused"
            out.append(
                FeedHealth(
                    id=fid,
                    name=rows[fid]["name"],
                    url=rows[fid]["url"],
                    status="error" if paused else (last[0]["status"] if last else ""),
                    error=(
                        f"paused: {latest[0]['error']}"
                        if paused
                        else (last[0]["error"] or "")
                        if last
                        else ""
                    ),
                    last_success=_opt_dt(success),
                    consecutive_errors=int(errors_since_success),
                    polls=int(polls),
                    failed_polls=int(failed),
                    rejected=int(rejected),
                )
            )
        return out

    def polled_between(self, start: datetime, end: datetime) -> bool:
        """Whether any feed was polled (or skipped) in [start, end]."""
        return bool(
            self._all(
                "SELECT 1 FROM polls WHERE at >= ? AND at <= ? LIMIT 1", (iso(start), iso(end))
            )
        )

    def first_built(self, day: date) -> datetime | None:
        """When the digest of `day` was first built (None if never)."""
        rows = self._all("SELECT first_built FROM digests WHERE date = ?", (day.isoformat(),))
        return _opt_dt(rows[0][0]) if rows else None

    def resume_feeds(self, urls: Sequence[str] | None) -> int:
        """Clear the pause (and back-off) of the given feeds, or of all when None."""
        sql = "UPDATE feeds SET paused = NULL, next_poll = NULL, consecutive_errors = 0 "
        sql += "WHERE paused IS NOT NULL"
        params: list[Any] = []
        if urls is not None:
            sql += f" AND url IN ({','.join('?' * len(urls))})"
            params = list(urls)
        with self.transaction() as db:
            return int(db.execute(sql, params).rowcount)

    # -- entries and articles ---------------------------------------------------------------

    def pending_entries(self) -> list[PendingEntry]:
        rows = self._all(
            "SELECT e.*, f.name AS source FROM entries e JOIN feeds f ON f.id = e.feed_id "
            "WHERE e.on_topic = 1 AND e.article_id IS NULL AND e.rejected IS NULL ORDER BY e.id"
        )
        return [
            PendingEntry(
                id=r["id"],
                feed_id=r["feed_id"],
                source=r["source"],
                link=r["link"],
                title=r["title"],
                summary=r["summary"],
                content=r["content"],
                published=parse_iso(r["published"] or r["first_seen"]),
                first_seen=parse_iso(r["first_seen"]),
            )
            for r in rows
        ]

    def reject_entries(self, reasons: dict[int, str]) -> None:
        """Record why these entries can never become articles; they stop being pending."""
        if not reasons:
            return
        with self.transaction() as db:
            db.executemany(
                "UPDATE entries SET rejected = ? WHERE id = ?",
                [(why[:1000], entry_id) for entry_id, why in reasons.items()],
            )

    def article_ids_by_url(self, canonical_urls: Sequence[str]) -> dict[str, int]:
        rows = self._in_chunks(
            "SELECT id, canonical_url FROM articles WHERE canonical_url IN ({marks})",
            canonical_urls,
        )
        return {r["canonical_url"]: r["id"] for r in rows}

    def built_dates(self) -> set[date]:
        return {date.fromisoformat(r[0]) for r in self._all("SELECT date FROM digests")}

    def _article(self, r: sqlite3.Row) -> StoredArticle:
        return StoredArticle(
            id=r["id"],
            canonical_url=r["canonical_url"],
            url=r["url"],
            title=r["title"],
            source=r["source"],
            feed_id=r["feed_id"],
            published=parse_iso(r["published"]),
            window_date=date.fromisoformat(r["window_date"]),
            text=r["text"],
            text_origin=r["text_origin"],
            content_hash=r["content_hash"],
            sketch=r["sketch"],
            duplicate_of=r["duplicate_of"],
            story_id=r["story_id"],
        )

    def articles_between(self, start: datetime, end: datetime) -> list[StoredArticle]:
        """Articles published in [start, end), oldest first."""
        rows = self._all(
            "SELECT * FROM articles WHERE published >= ? AND published < ? ORDER BY published, id",
            (iso(start), iso(end)),
        )
        return [self._article(r) for r in rows]

    def articles_in_window(self, day: date) -> list[StoredArticle]:
        rows = self._all(
            "SELECT * FROM articles WHERE window_date = ? ORDER BY published, id",
            (day.isoformat(),),
        )
        return [self._article(r) for r in rows]

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

    def _in_chunks(self, sql: str, keys: Sequence[Any], extra: Sequence[Any] = ()) -> list[Any]:
        """Run `sql` (with one `{marks}` placeholder list) over keys, 500 at a time."""
        rows: list[Any] = []
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            rows += self._all(sql.format(marks=",".join("?" * len(chunk))), [*chunk, *extra])
        return rows

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

    # -- digests ----------------------------------------------------------------------------

    def published_points(self, story_ids: Sequence[str], before: date) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {sid: [] for sid in story_ids}
        rows = self._in_chunks(
            "SELECT story_id, text FROM digest_points WHERE story_id IN ({marks}) AND "
            "digest_date < ? ORDER BY digest_date, story_id, position",
            story_ids,
            (before.isoformat(),),
        )
        for sid, text in rows:
            out[sid].append(text)
        return out

    def recent_points(self, before: date, digests: int = 7) -> list[str]:
        """Every point of the last `digests` digests built before `before`."""
        rows = self._all(
            "SELECT text FROM digest_points WHERE digest_date IN (SELECT date FROM digests "
            "WHERE date < ? ORDER BY date DESC LIMIT ?) ORDER BY digest_date, story_id, position",
            (before.isoformat(), digests),
        )
        return [r[0] for r in rows]

    def record_digest(
        self,
        day: date,
        window: tuple[datetime, datetime],
        now: datetime,
        path: str,
        content_hash: str,
        articles: int,
        stories: int,
        points: Sequence[tuple[str, int, str, str]],
        bodies: RenderedBodies,
    ) -> None:
        """Record a built digest, its story count, points (story, position, text, url) and
        bodies."""
        with self.transaction() as db:
            d = day.isoformat()
            db.execute("DELETE FROM digest_points WHERE digest_date = ?", (d,))
            db.execute(
                "INSERT INTO digests (date, window_start, window_end, built_at, path, "
                "content_hash, articles, stories, title, body_json, body_html, body_text, "
                "first_built) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(date) DO UPDATE SET built_at = excluded.built_at, "
                "path = excluded.path, content_hash = excluded.content_hash, "
                "articles = excluded.articles, stories = excluded.stories, "
                "title = excluded.title, body_json = excluded.body_json, "
                "body_html = excluded.body_html, body_text = excluded.body_text",
                (
                    d,
                    iso(window[0]),
                    iso(window[1]),
                    iso(now),
                    path,
                    content_hash,
                    articles,
                    stories,
                    bodies.title,
                    bodies.json,
                    bodies.html,
                    bodies.text,
                    iso(now),
                ),
            )
            db.executemany(
                "INSERT INTO digest_points (digest_date, story_id, position, text, url)"
                " VALUES (?, ?, ?, ?, ?)",
                [(d, *p) for p in points],
            )

    def digests(
        self, limit: int = 1000, *, day: date | None = None, bodies: bool = True
    ) -> list[DigestRecord]:
        """Built digests, newest first (only `day`'s when given); `bodies=False` leaves
        body_json empty, for listings that do not read it."""
        body = "body_json" if bodies else "'' AS body_json"
        rows = self._all(
            "SELECT date, window_start, window_end, built_at, path, content_hash, articles, "
            f"stories, title, {body} FROM digests WHERE ? IS NULL OR date = ? "
            "ORDER BY date DESC LIMIT ?",
            (day and day.isoformat(), day and day.isoformat(), limit),
        )
        return [
            DigestRecord(
                date=date.fromisoformat(r["date"]),
                window_start=parse_iso(r["window_start"]),
                window_end=parse_iso(r["window_end"]),
                built_at=parse_iso(r["built_at"]),
                path=r["path"],
                content_hash=r["content_hash"],
                articles=r["articles"],
                stories=r["stories"],
                title=r["title"],
                body_json=r["body_json"],
            )
            for r in rows
        ]

    def digest_bodies(self, day: date) -> RenderedBodies | None:
        rows = self._all(
            "SELECT title, body_json, body_html, body_text FROM digests WHERE date = ?",
            (day.isoformat(),),
        )
        if not rows or not rows[0]["body_json"]:
            return None
        r = rows[0]
        return RenderedBodies(r["title"], r["body_json"], r["body_html"], r["body_text"])

    # -- the delivery outbox ----------------------------------------------------------------

    def enqueue_deliveries(
        self, day: date, items: Sequence[tuple[str, str, str]], now: datetime
    ) -> int:
        """Add (channel, recipient, message id) rows; rows already there stay as they are."""
        added = 0
        with self.transaction() as db:
            for channel, recipient, message_id in items:
                cur = db.execute(
                    "INSERT OR IGNORE INTO deliveries (digest_date, channel, recipient, "
                    "message_id, next_attempt, created) VALUES (?, ?, ?, ?, ?, ?)",
                    (day.isoformat(), channel, recipient, message_id, iso(now), iso(now)),
                )
                added += cur.rowcount
        return added

    def due_deliveries(self, now: datetime, day: date | None = None) -> list[Delivery]:
        sql = "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt <= ?"
        params: list[Any] = [iso(now)]
        if day is not None:
            sql += " AND digest_date = ?"
            params.append(day.isoformat())
        return [self._delivery(r) for r in self._all(sql + " ORDER BY id", params)]

    def deliveries(self, day: date | None = None) -> list[Delivery]:
        if day is None:
            rows = self._all("SELECT * FROM deliveries ORDER BY digest_date DESC, id")
        else:
            rows = self._all(
                "SELECT * FROM deliveries WHERE digest_date = ? ORDER BY id", (day.isoformat(),)
            )
        return [self._delivery(r) for r in rows]

    def _delivery(self, r: sqlite3.Row) -> Delivery:
        return Delivery(
            id=r["id"],
            digest_date=date.fromisoformat(r["digest_date"]),
            channel=r["channel"],
            recipient=r["recipient"],
            message_id=r["message_id"],
            status=r["status"],
            attempts=r["attempts"],
            last_error=r["last_error"],
            next_attempt=parse_iso(r["next_attempt"]),
            sent_at=_opt_dt(r["sent_at"]),
        )

    def mark_delivered(self, delivery_id: int, now: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = NULL WHERE id = ?",
                (iso(now), delivery_id),
            )

    def mark_delivery_failed(
        self, delivery_id: int, error: str, next_attempt: datetime, give_up: bool
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, "
                "next_attempt = ?, status = ? WHERE id = ?",
                (error[:1000], iso(next_attempt), "failed" if give_up else "pending", delivery_id),
            )

    def retry_deliveries(self, day: date | None, now: datetime) -> int:
        """Make given-up and waiting deliveries due now (for `monitor deliver`)."""
        sql = "UPDATE deliveries SET status = 'pending', next_attempt = ? WHERE status != 'sent'"
        params: list[Any] = [iso(now)]
        if day is not None:
            sql += " AND digest_date = ?"
            params.append(day.isoformat())
        with self.transaction() as db:
            return int(db.execute(sql, params).rowcount)

    # -- the service's own state ------------------------------------------------------------

    def set_state(self, values: dict[str, str], *, only_if_missing: bool = False) -> None:
        verb = "INSERT OR IGNORE" if only_if_missing else "INSERT OR REPLACE"
        with self.transaction() as db:
            db.executemany(
                f"{verb} INTO service_state (key, value) VALUES (?, ?)", list(values.items())
            )

    def state(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self._all("SELECT key, value FROM service_state")}

    def counts(self) -> dict[str, int]:
        q = {
            "feeds": "SELECT count(*) FROM feeds",
            "entries": "SELECT count(*) FROM entries",
            "entries_rejected": "SELECT count(*) FROM entries WHERE rejected IS NOT NULL",
            "articles": "SELECT count(*) FROM articles WHERE duplicate_of IS NULL",
            "duplicates": "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL",
            "stories": "SELECT count(*) FROM stories",
            "digests": "SELECT count(*) FROM digests",
            "deliveries_pending": "SELECT count(*) FROM deliveries WHERE status = 'pending'",
            "deliveries_failed": "SELECT count(*) FROM deliveries WHERE status = 'failed'",
        }
        return {k: int(self._all(sql)[0][0]) for k, sql in q.items()}

    def busiest_window(self) -> date | None:
        """The window holding most articles (the demo shows that day)."""
        rows = self._all(
            "SELECT window_date, count(*) AS n FROM articles "
            "WHERE duplicate_of IS NULL GROUP BY window_date "
            "ORDER BY n DESC, window_date DESC LIMIT 1"
        )
        return date.fromisoformat(rows[0][0]) if rows else None

    # -- search -----------------------------------------------------------------------------

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
        points = [
            SearchHit(
                "point", date.fromisoformat(r["d"]), r["source"], r["title"], r["text"], r["url"]
            )
            for r in point_rows
        ]
        articles = [
            SearchHit(
                "article",
                parse_iso(r["published"]).date(),
                r["source"],
                r["title"],
                r["excerpt"],
                r["url"],
            )
            for r in article_rows
        ]
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

    def entries_since(self, since: datetime) -> list[StoredEntry]:
        """Feed entries first seen since `since`, newest first."""
        rows = self._all(
            "SELECT e.*, f.name AS source FROM entries e JOIN feeds f ON f.id = e.feed_id "
            "WHERE e.first_seen >= ? ORDER BY e.first_seen DESC, e.id DESC",
            (iso(since),),
        )
        return [
            StoredEntry(
                id=r["id"],
                source=r["source"],
                title=r["title"],
                summary=r["summary"],
                content=r["content"],
                link=r["link"],
                published=_opt_dt(r["published"]),
                first_seen=parse_iso(r["first_seen"]),
                on_topic=bool(r["on_topic"]),
            )
            for r in rows
        ]
