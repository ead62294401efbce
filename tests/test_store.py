from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import FeedConfig
from monitor.errors import StorageError
from monitor.models import NewEntry, RenderedBodies
from monitor.store import Store
from monitor.store.db import RowMapper
from monitor.store.migrations import SCHEMA_VERSION

NOW = datetime(2026, 2, 18, 6, 0, tzinfo=UTC)


def test_creates_wal_database_with_current_schema(tmp_path: Path) -> None:
    with Store.open(tmp_path / "sub" / "m.sqlite") as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    Store.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StorageError, match="newer"):
        Store.open(path)


def test_entries_are_unique_per_feed_and_key(tmp_path: Path) -> None:
    with Store.open(tmp_path / "m.sqlite") as store:
        store.sync_feeds([FeedConfig("A", "https://a.example.org/rss")])
        feed = store.feeds()[0]
        entry = NewEntry("k1", "https://a.example.org/1", "T", "S", "", None, True)
        assert (
            store.record_poll_success(
                feed.id,
                NOW,
                [entry, entry],
                etag='"e"',
                last_modified=None,
                title="A",
                format="rss20",
            )
            == 1
        )
        assert (
            store.record_poll_success(
                feed.id, NOW, [entry], etag='"e"', last_modified=None, title="A", format="rss20"
            )
            == 0
        )
        assert store.known_keys(feed.id, ["k1", "k2"]) == {"k1"}
        state = store.feeds()[0]
        assert state.etag == '"e"' and state.entries_seen == 1 and state.last_status == "ok"
        store.record_poll_error(feed.id, NOW, "HTTP 500")
        store.record_poll_error(feed.id, NOW, "HTTP 500")
        state = store.feeds()[0]
        assert state.consecutive_errors == 2 and state.etag == '"e"'  # validators kept


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path / "m.sqlite") as store:
        store.sync_feeds([FeedConfig("A", "https://a.example.org/rss")])
        with pytest.raises(RuntimeError), store.transaction() as db:
            db.execute("UPDATE feeds SET name = 'changed'")
            raise RuntimeError("crash mid-transaction")
        assert store.feeds()[0].name == "A"


def test_row_mapper_takes_fields_by_name_and_refuses_missing_ones() -> None:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    row = db.execute(
        "SELECT 'T' AS title, '{}' AS body_json, '<p>' AS body_html, 'p' AS body_text, 1 AS x"
    ).fetchone()
    bodies = RowMapper(
        RenderedBodies, columns={"json": "body_json", "html": "body_html", "text": "body_text"}
    )
    assert bodies(row) == RenderedBodies("T", "{}", "<p>", "p")
    assert bodies(row, title="given") == RenderedBodies("given", "{}", "<p>", "p")
    with pytest.raises(IndexError):  # a field with no column is an error, never a default
        RowMapper(RenderedBodies)(row)
    with pytest.raises(TypeError, match="no field"):
        RowMapper(RenderedBodies, convert={"body": str})
    db.close()
