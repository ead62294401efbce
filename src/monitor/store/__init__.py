"""The SQLite database. All SQL of the project lives in this package.

`Store` is the one object callers hold: a connection (db.py) with the records of each
domain — feeds and polls (feeds.py), entries and articles (articles.py), digests, deliveries
and the service's state (digests.py), full-text search (search.py). The schema and its
migrations are in migrations.py.

Times are stored as UTC ISO-8601 strings ending in 'Z'; dates as YYYY-MM-DD.
"""

from __future__ import annotations

from monitor.store.articles import ArticleRecords
from monitor.store.db import Database, iso, parse_iso
from monitor.store.digests import DigestRecords
from monitor.store.feeds import FeedRecords
from monitor.store.search import MARK_END, MARK_START, SearchIndex, fts_query

__all__ = ["MARK_END", "MARK_START", "Store", "fts_query", "iso", "parse_iso"]


class Store(FeedRecords, ArticleRecords, DigestRecords, SearchIndex, Database):
    """The database of one monitor: open it with `Store.open(path)`."""
