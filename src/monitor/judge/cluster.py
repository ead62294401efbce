"""Stories: articles about the same event, kept across days.

    new articles ──► evidence per pair: TF-IDF cosine (title weighted, opening words, names
                     boosted) and agreements (each article's most-mentioned names and its
                     numbers found in the other, or not)
                 ──► probability of one event (a logistic model; none for articles
                     published more than MAX_DAYS_APART apart)
                 ──► average-link clustering among themselves (order does not matter)
                 ──► each group joins the existing story whose JOIN_TOP members closest to it
                     report its event most likely on average (stories active within WINDOW
                     of it), or founds a new story

The evidence is computed in features.py; this module holds the model that weighs it and the
grouping. The decision is pure: the caller stores the result. The model's weights were
fitted on half of the ECB+ topics, whose topics each hold two events of the same kind, and
half of the beats of a day's world news feeds (Feb 2026, short feed summaries), and are
reported on the other halves.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.judge.features import Profile, evidence, profile
from monitor.models import NewArticle, StoredArticle

WINDOW = timedelta(days=3)  # a story quiet for longer than this is not joined
MAX_STORY_SIZE = 300  # a story that big is a topic, not an event
BATCH = 1000  # new articles clustered together; more are taken in time-ordered batches
JOIN_TOP = 5  # a group joins a story by its mean probability with this many closest members

# The evidence (features.ALL_FEATURES' names), in this order, and its weights in the
# log-odds that two articles report one event: the TF-IDF cosine, and whether the articles'
# most-mentioned names and their numbers agree (+1), disagree (-1) or cannot be compared (0:
# either names none, as a short feed summary often does). Chosen by leave-one-corpus-out on
# the tuning halves (fit on ECB+, score on the Feb 2026 feeds, and the reverse): each signal
# kept only if it helped both ways, and this set has the best mean of the two. Fitted on the
# tuning halves of both corpora together (`monitor eval fit-clustering
# benchmarks/data/ecbplus.jsonl --also benchmarks/data/clusters-feb2026.jsonl`). Names
# cosines, title cosine, time apart, years, months and weekdays were measured and left out.
FEATURES = ("cosine", "lead_name_signed", "numbers_signed")
WEIGHTS = (13.11, 0.92, 0.83)
BIAS = -4.97
THRESHOLD = 0.4  # average probability at which two groups are one event
MIN_COSINE = 0.05  # pairs sharing less are never one event (the model was fitted above it)
MAX_DAYS_APART = 10.0  # articles published further apart are never one event


def far_apart(times: Sequence[float | None]) -> Any:
    """n×n bool: both times known (POSIX seconds) and more than MAX_DAYS_APART apart."""
    import numpy as np

    t = np.array([np.nan if x is None else x for x in times], dtype=np.float64) / 86400.0
    with np.errstate(invalid="ignore"):
        return np.abs(t[:, None] - t[None, :]) > MAX_DAYS_APART


@dataclass(frozen=True)
class Model:
    """Which evidence counts (features.ALL_FEATURES' names), its weights in the log-odds of
    one event, the bias, and the average probability at which two groups are one event."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = THRESHOLD


MODEL = Model(FEATURES, WEIGHTS, BIAS, THRESHOLD)


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


def preload() -> None:
    """Import what clustering needs (numpy and scipy)."""
    import scipy.cluster.hierarchy
    import scipy.sparse  # noqa: F401


def same_event(
    profiles: list[Profile],
    model: Model = MODEL,
    times: Sequence[float | None] | None = None,
) -> Any:
    """n×n float32 probabilities that two articles report one event (1 on the diagonal);
    `times` (POSIX seconds or None) for a model that weighs the time apart."""
    import numpy as np

    n = len(profiles)
    z = np.full((n, n), model.bias, dtype=np.float32)
    unrelated = np.zeros((n, n), dtype=bool)
    weight = dict(zip(model.features, model.weights, strict=True))
    for name, f in evidence(profiles, ("cosine", *model.features), times):
        if name == "cosine":  # pairs sharing too few words are never one event
            np.less(f, MIN_COSINE, out=unrelated)
            if name in weight:  # not scaled in place: `evidence` uses it again
                z += np.float32(weight[name]) * f
        elif name in weight:
            f *= np.float32(weight[name])
            z += f
        del f
    # the logistic function, in place
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.reciprocal(z, out=z)
    z[unrelated] = 0.0
    if times is not None:  # reports of one event come within days of each other
        z[far_apart(times)] = 0.0
    np.fill_diagonal(z, 1.0)
    return z


def average_link_groups(sim: Any, threshold: float) -> list[list[int]]:
    """Average-link agglomerative clustering, cut where the average similarity < threshold
    (a similarity: a cosine or a probability, 1 on the diagonal)."""
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
    existing: list[ClusterItem],
    new: list[ClusterItem],
    *,
    threshold: float | None = None,
    model: Model = MODEL,
) -> dict[int, str]:
    """Story id for each new item: an existing story it joins, or a new one it founds.

    Large batches (a first poll of many feeds) are taken in time order, BATCH items at a
    time, each batch seeing the stories of the ones before: memory stays O(BATCH²).
    """
    ordered = sorted(new, key=_order)
    known = sorted((it for it in existing if it.story_id is not None), key=_order)[-BATCH:]
    result: dict[int, str] = {}
    profiles: dict[int, Profile] = {}  # a batch's articles are the next batch's known ones
    if threshold is not None:
        model = replace(model, threshold=threshold)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        assigned = _assign_batch(known, chunk, model, profiles)
        result.update(assigned)
        known = [
            *known,
            *(ClusterItem(it.id, it.title, it.text, it.time, assigned[it.id]) for it in chunk),
        ][-BATCH:]
        profiles = {it.id: profiles[it.id] for it in known}
    return result


