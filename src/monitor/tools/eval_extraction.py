"""`monitor eval extraction`: article text from saved pages, beside trafilatura's defaults.

Scored as the article-extraction-benchmark scores: 4-word shingles against the true text.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from monitor.errors import EvalError
from monitor.tools.evaluate import f1_score, in_split

_TOKEN = re.compile(r"\w+")


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
    return prec, rec, f1_score(prec, rec)


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
