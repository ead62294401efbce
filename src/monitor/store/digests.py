"""Digests as built: their records and rendered bodies, the points they published, the
delivery outbox, and the service's own state (key/value pairs and table counts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from monitor.models import Delivery, DigestRecord, RenderedBodies, WrittenDigest
from monitor.store.db import Database, RowMapper, iso, parse_iso, parse_iso_or_none

_DIGEST = RowMapper(
    DigestRecord,
    convert={
        "date": date.fromisoformat,
        "window_start": parse_iso,
        "window_end": parse_iso,
        "built_at": parse_iso,
    },
)
_BODIES = RowMapper(
    RenderedBodies, columns={"json": "body_json", "html": "body_html", "text": "body_text"}
)
_DELIVERY = RowMapper(
    Delivery,
    convert={
        "digest_date": date.fromisoformat,
        "next_attempt": parse_iso,
        "sent_at": parse_iso_or_none,
    },
)


class DigestRecords(Database):
    # -- digests ----------------------------------------------------------------------------

    def built_dates(self) -> set[date]:
        return {date.fromisoformat(r[0]) for r in self._all("SELECT date FROM digests")}

    def first_built(self, day: date) -> datetime | None:
        """When the digest of `day` was first built (None if never)."""
        rows = self._all("SELECT first_built FROM digests WHERE date = ?", (day.isoformat(),))
        return parse_iso_or_none(rows[0][0]) if rows else None

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

    def recent_bodies(self, before: date, digests: int) -> list[str]:
        """The archived JSON of the last `digests` digests built before `before`, newest
        first (digests recorded without one are left out)."""
        rows = self._all(
            "SELECT body_json FROM digests WHERE date < ? AND body_json != '' "
            "ORDER BY date DESC LIMIT ?",
            (before.isoformat(), digests),
        )
        return [r[0] for r in rows]

    def record_digest(self, written: WrittenDigest, now: datetime) -> None:
        """Record a digest just written: its counts, points and the bodies delivery sends
        (the time of its first build is kept)."""
        window, bodies = written.window, written.bodies
        with self.transaction() as db:
            d = written.day.isoformat()
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
                    written.path,
                    written.content_hash,
                    written.articles,
                    written.stories,
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
                [(d, *p) for p in written.points],
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
        return [_DIGEST(r) for r in rows]

    def digest_bodies(self, day: date) -> RenderedBodies | None:
        rows = self._all(
            "SELECT title, body_json, body_html, body_text FROM digests WHERE date = ?",
            (day.isoformat(),),
        )
        if not rows or not rows[0]["body_json"]:
            return None
        return _BODIES(rows[0])

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
        return [_DELIVERY(r) for r in self._all(sql + " ORDER BY id", params)]

    def deliveries(self, day: date | None = None) -> list[Delivery]:
        if day is None:
            rows = self._all("SELECT * FROM deliveries ORDER BY digest_date DESC, id")
        else:
            rows = self._all(
                "SELECT * FROM deliveries WHERE digest_date = ? ORDER BY id", (day.isoformat(),)
            )
        return [_DELIVERY(r) for r in rows]

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
