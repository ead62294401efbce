"""Everything a digest is composed from, read from the store once (`gather`), so that
composing (`digest.compose`) is a pure function of this value and the settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from monitor.config import Settings
from monitor.models import FeedHealth, StoredArticle
from monitor.store import Store
from monitor.windows import window_bounds

NOVELTY_DIGESTS = 7  # nothing published in this many previous digests is repeated
STALE_DIGESTS = 30  # a keyword's words used by most of this many previous digests are stale
# The feed health a digest shows is the one recorded by the time it was first built (so a
# rebuild gives the same file) and, if the feeds were polled during its window, no later
# than this after the window closed (the service and `run --once` poll once more then).
# A window nobody polled in (a first run that found older items) shows the health of the
# polls that brought its articles.
HEALTH_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class DigestInputs:
    day: date
    window: tuple[datetime, datetime]
    articles: tuple[StoredArticle, ...]  # the window's, duplicates included
    # article id -> (source, url) of each feed entry that links it
    entry_sources: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    first_windows: dict[str, date] = field(default_factory=dict)  # story -> first window
    first_digests: dict[str, date] = field(default_factory=dict)  # story -> first digest
    feed_groups: dict[str, str] = field(default_factory=dict)  # feed name -> group
    earlier_points: dict[str, list[str]] = field(default_factory=dict)  # story -> points
    recent_points: tuple[str, ...] = ()  # every point of the previous digests
    # the text of each of the STALE_DIGESTS digests before this one (newest first): its
    # stories' titles and points (digest_text)
    earlier_digests: tuple[str, ...] = ()
    feeds: tuple[FeedHealth, ...] = ()
    articles_by_feed: dict[int, int] = field(default_factory=dict)  # feed id -> articles


def digest_text(body_json: str) -> str:
    """What a built digest told its reader, from its archived JSON: its stories' titles and
    points, one a line (its keywords are left out, so that they do not feed on themselves)."""
    try:
        body = json.loads(body_json)
    except ValueError:
        return ""
    lines: list[str] = []
    for story in body.get("stories", []) if isinstance(body, dict) else []:
        lines.append(str(story.get("title", "")))
        lines.extend(str(p.get("text", "")) for p in story.get("points", []))
    return "\n".join(lines)


def gather(settings: Settings, store: Store, day: date, now: datetime) -> DigestInputs:
    """Read what the digest of `day` is made from; `now` only matters for a first build."""
    cfg = settings.digest
    start, end = window_bounds(day, cfg.at, cfg.tz)
    health_at = store.first_built(day) or now
    if store.polled_between(start, end + HEALTH_GRACE):
        health_at = min(health_at, end + HEALTH_GRACE)
    window = store.articles_in_window(day)
    stories = sorted({a.story_id for a in window if a.story_id and a.duplicate_of is None})
    return DigestInputs(
        day=day,
        window=(start, end),
        articles=tuple(window),
        entry_sources=store.entry_sources([a.id for a in window]),
        first_windows=store.story_first_windows(stories),
        first_digests=store.story_first_digests(stories, before=day),
        feed_groups={f.name: f.group for f in store.feeds()},
        earlier_points=store.published_points(stories, before=day),
        recent_points=tuple(store.recent_points(before=day, digests=NOVELTY_DIGESTS)),
        earlier_digests=tuple(
            digest_text(body) for body in store.recent_bodies(before=day, digests=STALE_DIGESTS)
        ),
        feeds=tuple(store.feed_health([f.url for f in settings.feeds], start, health_at)),
        articles_by_feed=store.window_counts_by_feed(day),
    )
