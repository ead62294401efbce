"""Digest -> Markdown, HTML, JSON, plain text; written atomically.

All feed-supplied text is escaped for the format it lands in, and only http(s) links are
emitted. Nothing here depends on the time of rendering, so the same digest renders to the
same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from monitor.compose.digest import Digest, DigestArticle, SourceHealth, Story
from monitor.config import DigestConfig
from monitor.files import atomic_write
from monitor.models import DigestRecord

# Delivered in a <meta> element, where frame-ancestors is ignored (and logged as an error);
# `monitor serve` sends it, and frame-ancestors, as headers too.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)
# The archive's pages: the one script (search.js) and its index come from the site itself.
SITE_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "img-src 'none'; base-uri 'none'; form-action 'self'"
)
# After the source of a point quoted from the feed's own text: the linked page may word it
# differently, or not hold it at all.
FEED_MARK = "feed summary"
FEED_NOTE = "Quoted from the feed's summary: the article's page could not be fetched or read"
# Enough to keep feed text inert: no emphasis, links, images, HTML, tables or entities.
# Parentheses need no escape once brackets are escaped.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~&])")


@lru_cache(maxsize=8192)  # a digest's pages name the same article links many times
def safe_url(url: str) -> str:
    """The URL if it is http(s), with characters that could break markup percent-encoded."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    # quote() leaves existing %-escapes alone; parentheses and quotes would end a Markdown
    # link or an HTML attribute early, so they are encoded too.
    return quote(url, safe="/:?#[]@!$&*+,;=%~-._")


def md(text: str) -> str:
    """Inline Markdown text: one line, metacharacters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_link(label: str, url: str) -> str:
    u = safe_url(url)
    return f"[{md(label)}]({u})" if u else md(label)


def md_source(source: str, url: str, origin: str) -> str:
    """`([Source](url))`, with the feed marker when the sentence comes from the feed."""
    return f"({md_link(source, url)}{', ' + FEED_MARK if origin == 'feed' else ''})"


def text_source(source: str, origin: str) -> str:
    return _plain(source) + (f" ({FEED_MARK})" if origin == "feed" else "")


def long_date(d: Any) -> str:
    return f"{d.day} {d:%B %Y}"


def _local(dt: datetime, digest: Digest) -> str:
    from zoneinfo import ZoneInfo

    loc = dt.astimezone(ZoneInfo(digest.timezone))
    return f"{loc:%H:%M} {loc.day} {loc:%b}"


def utc(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(text: str) -> str:
    """GitHub-style heading anchor."""
    text = re.sub(r"[^\w\- ]", "", text.lower(), flags=re.UNICODE)
    return text.replace(" ", "-")


def title_of(digest: Digest) -> str:
    return f"{digest.topic} — daily breakdown, {long_date(digest.date)}"


def intro(digest: Digest) -> str:
    t = digest.totals
    window = (
        f"{_local(digest.window_start, digest)} – {_local(digest.window_end, digest)} "
        f"({digest.timezone})"
    )
    if not t.articles:
        return (
            f"No new articles on this topic, {window}. "
            "The feed health table below shows what was polled."
        )
    return (
        f"Here's a breakdown of {t.articles} new article{'s' * (t.articles != 1)} from "
        f"{len(t.sources)} source{'s' * (len(t.sources) != 1)}, {window}, organised into "
        f"{len(digest.stories) + len(digest.more_stories)} "
        f"stor{'ies' if len(digest.stories) + len(digest.more_stories) != 1 else 'y'}. "
        "Every point is quoted from the linked article."
    )


def story_meta_parts(story: Story) -> list[tuple[str, date | None]]:
    """The story's meta line, part by part; a part naming an earlier digest carries its date
    (the HTML links it)."""
    n = len(story.articles)
    outlets = max(story.outlets, len(story.sources))
    parts: list[tuple[str, date | None]] = [
        (f"{n} independent report{'s' * (n != 1)}", None),
        (f"{outlets} outlet{'s' * (outlets != 1)}", None),
    ]
    if story.groups:  # "covered by us" read as a pronoun: name them as groups
        label = "feed group" if len(story.groups) == 1 else "feed groups"
        parts.append((f"{label}: {', '.join(story.groups)}", None))
    if story.status == "new":
        parts.append(("new", None))
    elif story.since_digest is not None:
        d = story.since_digest
        parts.append((f"developing since {d.day} {d:%b}", d))
    else:  # its first reports fell in windows that have no digest
        parts.append((f"first reported {story.since.day} {story.since:%b}", None))
    if story.status == "no-new-facts":
        parts.append(("no new facts", None))
    return parts


def story_meta(story: Story, digest: Digest) -> str:
    return " · ".join(text for text, _ in story_meta_parts(story))


def health_text(src: SourceHealth) -> str:
    """A feed's health over the window, in words."""
    text = src.status if src.status != "error" else f"error: {src.error}"
    if src.status != "error" and src.failed_polls:
        text += f" ({src.failed_polls} of {src.polls} polls failed)"
    if src.rejected:
        text += f"; {src.rejected} entr{'y' if src.rejected == 1 else 'ies'} rejected (bad links)"
    return text


