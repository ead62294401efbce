"""Composing the daily breakdown: a `Digest` value from the window's articles, no
formatting and no reading — `compose(inputs, settings)` is a pure function of what
`inputs.gather` read from the store.

Every point is a sentence cut verbatim from the stored text of the article it links to.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace

from monitor import timing
from monitor.compose import clean, facts, highlights, leads, sentences, summarize
from monitor.compose.inputs import DigestInputs
from monitor.compose.model import (
    Copy,
    Digest,
    DigestArticle,
    Fact,
    Point,
    Quote,
    SourceHealth,
    Story,
    Totals,
)
from monitor.config import Settings
from monitor.judge.topic import matches, query_terms
from monitor.models import FeedHealth, StoredArticle
from monitor.text import STOPWORDS, words

# The digest's types are defined in model.py; the formats import them from here too.
__all__ = [
    "Copy",
    "Digest",
    "DigestArticle",
    "Fact",
    "Point",
    "Quote",
    "SourceHealth",
    "Story",
    "Totals",
    "compose",
    "story_points",
]


def _story_title(members: list[StoredArticle]) -> str:
    """The most representative headline: the one sharing most words with the story's other
    headlines, a sentence-case one before a Title Case one (which reads as shouting), its
    tag ("Analysis-", "LIVE:") trimmed."""
    titles = [clean.title(a.title) for a in members]
    df: Counter[str] = Counter()
    for t in titles:
        df.update({w for w in words(t) if w not in STOPWORDS})

    def score(i: int) -> tuple[float, int]:
        ws = [w for w in words(titles[i]) if w not in STOPWORDS]
        if not ws:
            return (0.0, 0)
        shared = sum(df[w] for w in set(ws)) / len(ws) ** 0.5
        return (shared * (0.8 if clean.title_case(titles[i]) else 1.0), -i)

    return titles[max(range(len(titles)), key=score)] if titles else ""


def _health(feeds: Sequence[FeedHealth], counts: dict[int, int]) -> tuple[SourceHealth, ...]:
    return tuple(
        SourceHealth(
            name=f.name,
            url=f.url,
            articles=counts.get(f.id, 0),
            # the JSON contract knows ok | not-modified | error: a feed not yet polled is an error
            status=f.status or "error",
            error=f.error or ("" if f.status else "not polled yet"),
            last_success=f.last_success,
            consecutive_errors=f.consecutive_errors,
            polls=f.polls,
            failed_polls=f.failed_polls,
            rejected=f.rejected,
        )
        for f in feeds
    )


def story_points(
    members: Sequence[StoredArticle],
    settings: Settings,
    recent: Sequence[str],
    earlier: Sequence[str],
    year: int = 0,
) -> tuple[Point, ...]:
    """The points a story's section prints, in order, chosen from its members' texts under
    the novelty rules (`recent`: every point of the previous digests; `earlier`: the story's
    own earlier points); `year` is the digest's (earlier years read as background).
    `monitor eval timeline` scores this same function."""
    by_id = {a.id: a for a in members}
    picks = summarize.summarize_story(
        [summarize.SourceText(a.id, a.text, a.text_origin == "feed") for a in members],
        settings.digest.points_per_story,
        recent,
        earlier,
    )
    if not picks:
        return ()
    # Each bullet's lead and place follow the role of its sentence, decided after the
    # selection: the summariser picks the sentences, the facets order and lead them.
    arranged = leads.arrange(
        [p.sentence.text for p in picks],
        leads.story_weights([sentences.opening(a.text) for a in members]),
        year,
    )
    return tuple(
        Point(
            led.lead,
            picks[led.index].sentence.text,
            by_id[picks[led.index].sentence.article_id].url,
            by_id[picks[led.index].sentence.article_id].source,
            by_id[picks[led.index].sentence.article_id].text_origin,
            led.facet,
        )
        for led in arranged
    )


def compose(inputs: DigestInputs, settings: Settings) -> Digest:
    cfg = settings.digest
    day = inputs.day
    start, end = inputs.window
    window = inputs.articles
    originals = [a for a in window if a.duplicate_of is None]
    dups_of: dict[int, list[StoredArticle]] = defaultdict(list)
    for a in window:
        if a.duplicate_of is not None:
            dups_of[a.duplicate_of].append(a)
    links = inputs.entry_sources
    by_story: dict[str, list[StoredArticle]] = defaultdict(list)
    for a in originals:
        by_story[a.story_id or f"a{a.id}"].append(a)

    def copies(a: StoredArticle) -> tuple[Copy, ...]:
        out = [
            Copy(url, name) for name, url in links.get(a.id, []) if url != a.url or name != a.source
        ]
        for d in dups_of.get(a.id, []):
            out.append(Copy(d.url, d.source))
            out.extend(
                Copy(url, name)
                for name, url in links.get(d.id, [])
                if url != d.url or name != d.source
            )
        return tuple(dict.fromkeys(out))  # frozen dataclasses: equal copies collapse, order kept

    def origins(members: list[StoredArticle]) -> tuple[str, ...]:
        names: list[str] = []
        for a in members:
            if a.source not in names:
                names.append(a.source)
        return tuple(names)

    # Most outlets first; among stories covered alike, one whose headline is itself on the
    # topic before one kept for a line of its text; then the newest.
    query = settings.topic.query

    def off_title(members: list[StoredArticle]) -> bool:
        return not any(matches(query, a.title) for a in members)

    ranked = sorted(
        by_story.items(),
        key=lambda kv: (
            -len(origins(kv[1])),
            -len(kv[1]),
            off_title(kv[1]),
            -max(a.published for a in kv[1]).timestamp(),
            kv[0],
        ),
    )
    first_windows = inputs.first_windows
    first_digests = inputs.first_digests
    group_of = inputs.feed_groups
    earlier = inputs.earlier_points
    recent = list(inputs.recent_points)
    stories: list[Story] = []
    for rank, (sid, members) in enumerate(ranked):
        with_section = rank < cfg.max_stories
        # Only the stories that get a section are summarised; the rest are listed by title.
        with timing.stage("summarize"):
            points = (
                story_points(members, settings, recent, earlier.get(sid, ()), day.year)
                if with_section
                else ()
            )
        first_window = first_windows.get(sid, day)
        status = "new" if first_window >= day else "developing"
        if not points and with_section and earlier.get(sid):
            status = "no-new-facts"
        quoted = {p.source for p in points}
        all_copies = [c for a in members for c in copies(a)]
        srcs = origins(members)
        stories.append(
            Story(
                id=sid,
                title=_story_title(members),
                status=status,
                since=min(first_window, day),
                since_digest=first_digests.get(sid),
                articles=tuple(
                    DigestArticle(a.url, a.source, a.title, a.published, a.text_origin, copies(a))
                    for a in members
                ),
                points=points,
                sources=srcs,
                also=tuple(s for s in srcs if s not in quoted),
                outlets=len({a.source for a in members} | {c.source for c in all_copies}),
                groups=tuple(
                    sorted(
                        (
                            {group_of.get(a.source, "") for a in members}
                            | {group_of.get(c.source, "") for c in all_copies}
                        )
                        - {""}
                    )
                ),
            )
        )
    # The Fact | Detail tables: from each shown story's points and its reports' openings.
    members_of = dict(ranked)
    with timing.stage("facts"):
        shown = tuple(
            replace(s, facts=facts.story_facts(s.points, members_of[s.id]))
            for s in stories[: cfg.max_stories]
        )
    # Names are counted in titles and openings: where an article says who it is about.
    texts = [f"{a.title}\n{sentences.opening(a.text)}" for a in originals]
    names = highlights.names(texts)
    topic_words = set(query_terms(settings.topic.query))
    most = tuple(
        (n, c)
        for n, c in highlights.ranked_counts(names)[:20]
        if c > 1 and not highlights.is_topic_word(n, topic_words)
    )[:5]
    keywords = highlights.keywords(
        [members for _, members in ranked],
        names,
        topic_words,
        highlights.stale_words(inputs.earlier_digests),
    )
    quotes = highlights.quotes(shown, {a.id: a for a in originals})
    all_sources = tuple(sorted({a.source for a in window}))
    return Digest(
        date=day,
        topic=settings.topic.name,
        timezone=cfg.timezone,
        window_start=start,
        window_end=end,
        stories=shown,
        more_stories=tuple(stories[cfg.max_stories :]),
        totals=Totals(
            articles=len(originals),
            duplicates=len(window) - len(originals),
            sources=all_sources,
            new_stories=sum(1 for s in stories if s.status == "new"),
            developing=sum(1 for s in stories if s.status != "new"),
        ),
        most_mentioned=most,
        keywords=keywords,
        quotes=quotes,
        sources=_health(inputs.feeds, inputs.articles_by_feed),
        base_url=cfg.base_url,
    )
