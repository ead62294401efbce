"""Composing the daily breakdown: a `Digest` value, no formatting.

Every point is a sentence cut verbatim from the stored text of the article it links to.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from monitor import timing
from monitor.compose import summarize
from monitor.config import Settings
from monitor.judge.topic import query_terms
from monitor.models import FeedHealth, StoredArticle
from monitor.store import Store
from monitor.text import STOPWORDS, words
from monitor.windows import window_bounds


@dataclass(frozen=True)
class Point:
    lead: str
    text: str
    url: str
    source: str
    origin: str = "page"  # the article's text_origin: "feed" when quoted from the feed's text


@dataclass(frozen=True)
class Copy:
    url: str
    source: str


@dataclass(frozen=True)
class DigestArticle:
    url: str
    source: str
    title: str
    published: datetime
    text_origin: str
    duplicates: tuple[Copy, ...]


@dataclass(frozen=True)
class Story:
    id: str
    title: str
    status: str  # new | developing | no-new-facts
    since: date
    articles: tuple[DigestArticle, ...]
    points: tuple[Point, ...]
    sources: tuple[str, ...]  # distinct origins (wire copies count once)
    also: tuple[str, ...]  # sources covering the story that no point quotes
    outlets: int = 0  # outlets that published it, copies included
    groups: tuple[str, ...] = ()  # feed groups (config `group`) that covered it
    since_digest: date | None = None  # the first earlier digest that had it, if one was built


@dataclass(frozen=True)
class SourceHealth:
    """A feed as it stood when the digest's window closed."""

    name: str
    url: str
    articles: int
    status: str  # ok | not-modified | error
    error: str
    last_success: datetime | None
    consecutive_errors: int
    polls: int = 0  # attempts within the window
    failed_polls: int = 0
    rejected: int = 0  # entries refused for a bad link within the window


@dataclass(frozen=True)
class Quote:
    text: str  # the whole sentence, verbatim
    speaker: str  # verbatim from the sentence
    url: str
    source: str
    origin: str = "page"  # as Point.origin


@dataclass(frozen=True)
class Totals:
    articles: int
    duplicates: int
    sources: tuple[str, ...]
    new_stories: int
    developing: int


@dataclass(frozen=True)
class Digest:
    date: date
    topic: str
    timezone: str
    window_start: datetime
    window_end: datetime
    stories: tuple[Story, ...]
    more_stories: tuple[Story, ...]
    totals: Totals
    most_mentioned: tuple[tuple[str, int], ...]
    keywords: tuple[str, ...]
    quotes: tuple[Quote, ...]
    sources: tuple[SourceHealth, ...]
    base_url: str = ""


NOVELTY_DIGESTS = 7  # nothing published in this many previous digests is repeated
_NAME = re.compile(r"\b[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+){0,2}")
_GENERIC_NAMES = {
    "The",
    "But",
    "And",
    "In",
    "On",
    "At",
    "It",
    "He",
    "She",
    "They",
    "We",
    "This",
    "That",
    "A",
    "An",
    "As",
    "If",
    "For",
    "After",
    "While",
    "When",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "President",
    "Minister",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "There",
    "His",
    "Her",
    "Their",
    "Our",
    "Its",
    "What",
    "Why",
    "How",
}


def _story_title(members: list[StoredArticle]) -> str:
    """The member title that shares most words with the rest of the story."""
    df: Counter[str] = Counter()
    for a in members:
        df.update({w for w in words(a.title) if w not in STOPWORDS})

    def score(a: StoredArticle) -> tuple[float, int]:
        ws = [w for w in words(a.title) if w not in STOPWORDS]
        if not ws:
            return (0.0, 0)
        return (sum(df[w] for w in set(ws)) / len(ws) ** 0.5, -members.index(a))

    return max(members, key=score).title if members else ""


def _names(texts: list[str]) -> Counter[str]:
    """Capitalised names, counted once per text that mentions them."""
    counts: Counter[str] = Counter()
    for t in texts:
        found = set()
        for m in _NAME.finditer(t):
            name = m.group(0).rstrip("-’'")
            first = name.split()[0]
            if first in _GENERIC_NAMES:
                name = " ".join(name.split()[1:])
            if len(name) > 2 and name not in _GENERIC_NAMES and name.lower() not in STOPWORDS:
                found.add(name)
        counts.update(found)
    return counts


# The feed health a digest shows is the one recorded by the time it was first built (so a
# rebuild gives the same file) and, if the feeds were polled during its window, no later
# than this after the window closed (the service and `run --once` poll once more then).
# A window nobody polled in (a first run that found older items) shows the health of the
# polls that brought its articles.
HEALTH_GRACE = timedelta(hours=1)