def also_covered(story: Story) -> list[tuple[str, DigestArticle]]:
    """The articles no point quotes, each with its link label: the outlet's name, numbered
    from its second article on ("New York Times (World) (2)") so two links never look alike."""
    seen: Counter[str] = Counter()
    out = []
    for a in story.articles:
        if a.source in story.also:
            seen[a.source] += 1
            k = seen[a.source]
            out.append((a.source if k == 1 else f"{a.source} ({k})", a))
    return out


def empty_story(story: Story) -> str:
    """Why a story's section has no points."""
    if story.status == "no-new-facts":
        return "No new facts since the earlier digests."
    return "No sentence could be quoted: only a headline or a fragment was available."


def facts(digest: Digest) -> list[tuple[str, str]]:
    t = digest.totals
    rows = [
        (
            "Articles",
            f"{t.articles} new · {t.duplicates} duplicate{'s' * (t.duplicates != 1)} folded",
        ),
        (
            "Sources",
            f"{len(t.sources)}"
            + (
                f" — {', '.join(t.sources[:8])}" + (", …" if len(t.sources) > 8 else "")
                if t.sources
                else ""
            ),
        ),
        (
            "Stories",
            f"{len(digest.stories) + len(digest.more_stories)} ({t.new_stories} new, "
            f"{t.developing} developing)",
        ),
    ]
    if digest.most_mentioned:
        rows.append(("Most mentioned", " · ".join(f"{n} ({c})" for n, c in digest.most_mentioned)))
    failing = [s.name for s in digest.sources if s.status == "error"]
    rows.append(
        (
            "Feeds",
            f"{len(digest.sources) - len(failing)} of {len(digest.sources)} "
            "polled successfully" + (f"; failing: {', '.join(failing)}" if failing else ""),
        )
    )
    return rows


def to_markdown(digest: Digest) -> str:
    out: list[str] = [f"# {md(title_of(digest))}", "", md(intro(digest)), ""]
    if digest.stories:
        out += ["## Contents"]
        for i, s in enumerate(digest.stories, 1):
            out.append(f"{i}. [{md(s.title)}](#{slug(f'{i}. {s.title}')})")
        out.append("")
    out += ["## At a glance", "", "| Fact | Detail |", "|---|---|"]
    out += [f"| {md(k)} | {md(v)} |" for k, v in facts(digest)]
    out.append("")
    for i, s in enumerate(digest.stories, 1):
        out += [f"## {i}. {md(s.title)}", f"*{md(story_meta(s, digest))}*", ""]
        if s.points:
            out += [
                f"- **{md(p.lead)}** – {md(p.text)} {md_source(p.source, p.url, p.origin)}"
                for p in s.points
            ]
        else:
            out.append(f"- {md(empty_story(s))}")
        out.append("")
        if s.also:
            out += [
                "Also covered by: "
                + " · ".join(md_link(label, a.url) for label, a in also_covered(s)),
                "",
            ]
        copies = [c for a in s.articles for c in a.duplicates]
        if copies:
            out += [
                "Same report also published by: "
                + " · ".join(md_link(c.source, c.url) for c in copies),
                "",
            ]
    if digest.more_stories:
        out += ["## More stories", ""]
        out += [
            f"- {md_link(s.title, s.articles[0].url)} ({md(story_meta(s, digest))})"
            for s in digest.more_stories
        ]
        out.append("")
    if digest.quotes:
        out += ["## What officials said", ""]
        for q in digest.quotes:
            out.append(
                f"- **{md(q.speaker)}** – {md(q.text)} {md_source(q.source, q.url, q.origin)}"
            )
        out.append("")
    out += ["## Sources and feed health", "", "| Source | Articles | Status |", "|---|---|---|"]
    for src in digest.sources:
        out.append(f"| {md_link(src.name, src.url)} | {src.articles} | {md(health_text(src))} |")
    out.append("")
    if digest.keywords:
        out += ["Keywords: " + " · ".join(md(k) for k in digest.keywords), ""]
    return "\n".join(out)


