"""The scoring behind `monitor eval clustering`, on small hand-checked cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.tools.evaluate import b_cubed, pairwise, topic_intervals


def test_b_cubed_and_pairwise_by_hand() -> None:
    gold = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert b_cubed(gold, gold) == (1.0, 1.0, 1.0)
    merged = {d: "one" for d in gold}  # every document's cluster holds 2 of its 4 right
    p, r, f = b_cubed(merged, gold)
    assert (p, r) == (0.5, 1.0) and f == pytest.approx(2 / 3)
    split = {d: d for d in gold}
    assert b_cubed(split, gold)[:2] == (1.0, 0.5)
    assert pairwise(merged, gold)[:2] == (pytest.approx(2 / 6), 1.0)


def test_topic_intervals_are_seeded_and_paired() -> None:
    gold, pred, topic_of = {}, {}, {}
    for t in range(12):
        for k in range(6):
            d = f"{t}-{k}"
            topic_of[d], gold[d] = str(t), f"{t}-{k % 2}"
            # a third of the topics merged into one story, the rest right
            pred[d] = f"{t}" if t % 3 == 0 else gold[d]
    f1 = b_cubed(pred, gold)[2]
    first = topic_intervals(topic_of, pred, gold, gold)
    assert first == topic_intervals(topic_of, pred, gold, gold)  # same data, same figures
    (lo, hi), (gain_lo, gain_hi) = first
    assert lo < f1 < hi < 1.0
    # against a perfect baseline the gain is negative in every resample, the loss bounded by
    # what the merged topics cost
    assert -1.0 < gain_lo <= gain_hi < 0.0
    # a model compared with itself gains exactly nothing
    assert topic_intervals(topic_of, pred, pred, gold)[1] == [0.0, 0.0]


def test_clustering_across_corpora_and_chosen_features(tmp_path: Path) -> None:
    """--across fits on each corpus and scores the other; --features picks the evidence."""
    import json

    from click.testing import CliRunner

    from monitor.cli import cli

    data = Path(__file__).resolve().parents[1] / "benchmarks" / "data"

    def sample(name: str, topics: int) -> Path:
        docs = [json.loads(line) for line in (data / name).read_text("utf-8").splitlines()]
        keep = sorted({d["topic_id"] for d in docs})[:topics]
        out = tmp_path / name
        out.write_text("".join(json.dumps(d) + "\n" for d in docs if d["topic_id"] in keep))
        return out

    ecb, feb = sample("ecbplus.jsonl", 4), sample("clusters-feb2026.jsonl", 6)
    args = ["eval", "clustering", str(feb), "--across", str(ecb), "--json"]
    result = CliRunner().invoke(cli, [*args, "--features", "cosine,numbers_signed"])
    assert result.exit_code == 0, result.output
    across = json.loads(result.output)["across"]
    assert across["fitted_on_other"]["fitted_on"] == "ecbplus.jsonl"
    assert across["fitted_on_this"]["scored_on"] == "ecbplus.jsonl"
    for r in across.values():
        assert set(r["weights"]) == {"cosine", "numbers_signed"}
        assert 0.0 < r["b3_f1"] <= 1.0 and 0.0 < r["baseline_b3_f1"] <= 1.0
    bad = CliRunner().invoke(cli, [*args, "--features", "cosine,bogus"])
    assert bad.exit_code == 2 and "bogus" in bad.output
    alone = CliRunner().invoke(cli, ["eval", "clustering", str(feb), "--features", "cosine"])
    assert alone.exit_code == 2 and "give --across" in alone.output


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        ("clustering", "cluster_id"),
        ("fit-clustering", "cluster_id"),
        ("relevance", "label"),
        ("summaries", "documents, summary"),
        ("facets", "facet"),
        ("fit-facets", "facet"),
    ],
)
def test_labelled_data_without_its_labels_is_exit_2(
    tmp_path: Path, command: str, missing: str
) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli

    data = tmp_path / "unlabelled.jsonl"
    data.write_text('{"id": "a", "title": "A title", "text": "Some text."}\n', "utf-8")
    result = CliRunner().invoke(cli, ["eval", command, str(data)])
    assert result.exit_code == 2, result.output
    assert f"unlabelled.jsonl:1: no {missing}" in result.output
