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
from functools import lru_cache
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


@lru_cache(maxsize=200_000)
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
    """Rows of L2-normalised TF-IDF vectors of the items' terms (a scipy sparse matrix)."""
    return tfidf([terms(it.title, it.text) for it in items])


def tfidf(tfs: list[Counter[str]]) -> Any:
    """Rows of L2-normalised TF-IDF vectors (log tf, smoothed idf) of term counts."""
    import numpy as np
    from scipy import sparse

    df: Counter[str] = Counter()
    for tf in tfs:
        df.update(tf.keys())
    n = len(tfs)
    vocab = {t: i for i, t in enumerate(sorted(df))}
    rows = np.repeat(np.arange(n), [len(tf) for tf in tfs])
    cols = np.fromiter((vocab[t] for tf in tfs for t in tf), dtype=np.int64, count=len(rows))
    counts = np.fromiter((c for tf in tfs for c in tf.values()), dtype=np.float64, count=len(rows))
    doc_freq = np.array([df[t] for t in sorted(df)], dtype=np.float64)
    idf = np.log((n + 1) / (doc_freq + 1)) + 1.0
    vals = (1 + np.log(counts)) * idf[cols]
    m = sparse.csr_matrix((vals, (rows, cols)), shape=(n, max(1, len(vocab))))
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
    """Cluster `new` among themselves, then take the groups in order: each joins the story
    (known, or founded by an earlier group) with the highest average similarity to it, if
    that reaches `threshold`, the story is not over MAX_STORY_SIZE and was active within
    WINDOW of the group; otherwise it founds a story.

    The group-to-story similarity sums come from two matrix products and are updated as
    groups join or found stories, so the cost is not a Python loop over every pair.
    """
    if not new:
        return {}
    import numpy as np

    items = [*new, *known]
    m = _matrix(items)
    sim = (m @ m.T).toarray()
    k = len(new)
    groups = _groups(sim[:k, :k], threshold)
    n_groups = len(groups)
    gind = np.zeros((n_groups, k))
    for j, group in enumerate(groups):
        gind[j, group] = 1.0
    gsize = gind.sum(axis=1)
    gg = gind @ sim[:k, :k] @ gind.T  # group-to-group similarity sums

    def stamp(times: list[datetime], pick: Any) -> float:
        return float(pick(t.timestamp() for t in times)) if times else math.nan

    members_of: dict[str, list[int]] = {}
    for j, it in enumerate(known):
        members_of.setdefault(str(it.story_id), []).append(j)
    sids = list(members_of)
    cap = len(sids) + n_groups
    sums = np.zeros((n_groups, cap))
    size = np.zeros(cap)
    newest = np.full(cap, math.nan)  # the latest time of each story's members
    if sids:
        sind = np.zeros((len(sids), len(known)))
        for c, sid in enumerate(sids):
            idx = members_of[sid]
            sind[c, idx] = 1.0
            size[c] = len(idx)
            newest[c] = stamp([t for j in idx if (t := known[j].time) is not None], max)
        sums[:, : len(sids)] = gind @ sim[:k, k:] @ sind.T
    count = len(sids)
    window = WINDOW.total_seconds()
    result: dict[int, str] = {}
    for j, group in enumerate(groups):
        members = [new[i] for i in group]
        times = [it.time for it in members if it.time is not None]
        first, last = stamp(times, min), stamp(times, max)
        best: int | None = None
        if count:
            score = sums[j, :count] / (gsize[j] * size[:count])
            ok = (size[:count] < MAX_STORY_SIZE) & (score >= threshold)
            if not math.isnan(first):
                with np.errstate(invalid="ignore"):
                    ok &= ~(first - newest[:count] > window)  # NaN: no times, no limit
            candidates = np.flatnonzero(ok)
            if len(candidates):
                top = score[candidates].max()
                tied = [int(c) for c in candidates if score[c] == top]
                best = max(tied, key=lambda c: sids[c])
        if best is None:
            founder = min(members, key=_order)
            sids.append(story_id_for(founder.seed or str(founder.id)))
            best = count
            count += 1
        sums[:, best] += gg[:, j]
        size[best] += gsize[j]
        if not math.isnan(last):
            newest[best] = last if math.isnan(newest[best]) else max(newest[best], last)
        for it in members:
            result[it.id] = sids[best]
    return result