def to_json_obj(digest: Digest) -> dict[str, Any]:
    return {
        "date": digest.date.isoformat(),
        "topic": digest.topic,
        "title": title_of(digest),
        "timezone": digest.timezone,
        "window": {"start": utc(digest.window_start), "end": utc(digest.window_end)},
        "totals": {
            "articles": digest.totals.articles,
            "duplicates": digest.totals.duplicates,
            "sources": len(digest.totals.sources),
        },
        "stories": [
            {
                "id": s.id,
                "title": s.title,
                "status": s.status,
                "since": s.since.isoformat(),
                "since_digest": s.since_digest.isoformat() if s.since_digest else None,
                "shown": s in digest.stories,
                "articles": [
                    {
                        "url": safe_url(a.url),
                        "source": a.source,
                        "title": a.title,
                        "published": utc(a.published),
                        "text_origin": a.text_origin,
                        "duplicates": [
                            {"url": safe_url(c.url), "source": c.source} for c in a.duplicates
                        ],
                    }
                    for a in s.articles
                ],
                "points": [
                    {
                        "lead": p.lead,
                        "text": p.text,
                        "url": safe_url(p.url),
                        "source": p.source,
                        "from": p.origin,
                    }
                    for p in s.points
                ],
                "reports": len(s.articles),
                "outlets": max(s.outlets, len(s.sources)),
                "groups": list(s.groups),
            }
            for s in (*digest.stories, *digest.more_stories)
        ],
        "quotes": [
            {
                "speaker": q.speaker,
                "text": q.text,
                "url": safe_url(q.url),
                "source": q.source,
                "from": q.origin,
            }
            for q in digest.quotes
        ],
        "keywords": list(digest.keywords),
        "most_mentioned": [{"name": n, "articles": c} for n, c in digest.most_mentioned],
        "sources": [
            {
                "name": s.name,
                "url": safe_url(s.url),
                "articles": s.articles,
                "status": s.status,
                "error": s.error or None,
                "last_success": utc(s.last_success) if s.last_success else None,
                "consecutive_errors": s.consecutive_errors,
                "polls": s.polls,
                "failed_polls": s.failed_polls,
                "entries_rejected": s.rejected,
            }
            for s in digest.sources
        ],
    }


def to_json(digest: Digest) -> str:
    return json.dumps(to_json_obj(digest), ensure_ascii=False, indent=2) + "\n"


