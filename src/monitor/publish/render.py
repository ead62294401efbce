"""Digest -> Markdown, HTML and plain text, each from its template in templates/.

The three formats share one structure and one wording: the helpers below (intro, fact rows,
story meta, feed health...) are what the templates call. All feed-supplied text is escaped for the
format it lands in, and only http(s) links are emitted. Nothing here depends on the time of
rendering, so the same digest renders to the same bytes.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from monitor.compose.digest import Digest, DigestArticle, Fact, SourceHealth, Story
from monitor.text import visible

if TYPE_CHECKING:
    import jinja2

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
    """Inline Markdown text: one line, metacharacters escaped, control characters and bidi
    overrides dropped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(visible(text).split()))


def md_link(label: str, url: str) -> str:
    u = safe_url(url)
    return f"[{md(label)}]({u})" if u else md(label)


def md_source(source: str, url: str, origin: str) -> str:
    """`([Source](url))`, with the feed marker when the sentence comes from the feed."""
    return f"({md_link(source, url)}{', ' + FEED_MARK if origin == 'feed' else ''})"


def plain(text: str) -> str:
    """One line of feed text for a plain-text body: line breaks and runs of whitespace (tabs,
    Unicode separators) folded to single spaces; control characters (a terminal's escape
    sequences) and bidi overrides dropped."""
    return " ".join(visible(text).replace("\r", " ").replace("\n", " ").split())


def text_source(source: str, origin: str) -> str:
    return plain(source) + (f" ({FEED_MARK})" if origin == "feed" else "")


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


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def intro(digest: Digest) -> str:
    """The opening line: the window and the counts about the digest (articles, duplicates
    folded, sources, stories, feeds)."""
    t = digest.totals
    window = (
        f"{_local(digest.window_start, digest)} – {_local(digest.window_end, digest)} "
        f"({digest.timezone})"
    )
    failing = [s.name for s in digest.sources if s.status == "error"]
    feeds = f"{len(digest.sources) - len(failing)} of {_n(len(digest.sources), 'feed', 'feeds')} "
    feeds += "polled successfully" + (f" (failing: {', '.join(failing)})" if failing else "")
    if not t.articles:
        return (
            f"No new articles on this topic, {window}; {feeds}. "
            "The feed health table below shows what was polled."
        )
    stories = len(digest.stories) + len(digest.more_stories)
    kinds = [f"{t.new_stories} new"] * bool(t.new_stories)
    kinds += [f"{t.developing} developing"] * bool(t.developing)
    folded = f"; {_n(t.duplicates, 'duplicate', 'duplicates')} folded" if t.duplicates else ""
    return (
        f"Here's a breakdown of {_n(t.articles, 'new article', 'new articles')} from "
        f"{_n(len(t.sources), 'source', 'sources')}, {window}, organised into "
        f"{_n(stories, 'story', 'stories')} ({', '.join(kinds)}){folded}; {feeds}. "
        "Every point and fact is quoted from the linked article."
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


def fact_rows(story: Story) -> list[tuple[str, list[Fact]]]:
    """A story's Fact | Detail rows: each label once, with its values in order."""
    rows: dict[str, list[Fact]] = {}
    for f in story.facts:
        rows.setdefault(f.label, []).append(f)
    return list(rows.items())


def most_mentioned(digest: Digest) -> str:
    return " · ".join(f"{n} ({c})" for n, c in digest.most_mentioned)


def glance(digest: Digest) -> Story | None:
    """The story whose facts "At a glance" shows (the top one), if it has any."""
    return digest.stories[0] if digest.stories and digest.stories[0].facts else None


def fact_title(fact: Fact) -> str:
    """The hover text of a fact's link: where it is quoted from."""
    note = f" ({FEED_NOTE})" if fact.origin == "feed" else ""
    return f"{fact.source}{note}: “{fact.sentence}”"


def _environment(*, autoescape: bool) -> jinja2.Environment:
    """An environment over the package's templates with the wording every format shares."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.publish", "templates"),
        autoescape=autoescape,
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
        fact_rows=fact_rows,
        fact_title=fact_title,
        glance=glance,
        most_mentioned=most_mentioned,
        intro=intro,
        title_of=title_of,
        feed_mark=FEED_MARK,
        feed_note=FEED_NOTE,
        local=_local,
        utc=utc,
    )
    return env


def template_env(**extra_globals: Any) -> jinja2.Environment:
    """The HTML environment (autoescaped), with `extra_globals`; it keeps its compiled
    templates, so hold on to it."""
    env = _environment(autoescape=True)
    env.globals.update(extra_globals)
    return env


# Each environment is built once: compiling the templates cost more than rendering them
# (~5 ms a page).
@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return template_env()


@lru_cache(maxsize=1)
def _md_env() -> jinja2.Environment:
    # No autoescape (it would write HTML entities): every piece of feed text goes through md
    # or one of the md_ helpers, which escape it themselves.
    env = _environment(autoescape=False)
    env.filters["md"] = md
    env.globals.update(md_link=md_link, md_source=md_source, slug=slug)
    return env


@lru_cache(maxsize=1)
def _text_env() -> jinja2.Environment:
    # No markup to escape, but feed text must stay on its line: it goes through plain.
    env = _environment(autoescape=False)
    env.filters["plain"] = plain
    env.globals.update(text_source=text_source)
    return env


def to_markdown(digest: Digest) -> str:
    return _md_env().get_template("digest.md").render(d=digest)


def to_html(digest: Digest, root: str | None = None) -> str:
    """The digest page. With `root` (the archive's address, relative or absolute), it links
    to the archive index and to each story's timeline; without, it stands alone (e-mail)."""
    import markupsafe

    # CSP is our constant, not feed text: mark it safe so its quotes stay literal.
    page = (
        _env().get_template("digest.html").render(d=digest, csp=markupsafe.Markup(CSP), root=root)
    )
    return str(page)


def to_text(digest: Digest) -> str:
    """Plain text with the same content as the other renderings (the e-mail's text part)."""
    return _text_env().get_template("digest.txt").render(d=digest)
