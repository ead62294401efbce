"""`monitor eval`: measure the project's own stages against labelled data.

    extraction  folder in the article-extraction-benchmark layout -> shingle P/R/F1, speed,
                beside trafilatura.extract with its defaults, timed in the same run
    clustering  JSONL {id, title, text, date?, cluster_id} -> B-cubed and pairwise P/R/F1
    relevance   JSONL {id, title, summary, text?, label} -> P/R/F1 of the topic query
    summaries   JSONL {id, documents: [text], summary} -> ROUGE-1/2/L F beside a lead baseline

Every evaluation uses the stages and settings the digest uses. `split` selects half of the
items (by topic for clustering, by id otherwise) so settings can be tuned on one half and
reported on the other.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.config import Settings
from monitor.errors import EvalError

_TOKEN = re.compile(r"\w+")
SPLITS = ("all", "tune", "test")


def _eval_library(module: str) -> Any:
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


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalError(f"cannot read {path}: {exc}") from exc
    out = []
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError as exc:
                raise EvalError(f"{path}:{n}: not JSON: {exc}") from exc
    return out


# -- extraction -------------------------------------------------------------------------


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    toks = _TOKEN.findall(text or "")
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks)


def shingle_match(true: str, pred: str) -> tuple[float, float, float]:
    """The benchmark's per-page (tp, fp, fn) over 4-word shingles, normalised to sum 1."""
    a, b = _shingles(true), _shingles(pred)
    tp = fp = fn = 0.0
    for key in a.keys() | b.keys():
        x, y = a.get(key, 0), b.get(key, 0)
        tp += min(x, y)
        fp += max(0, y - x)
        fn += max(0, x - y)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def benchmark_prf(rows: Sequence[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Precision averaged over pages with output, recall over pages with truth; F1 of both."""

    def p(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def r(tp: float, fp: float, fn: float) -> float:
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    ps = [p(*x) for x in rows if x[0] + x[1] > 0]
    rs = [r(*x) for x in rows if x[0] + x[2] > 0]
    prec = sum(ps) / len(ps) if ps else 0.0
    rec = sum(rs) / len(rs) if rs else 0.0
    return prec, rec, _f1(prec, rec)


def eval_extraction(folder: Path, split: str = "all") -> dict[str, Any]:
    import logging

    import trafilatura

    from monitor.ingest.extract import extract_text

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    truth_file = folder / "ground-truth.json"
    try:
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvalError(f"cannot read {truth_file}: {exc}") from exc
    pages: dict[str, bytes] = {}
    for key in sorted(truth):
        if not in_split(key, split):
            continue
        for name in (f"{key}.html.gz", f"{key}.html"):
            path = folder / "html" / name
            if path.exists():
                data = path.read_bytes()
                pages[key] = gzip.decompress(data) if name.endswith(".gz") else data
                break
        else:
            raise EvalError(f"no page for {key} in {folder / 'html'}")
    if not pages:
        raise EvalError("no pages selected")

    def baseline(html: bytes, url: str) -> str:
        return str(trafilatura.extract(html) or "")

    def ours(html: bytes, url: str) -> str:
        return extract_text(html, url)

    extractors: dict[str, Callable[[bytes, str], str]] = {"baseline": baseline, "ours": ours}
    # Warm both up, then time each page with both extractors alternating (ABBA) and keep
    # each one's faster run: a slow spell of a shared machine then falls on both alike.
    for key in list(pages)[:3]:
        baseline(pages[key], ""), ours(pages[key], "")
    times = {"baseline": 0.0, "ours": 0.0}
    outputs: dict[str, dict[str, str]] = {"baseline": {}, "ours": {}}
    for key, html in pages.items():
        url = truth[key].get("url", "")
        best = {"baseline": math.inf, "ours": math.inf}
        for name in ("baseline", "ours", "ours", "baseline"):
            started = time.process_time()
            outputs[name][key] = extractors[name](html, url)
            best[name] = min(best[name], time.process_time() - started)
        for name, elapsed in best.items():
            times[name] += elapsed

    def score(out: dict[str, str]) -> tuple[float, float, float]:
        return benchmark_prf(
            [shingle_match(truth[k].get("articleBody", ""), out[k]) for k in pages]
        )

    bp, br, bf = score(outputs["baseline"])
    p, r, f = score(outputs["ours"])
    speed = len(pages) / times["ours"] if times["ours"] else 0.0
    bspeed = len(pages) / times["baseline"] if times["baseline"] else 0.0
    return {
        "pages": len(pages),
        "f1": f,
        "precision": p,
        "recall": r,
        "pages_per_second": speed,
        "baseline_f1": bf,
        "baseline_precision": bp,
        "baseline_recall": br,
        "baseline_pages_per_second": bspeed,
        "speed_ratio": speed / bspeed if bspeed else 0.0,
    }


# -- clustering -------------------------------------------------------------------------


def _parse_date(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    dateparser = _eval_library("dateutil.parser")
    try:
        parsed = dateparser.parse(value, fuzzy=True, default=datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        return None
    if not isinstance(parsed, datetime):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _natural(key: str) -> tuple[int, str]:
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


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def b_cubed(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    parts = _b_cubed_parts(pred, gold).values()
    n = len(parts) or 1
    p = sum(x for x, _ in parts) / n
    r = sum(y for _, y in parts) / n
    return p, r, _f1(p, r)


BOOTSTRAP_SAMPLES = 1000


def _topic_intervals(
    topic_of: dict[str, str],
    pred: dict[str, str],
    base: dict[str, str],
    gold: dict[str, str],
) -> tuple[list[float], list[float]]:
    """95 % intervals of B-cubed F1 and of its gain over the baseline, from resampling the
    topics with replacement (a fixed seed: the same data gives the same figures). Topics,
    not documents, are the unit: a topic's documents stand or fall together."""
    import numpy as np

    topics = sorted(set(topic_of.values()), key=_natural)
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
    f1 = np.array([_f1(t[0] / t[4], t[1] / t[4]) for t in totals])
    base_f1 = np.array([_f1(t[2] / t[4], t[3] / t[4]) for t in totals])

    def interval(values: Any) -> list[float]:
        lo, hi = np.percentile(values, [2.5, 97.5])
        return [round(float(lo), 4), round(float(hi), 4)]

    return interval(f1), interval(f1 - base_f1)


def pairwise(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
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
    return p, r, _f1(p, r)


def _clustering_docs(
    path: Path, split: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[str]]:
    """All documents, the selected ones and the tuning topics. Halves by topic, alternating over the
    sorted topics, so that both halves hold whole topics (tuning must not see the events it
    is scored on)."""
    docs = read_jsonl(path)
    topics = sorted({str(d.get("topic_id", d["id"])) for d in docs}, key=_natural)
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
    for topic in sorted(set(topic_of.values()), key=_natural):
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
    f1_interval, gain_interval = _topic_intervals(topic_of, pred, base, gold)
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


# -- relevance --------------------------------------------------------------------------


def eval_relevance(path: Path, settings: Settings, split: str = "all") -> dict[str, Any]:
    from monitor.judge.topic import entry_text, matches
    from monitor.text import words

    rows = [r for r in read_jsonl(path) if in_split(str(r["id"]), split)]
    if not rows:
        raise EvalError("no items selected")
    texts = [
        entry_text(str(r.get("title", "")), str(r.get("summary", "")), str(r.get("text", "")))
        for r in rows
    ]
    labels = [bool(r["label"]) for r in rows]

    def score(query: str) -> tuple[float, float, float, list[int]]:
        tp = fp = fn = 0
        wrong: list[int] = []
        for i, (text, want) in enumerate(zip(texts, labels, strict=True)):
            got = matches(query, text)
            tp += got and want
            fp += got and not want
            fn += want and not got
            if got != want:
                wrong.append(i)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return p, r, _f1(p, r), wrong

    p, rec, f1, wrong = score(settings.topic.query)
    # The baseline: what typing the topic's name gives (every word of it, as a prefix).
    base_query = " ".join(f"{w}*" for w in words(settings.topic.name)) or settings.topic.query
    bp, br, bf, _ = score(base_query)
    return {
        "items": len(rows),
        "positives": sum(labels),
        "precision": p,
        "recall": rec,
        "f1": f1,
        "baseline_query": base_query,
        "baseline_precision": bp,
        "baseline_recall": br,
        "baseline_f1": bf,
        "errors": [
            {"id": rows[i]["id"], "title": rows[i].get("title", ""), "label": int(labels[i])}
            for i in wrong
        ],
    }


# -- summaries --------------------------------------------------------------------------


def _cut(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def eval_summaries(path: Path, settings: Settings, split: str = "all") -> dict[str, Any]:
    rouge_scorer = _eval_library("rouge_score.rouge_scorer")
    from monitor.compose.summarize import SourceText, split_sentences, summarize_story

    rows = [r for r in read_jsonl(path) if in_split(str(r["id"]), split)]
    if not rows:
        raise EvalError("no items selected")
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    ours: dict[str, list[float]] = defaultdict(list)
    lead: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        reference = str(r["summary"])
        n = len(reference.split())
        docs = [str(d) for d in r["documents"]]
        picks = summarize_story(
            [SourceText(i, d) for i, d in enumerate(docs)], settings.digest.points_per_story
        )
        summary = " ".join(p.sentence.text for p in picks)
        baseline = " ".join(s for d in docs[:1] for s in split_sentences(d))
        for name, candidate, sink in (("ours", summary, ours), ("lead", baseline, lead)):
            scores = scorer.score(reference, _cut(candidate, n))
            for key, value in scores.items():
                sink[key].append(value.fmeasure)
            del name

    def mean(values: Iterable[float]) -> float:
        vals = list(values)
        return sum(vals) / len(vals) if vals else 0.0

    return {
        "items": len(rows),
        "rouge1": mean(ours["rouge1"]),
        "rouge2": mean(ours["rouge2"]),
        "rougeL": mean(ours["rougeL"]),
        "lead_rouge1": mean(lead["rouge1"]),
        "lead_rouge2": mean(lead["rouge2"]),
        "lead_rougeL": mean(lead["rougeL"]),
    }
