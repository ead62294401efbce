"""Stories: articles about the same event, kept across days.

    new articles ──► evidence per pair: TF-IDF cosine (title weighted, opening words, names
                     boosted), cosine of the names alone, and conflicts (each article's
                     most-mentioned name absent from the other; disjoint years, months,
                     weekdays or numbers) ──► probability of one event (a logistic model)
                 ──► average-link clustering among themselves (order does not matter)
                 ──► each group joins the existing story it most likely belongs to on average
                     (stories active within WINDOW of it), or founds a new story

The decision is pure: the caller stores the result. The model's weights were fitted on half
of the ECB+ topics (`monitor eval fit-clustering --split tune`), whose topics each hold two
events of the same kind, and are reported on the other half.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.models import NewArticle, StoredArticle
from monitor.text import STOPWORDS, Background, background, stem, words

TITLE_WEIGHT = 3
LEAD_WORDS = 400
NAME_WEIGHT = 3.0  # capitalised words (names, places) count this much extra
WINDOW = timedelta(days=3)  # a story quiet for longer than this is not joined
MAX_STORY_SIZE = 300  # a story that big is a topic, not an event
BATCH = 1000  # new articles clustered together; more are taken in time-ordered batches

# The evidence, in this order, and its weights in the log-odds that two articles report one
# event. Cosines add; a conflict (1 when each article's salient values are missing from the
# other, 0 when either has none) subtracts.
FEATURES = ("cosine", "name_cosine", "lead_name", "years", "months", "weekdays", "numbers")
WEIGHTS = (7.68, 4.90, -1.27, -1.12, -0.76, -0.55, -1.18)
BIAS = -3.21
THRESHOLD = 0.5  # average probability at which two groups are one event
MIN_COSINE = 0.05  # pairs sharing less are never one event (the model was fitted above it)

_NAME = re.compile(r"\b[A-Z][a-zA-Z]+")
_MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
_MONTHS = {m: m[:3] for m in _MONTH_NAMES.split()} | {m[:3]: m[:3] for m in _MONTH_NAMES.split()}
_MONTHS["Sept"] = "Sep"
_WEEKDAYS = frozenset("Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")


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


@dataclass(frozen=True)
class Profile:
    """What the evidence is computed from, for one article."""

    terms: Counter[str]  # weighted terms: title words ×TITLE_WEIGHT, names boosted
    names: Counter[str]  # stemmed capitalised words (title, opening), with their counts
    years: frozenset[str]
    months: frozenset[str]
    weekdays: frozenset[str]
    numbers: frozenset[str]  # other than years
    title_words: frozenset[str] = frozenset()  # a Headline Case title's capitalised words


def profile(title: str, text: str) -> Profile:
    lead = " ".join(text.split()[:LEAD_WORDS])
    toks = words(title) * TITLE_WEIGHT + words(lead)
    counts: Counter[str] = Counter(
        stem(w) for w in toks if len(w) > 2 and not w.isdigit() and w not in STOPWORDS
    )
    capitals = _NAME.findall(lead)
    # A title's capitals mark names only when it is written as a sentence; in Headline Case
    # its words count as names where other articles' texts use them as names (`evidence`).
    headline = _headline_case(title)
    title_names = [stem(w) for n in _NAME.findall(title) if (w := n.lower()) not in STOPWORDS]
    names: Counter[str] = Counter(stem(w) for n in capitals if (w := n.lower()) not in STOPWORDS)
    if not headline:
        names.update(title_names)
    for name, c in names.items():
        counts["=" + name] += NAME_WEIGHT * c  # type: ignore[assignment]  # float weight
    numbers = frozenset(_NUMBER.findall(lead))
    years = frozenset(n for n in numbers if n.isdigit() and len(n) == 4 and "1950" <= n <= "2049")
    return Profile(
        terms=counts,
        names=names,
        years=years,
        months=frozenset(_MONTHS[c] for c in capitals if c in _MONTHS),
        weekdays=frozenset(c for c in capitals if c in _WEEKDAYS),
        numbers=numbers - years,
        title_words=frozenset(title_names) if headline else frozenset(),
    )


def _headline_case(title: str) -> bool:
    """Most words past the first capitalised ("Talks Resume In Geneva"), where a sentence
    keeps its verbs and nouns lower case ("Ukraine and Russia hold talks in Geneva")."""
    longer = [w for w in title.split()[1:] if len(w) > 3 and w[0].isalpha()]
    return bool(longer) and sum(w[0].isupper() for w in longer) >= 0.8 * len(longer)


def preload() -> None:
    """Import what clustering needs (numpy and scipy)."""
    import scipy.cluster.hierarchy
    import scipy.sparse  # noqa: F401


def evidence(profiles: list[Profile]) -> Iterator[Any]:
    """Each feature of FEATURES in turn (the first is the TF-IDF cosine), as an n×n float32
    matrix; one at a time, so that a batch of 2,000 articles holds few such matrices."""
    import numpy as np

    cos = _cosines(tfidf([p.terms for p in profiles], background=background()))
    yield cos
    known = {n for p in profiles for n in p.names}
    named = [p.names + Counter(p.title_words & known) for p in profiles]
    # Plain log-tf for names: a batch's name frequencies are too few to weigh them by.
    names = tfidf([Counter({"=" + k: v for k, v in c.items()}) for c in named], idf=False)
    name_cos = _cosines(names)
    # Without names (a short feed summary, say) the words stand in for them.
    unnamed = np.array([not c for c in named])
    either = unnamed[:, None] | unnamed[None, :]
    name_cos[either] = cos[either]
    del either, cos
    yield name_cos
    del name_cos
    yield _lead_name_conflict(profiles, named)
    for values in ("years", "months", "weekdays", "numbers"):
        yield _conflict([getattr(p, values) for p in profiles])


def _products(m: Any, rows: int = 256) -> Iterator[tuple[int, Any]]:
    """(first row, dense rows of m @ m.T) for a block of rows at a time: the sparse product
    of 2,000 articles at once would take ~100 MB (numbers are shared by most pairs)."""
    t = m.T.tocsr()
    for r in range(0, m.shape[0], rows):
        yield r, (m[r : r + rows] @ t).toarray()


def _cosines(m: Any) -> Any:
    """m @ m.T of L2-normalised sparse rows as a dense float32 matrix."""
    import numpy as np

    out = np.empty((m.shape[0], m.shape[0]), dtype=np.float32)
    for r, block in _products(m):
        out[r : r + len(block)] = block
    return out


def same_event(profiles: list[Profile]) -> Any:
    """n×n float32 probabilities that two articles report one event (1 on the diagonal)."""
    import numpy as np

    n = len(profiles)
    z = np.full((n, n), BIAS, dtype=np.float32)
    unrelated = np.zeros((n, n), dtype=bool)
    for i, (w, f) in enumerate(zip(WEIGHTS, evidence(profiles), strict=True)):
        if i == 0:  # the cosine, which `evidence` uses again: not scaled in place
            np.less(f, MIN_COSINE, out=unrelated)
            z += np.float32(w) * f
        else:
            f *= np.float32(w)
            z += f
        del f
    # the logistic function, in place
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.reciprocal(z, out=z)
    z[unrelated] = 0.0
    np.fill_diagonal(z, 1.0)
    return z


def _incidence(sets: list[Any]) -> Any:
    """Rows of 0/1 over the values the items hold (a scipy sparse matrix)."""
    import numpy as np
    from scipy import sparse

    vocab: dict[str, int] = {}
    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [vocab.setdefault(v, len(vocab)) for s in sets for v in sorted(s)]
    return sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(len(sets), max(1, len(vocab))),
    )


def _conflict(sets: list[frozenset[str]]) -> Any:
    """1 where both items hold values and share none."""
    import numpy as np

    has = np.array([bool(s) for s in sets])
    out = np.empty((len(sets), len(sets)), dtype=np.float32)
    for r, shared in _products(_incidence(sets)):
        out[r : r + len(shared)] = (shared == 0) & has[r : r + len(shared), None] & has[None, :]
    return out


def _lead_name_conflict(profiles: list[Profile], named: list[Counter[str]]) -> Any:
    """How far each article's most-mentioned names (mentioned at least twice; all of them
    when tied) are missing from the other, the smaller of the two ways: 1 when neither
    mentions the other's."""
    import numpy as np

    leads: list[frozenset[str]] = []
    for p in profiles:
        top = max(p.names.values(), default=0)
        leads.append(frozenset(n for n, c in p.names.items() if c == top >= 2))
    both = _incidence([*leads, *(frozenset(c) for c in named)])
    n = len(profiles)
    sizes = np.array([len(lead) for lead in leads], dtype=np.float32)
    has = sizes > 0
    sizes[~has] = 1.0
    missing = (both[:n] @ both[n:].T).toarray()  # how many of i's lead names j mentions
    missing /= sizes[:, None]
    np.subtract(1.0, missing, out=missing)
    missing[~has] = 0.0
    np.minimum(missing, missing.T, out=missing)
    return missing


