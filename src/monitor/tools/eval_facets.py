"""`monitor eval facets` and `fit-facets`: the facet classifier against sentences labelled
by hand (`benchmarks/data/facets.jsonl`)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from monitor.errors import EvalError
from monitor.tools.evaluate import f1_score, in_split, read_jsonl

# The labelled sentences are from the news of February 2026 (and older pages): a year before
# this one is in the past of the news they tell, as the digest's own year is for its news.
YEAR = 2026
L2 = 0.02  # with PRIOR, chosen by 5-fold cross-validation on the tuning half
PRIOR = 3.0  # the weight a feature starts with for the facet it was written for


def _rows(path: Path, split: str) -> list[dict[str, Any]]:
    from monitor.compose.facets import FACETS

    rows = [r for r in read_jsonl(path, ("id", "text", "facet")) if in_split(str(r["id"]), split)]
    if not rows:
        raise EvalError("no items selected")
    unknown = sorted({str(r["facet"]) for r in rows} - set(FACETS))
    if unknown:
        raise EvalError(f"unknown facets in the labels: {', '.join(unknown)}")
    return rows


def eval_facets(path: Path, split: str = "all") -> dict[str, Any]:
    from monitor.compose.facets import CONFIDENT, FACETS, classify

    rows = _rows(path, split)
    gold = [str(r["facet"]) for r in rows]
    start = time.process_time()
    got = [classify(str(r["text"]), YEAR) for r in rows]
    seconds = time.process_time() - start
    pred = [f for f, _ in got]
    pairs = Counter(zip(gold, pred, strict=True))
    per_facet = {}
    for f in FACETS:
        labelled = sum(n for (g, _), n in pairs.items() if g == f)
        predicted = sum(n for (_, p), n in pairs.items() if p == f)
        prec = pairs[(f, f)] / predicted if predicted else 0.0
        rec = pairs[(f, f)] / labelled if labelled else 0.0
        per_facet[f] = {
            "labelled": labelled,
            "predicted": predicted,
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1_score(prec, rec), 4),
        }
    # What the digest shows: a facet as the lead only where the model is confident of it.
    sure = [g == p for g, (p, q) in zip(gold, got, strict=True) if q >= CONFIDENT and p != "Other"]
    common, common_n = Counter(gold).most_common(1)[0]
    present = [v["f1"] for v in per_facet.values() if v["labelled"]]
    return {
        "items": len(rows),
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / len(rows),
        "macro_f1": sum(present) / len(present),
        "confident_share": len(sure) / len(rows),
        "confident_precision": sum(sure) / len(sure) if sure else 0.0,
        # the baseline: every sentence gets the facet most often labelled in this half
        "baseline_facet": common,
        "baseline_accuracy": common_n / len(rows),
        "sentences_per_second": round(len(rows) / seconds) if seconds > 0 else 0,
        "per_facet": per_facet,
        "confusions": [
            {"label": g, "predicted": p, "count": n}
            for (g, p), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
            if g != p
        ][:12],
    }


def fit_facets(path: Path, split: str = "tune") -> dict[str, Any]:
    """The facet model fitted on one half of the labelled sentences, as
    data/facet_weights.json holds it: multinomial logistic regression over the features
    (L-BFGS), each weight pulled toward PRIOR for the facet its feature was written for and
    toward 0 for the others."""
    rows = _rows(path, split)
    return fit([str(r["text"]) for r in rows], [str(r["facet"]) for r in rows])


def fit(texts: list[str], labels: list[str], l2: float = L2) -> dict[str, Any]:
    import numpy as np
    from scipy.optimize import minimize

    from monitor.compose.facets import FACETS, features, priors

    feats = [features(t, YEAR) for t in texts]
    prior = priors()
    names = sorted(set().union(*feats) | set(prior))
    col = {f: i for i, f in enumerate(names)}
    n, d, k = len(texts), len(names), len(FACETS)
    x = np.zeros((n, d))
    for i, fs in enumerate(feats):
        x[i, [col[f] for f in fs]] = 1.0
    y = np.eye(k)[[FACETS.index(label) for label in labels]]
    w0 = np.zeros((d, k))
    for name, f in prior.items():
        w0[col[name], FACETS.index(f)] = PRIOR

    def loss(theta: Any) -> tuple[float, Any]:
        w, b = theta[: d * k].reshape(d, k), theta[d * k :]
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        value = -float((y * np.log(p + 1e-12)).sum()) / n + l2 * float(((w - w0) ** 2).sum()) / 2
        g = (p - y) / n
        return value, np.concatenate([(x.T @ g + l2 * (w - w0)).ravel(), g.sum(axis=0)])

    start = np.concatenate([w0.ravel(), np.zeros(k)])
    res = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 5000})
    w, b = res.x[: d * k].reshape(d, k), res.x[d * k :]
    return {
        "facets": list(FACETS),
        "sentences": n,
        "l2": l2,
        "prior": PRIOR,
        "weights": {f: [round(float(v), 3) for v in w[col[f]]] for f in names},
        "bias": [round(float(v), 3) for v in b],
    }


def dumps(fitted: dict[str, Any]) -> str:
    """The fitted model as JSON, a line per feature."""
    import json

    head = {k: v for k, v in fitted.items() if k != "weights"}
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in head.items()]
    rows = [f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in fitted["weights"].items()]
    return "{\n" + ",\n".join(lines) + ',\n  "weights": {\n' + ",\n".join(rows) + "\n  }\n}"
