"""Stories: articles about the same event, kept across days.

Each article becomes a TF-IDF vector of its title (weighted up) and its opening words. An
article joins the story whose centroid is most similar, among stories active within a few
days of it, when that similarity clears a threshold; otherwise it starts a new story. The
decision is pure: the caller stores the result.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from .text import STOPWORDS
from .topic import words

THRESHOLD = 0.25
TITLE_WEIGHT = 3
LEAD_WORDS = 150
WINDOW = timedelta(days=3)
MAX_STORY_SIZE = 300
STEM_LENGTH = 6  # a story that big is a topic, not an event: start a new one


@dataclass(frozen=True)
class ClusterItem:
    id: int
    title: str
    text: str
    time: datetime
    story_id: str | None = None  # set for articles already in a story
    seed: str = ""  # names a new story founded by this article


def story_id_for(seed: str) -> str:
    return "s" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:12]


def _stem(w: str) -> str:
    """Plural 's' dropped, then cut to six letters.

    Truncation is a crude stemmer that suits news well: Russia/Russian, Ukraine/Ukrainian,
    negotiations/negotiators and official/officials meet at the same stem.
    """
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w[:STEM_LENGTH]


def terms(title: str, text: str) -> Counter[str]:
    toks = words(title) * TITLE_WEIGHT + words(text)[:LEAD_WORDS]
    return Counter(_stem(w) for w in toks if len(w) > 2 and not w.isdigit() and w not in STOPWORDS)


Vector = dict[str, float]


def _vector(tf: Counter[str], idf: dict[str, float]) -> Vector:
    vec = {t: (1 + math.log(c)) * idf.get(t, 1.0) for t, c in tf.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


class _Story:
    __slots__ = ("id", "last", "size", "sum")

    def __init__(self, sid: str, vec: Vector, when: datetime) -> None:
        self.id = sid
        self.sum: dict[str, float] = dict(vec)
        self.size = 1
        self.last = when

    def add(self, vec: Vector, when: datetime) -> None:
        for t, v in vec.items():
            self.sum[t] = self.sum.get(t, 0.0) + v
        self.size += 1
        self.last = max(self.last, when)

    def centroid(self) -> Vector:
        norm = math.sqrt(sum(v * v for v in self.sum.values())) or 1.0
        return {t: v / norm for t, v in self.sum.items()}


def assign_stories(
    existing: list[ClusterItem], new: list[ClusterItem], *, threshold: float = THRESHOLD
) -> dict[int, str]:
    """Story id for each new item: an existing story it joins, or a new one it founds."""
    tfs = {it.id: terms(it.title, it.text) for it in [*existing, *new]}
    df: Counter[str] = Counter()
    for tf in tfs.values():
        df.update(tf.keys())
    n = len(tfs)
    idf = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in df.items()}
    stories: dict[str, _Story] = {}
    for it in sorted(existing, key=lambda i: (i.time, i.id)):
        if it.story_id is None:
            continue
        vec = _vector(tfs[it.id], idf)
        if it.story_id in stories:
            stories[it.story_id].add(vec, it.time)
        else:
            stories[it.story_id] = _Story(it.story_id, vec, it.time)
    result: dict[int, str] = {}
    for it in sorted(new, key=lambda i: (i.time, i.id)):
        vec = _vector(tfs[it.id], idf)
        best: tuple[float, str] | None = None
        for st in stories.values():
            if abs(it.time - st.last) > WINDOW or st.size >= MAX_STORY_SIZE:
                continue
            score = _cosine(vec, st.centroid())
            if score >= threshold and (
                best is None or score > best[0] or (score == best[0] and st.id < best[1])
            ):
                best = (score, st.id)
        if best is not None:
            stories[best[1]].add(vec, it.time)
            result[it.id] = best[1]
        else:
            sid = story_id_for(it.seed or str(it.id))
            stories[sid] = _Story(sid, vec, it.time)
            result[it.id] = sid
    return result
