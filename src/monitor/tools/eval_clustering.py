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
    docs = read_jsonl(path, ("id", "cluster_id"))
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


def _items(batch: list[dict[str, Any]]) -> list[Any]:
    from monitor.judge.cluster import ClusterItem

    return [
        ClusterItem(
            id=i,
            title=str(d.get("title") or ""),
            text=str(d.get("text") or ""),
            time=_parse_date(d.get("date")),
            seed=str(d["id"]),
        )
        for i, d in enumerate(batch)
    ]


def _cluster(batch: list[dict[str, Any]], model: Any) -> dict[str, str]:
    from monitor.judge.cluster import assign_stories

    assigned = assign_stories([], _items(batch), model=model)
    return {str(batch[i]["id"]): sid for i, sid in assigned.items()}


def eval_clustering(
    path: Path,
    split: str = "all",
    across: Path | None = None,
    model: Any = None,
    features: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Scores of the shipped model (or `model`) on the selected half of `path`; with
    `across`, also the leave-one-corpus-out figures over the same half of both corpora: a
    model fitted on one (features as shipped, weights and cut fitted there) scored on the
    other, both ways; `features` (features.ALL_FEATURES' names) instead of the model's
    for those fits, to compare signals."""
    from monitor.judge.cluster import MODEL
    from monitor.judge.features import ALL_FEATURES

    if unknown := [f for f in features if f not in ALL_FEATURES]:
        raise EvalError(
            f"unknown features: {', '.join(unknown)} (known: {', '.join(ALL_FEATURES)})"
        )

    model = model or MODEL
    docs, selected, tune = _clustering_docs(path, split)
    started = time.perf_counter()
    pred = _cluster(selected, model)
    elapsed = time.perf_counter() - started
    gold = {str(d["id"]): str(d["cluster_id"]) for d in selected}
    bp, br, bf = b_cubed(pred, gold)
    # The monitor's own batches are of one topic: each topic clustered alone as well.
    topic_of = {str(d["id"]): str(d.get("topic_id", d["id"])) for d in selected}
    alone: dict[str, str] = {}
    for topic in sorted(set(topic_of.values()), key=natural_key):
        batch = [d for d in selected if topic_of[str(d["id"])] == topic]
        alone.update({d: f"{topic}/{sid}" for d, sid in _cluster(batch, model).items()})
    ap, ar, af = b_cubed(alone, gold)
    pp, pr, pf = pairwise(pred, gold)
    # The baseline: plain TF-IDF average-link clustering, its threshold tuned on the tuning
    # topics (whatever split is scored), then applied to the selected documents.
    tune_docs = [d for d in docs if str(d.get("topic_id", d["id"])) in tune] or selected
    best_t = _baseline_threshold(tune_docs)
    base = _baseline_labels(selected, best_t)
    base_f1 = b_cubed(base, gold)[2]
    f1_interval, gain_interval = topic_intervals(topic_of, pred, base, gold)
    result = {
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
    if across is not None:  # the same half of each corpus
        other = _clustering_docs(across, split)[1]
        chosen = features or model.features
        result["across"] = {
            "fitted_on_other": _across(other, selected, chosen, across.name, path.name),
            "fitted_on_this": _across(selected, other, chosen, path.name, across.name),
        }
    return result


def _across(
    fit_docs: list[dict[str, Any]],
    score_docs: list[dict[str, Any]],
    features: tuple[str, ...],
    fit_name: str,
    score_name: str,
) -> dict[str, Any]:
    """A model fitted on all of `fit_docs` (weights and cut), scored on all of
    `score_docs`, beside plain TF-IDF whose threshold was tuned on `fit_docs` too."""
    model = fit_model([fit_docs], features)
    gold = {str(d["id"]): str(d["cluster_id"]) for d in score_docs}
    pred = _cluster(score_docs, model)
    bp, br, bf = b_cubed(pred, gold)
    best_t = _baseline_threshold(fit_docs)
    base = _baseline_labels(score_docs, best_t)
    topic_of = {str(d["id"]): str(d.get("topic_id", d["id"])) for d in score_docs}
    f1_interval, gain_interval = topic_intervals(topic_of, pred, base, gold)
    return {
        "fitted_on": fit_name,
        "scored_on": score_name,
        "b3_f1": bf,
        "b3_precision": bp,
        "b3_recall": br,
        "b3_f1_interval": f1_interval,
        "baseline_b3_f1": b_cubed(base, gold)[2],
        "baseline_threshold": best_t,
        "b3_f1_gain_interval": gain_interval,
        "threshold": model.threshold,
        "weights": dict(zip(model.features, model.weights, strict=True)),
        "bias": model.bias,
    }


def _baseline_threshold(tune_docs: list[dict[str, Any]]) -> float:
    tune_gold = {str(d["id"]): str(d["cluster_id"]) for d in tune_docs}
    return max(
        BASELINE_THRESHOLDS,
        key=lambda t: (b_cubed(_baseline_labels(tune_docs, t), tune_gold)[2], -t),
    )


def _pairs(docs: list[dict[str, Any]], features: tuple[str, ...]) -> tuple[Any, Any]:
    """The evidence (a row per pair sharing at least MIN_COSINE: `features`, then 1 for
    the bias) and whether each pair is labelled one event."""
    import numpy as np

    from monitor.judge.cluster import MIN_COSINE, far_apart
    from monitor.judge.features import evidence, profile

    labels = np.array([str(d["cluster_id"]) for d in docs])
    profiles = [profile(str(d.get("title") or ""), str(d.get("text") or "")) for d in docs]
    stamps = [None if (t := _parse_date(d.get("date"))) is None else t.timestamp() for d in docs]
    found: dict[str, Any] = {}
    pick = None
    for name, f in evidence(profiles, ("cosine", *features), stamps):
        if name == "cosine":  # the pairs the model decides (cluster.same_event)
            pick = np.triu((f >= MIN_COSINE) & ~far_apart(stamps), 1)
        found[name] = f
    assert pick is not None
    columns = [found[name][pick].astype(np.float64) for name in features]
    x = np.stack([*columns, np.ones(int(pick.sum()))], axis=1)
    y = (labels[:, None] == labels[None, :])[pick].astype(np.float64)
    return x, y


def fit_weights(
    corpora: list[list[dict[str, Any]]], features: tuple[str, ...], l2: float = 1.0
) -> tuple[tuple[float, ...], float, int, int]:
    """L2-regularised logistic regression over the pairs of each corpus that share at least
    MIN_COSINE (1 when labelled one event); each corpus weighs the same in the loss, however
    many pairs it has. The weights, the bias, the pairs and the same-event pairs."""
    import numpy as np
    from scipy.optimize import minimize

    data = [(x, y) for x, y in (_pairs(docs, features) for docs in corpora) if len(y)]
    if not data:
        raise EvalError("no pair of documents shares enough words to fit on")
    total = sum(len(y) for _, y in data)
    ridge = np.r_[np.full(len(features), l2), 0.0]  # the bias is not shrunk

    def loss(w: Any) -> tuple[float, Any]:
        value, grad = float(np.sum(ridge * w * w)), 2.0 * ridge * w
        for x, y in data:
            scale = total / (len(data) * len(y))  # one corpus's share of the loss
            z = x @ w
            value += scale * float(np.sum(np.logaddexp(0.0, z) - y * z))
            grad = grad + scale * (x.T @ (1.0 / (1.0 + np.exp(-z)) - y))
        return value, grad

    w = minimize(loss, np.zeros(len(features) + 1), jac=True, method="L-BFGS-B").x
    weights = tuple(round(float(v), 2) for v in w[:-1])
    return weights, round(float(w[-1]), 2), total, int(sum(y.sum() for _, y in data))


CUTS = tuple(round(0.2 + 0.05 * i, 2) for i in range(11))  # 0.20 … 0.70


def fit_model(
    corpora: list[list[dict[str, Any]]],
    features: tuple[str, ...],
    l2: float = 1.0,
    fitted: tuple[tuple[float, ...], float] | None = None,
) -> Any:
    """Weights fitted on `corpora` (or the `fitted` weights and bias), and the cut that
    gives the best mean B-cubed F1 there."""
    from dataclasses import replace

    from monitor.judge.cluster import Model

    weights, bias = fitted or fit_weights(corpora, features, l2)[:2]
    model = Model(features, weights, bias)

    def mean_f1(cut: float) -> float:
        m = replace(model, threshold=cut)
        return sum(
            b_cubed(_cluster(docs, m), {str(d["id"]): str(d["cluster_id"]) for d in docs})[2]
            for docs in corpora
        ) / len(corpora)

    best = max(CUTS, key=lambda c: (round(mean_f1(c), 4), -abs(c - 0.5)))
    return replace(model, threshold=best)


def fit_clustering(
    path: Path, split: str = "tune", l2: float = 1.0, also: tuple[Path, ...] = ()
) -> dict[str, Any]:
    """Fit the clustering model (cluster.FEATURES' weights, BIAS and the cut, THRESHOLD) on
    the selected half of `path` and of each of `also`, each corpus weighing the same. Prints
    what cluster.py holds; refit after changing a feature."""
    from monitor.judge.cluster import FEATURES

    corpora = [_clustering_docs(p, split)[1] for p in (path, *also)]
    weights, bias, pairs, same = fit_weights(corpora, FEATURES, l2)
    model = fit_model(corpora, FEATURES, l2, (weights, bias))
    return {
        "pairs": pairs,
        "same_event_pairs": same,
        "weights": dict(zip(FEATURES, model.weights, strict=True)),
        "bias": model.bias,
        "threshold": model.threshold,
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
