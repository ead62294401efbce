"""Numbered schema migrations, applied in one transaction; `PRAGMA user_version` records them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

_V1 = """
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        grp TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        format TEXT NOT NULL DEFAULT '',
        etag TEXT,
        last_modified TEXT,
        last_attempt TEXT,
        last_success TEXT,
        last_status TEXT,              -- ok | not-modified | error
        last_error TEXT,
        consecutive_errors INTEGER NOT NULL DEFAULT 0,
        entries_seen INTEGER NOT NULL DEFAULT 0,
        next_poll TEXT
    );
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds(id),
        key TEXT NOT NULL,
        link TEXT NOT NULL,
        title TEXT NOT NULL,
        summary TEXT NOT NULL,
        content TEXT NOT NULL,
        published TEXT,
        first_seen TEXT NOT NULL,
        on_topic INTEGER NOT NULL,
        article_id INTEGER REFERENCES articles(id),
        UNIQUE (feed_id, key)
    );
    CREATE INDEX entries_pending ON entries(on_topic, article_id);
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        canonical_url TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        title TEXT NOT NULL,
        source TEXT NOT NULL,
        feed_id INTEGER NOT NULL REFERENCES feeds(id),
        published TEXT NOT NULL,       -- the feed's date, or first-seen when missing/future
        first_seen TEXT NOT NULL,
        window_date TEXT NOT NULL,     -- the digest this article belongs to (stored, stable)
        text TEXT NOT NULL,
        text_origin TEXT NOT NULL,     -- page | feed
        fetch_note TEXT NOT NULL DEFAULT '',
        content_hash TEXT NOT NULL,
        sketch TEXT NOT NULL,
        duplicate_of INTEGER REFERENCES articles(id),
        story_id TEXT REFERENCES stories(id)
    );
    CREATE INDEX articles_window ON articles(window_date);
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_hash ON articles(content_hash);
    CREATE INDEX articles_story ON articles(story_id);
    CREATE TABLE digests (
        date TEXT PRIMARY KEY,
        window_start TEXT NOT NULL,
        window_end TEXT NOT NULL,
        built_at TEXT NOT NULL,
        path TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        articles INTEGER NOT NULL,
        stories INTEGER NOT NULL
    );
    CREATE TABLE digest_points (
        digest_date TEXT NOT NULL REFERENCES digests(date),
        story_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        url TEXT NOT NULL,
        PRIMARY KEY (digest_date, story_id, position)
    );
    CREATE INDEX digest_points_story ON digest_points(story_id, digest_date);
"""


def _run_script(db: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the caller's transaction; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _run_script(db, _V1)


_V2 = """
    ALTER TABLE digests ADD COLUMN body_json TEXT NOT NULL DEFAULT '';
    ALTER TABLE digests ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
    ALTER TABLE digests ADD COLUMN body_text TEXT NOT NULL DEFAULT '';
    ALTER TABLE digests ADD COLUMN title TEXT NOT NULL DEFAULT '';
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        digest_date TEXT NOT NULL REFERENCES digests(date),
        channel TEXT NOT NULL,             -- email | webhook
        recipient TEXT NOT NULL,           -- an address or a URL
        message_id TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | failed
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt TEXT NOT NULL,
        created TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (digest_date, channel, recipient)
    );
    CREATE INDEX deliveries_due ON deliveries(status, next_attempt);
    CREATE TABLE service_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
"""


def _v2(db: sqlite3.Connection) -> None:
    """The delivery outbox, the rendered bodies it sends, and the service's own state."""
    _run_script(db, _V2)


def _v3(db: sqlite3.Connection) -> None:
    """Paused feeds: gone (HTTP 410) or failing for too long; resumed by hand."""
    db.execute("ALTER TABLE feeds ADD COLUMN paused TEXT")


# Articles are indexed lazily, in one batch when searched (Store.index_articles): indexing
# every article as it is stored would add about 1.5 ms per article to each poll cycle.
# service_state 'articles_fts_through' is the highest article id indexed; the triggers keep
# indexed rows in step if an article is ever changed or deleted.
_FTS_MARK = "(SELECT CAST(value AS INTEGER) FROM service_state WHERE key = 'articles_fts_through')"
_V4 = [
    # Full-text search over stored articles and published digest points (`monitor search`).
    # articles_fts is an external-content table: the text lives once, in `articles`.
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles WHEN old.id <= {_FTS_MARK} BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    f"CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles "
    f"WHEN old.id <= {_FTS_MARK} BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    # Points have no stable integer key (VACUUM may renumber an implicit rowid): this index
    # keeps its own copy of the (short) text with the point's key.
    "CREATE VIRTUAL TABLE points_fts USING fts5(text, digest_date UNINDEXED, "
    "story_id UNINDEXED, position UNINDEXED, tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER points_fts_ai AFTER INSERT ON digest_points BEGIN "
    "INSERT INTO points_fts(text, digest_date, story_id, position) "
    "VALUES (new.text, new.digest_date, new.story_id, new.position); END",
    "CREATE TRIGGER points_fts_ad AFTER DELETE ON digest_points BEGIN "
    "DELETE FROM points_fts WHERE digest_date = old.digest_date AND story_id = old.story_id "
    "AND position = old.position; END",
    "INSERT INTO points_fts(text, digest_date, story_id, position) "
    "SELECT text, digest_date, story_id, position FROM digest_points",
    # A digest point names its article by URL.
    "CREATE INDEX articles_url ON articles(url)",
]


def _v4(db: sqlite3.Connection) -> None:
    """Full-text indexes (FTS5) of articles and digest points."""
    for statement in _V4:  # trigger bodies hold ';', so no splitting here
        db.execute(statement)


def _v5(db: sqlite3.Connection) -> None:
    """Rejected entries: a link that cannot be fetched or cited is recorded with the reason,
    and the entry is never pending again (it stopped every later poll before)."""
    db.execute("ALTER TABLE entries ADD COLUMN rejected TEXT")
    db.execute("CREATE INDEX entries_rejected ON entries(feed_id, id) WHERE rejected IS NOT NULL")
    # A digest built for a mistyped date (`--date 0999-01-01`) was stored with times that do
    # not read back, and every digest command failed on it: such digests can hold no
    # article (none is dated before 1990), so they are removed.
    bad = "SELECT date FROM digests WHERE date < '1990-01-01' OR length(window_start) != 20"
    for table, column in (("deliveries", "digest_date"), ("digest_points", "digest_date")):
        db.execute(f"DELETE FROM {table} WHERE {column} IN ({bad})")
    db.execute(f"DELETE FROM digests WHERE date IN ({bad})")
    # Each poll of each feed, so that a digest shows the feed health of its own window (a
    # rebuilt digest showed the health of the day it was rebuilt); when a feed was first
    # configured; and when a digest was first built (the health it shows is the one known
    # then, so a rebuild gives the same file).
    _run_script(db, _V5)


_V5 = """
    CREATE TABLE polls (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds(id),
        at TEXT NOT NULL,
        status TEXT NOT NULL,          -- ok | not-modified | error | deferred | paused
        error TEXT,
        new_entries INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX polls_feed_at ON polls(feed_id, at);
    ALTER TABLE feeds ADD COLUMN added TEXT;
    ALTER TABLE digests ADD COLUMN first_built TEXT;
    UPDATE digests SET first_built = built_at
"""


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)