def _health(feeds: list[FeedHealth], counts: dict[int, int]) -> tuple[SourceHealth, ...]:
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


def compose(settings: Settings, store: Store, day: date, now: datetime) -> Digest:
    cfg = settings.digest
    start, end = window_bounds(day, cfg.at, cfg.tz)
    health_at = store.first_built(day) or now
    if store.polled_between(start, end + HEALTH_GRACE):
        health_at = min(health_at, end + HEALTH_GRACE)
    window = store.articles_in_window(day)
    originals = [a for a in window if a.duplicate_of is None]
    dups_of: dict[int, list[StoredArticle]] = defaultdict(list)
    for a in window:
        if a.duplicate_of is not None:
            dups_of[a.duplicate_of].append(a)
    links = store.entry_sources([a.id for a in window])
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

    ranked = sorted(
        by_story.items(),
        key=lambda kv: (
            -len(origins(kv[1])),
            -len(kv[1]),
            -max(a.published for a in kv[1]).timestamp(),
            kv[0],
        ),
    )
    first_windows = store.story_first_windows([sid for sid, _ in ranked])
    first_digests = store.story_first_digests([sid for sid, _ in ranked], before=day)
    group_of = {f.name: f.group for f in store.feeds()}
    earlier = store.published_points([sid for sid, _ in ranked], before=day)
    recent = store.recent_points(before=day, digests=NOVELTY_DIGESTS)
    stories: list[Story] = []
    for rank, (sid, members) in enumerate(ranked):
        by_id = {a.id: a for a in members}
        with_section = rank < cfg.max_stories
        # Only the stories that get a section are summarised; the rest are listed by title.
        with timing.stage("summarize"):
            picks = (
                summarize.summarize_story(
                    [summarize.SourceText(a.id, a.text, a.text_origin == "feed") for a in members],
                    cfg.points_per_story,
                    recent,
                    earlier.get(sid, ()),
                )
                if with_section
                else []
            )
        points = tuple(
            Point(
                p.lead,
                p.sentence.text,
                by_id[p.sentence.article_id].url,
                by_id[p.sentence.article_id].source,
                by_id[p.sentence.article_id].text_origin,
            )
            for p in picks
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
    shown = tuple(stories[: cfg.max_stories])
    # Names are counted in titles and openings: where an article says who it is about.
    texts = [f"{a.title}\n{summarize.opening(a.text)}" for a in originals]
    names = _names(texts)
    topic_words = set(query_terms(settings.topic.query))
    most = tuple(
        (n, c) for n, c in ranked_counts(names)[:20] if c > 1 and not _is_topic_word(n, topic_words)
    )[:5]
    keywords = _keywords([members for _, members in ranked], names, topic_words)
    quotes = _quotes(shown, {a.id: a for a in originals})
    feeds = store.feed_health([f.url for f in settings.feeds], start, health_at)
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
        sources=_health(feeds, store.window_counts_by_feed(day)),
        base_url=cfg.base_url,
    )


