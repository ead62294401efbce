"""`monitor eval`: measure the project's own stages against labelled data.

    extraction  folder in the article-extraction-benchmark layout -> shingle P/R/F1, speed,
                beside trafilatura.extract with its defaults, timed in the same run
    clustering  JSONL {id, title, text, date?, cluster_id} -> B-cubed and pairwise P/R/F1
    relevance   JSONL {id, title, summary, text?, label} -> P/R/F1 of the topic query
    summaries   JSONL {id, documents: [text], summary} -> ROUGE-1/2/L F beside a lead baseline
    timeline    folder: articles.jsonl {id, date, title, text, url?}, timeline.jsonl {date,
                summary} -> ROUGE-1/2 F of each reference date's points beside a lead baseline
    facets      JSONL {id, text, facet} -> accuracy, per-facet precision/recall, confusions

Every evaluation uses the stages and settings the digest uses. `split` selects half of the
items (by topic for clustering, by id otherwise) so settings can be tuned on one half and
reported on the other.

Each kind is a module of its own (eval_extraction, eval_clustering, eval_relevance,
eval_summaries, eval_timeline, eval_facets); this one holds what they share: reading the
data, the splits and the scores (F1, B-cubed, pairwise, intervals by resampling topics,
ROUGE at the reference's length).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from monitor.errors import EvalDataError, EvalError

SPLITS = ("all", "tune", "test")


def eval_library(module: str) -> Any:
    """Import a library of the `eval` extra, or say how to install it (exit code 1)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EvalError(
            f"evaluation needs the eval extra, which is not installed ({exc}): "
            "run pip install -e '.[eval]' in the checkout"
        ) from exc


def in_split(key: str, split: str) -> bool:
    """A stable half of the keys: 'tune' and 'test' are complements."""
    if split == "all":
        return True
    tune = int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 2 == 0
    return tune if split == "tune" else not tune


def jsonl_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; input that cannot be read as one JSON
    object a line is exit 2, naming the file and line."""
    if not path.is_file():
        raise EvalDataError(f"{path}: no such file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalDataError(f"cannot read {path}: {exc}") from exc
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise EvalDataError(f"{path}:{n}: not JSON: {exc}") from exc
        if not isinstance(row, dict):
            raise EvalDataError(f"{path}:{n}: not a JSON object")
        out.append((n, row))
    return out


def read_jsonl(path: Path, required: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The objects of a JSONL file, each holding the `required` keys (exit 2 and which line,
    not a KeyError later)."""
    out = []
    for n, row in jsonl_rows(path):
        if missing := [k for k in required if row.get(k) in (None, "")]:
            raise EvalDataError(f"{path}:{n}: no {', '.join(missing)}")
        out.append(row)
    return out


# -- scores -----------------------------------------------------------------------------


def mean(values: Iterable[float]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0


def cut(text: str, words: int) -> str:
    """The first `words` words of `text`."""
    return " ".join(text.split()[:words])


def rouge_at_length(scorer: Any, reference: str, candidate: str) -> dict[str, float]:
    """rouge-score's F-measures of `candidate` cut to the reference's word count, so a
    longer summary gains no recall by its length alone."""
    scores = scorer.score(reference, cut(candidate, len(reference.split())))
    return {kind: value.fmeasure for kind, value in scores.items()}


def f1_score(p: float, r: float) -> float:
    """The harmonic mean of precision and recall (0 when both are 0)."""
    return 2 * p * r / (p + r) if p + r else 0.0


def natural_key(key: str) -> tuple[int, str]:
    """Sorts topic ids as numbers where they are numbers."""
    return (int(key), "") if key.isdigit() else (1 << 62, key)


def _b_cubed_parts(pred: dict[str, str], gold: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Each document's B-cubed precision and recall."""
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_gold: dict[str, set[str]] = defaultdict(set)
    for d in pred:
        by_pred[pred[d]].add(d)
        by_gold[gold[d]].add(d)
    parts = {}
    for d in pred:
        both = len(by_pred[pred[d]] & by_gold[gold[d]])
        parts[d] = (both / len(by_pred[pred[d]]), both / len(by_gold[gold[d]]))
    return parts


def b_cubed(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of clusters `pred` against `gold` (id -> cluster)."""
    parts = _b_cubed_parts(pred, gold).values()
    n = len(parts) or 1
    p = sum(x for x, _ in parts) / n
    r = sum(y for _, y in parts) / n
    return p, r, f1_score(p, r)


BOOTSTRAP_SAMPLES = 1000


def topic_intervals(
    topic_of: dict[str, str],
    pred: dict[str, str],
    base: dict[str, str],
    gold: dict[str, str],
) -> tuple[list[float], list[float]]:
    """95 % intervals of B-cubed F1 and of its gain over the baseline, from resampling the
    topics with replacement (a fixed seed: the same data gives the same figures). Topics,
    not documents, are the unit: a topic's documents stand or fall together."""
    import numpy as np

    topics = sorted(set(topic_of.values()), key=natural_key)
    index = {t: k for k, t in enumerate(topics)}
    sums = np.zeros((len(topics), 5))  # precision, recall (model), precision, recall (base), n
    for parts, col in ((_b_cubed_parts(pred, gold), 0), (_b_cubed_parts(base, gold), 2)):
        for d, (p, r) in parts.items():
            sums[index[topic_of[d]], col : col + 2] += (p, r)
    for d in pred:
        sums[index[topic_of[d]], 4] += 1
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(topics), size=(BOOTSTRAP_SAMPLES, len(topics)))
    totals = sums[picks].sum(axis=1)  # samples × 5
    f1 = np.array([f1_score(t[0] / t[4], t[1] / t[4]) for t in totals])
    base_f1 = np.array([f1_score(t[2] / t[4], t[3] / t[4]) for t in totals])

    def interval(values: Any) -> list[float]:
        lo, hi = np.percentile(values, [2.5, 97.5])
        return [round(float(lo), 4), round(float(hi), 4)]

    return interval(f1), interval(f1 - base_f1)


def pairwise(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """Precision, recall and F1 over the pairs of documents put in one cluster."""

    def pairs(labels: dict[str, str]) -> set[tuple[str, str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for d, c in labels.items():
            groups[c].append(d)
        out: set[tuple[str, str]] = set()
        for members in groups.values():
            members.sort()
            out.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
        return out

    pp, gp = pairs(pred), pairs(gold)
    both = len(pp & gp)
    p = both / len(pp) if pp else 1.0
    r = both / len(gp) if gp else 1.0
    return p, r, f1_score(p, r)
