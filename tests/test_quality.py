"""Quality gates: `monitor eval` on fixed samples, with floors pinned a little under what was
measured when they were set. Quality only: speed is measured by benchmarks, not here."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
CONFIG = ROOT / "config" / "monitor.toml"


def run_eval(*args: str) -> dict[str, float]:
    result = CliRunner().invoke(
        cli, ["--config", str(CONFIG), "eval", *args, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_extraction_quality() -> None:
    r = run_eval("extraction", str(DATA / "aeb-sample"))
    assert set(r) >= {
        "f1",
        "precision",
        "recall",
        "pages_per_second",
        "baseline_f1",
        "baseline_pages_per_second",
    }
    assert r["f1"] >= 0.950  # measured 0.9554 on these 20 pages
    assert r["f1"] > r["baseline_f1"]  # trafilatura defaults: 0.9340


def test_clustering_quality() -> None:
    data = str(DATA / "ecbplus.jsonl")
    r = run_eval("clustering", data, "--split", "tune")
    assert set(r) >= {"b3_f1", "b3_precision", "b3_recall", "pair_f1", "docs_per_second"}
    assert set(r) >= {"baseline_b3_f1", "b3_f1_interval", "b3_f1_gain_interval"}
    assert r["b3_f1"] >= 0.905  # measured 0.914; the model's weights were fitted here
    # each topic clustered alone, as the monitor's batches are: measured 0.906
    assert r["topic_alone_b3_f1"] >= 0.895
    held_out = run_eval("clustering", data, "--split", "test")
    assert held_out["b3_f1"] >= 0.875  # measured 0.885 on the topics not used for fitting
    assert held_out["topic_alone_b3_f1"] >= 0.865  # measured 0.876
    assert held_out["pair_f1"] >= 0.83  # measured 0.841
    assert held_out["b3_f1"] > held_out["baseline_b3_f1"] + 0.03  # plain TF-IDF: 0.843


def test_clustering_quality_on_a_days_world_news() -> None:
    """The Feb 2026 feeds (short summaries of every beat): half of the beats were used for
    fitting along with ECB+, the other half is held out."""
    data = str(DATA / "clusters-feb2026.jsonl")
    r = run_eval("clustering", data, "--split", "tune")
    assert r["b3_f1"] >= 0.93  # measured 0.938
    held_out = run_eval("clustering", data, "--split", "test")
    assert held_out["b3_f1"] >= 0.895  # measured 0.903
    assert held_out["b3_precision"] >= 0.91  # measured 0.919 (the ECB+-only model: 0.627)
    assert held_out["b3_f1"] > held_out["baseline_b3_f1"]  # plain TF-IDF: 0.894


def test_clustering_across_corpora() -> None:
    """Leave one corpus out, on the held-out halves: fitted on one corpus's, scored on the
    other's, beside plain TF-IDF whose threshold was tuned on the fitting corpus."""
    r = run_eval(
        "clustering",
        str(DATA / "clusters-feb2026.jsonl"),
        "--split",
        "test",
        "--across",
        str(DATA / "ecbplus.jsonl"),
    )
    on_feb, on_ecb = r["across"]["fitted_on_other"], r["across"]["fitted_on_this"]
    assert on_feb["scored_on"] == "clusters-feb2026.jsonl"
    assert on_feb["b3_f1"] >= 0.89  # measured 0.900
    assert on_feb["b3_f1"] > on_feb["baseline_b3_f1"]  # 0.877
    assert on_ecb["b3_f1"] >= 0.895  # measured 0.906
    assert on_ecb["b3_f1"] > on_ecb["baseline_b3_f1"] + 0.1  # 0.693


def test_relevance_quality() -> None:
    r = run_eval("relevance", str(DATA / "relevance-feb2026.jsonl"))
    assert set(r) >= {"precision", "recall", "f1"}
    assert r["precision"] >= 0.94 and r["recall"] >= 0.94  # measured 0.95 and 0.95
    held_out = run_eval("relevance", str(DATA / "relevance-feb2026.jsonl"), "--split", "test")
    assert held_out["f1"] >= 0.89  # measured 0.90 on the half the query was not tuned on


def test_summary_quality() -> None:
    r = run_eval("summaries", str(DATA / "summaries-sample.jsonl"))
    assert set(r) >= {"rouge1", "rouge2", "rougeL", "lead_rouge1", "lead_rouge2", "lead_rougeL"}
    assert r["rouge1"] >= r["lead_rouge1"] and r["rougeL"] >= r["lead_rougeL"]
    assert r["rouge1"] >= 0.43  # measured 0.4432
    # Single articles against their publishers' own descriptions (a development sample: the
    # description often repeats the first sentence, which favours the lead baseline)
    single = run_eval("summaries", str(DATA / "summaries-aeb-dev.jsonl"))
    assert single["rouge1"] >= 0.47 and single["rouge2"] >= 0.375  # measured 0.4817, 0.3846


def test_timeline_quality() -> None:
    r = run_eval("timeline", str(DATA / "timeline-feb2026"))
    assert set(r) >= {"dates", "rouge1", "rouge2", "lead_rouge1", "lead_rouge2", "per_date"}
    assert r["dates"] == 3 and isinstance(r["dates"], int)
    assert all(isinstance(r[k], float) for k in ("rouge1", "rouge2", "lead_rouge1"))
    # measured 0.5178 and 0.1860 (the lead baseline: 0.4993, 0.2012)
    assert r["rouge1"] >= r["lead_rouge1"]
    assert r["rouge1"] >= 0.50 and r["rouge2"] >= 0.17


def test_facet_quality() -> None:
    data = str(DATA / "facets.jsonl")
    r = run_eval("facets", data, "--split", "tune")
    assert set(r) >= {"accuracy", "macro_f1", "per_facet", "confusions", "confident_precision"}
    assert r["accuracy"] >= 0.73  # measured 0.744 on the half the model was fitted on
    assert r["confident_precision"] >= 0.92  # measured 0.934 (p >= 0.8)
    held_out = run_eval("facets", data, "--split", "test")
    assert held_out["accuracy"] >= 0.52  # measured 0.534 on the sentences not fitted on
    assert held_out["confident_precision"] >= 0.69  # measured 0.700, for 38 % of the sentences
    assert held_out["accuracy"] > held_out["baseline_accuracy"] + 0.3  # one facet for all: 0.197


def test_fitted_facet_weights_are_the_ones_shipped() -> None:
    """`monitor eval fit-facets` on the tuning half gives data/facet_weights.json: a change
    to a cue must be followed by a refit."""
    from monitor.tools.eval_facets import dumps, fit_facets

    shipped = ROOT / "src" / "monitor" / "data" / "facet_weights.json"
    fitted = fit_facets(DATA / "facets.jsonl", "tune")
    assert json.loads(dumps(fitted)) == json.loads(shipped.read_text(encoding="utf-8"))