def ranked_counts(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most common first, ties by name: Counter.most_common breaks ties by insertion order,
    which follows set iteration and so changes from one process to the next."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _is_topic_word(word: str, topic_words: set[str]) -> bool:
    w = word.lower()
    return any(w.startswith(t) for t in topic_words)


KEYWORD_ARTICLES = 30  # the top stories' articles read for key phrases (YAKE: ~80 µs a word)
KEYWORD_WORDS = 50  # words of each article's opening read


def _keywords(
    stories: list[list[StoredArticle]], names: Counter[str], topic_words: set[str]
) -> tuple[str, ...]:
    """Key phrases of the day's coverage (YAKE), as written in the articles; the most
    mentioned names when YAKE finds too few.

    YAKE scores 1–3-word phrases by statistics of the text itself (casing, position,
    frequency, spread over sentences), so each keyword is a phrase of the articles, never a
    paraphrase. It reads the titles and openings of the top stories' articles, in story
    order. A phrase is kept when at least two articles use it and it is not made only of the
    topic query's words (every article has those); of a name and a fuller form of it, the
    fuller is kept ("President Donald Trump", not "Trump").
    """
    import yake

    texts: list[str] = []
    openings: list[str] = []
    for members in stories:
        for a in members:
            if len(texts) >= KEYWORD_ARTICLES:
                break
            opening = " ".join(a.text.split()[:KEYWORD_WORDS])
            texts.append(f"{a.title.rstrip('.')}.\n{opening}")
            openings.append(opening)
    out: list[str] = []
    taken: list[set[str]] = []
    lowered = [t.lower() for t in texts]
    lowered_openings = [o.lower() for o in openings]

    def keep(phrase: str) -> None:
        ws = words(phrase)
        # Whole content words only ("anniversary of Russia" and "Russia ’s" are not kept),
        # not only the topic's own words, and said by at least two of the articles.
        if not ws or any(len(w) < 2 or w in STOPWORDS for w in ws):
            return
        if all(_is_topic_word(w, topic_words) or w.isdigit() for w in ws):
            return
        if sum(1 for t in lowered if phrase.lower() in t) < 2:
            return
        # Headlines clip grammar ("Russia Hold New Round…"): a longer phrase must also be
        # found in running text.
        if len(ws) > 1 and not any(phrase.lower() in o for o in lowered_openings):
            return
        key = set(ws)
        if any(key <= t for t in taken):
            return
        # A name by its capitals: in running text, where headline title case does not count.
        is_name = all(p[:1].isupper() for p in phrase.split()) and any(
            phrase in o for o in openings
        )
        for i, t in enumerate(taken):
            if t < key and is_name:  # the fuller name takes the shorter one's place
                taken[i], out[i] = key, phrase
                return
        taken.append(key)
        out.append(phrase)

    if texts:
        extractor = yake.KeywordExtractor(lan="en", n=3, dedupLim=0.7, top=40)
        for phrase, _score in extractor.extract_keywords("\n".join(texts)):
            if len(out) >= 10:
                break
            keep(" ".join(phrase.split()))
    for name, c in ranked_counts(names)[:20]:
        if c > 1 and len(out) < 10:
            keep(name)
    return tuple(out)


_SPEAKER_AFTER = re.compile(
    r"[”\"],?\s+(?:said|says|told \w+|added|wrote|warned|stated)\s+"
    r"((?:[a-z][\w’'-]*\s+){0,2}(?:[A-Z][\w.’'-]*\s*){1,5})"
)
# “…,” Umerov said / “…,” Kremlin spokesman Dmitry Peskov told reporters: the commonest form.
# The words before the verb must start and end with a capital (not “…,” he said).
_SPEAKER_INVERTED = re.compile(
    r"[”\"]\s+([A-Z][\w.’'-]*\s+(?:[\w.’'-]+\s+){0,4}?)"
    r"(?:said|says|told|added|wrote|warned|stated)\b"
)
_SPEAKER_BEFORE = re.compile(
    r"((?:[A-Z][\w.’'-]*\s+){1,5})(?:said|says|told \w+|added|wrote|warned|stated)[,:]?\s+[“\"]"
)
_NOT_SPEAKERS = {"He", "She", "They", "It", "We", "I", "The", "This", "That", "But", "And"}


def speaker_of(sentence: str) -> str:
    """The named speaker of a quoted sentence, verbatim, or "" when it names none."""
    for pattern in (_SPEAKER_AFTER, _SPEAKER_INVERTED, _SPEAKER_BEFORE):
        m = pattern.search(sentence)
        if m:
            name = m.group(1).strip().rstrip(".,")
            parts = name.split()
            if not parts or parts[0] in _NOT_SPEAKERS:
                continue
            if pattern is _SPEAKER_INVERTED and not parts[-1][:1].isupper():
                continue  # “…,” European leaders said: not a named speaker
            if any(c.isupper() for c in name):
                return name
    return ""


def _quotes(stories: tuple[Story, ...], by_id: dict[int, StoredArticle]) -> tuple[Quote, ...]:
    """Up to three attributed quotes from the shown stories' articles, not already points."""
    used = {p.text for s in stories for p in s.points}
    by_url = {a.url: a for a in by_id.values()}
    out: list[Quote] = []
    for s in stories:  # at most one quote per story, three in all
        for art in s.articles[:5]:
            src = by_url.get(art.url)
            if src is None:
                continue
            found = next(
                (
                    (sent, who)
                    for sent in summarize.split_sentences(summarize.opening(src.text))[:20]
                    if sent not in used
                    # the quotation opens and closes within it: a sentence from the
                    # middle of a long quotation would be shown without its start
                    and (("“" in sent and "”" in sent) or sent.count('"') >= 2)
                    and 10 <= len(sent.split()) <= 60
                    and (who := speaker_of(sent))
                ),
                None,
            )
            if found:
                out.append(Quote(found[0], found[1], src.url, src.source, src.text_origin))
                break
        if len(out) >= 3:
            break
    return tuple(out)
