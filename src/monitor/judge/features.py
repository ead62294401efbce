"""The evidence that two articles report one event, which the clustering model weighs.

Each article gets a profile: its weighted terms (the title weighted, the opening words,
names boosted), its names, and the years, months, weekdays and other numbers it mentions.
For a batch of articles, the evidence is a series of n×n matrices (ALL_FEATURES: cosines,
conflicts, agreements, time apart), of which the model (cluster.FEATURES) weighs a few.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.text import STOPWORDS, Background, background, stem, words

TITLE_WEIGHT = 3
# The opening compared: reports of one event agree most at their start, and a page's whole
# text would be compared unlike a feed's summary (400 fitted worse across corpora).
LEAD_WORDS = 200
NAME_WEIGHT = 3.0  # capitalised words (names, places) count this much extra

_NAME = re.compile(r"\b[A-Z][a-zA-Z]+")
_MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
_MONTHS = {m: m[:3] for m in _MONTH_NAMES.split()} | {m[:3]: m[:3] for m in _MONTH_NAMES.split()}
_MONTHS["Sept"] = "Sep"
_WEEKDAYS = frozenset("Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")


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
    title_terms: Counter[str] = field(default_factory=Counter)  # title's stems (title_cosine)


def profile(title: str, text: str) -> Profile:
    lead = " ".join(text.split()[:LEAD_WORDS])
    title_terms: Counter[str] = Counter(
        stem(w) for w in words(title) if len(w) > 2 and not w.isdigit() and w not in STOPWORDS
    )
    counts: Counter[str] = Counter({t: TITLE_WEIGHT * c for t, c in title_terms.items()})
    counts.update(
        stem(w) for w in words(lead) if len(w) > 2 and not w.isdigit() and w not in STOPWORDS
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
        title_terms=title_terms,
    )


def _headline_case(title: str) -> bool:
    """Most words past the first capitalised ("Talks Resume In Geneva"), where a sentence
    keeps its verbs and nouns lower case ("Ukraine and Russia hold talks in Geneva")."""
    longer = [w for w in title.split()[1:] if len(w) > 3 and w[0].isalpha()]
    return bool(longer) and sum(w[0].isupper() for w in longer) >= 0.8 * len(longer)


# Every feature evidence() can compute, in the order it yields them. The model (cluster.py)
# weighs a chosen subset; the others are not computed.
ALL_FEATURES = (
    "cosine",  # TF-IDF cosine (title weighted, opening words, names boosted)
    "name_cosine",  # cosine of the names alone, plain log-tf
    "rare_name_cosine",  # cosine of the names weighted by rarity in the batch and background
    "title_cosine",  # TF-IDF cosine of the titles alone
    "lead_name",  # each article's most-mentioned names missing from the other
    "years",  # disjoint years, months, weekdays, other numbers
    "months",
    "weekdays",
    "numbers",
    "days_apart",  # publication times apart, in days, up to DAYS_APART (0 when unknown)
    # Signed versions of the conflicts: +1 where both hold values and share one, -1 where
    # they share none, 0 where either has none; so an article too short to mention any
    # (a feed summary) is neither evidence for nor against.
    "lead_name_signed",
    "years_signed",
    "months_signed",
    "weekdays_signed",
    "numbers_signed",
)
DAYS_APART = 7.0


def evidence(
    profiles: list[Profile],
    wanted: Sequence[str] = ALL_FEATURES,
    times: Sequence[float | None] | None = None,
) -> Iterator[tuple[str, Any]]:
    """(name, n×n float32 matrix) for each feature of `wanted`, in ALL_FEATURES' order, one at
    a time, so that a batch of 2,000 articles holds few such matrices. `times` are POSIX
    seconds (None: unknown) for days_apart. The TF-IDF cosine is always computed (the other
    cosines fall back on it for articles without names)."""
    import numpy as np

    want = set(wanted)
    cos = _cosines(tfidf([p.terms for p in profiles], background=background()))
    if "cosine" in want:
        yield "cosine", cos
    known = {n for p in profiles for n in p.names}
    named = [p.names + Counter(p.title_words & known) for p in profiles]
    # Without names (a short feed summary, say) the words stand in for them.
    unnamed = np.array([not c for c in named])
    either = unnamed[:, None] | unnamed[None, :]
    name_terms = [Counter({"=" + k: v for k, v in c.items()}) for c in named]
    if "name_cosine" in want:
        # Plain log-tf: a batch's own name frequencies are too few to weigh them by.
        name_cos = _cosines(tfidf(name_terms, idf=False))
        name_cos[either] = cos[either]
        yield "name_cosine", name_cos
        del name_cos
    if "rare_name_cosine" in want:
        # Names every article of the batch shares (a beat's Trump, Putin) weigh little;
        # counting the background news keeps a small batch's weights sane.
        rare = _cosines(tfidf(name_terms, background=background()))
        rare[either] = cos[either]
        yield "rare_name_cosine", rare
        del rare
    del either, cos
    if "title_cosine" in want:
        yield (
            "title_cosine",
            _cosines(tfidf([p.title_terms for p in profiles], background=background())),
        )
    if "lead_name" in want:
        yield "lead_name", _lead_name_conflict(profiles, named)
    for values in ("years", "months", "weekdays", "numbers"):
        if values in want:
            yield values, _conflict([getattr(p, values) for p in profiles])
    if "days_apart" in want:
        yield "days_apart", _days_apart(times or [None] * len(profiles))
    if "lead_name_signed" in want:
        missing = _lead_name_conflict(profiles, named)
        has = np.array([max(p.names.values(), default=0) >= 2 for p in profiles])
        signed = 1.0 - 2.0 * missing
        signed[~(has[:, None] & has[None, :])] = 0.0  # either without lead names: 0
        yield "lead_name_signed", signed.astype(np.float32)
    for values in ("years", "months", "weekdays", "numbers"):
        if values + "_signed" in want:
            yield values + "_signed", _signed([getattr(p, values) for p in profiles])


def _signed(sets: list[frozenset[str]]) -> Any:
    """+1 where both items hold values and share one, -1 where they share none, else 0."""
    import numpy as np

    has = np.array([bool(s) for s in sets])
    out = np.empty((len(sets), len(sets)), dtype=np.float32)
    for r, shared in _products(_incidence(sets)):
        both = has[r : r + len(shared), None] & has[None, :]
        out[r : r + len(shared)] = np.where(both, np.where(shared > 0, 1.0, -1.0), 0.0)
    return out


def _days_apart(times: Sequence[float | None]) -> Any:
    """|t_i - t_j| in days, capped at DAYS_APART; 0 where either time is unknown."""
    import numpy as np

    t = np.array([np.nan if x is None else x for x in times], dtype=np.float64) / 86400.0
    out = np.abs(t[:, None] - t[None, :])
    np.nan_to_num(out, copy=False, nan=0.0)
    np.minimum(out, DAYS_APART, out=out)
    return out.astype(np.float32)


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
