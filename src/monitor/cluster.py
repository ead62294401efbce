"""Stories: articles about the same event, kept across days.

    new articles ──► TF-IDF vectors (title weighted, opening words, names boosted)
                 ──► average-link clustering among themselves (order does not matter)
                 ──► each group joins the existing story it is most similar to on average
                     (stories active within WINDOW of it), or founds a new story

The decision is pure: the caller stores the result. Settings were tuned on half of the
ECB+ topics (`monitor eval clustering --split tune`) and are reported on the other half.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .text import STOPWORDS
from .topic import words

THRESHOLD = 0.22  # average cosine similarity at which two groups are one event
TITLE_WEIGHT = 3
LEAD_WORDS = 400
NAME_WEIGHT = 3.0  # capitalised words (names, places) count this much extra
STEM_LENGTH = 6
WINDOW = timedelta(days=3)  # a story quiet for longer than this is not joined
MAX_STORY_SIZE = 300  # a story that big is a topic, not an event
BATCH = 1000  # new articles clustered together; more are taken in time-ordered batches

_NAME = re.compile(r"\b[A-Z][a-zA-Z]+")


@dataclass(frozen=True)
class ClusterItem:
    id: int
    title: str
    text: str
    time: datetime | None  # None: unknown (evaluation data); then no time window applies
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
    """Weighted terms of an article: title words count TITLE_WEIGHT times, names extra."""
    lead = " ".join(text.split()[:LEAD_WORDS])
    toks = words(title) * TITLE_WEIGHT + words(lead)
    counts: Counter[str] = Counter(
        _stem(w) for w in toks if len(w) > 2 and not w.isdigit() and w not in STOPWORDS
    )
    for name in _NAME.findall(lead):
        w = name.lower()
        if w not in STOPWORDS:
            counts["=" + _stem(w)] += NAME_WEIGHT  # type: ignore[assignment]  # float weight
    return counts


def preload() -> None:
    """Import what clustering needs (numpy and scipy)."""
    import scipy.cluster.hierarchy
    import scipy.sparse  # noqa: F401


def _matrix(items: list[ClusterItem]) -> Any:
    """Rows of L2-normalised TF-IDF vectors (a scipy sparse matrix)."""
    import numpy as np
    from scipy import sparse

    tfs = [terms(it.title, it.text) for it in items]
    df: Counter[str] = Counter()
    for tf in tfs:
        df.update(tf.keys())
    n = len(items)
    vocab = {t: i for i, t in enumerate(sorted(df))}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, tf in enumerate(tfs):
        for t, c in tf.items():
            rows.append(r)
            cols.append(vocab[t])
            vals.append((1 + math.log(c)) * (math.log((n + 1) / (df[t] + 1)) + 1.0))
    m = sparse.csr_matrix(
        (np.array(vals, dtype=np.float64), (rows, cols)), shape=(n, max(1, len(vocab)))
    )
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ m


def _groups(sim: Any, threshold: float) -> list[list[int]]:
    """Average-link agglomerative clustering, cut where the average similarity < threshold."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    n = sim.shape[0]
    if n == 1:
        return [[0]]
    dist = np.clip(1.0 - sim, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(int(lab), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _order(item: ClusterItem) -> tuple[bool, datetime, int]:
    """Oldest first; undated items last."""
    return (item.time is None, item.time or _EPOCH, item.id)


def assign_stories(
    existing: list[ClusterItem], new: list[ClusterItem], *, threshold: float = THRESHOLD
) -> dict[int, str]:
    """Story id for each new item: an existing story it joins, or a new one it founds.

    Large batches (a first poll of many feeds) are taken in time order, BATCH items at a
    time, each batch seeing the stories of the ones before: memory stays O(BATCH²).
    """
    ordered = sorted(new, key=_order)
    known = sorted((it for it in existing if it.story_id is not None), key=_order)[-BATCH:]
    result: dict[int, str] = {}
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        assigned = _assign_batch(known, chunk, threshold)
        result.update(assigned)
        known = [
            *known,
            *(ClusterItem(it.id, it.title, it.text, it.time, assigned[it.id]) for it in chunk),
        ][-BATCH:]
    return result


def _assign_batch(
    known: list[ClusterItem], new: list[ClusterItem], threshold: float
) -> dict[int, str]:
    if not new:
        return {}
    import numpy as np

    items = [*new, *known]
    m = _matrix(items)
    sim = (m @ m.T).toarray()
    k = len(new)
    result: dict[int, str] = {}
    stories: dict[str, list[int]] = {}
    for j, it in enumerate(known, start=k):
        stories.setdefault(str(it.story_id), []).append(j)
    for group in _groups(sim[:k, :k], threshold):
        members = [new[i] for i in group]
        times: list[datetime] = [it.time for it in members if it.time is not None]
        best: tuple[float, str] | None = None
        for sid, idx in stories.items():
            if len(idx) >= MAX_STORY_SIZE:
                continue
            story_times: list[datetime] = [t for j in idx if (t := items[j].time) is not None]
            if times and story_times and min(times) - max(story_times) > WINDOW:
                continue
            score = float(np.mean(sim[np.ix_(group, idx)]))
            if score >= threshold and (best is None or (score, sid) > best):
                best = (score, sid)
        if best is not None:
            sid = best[1]
        else:
            founder = min(members, key=_order)
            sid = story_id_for(founder.seed or str(founder.id))
            stories[sid] = []
        stories[sid].extend(group)
        for it in members:
            result[it.id] = sid
    return result