def template_env(**extra_globals: Any) -> Any:
    """A Jinja environment over the package's templates, with the helpers they call and
    `extra_globals`; it keeps its compiled templates, so hold on to it."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.publish", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["safe_url"] = safe_url
    env.globals.update(
        story_meta=story_meta,
        story_meta_parts=story_meta_parts,
        health_text=health_text,
        empty_story=empty_story,
        also_covered=also_covered,
        facts=facts,
        intro=intro,
        title_of=title_of,
        feed_mark=FEED_MARK,
        feed_note=FEED_NOTE,
        local=_local,
        utc=utc,
    )
    env.globals.update(extra_globals)
    return env


@lru_cache(maxsize=1)
def _env() -> Any:
    # One environment: compiling the templates cost more than rendering them (~5 ms a page).
    return template_env()


def to_html(digest: Digest, root: str | None = None) -> str:
    """The digest page. With `root` (the archive's address, relative or absolute), it links
    to the archive index and to each story's timeline; without, it stands alone (e-mail)."""
    import markupsafe

    # CSP is our constant, not feed text: mark it safe so its quotes stay literal.
    page = (
        _env().get_template("digest.html").render(d=digest, csp=markupsafe.Markup(CSP), root=root)
    )
    return str(page)


def _plain(text: str) -> str:
    """One line of feed text for a plain-text body: control characters and breaks folded."""
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def to_text(digest: Digest) -> str:
    """Plain text with the same content as the other renderings (the e-mail's text part)."""
    out = [_plain(title_of(digest)), "", _plain(intro(digest)), ""]
    if digest.stories:
        out.append("CONTENTS")
        out += [f"{i}. {_plain(s.title)}" for i, s in enumerate(digest.stories, 1)]
        out.append("")
    out.append("AT A GLANCE")
    out += [f"- {k}: {_plain(v)}" for k, v in facts(digest)]
    out.append("")
    for i, s in enumerate(digest.stories, 1):
        out += [f"{i}. {_plain(s.title)}", f"   {_plain(story_meta(s, digest))}", ""]
        for p in s.points:
            out.append(f"   * {_plain(p.lead)} – {_plain(p.text)}")
            out.append(f"     {text_source(p.source, p.origin)}: {safe_url(p.url)}")
        if not s.points:
            out.append(f"   * {empty_story(s)}")
        if s.also:
            out.append("   Also covered by:")
            out += [f"     {_plain(label)}: {safe_url(a.url)}" for label, a in also_covered(s)]
        out.append("")
    if digest.more_stories:
        out.append("MORE STORIES")
        out += [
            f"- {_plain(s.title)} ({_plain(story_meta(s, digest))})" for s in digest.more_stories
        ]
        out.append("")
    if digest.quotes:
        out.append("WHAT OFFICIALS SAID")
        for q in digest.quotes:
            out += [
                f"- {_plain(q.speaker)}: {_plain(q.text)}",
                f"  {text_source(q.source, q.origin)}: {safe_url(q.url)}",
            ]
        out.append("")
    out.append("SOURCES AND FEED HEALTH")
    for src in digest.sources:
        out.append(f"- {_plain(src.name)}: {src.articles} articles, {_plain(health_text(src))}")
    out.append("")
    if digest.keywords:
        out += ["Keywords: " + " · ".join(_plain(k) for k in digest.keywords), ""]
    return "\n".join(out)


def content_hash(digest: Digest, json_text: str | None = None) -> str:
    """The hash of the digest's JSON (`json_text` when the caller already rendered it)."""
    text = to_json(digest) if json_text is None else json_text
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest_path(config: DigestConfig, digest: Digest, ext: str) -> Path:
    d = digest.date
    return config.directory / f"{d:%Y}" / f"{d:%m}" / f"{d.isoformat()}.{ext}"


def write_digest(digest: Digest, config: DigestConfig, json_text: str | None = None) -> list[Path]:
    """Write every configured format; the first path returned is the main one."""
    renderers: dict[str, Callable[[Digest], str]] = {
        "md": to_markdown,
        "html": lambda d: to_html(d, root="../../"),
        "json": to_json if json_text is None else lambda d: json_text,
    }
    paths: list[Path] = []
    # The archive site links to every digest's page, so with the site on it is always written.
    formats = [*config.formats, *(["html"] if config.site and "html" not in config.formats else [])]
    for ext in formats:
        path = digest_path(config, digest, ext)
        atomic_write(path, renderers[ext](digest))
        paths.append(path)
    return paths


def digest_link(config: DigestConfig, day: Any) -> str:
    """The HTML digest's address: absolute with base_url, else relative to the digest folder."""
    rel = f"{day:%Y}/{day:%m}/{day.isoformat()}.html"
    return config.base_url + rel if config.base_url else rel


def to_atom(config: DigestConfig, topic: str, records: Sequence[DigestRecord]) -> str:
    """An Atom feed of the digests, newest first, with ids that never change."""
    import uuid
    import xml.etree.ElementTree as ET

    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    feed_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"monitor:{topic}")
    feed = ET.Element(f"{{{ns}}}feed")
    el(feed, "id", f"urn:uuid:{feed_uuid}")
    el(feed, "title", f"{topic} — daily breakdown")
    el(feed, "subtitle", "Every point is quoted from the linked article.")
    newest = max((r.window_end for r in records), default=None)
    el(feed, "updated", utc(newest) if newest else "1970-01-01T00:00:00Z")
    el(feed, "generator", "monitor")
    author = el(feed, "author")
    el(author, "name", "monitor")
    if config.base_url:
        el(feed, "link", rel="self", href=config.base_url + "feed.xml", type="application/atom+xml")
        el(feed, "link", rel="alternate", href=config.base_url)
    for r in sorted(records, key=lambda r: r.date, reverse=True):
        entry = el(feed, "entry")
        el(entry, "id", f"urn:uuid:{uuid.uuid5(feed_uuid, r.date.isoformat())}")
        el(entry, "title", _plain(r.title) or f"Digest of {r.date.isoformat()}")
        el(entry, "updated", utc(r.window_end))
        el(entry, "published", utc(r.window_end))
        el(entry, "link", rel="alternate", type="text/html", href=digest_link(config, r.date))
        el(entry, "summary", _atom_summary(r), type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _atom_summary(record: DigestRecord) -> str:
    """The entry's HTML summary: the story titles with their first point (escaped)."""
    from markupsafe import escape

    try:
        data = json.loads(record.body_json) if record.body_json else {}
    except ValueError:
        data = {}
    items = []
    for s in data.get("stories", [])[:10]:
        point = s["points"][0]["text"] if s.get("points") else ""
        items.append(
            f"<li><strong>{escape(s.get('title', ''))}</strong>"
            + (f" – {escape(point)}" if point else "")
            + "</li>"
        )
    head = f"<p>{record.articles} new articles, {record.stories} stories.</p>"
    return head + (f"<ol>{''.join(items)}</ol>" if items else "")


def write_atom(config: DigestConfig, topic: str, records: Sequence[DigestRecord]) -> Path:
    path = config.directory / "feed.xml"
    atomic_write(path, to_atom(config, topic, records))
    return path
