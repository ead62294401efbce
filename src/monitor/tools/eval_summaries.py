"""`monitor eval summaries`: story summaries against reference summaries (ROUGE)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from monitor.config import Settings
from monitor.errors import EvalError
from monitor.tools.evaluate import eval_library, in_split, mean, read_jsonl, rouge_at_length


def eval_summaries(path: Path, settings: Settings, split: str = "all") -> dict[str, Any]:
    rouge_scorer = eval_library("rouge_score.rouge_scorer")
    from monitor.compose.sentences import split_sentences
    from monitor.compose.summarize import SourceText, summarize_story

    rows = [
        r for r in read_jsonl(path, ("id", "documents", "summary")) if in_split(str(r["id"]), split)
    ]
    if not rows:
        raise EvalError("no items selected")
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    ours: dict[str, list[float]] = defaultdict(list)
    lead: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        reference = str(r["summary"])
        docs = [str(d) for d in r["documents"]]
        picks = summarize_story(
            [SourceText(i, d) for i, d in enumerate(docs)], settings.digest.points_per_story
        )
        summary = " ".join(p.sentence.text for p in picks)
        baseline = " ".join(s for d in docs[:1] for s in split_sentences(d))
        for candidate, sink in ((summary, ours), (baseline, lead)):
            for key, value in rouge_at_length(scorer, reference, candidate).items():
                sink[key].append(value)

    return {
        "items": len(rows),
        "rouge1": mean(ours["rouge1"]),
        "rouge2": mean(ours["rouge2"]),
        "rougeL": mean(ours["rougeL"]),
        "lead_rouge1": mean(lead["rouge1"]),
        "lead_rouge2": mean(lead["rouge2"]),
        "lead_rougeL": mean(lead["rougeL"]),
    }
