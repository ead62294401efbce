"""`monitor eval clustering` and `fit-clustering`: story clustering against labelled events.

Halves by topic (tuning must not see the events it is scored on); the baseline is plain
TF-IDF average-link clustering with its threshold tuned on the tuning topics.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.errors import EvalError
from monitor.tools.evaluate import (
    b_cubed,
    eval_library,
    natural_key,
    pairwise,
    read_jsonl,
    topic_intervals,
)


def _parse_date(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    dateparser = eval_library("dateutil.parser")
    try:
        parsed = dateparser.parse(value, fuzzy=True, default=datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        return None
    if not isinstance(parsed, datetime):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _clustering_docs(
    path: Path, split: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[str]]:
    """All documents, the selected ones and the tuning topics. Halves by topic, alternating over the
    sorted topics, so that both halves hold whole topics (tuning must not see the events it
    is scored on)."""
    docs = read_jsonl(path)
    topics = sorted({str(d.get("topic_id", d["id"])) for d in docs}, key=natural_key)
    tune = set(topics[::2])
    selected = [
        d
        for d in docs
        if split == "all" or (str(d.get("topic_id", d["id"])) in tune) == (split == "tune")
    ]
    if not selected:
        raise EvalError("no documents selected")
    return docs, selected, tune


def eval_clustering(path: Path, split: str = "all") -> dict[str, Any]:
    from monitor.judge.cluster import ClusterItem, assign_stories

    docs, selected, tune = _clustering_docs(path, split)

    def cluster(batch: list[dict[str, Any]]) -> dict[str, str]:
        items = [
            ClusterItem(
                id=i,
                title=str(d.get("title") or ""),
                text=str(d.get("text") or ""),
                time=_parse_date(d.get("date")),
                seed=str(d["id"]),
            )
            for i, d in enumerate(batch)
        ]
        return {str(batch[i]["id"]): sid for i, sid in assign_stories([], items).items()}

    started = time.perf_counter()
    pred = cluster(selected)
    elapsed = time.perf_counter() - started
    gold = {str(d["id"]): str(d["cluster_id"]) for d in selected}
    bp, br, bf = b_cubed(pred, gold)
    # The monitor's own batches are of one topic: each topic clustered alone as well.
    topic_of = {str(d["id"]): str(d.get("topic_id", d["id"])) for d in selected}
    alone: dict[str, str] = {}
    for topic in sorted(set(topic_of.values()), key=natural_key):
        batch = [d for d in selected if topic_of[str(d["id"])] == topic]
        alone.update({d: f"{topic}/{sid}" for d, sid in cluster(batch).items()})
    ap, ar, af = b_cubed(alone, gold)
    pp, pr, pf = pairwise(pred, gold)
    # The baseline: plain TF-IDF average-link clustering, its threshold tuned on the tuning
    # topics (whatever split is scored), then applied to the selected documents.
    tune_docs = [d for d in docs if str(d.get("topic_id", d["id"])) in tune] or selected
    tune_gold = {str(d["id"]): str(d["cluster_id"]) for d in tune_docs}
    best_t = max(
        BASELINE_THRESHOLDS,
        key=lambda t: (b_cubed(_baseline_labels(tune_docs, t), tune_gold)[2], -t),
    )
    base = _baseline_labels(selected, best_t)
    base_f1 = b_cubed(base, gold)[2]
    f1_interval, gain_interval = topic_intervals(topic_of, pred, base, gold)
    return {
        "documents": len(selected),
        "clusters": len(set(pred.values())),
        "gold_clusters": len(set(gold.values())),
        "b3_f1": bf,
        "b3_precision": bp,
        "b3_recall": br,
        "pair_f1": pf,
        "pair_precision": pp,
        "pair_recall": pr,
        "docs_per_second": len(selected) / elapsed if elapsed else 0.0,
        "baseline_b3_f1": base_f1,
        "baseline_threshold": best_t,
        "b3_f1_interval": f1_interval,
        "b3_f1_gain_interval": gain_interval,
        "topic_alone_b3_f1": af,
        "topic_alone_b3_precision": ap,
        "topic_alone_b3_recall": ar,
    }


def fit_clustering(path: Path, split: str = "tune", l2: float = 1.0) -> dict[str, Any]:
    """Fit the clustering model's weights (cluster.FEATURES, BIAS) by L2-regularised logistic
    regression on the pairs of selected documents that share at least MIN_COSINE: 1 when
    they are labelled one event. Prints what cluster.py holds; refit after changing a
    feature."""
    import numpy as np
    from scipy.optimize import minimize

    from monitor.judge.cluster import FEATURES, MIN_COSINE
    from monitor.judge.features import evidence, profile

    _, selected, _ = _clustering_docs(path, split)
    labels = np.array([str(d["cluster_id"]) for d in selected])
    columns = []
    profiles = [profile(str(d.get("title") or ""), str(d.get("text") or "")) for d in selected]
    for i, f in enumerate(evidence(profiles)):
        if i == 0:  # the cosine
            pick = np.triu(f >= MIN_COSINE, 1)
        columns.append(f[pick].astype(np.float64))
    x = np.stack([*columns, np.ones(len(columns[0]))], axis=1)
    y = (labels[:, None] == labels[None, :])[pick].astype(np.float64)
    ridge = np.r_[np.full(len(FEATURES), l2), 0.0]  # the bias is not shrunk

    def loss(w: Any) -> tuple[float, Any]:
        z = x @ w
        value = float(np.sum(np.logaddexp(0.0, z) - y * z) + np.sum(ridge * w * w))
        grad = x.T @ (1.0 / (1.0 + np.exp(-z)) - y) + 2.0 * ridge * w
        return value, grad

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    return {
        "pairs": int(pick.sum()),
        "same_event_pairs": int(y.sum()),
        "weights": {name: round(float(v), 2) for name, v in zip(FEATURES, w[:-1], strict=True)},
        "bias": round(float(w[-1]), 2),
    }


BASELINE_THRESHOLDS = tuple(round(0.05 + 0.01 * i, 2) for i in range(36))


def _baseline_labels(docs: list[dict[str, Any]], threshold: float) -> dict[str, str]:
    """Plain TF-IDF (title and text words, stop words out) cosine, average link: the
    project's clustering without its title weighting, name boost and stemming."""
    from monitor.judge.cluster import average_link_groups
    from monitor.judge.features import tfidf
    from monitor.text import STOPWORDS, words

    m = tfidf(
        [
            Counter(
                w
                for w in words(f"{d.get('title') or ''} {d.get('text') or ''}")
                if len(w) > 2 and w not in STOPWORDS
            )
            for d in docs
        ]
    )
    labels: dict[str, str] = {}
    for k, group in enumerate(average_link_groups((m @ m.T).toarray(), threshold)):
        for i in group:
            labels[str(docs[i]["id"])] = str(k)
    return labels
