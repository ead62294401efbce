"""Feeds as configured and as polled: their rows, the record of every poll, each feed's
health over a period, and the pause that stops polling a feed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from monitor.config import FeedConfig
from monitor.models import FeedHealth, FeedState, FeedUpdate, NewEntry
from monitor.store.db import Database, RowMapper, iso, parse_iso_or_none

_FEED = RowMapper(
    FeedState,
    columns={"group": "grp"},
    convert={
        "last_attempt": parse_iso_or_none,
        "last_success": parse_iso_or_none,
        "next_poll": parse_iso_or_none,
    },
)


class FeedRecords(Database):
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
            _FEED(
                r,
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
        """Record one poll of one feed as decided (ingest.polling.decide); returns how many of
        its new entries were stored."""
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
                    last_success=parse_iso_or_none(success),
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