def _assign_batch(
    known: list[ClusterItem],
    new: list[ClusterItem],
    model: Model,
    profiles: dict[int, Profile],
) -> dict[int, str]:
    """Cluster `new` among themselves, then take the groups in order: each joins the story
    (known, or founded by an earlier group) with the highest average probability of one
    event with it, if that reaches `threshold`, the story is not over MAX_STORY_SIZE and was
    active within WINDOW of the group; otherwise it founds a story.

    The group-to-story probability sums come from two matrix products and are updated as
    groups join or found stories, so the cost is not a Python loop over every pair.
    """
    if not new:
        return {}
    import numpy as np

    items = [*new, *known]
    for it in items:  # `profiles` keeps them for the next batch
        if it.id not in profiles:
            profiles[it.id] = profile(it.title, it.text)
    threshold = model.threshold
    posix = [None if it.time is None else it.time.timestamp() for it in items]
    sim = same_event([profiles[it.id] for it in items], model, posix)
    k = len(new)
    groups = average_link_groups(sim[:k, :k], threshold)
    n_groups = len(groups)
    gind = np.zeros((n_groups, k))
    for j, group in enumerate(groups):
        gind[j, group] = 1.0
    # each group's mean probability of one event with every item, new (first k) and known
    to_item = (gind @ sim[:k, :]) / gind.sum(axis=1)[:, None]

    def stamp(times: list[datetime], pick: Any) -> float:
        return float(pick(t.timestamp() for t in times)) if times else math.nan

    members_of: dict[str, list[int]] = {}
    for j, it in enumerate(known):
        members_of.setdefault(str(it.story_id), []).append(k + j)
    sids = list(members_of)
    story_of = np.full(len(items), -1)  # each item's story (index into sids), -1: none yet
    members = [members_of[sid] for sid in sids]
    newest: list[float] = []  # the latest time of each story's members
    for c, idx in enumerate(members):
        story_of[idx] = c
        newest.append(stamp([t for i in idx if (t := items[i].time) is not None], max))
    window = WINDOW.total_seconds()
    result: dict[int, str] = {}
    for j, group in enumerate(groups):
        group_items = [new[i] for i in group]
        times = [it.time for it in group_items if it.time is not None]
        first, last = stamp(times, min), stamp(times, max)
        best: int | None = None
        # A story is a candidate when one of its members is likely enough the same event;
        # its score is the mean over its JOIN_TOP members most likely so (all, if fewer),
        # so a story reported for days, whose later reports share less with its first
        # ones, still takes a report close to its recent ones.
        near = {int(c) for c in story_of[to_item[j] >= threshold] if c >= 0}
        scores: dict[int, float] = {}
        for c in near:
            if len(members[c]) >= MAX_STORY_SIZE:
                continue
            if not (math.isnan(first) or math.isnan(newest[c])) and first - newest[c] > window:
                continue
            probs = to_item[j, members[c]]
            top = np.sort(probs)[-JOIN_TOP:] if len(probs) > JOIN_TOP else probs
            if (score := float(top.mean())) >= threshold:
                scores[c] = score
        if scores:
            top_score = max(scores.values())
            best = max((c for c, v in scores.items() if v == top_score), key=lambda c: sids[c])
        if best is None:
            founder = min(group_items, key=_order)
            sids.append(story_id_for(founder.seed or str(founder.id)))
            members.append([])
            newest.append(math.nan)
            best = len(sids) - 1
        members[best].extend(group)
        story_of[group] = best
        if not math.isnan(last):
            newest[best] = last if math.isnan(newest[best]) else max(newest[best], last)
        for it in group_items:
            result[it.id] = sids[best]
    return result


def stories_of(
    originals: Sequence[tuple[int, NewArticle]], neighbours: Iterable[StoredArticle]
) -> dict[str, str]:
    """The story of each new original article (by canonical URL): a story of the stored
    `neighbours` that it joins, or a new one it founds. `originals` carry temporary ids."""
    assigned = assign_stories(
        [
            ClusterItem(a.id, a.title, a.text, a.published, a.story_id)
            for a in neighbours
            if a.duplicate_of is None and a.story_id
        ],
        [
            ClusterItem(tmp, a.title, a.text, a.published, seed=a.canonical_url)
            for tmp, a in originals
        ],
    )
    return {a.canonical_url: assigned[tmp] for tmp, a in originals}
