"""A story's facts for its Fact | Detail table: When, Where, Who, Numbers and Next.

Read from the sentences of the story's chosen points first, then from the openings of its
reports, newest first; each fact is a span of one sentence (`fact_rules`, `fact_people`), and
each sentence a slice of the stored text of the article it links to, so every value can be
checked there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.compose import fact_people, fact_rules
from monitor.compose.fact_rules import Found
from monitor.compose.model import Fact, Point
from monitor.compose.sentences import opening, split_sentences
from monitor.models import StoredArticle

LABELS = ("When", "Where", "Who", "Numbers", "Next")
LIMITS = {"When": 2, "Where": 2, "Who": 4, "Numbers": 2, "Next": 1}
ARTICLES = 20  # the newest reports read
SENTENCES_PER_ARTICLE = 12  # as many as the points are chosen from: the news comes first
MAX_WORDS = 70  # longer "sentences" are lists or run-ons
_SIDE_ORDER = {"Ukraine": 0, "Russia": 1, "US": 2}


@dataclass(frozen=True)
class _Sentence:
    text: str
    article: StoredArticle


@dataclass(frozen=True)
class _Candidate:
    score: float
    order: int  # of the sentence: points first, then the newest reports
    key: str
    fact: Fact


def _sentences(points: Sequence[Point], members: Sequence[StoredArticle]) -> list[_Sentence]:
    by_url = {a.url: a for a in members}
    out: list[_Sentence] = []
    seen: set[str] = set()

    def add(text: str, article: StoredArticle) -> None:
        if text not in seen and 4 <= len(text.split()) <= MAX_WORDS:
            seen.add(text)
            out.append(_Sentence(text, article))

    for p in points:
        a = by_url.get(p.url)
        if a is not None and p.text in a.text:
            add(p.text, a)
    newest = sorted(members, key=lambda a: (a.published, a.id), reverse=True)[:ARTICLES]
    for a in newest:
        for s in split_sentences(opening(a.text))[:SENTENCES_PER_ARTICLE]:
            add(s, a)
    return out


def _within(f: Found, spans: Sequence[Found]) -> bool:
    return any(f.start < s.end and s.start < f.end for s in spans)


def sentence_facts(sentence: str, year: int | None = None) -> list[tuple[str, Found]]:
    """Every fact one sentence holds, by label. A date, place or number inside the next
    step's clause belongs to that step ("talks will continue on Wednesday"), not to the
    event reported."""
    nexts = fact_rules.next_step(sentence)
    whens = [f for f in fact_rules.when(sentence, year) if not _within(f, nexts)]
    out: list[tuple[str, Found]] = [("When", f) for f in whens]
    out += [("Where", f) for f in fact_rules.where(sentence) if not _within(f, nexts)]
    out += [("Who", f) for f in fact_people.who(sentence)]
    out += [
        ("Numbers", f) for f in fact_rules.numbers(sentence) if not _within(f, [*whens, *nexts])
    ]
    out += [("Next", f) for f in nexts]
    return out


def story_facts(points: Sequence[Point], members: Sequence[StoredArticle]) -> tuple[Fact, ...]:
    """Up to LIMITS[label] facts of each label, the most telling first, one per key (one
    person, one place, one date); Who ordered by side (Ukraine, Russia, the US, others)."""
    found: dict[str, list[_Candidate]] = {label: [] for label in LABELS}
    for order, s in enumerate(_sentences(points, members)):
        a = s.article
        for label, f in sentence_facts(s.text, a.published.year):
            value = s.text[f.start : f.end].strip(" ,;:")
            if not value:
                continue
            fact = Fact(label, value, s.text, a.url, a.source, f.side, a.text_origin)
            found[label].append(_Candidate(f.score, order, f.key, fact))
    out: list[Fact] = []
    for label in LABELS:
        picked: list[_Candidate] = []
        keys: set[str] = set()
        for c in sorted(found[label], key=lambda c: (-c.score, c.order)):
            alternatives = set(c.key.split("|"))  # a group of people: one surname each
            if not alternatives & keys:
                keys |= alternatives
                picked.append(c)
            if len(picked) == LIMITS[label]:
                break
        if label == "Who":
            picked.sort(key=lambda c: _SIDE_ORDER.get(c.fact.side, len(_SIDE_ORDER)))
        out.extend(c.fact for c in picked)
    return tuple(out)
