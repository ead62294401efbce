"""The day's highlights, across stories: the most mentioned names, key phrases (YAKE) and
what officials said (attributed quotations) — each verbatim from the articles."""

from __future__ import annotations

import re
from collections import Counter

from monitor.compose import summarize
from monitor.compose.model import Quote, Story
from monitor.models import StoredArticle
from monitor.text import STOPWORDS, words

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


def names(texts: list[str]) -> Counter[str]:
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


def ranked_counts(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most common first, ties by name: Counter.most_common breaks ties by insertion order,
    which follows set iteration and so changes from one process to the next."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def is_topic_word(word: str, topic_words: set[str]) -> bool:
    w = word.lower()
    return any(w.startswith(t) for t in topic_words)


KEYWORD_ARTICLES = 30  # the top stories' articles read for key phrases (YAKE: ~80 µs a word)
KEYWORD_WORDS = 50  # words of each article's opening read


def keywords(
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
        if all(is_topic_word(w, topic_words) or w.isdigit() for w in ws):
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


def quotes(stories: tuple[Story, ...], by_id: dict[int, StoredArticle]) -> tuple[Quote, ...]:
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
