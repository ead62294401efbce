"""`monitor eval relevance`: the topic query against items labelled on topic or not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor.config import Settings
from monitor.errors import EvalError
from monitor.tools.evaluate import f1_score, in_split, read_jsonl


def eval_relevance(path: Path, settings: Settings, split: str = "all") -> dict[str, Any]:
    from monitor.judge.topic import entry_text, matches
    from monitor.text import words

    rows = [r for r in read_jsonl(path, ("id", "label")) if in_split(str(r["id"]), split)]
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
        return p, r, f1_score(p, r), wrong

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
