"""The archive site: an index of every digest, a timeline per story, a search index.

Built beside the digests from their stored JSON bodies (the archived form of each
digest), so the whole site can be rebuilt at any time and needs no server:

    <digests>/index.html            newest first, each day's story titles, search box
    <digests>/YYYY/MM/DATE.html     the digest pages themselves (written by render)
    <digests>/stories/<id>.html     one story across days: each day's points and reports
    <digests>/search-index.json     the prebuilt index the search box reads
    <digests>/search-index.js       the same data for pages opened from disk (file://)
    <digests>/search.js             the only script: client-side search

Only files whose bytes change are rewritten, and story pages of stories that no longer
exist (a digest rebuilt differently) are removed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from monitor.files import atomic_write
from monitor.models import DigestRecord
from monitor.publish.render import SITE_CSP, long_date, safe_url

_STORY_ID = re.compile(r"^s[0-9a-f]{12}$")
INDEX_VERSION = 1


@dataclass(frozen=True)
class DayOfStory:
    """What one digest said about one story."""

    date: date
    digest_href: str  # relative to the site root
    title: str
    status: str
    shown: bool  # among the day's top stories (with points) or only listed
    points: tuple[dict[str, str], ...]
    articles: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class StoryPage:
    id: str
    title: str  # the newest title
    days: tuple[DayOfStory, ...]  # oldest first

    @property
    def first(self) -> date:
        return self.days[0].date

    @property
    def last(self) -> date:
        return self.days[-1].date


@dataclass(frozen=True)
class IndexDay:
    date: date
    href: str
    title: str
    articles: int
    stories: tuple[tuple[str, str], ...]  # (story id, title) of the day's top stories
    more: int  # further stories only listed


def digest_href(day: date) -> str:
    return f"{day:%Y}/{day:%m}/{day.isoformat()}.html"


def story_href(story_id: str) -> str:
    return f"stories/{story_id}.html"


def _body(record: DigestRecord) -> dict[str, Any]:
    try:
        data = json.loads(record.body_json) if record.body_json else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def collect(
    records: Sequence[DigestRecord],
) -> tuple[list[IndexDay], list[StoryPage], dict[str, Any]]:
    """The index rows (newest first), story pages, and the search index."""
    ordered = sorted(records, key=lambda r: r.date)
    days: dict[str, list[DayOfStory]] = {}
    index: list[IndexDay] = []
    entries: list[dict[str, str]] = []
    digests: list[dict[str, Any]] = []
    for rec in ordered:
        data = _body(rec)
        href = digest_href(rec.date)
        top: list[tuple[str, str]] = []
        more = 0
        for s in data.get("stories", []):
            sid = str(s.get("id", ""))
            if not _STORY_ID.match(sid):
                continue
            title = str(s.get("title", ""))
            shown = bool(s.get("shown", True))
            points = tuple(
                {
                    "lead": str(p.get("lead", "")),
                    "text": str(p.get("text", "")),
                    "url": safe_url(str(p.get("url", ""))),
                    "source": str(p.get("source", "")),
                    # digests built before the field existed: no marker
                    "origin": "feed" if p.get("from") == "feed" else "page",
                }
                for p in s.get("points", [])
            )
            articles = tuple(
                {
                    "url": safe_url(str(a.get("url", ""))),
                    "source": str(a.get("source", "")),
                    "title": str(a.get("title", "")),
                    "published": str(a.get("published", "")),
                }
                for a in s.get("articles", [])
            )
            days.setdefault(sid, []).append(
                DayOfStory(rec.date, href, title, str(s.get("status", "")), shown, points, articles)
            )
            if shown:
                top.append((sid, title))
            else:
                more += 1
            d = rec.date.isoformat()
            # A story without a title or a point without a sentence would be an empty result.
            if title.strip():
                entries.append({"k": "story", "d": d, "s": sid, "t": title, "x": title, "u": ""})
            for p in points:
                if not p["text"].strip():
                    continue
                entries.append(
                    {
                        "k": "point",
                        "d": d,
                        "s": sid,
                        "t": title,
                        "x": p["text"],
                        "l": p["lead"],
                        "u": p["url"],
                        "src": p["source"],
                    }
                )
        title = rec.title or str(data.get("title", "")) or f"Digest of {rec.date.isoformat()}"
        index.append(IndexDay(rec.date, href, title, rec.articles, tuple(top), more))
        digests.append({"d": rec.date.isoformat(), "u": href, "t": title})
    stories = [
        StoryPage(sid, ds[-1].title, tuple(ds))
        for sid, ds in sorted(days.items(), key=lambda kv: (kv[1][0].date, kv[0]))
    ]
    search = {"version": INDEX_VERSION, "digests": digests, "entries": entries}
    index.reverse()
    return index, stories, search


@lru_cache(maxsize=1)
def _env() -> Any:
    from monitor.publish.render import template_env

    return template_env(long_date=long_date, story_href=story_href)


def _write_if_changed(path: Path, text: str) -> bool:
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    atomic_write(path, text)
    return True


MANIFEST = ".manifest.json"  # hidden: `monitor serve` does not serve it


def _templates_key() -> str:
    folder = resources.files("monitor.publish").joinpath("templates")
    h = hashlib.sha256()
    for name in ("story.html", "_meta.html", "_style.html"):
        h.update(folder.joinpath(name).read_bytes())
    return h.hexdigest()[:16]


def _story_key(topic: str, templates: str, story: StoryPage) -> str:
    data: list[Any] = [topic, templates, story.id, story.title]
    for d in story.days:
        data.append([d.date.isoformat(), d.digest_href, d.title, d.status, d.shown])
        data.append([sorted(p.items()) for p in d.points])
        data.append([sorted(a.items()) for a in d.articles])
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def build_site(directory: Path, topic: str, records: Sequence[DigestRecord]) -> list[Path]:
    """Write the site beside the digests; returns the paths that changed."""
    import markupsafe

    index, stories, search = collect(records)
    env = _env()
    csp = markupsafe.Markup(SITE_CSP)
    changed: list[Path] = []

    def put(rel: str, text: str) -> None:
        path = directory / rel
        if _write_if_changed(path, text):
            changed.append(path)

    put(
        "index.html",
        env.get_template("index.html").render(
            topic=topic, days=index, stories=len(stories), csp=csp, root=""
        ),
    )
    page = env.get_template("story.html")
    # A story page changes only when one of its days does: a manifest of what each page was
    # made from (and of the templates) saves re-rendering thousands of old stories daily.
    manifest_path = directory / "stories" / MANIFEST
    try:
        made_from = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(made_from, dict):
            made_from = {}
    except (OSError, ValueError):
        made_from = {}
    templates = _templates_key()
    manifest: dict[str, str] = {}
    for story in stories:
        key = _story_key(topic, templates, story)
        manifest[story.id] = key
        target = directory / story_href(story.id)
        if made_from.get(story.id) == key and target.exists():
            continue
        put(story_href(story.id), page.render(topic=topic, story=story, csp=csp, root="../"))
    # Pages of stories no digest mentions any longer would be stale: remove them.
    folder = directory / "stories"
    keep = {f"{s.id}.html" for s in stories}
    if folder.is_dir():
        for old in folder.glob("s*.html"):
            if old.name not in keep and _STORY_ID.match(old.stem):
                old.unlink()
    if manifest != made_from:
        atomic_write(manifest_path, json.dumps(manifest, sort_keys=True) + "\n")
    payload = json.dumps(search, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    put("search-index.json", payload + "\n")
    # A page opened from disk cannot fetch() a file; it can load a script beside it.
    # "</" is escaped so no text in the index can close a script element.
    put(
        "search-index.js",
        "window.MONITOR_SEARCH_INDEX = " + payload.replace("</", "<\\/") + ";\n",
    )
    script = resources.files("monitor.publish").joinpath("templates/search.js").read_text("utf-8")
    put("search.js", script)
    return changed