def tfidf(tfs: list[Counter[str]], idf: bool = True, background: Background | None = None) -> Any:
    """Rows of L2-normalised TF-IDF vectors (log tf, smoothed idf unless `idf` is false) of
    term counts; `background` documents count as part of the collection."""
    import numpy as np
    from scipy import sparse

    df: Counter[str] = Counter()
    for tf in tfs:
        df.update(tf.keys())
    n = len(tfs)
    terms = sorted(df)
    vocab = {t: i for i, t in enumerate(terms)}
    rows = np.repeat(np.arange(n), [len(tf) for tf in tfs])
    cols = np.fromiter((vocab[t] for tf in tfs for t in tf), dtype=np.int64, count=len(rows))
    counts = np.fromiter((c for tf in tfs for c in tf.values()), dtype=np.float64, count=len(rows))
    doc_freq = np.array([df[t] for t in terms], dtype=np.float64)
    if background is not None:
        doc_freq += np.array([background.df.get(t, 0) for t in terms], dtype=np.float64)
        n_docs = n + background.documents
    else:
        n_docs = n
    weight = np.log((n_docs + 1) / (doc_freq + 1)) + 1.0 if idf else np.ones_like(doc_freq)
    vals = (1 + np.log(counts)) * weight[cols]
    m = sparse.csr_matrix((vals, (rows, cols)), shape=(n, max(1, len(vocab))))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ m


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
    existing: list[ClusterItem], new: list[ClusterItem], *, threshold: float = THRESHOLD
) -> dict[int, str]:
    """Story id for each new item: an existing story it joins, or a new one it founds.

    Large batches (a first poll of many feeds) are taken in time order, BATCH items at a
    time, each batch seeing the stories of the ones before: memory stays O(BATCH²).
    """
    ordered = sorted(new, key=_order)
    known = sorted((it for it in existing if it.story_id is not None), key=_order)[-BATCH:]
    result: dict[int, str] = {}
    profiles: dict[int, Profile] = {}  # a batch's articles are the next batch's known ones
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        assigned = _assign_batch(known, chunk, threshold, profiles)
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
    threshold: float,
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
    sim = same_event([profiles[it.id] for it in items])
    k = len(new)
    groups = average_link_groups(sim[:k, :k], threshold)
    n_groups = len(groups)
    gind = np.zeros((n_groups, k))
    for j, group in enumerate(groups):
        gind[j, group] = 1.0
    gsize = gind.sum(axis=1)
    gg = gind @ sim[:k, :k] @ gind.T  # group-to-group probability sums

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
