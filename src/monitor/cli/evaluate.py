"""`monitor eval`: quality against labelled data."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from monitor.cli.base import Context, fail, pass_ctx
from monitor.errors import MonitorError


@click.group("eval")
def eval_group() -> None:
    """Measure quality against labelled data (see README, Quality).

    Needs the eval extra: pip install -e '.[eval]' in the checkout.
    """


def _eval_out(result: dict[str, Any], as_json: bool, title: str, keys: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(title)
    for key in keys:
        value = result[key]
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        click.echo(f"  {key:28} {shown}")


_split_option = click.option(
    "--split",
    type=click.Choice(["all", "tune", "test"]),
    default="all",
    show_default=True,
    help="Half of the data: 'tune' to adjust settings on, 'test' to report on.",
)


def _fit_split_option(what: str) -> Callable[[Any], Any]:
    """--split for the fit commands: the tuning half by default."""
    return click.option(
        "--split",
        type=click.Choice(["all", "tune", "test"]),
        default="tune",
        show_default=True,
        help=f"Half of the {what} to fit on.",
    )


_json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
_path_argument = click.argument("path", type=click.Path(exists=True, path_type=Path))


def _eval_command(
    name: str,
    doc: str,
    run: Callable[..., dict[str, Any]],
    title: Callable[[dict[str, Any]], str],
    keys: list[str],
    *,
    splits: bool = True,
    details: Callable[[dict[str, Any]], list[str]] | None = None,
    options: Sequence[Callable[[Any], Any]] = (),
) -> None:
    """Register `monitor eval NAME PATH [--split] [--json]` (without --split when the data
    has no halves); `details` adds lines below the keys in the text output; `options` are
    more click options, passed to `run` by name."""

    @pass_ctx
    def command(
        ctx: Context, /, path: Path, as_json: bool, split: str = "all", **more: Any
    ) -> None:
        try:
            result = run(ctx, path, split, **more)
        except MonitorError as exc:
            fail(exc)
            return
        _eval_out(result, as_json, title(result), keys)
        for miss in [] if as_json else result.get("errors", []):
            kind = "missed" if miss["label"] else "wrongly kept"
            click.echo(f"  {kind}: {miss['title']}")
        for line in [] if as_json or details is None else details(result):
            click.echo(line)

    # click lists the options in the reverse order of their decorators
    for option in [*options, _json_option, _split_option] if splits else [_json_option]:
        command = option(command)
    eval_group.command(name, help=doc)(_path_argument(command))


def _run_extraction(ctx: Context, path: Path, split: str) -> dict[str, Any]:
    from monitor.tools.eval_extraction import eval_extraction

    return eval_extraction(path, split)


def _run_clustering(
    ctx: Context, path: Path, split: str, across: Path | None = None, features: str = ""
) -> dict[str, Any]:
    from monitor.judge.features import ALL_FEATURES
    from monitor.tools.eval_clustering import eval_clustering

    chosen = tuple(f.strip() for f in features.split(",") if f.strip())
    if chosen and across is None:
        raise click.UsageError("--features chooses what the --across runs fit: give --across")
    if unknown := [f for f in chosen if f not in ALL_FEATURES]:
        raise click.BadParameter(
            f"unknown: {', '.join(unknown)} (known: {', '.join(ALL_FEATURES)})",
            param_hint="--features",
        )
    return eval_clustering(path, split, across, features=chosen)


def _across_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for r in result.get("across", {}).values():
        lo, hi = r["b3_f1_interval"]
        glo, ghi = r["b3_f1_gain_interval"]
        lines.append(
            f"  fitted on {r['fitted_on']}, scored on {r['scored_on']}: B-cubed F1 "
            f"{r['b3_f1']:.4f} (P {r['b3_precision']:.4f}, R {r['b3_recall']:.4f}; 95 % "
            f"{lo:.3f}-{hi:.3f}), plain TF-IDF {r['baseline_b3_f1']:.4f} (gain {glo:+.3f} to "
            f"{ghi:+.3f}), cut {r['threshold']}"
        )
    return lines


def _run_relevance(ctx: Context, path: Path, split: str) -> dict[str, Any]:
    from monitor.tools.eval_relevance import eval_relevance

    return eval_relevance(path, ctx.settings(), split)


def _run_summaries(ctx: Context, path: Path, split: str) -> dict[str, Any]:
    from monitor.tools.eval_summaries import eval_summaries

    return eval_summaries(path, ctx.settings(), split)


def _run_timeline(ctx: Context, path: Path, split: str) -> dict[str, Any]:
    from monitor.tools.eval_timeline import eval_timeline

    return eval_timeline(path, ctx.settings())


def _timeline_dates(result: dict[str, Any]) -> list[str]:
    lines = ["  per date (ROUGE-1/2 F; lead):"]
    for d in result["per_date"]:
        lines.append(
            f"    {d['date']}  {d['articles']:3} articles  {len(d['points'])} points  "
            f"{d['rouge1']:.4f} {d['rouge2']:.4f}; {d['lead_rouge1']:.4f} {d['lead_rouge2']:.4f}"
        )
    return lines


_eval_command(
    "extraction",
    "Article extraction on a folder in the article-extraction-benchmark layout.",
    _run_extraction,
    lambda r: f"Extraction on {r['pages']} pages (4-word shingles):",
    [
        "f1",
        "precision",
        "recall",
        "pages_per_second",
        "baseline_f1",
        "baseline_pages_per_second",
        "speed_ratio",
    ],
)
_eval_command(
    "clustering",
    "Story clustering on a JSONL of {id, title, text, date?, cluster_id}.",
    _run_clustering,
    lambda r: (
        f"Clustering of {r['documents']} documents into {r['clusters']} stories "
        f"({r['gold_clusters']} in the labels):"
    ),
    [
        "b3_f1",
        "b3_precision",
        "b3_recall",
        "pair_f1",
        "pair_precision",
        "pair_recall",
        "docs_per_second",
        "baseline_b3_f1",
        "baseline_threshold",
        "b3_f1_interval",
        "b3_f1_gain_interval",
        "topic_alone_b3_f1",
        "topic_alone_b3_precision",
        "topic_alone_b3_recall",
    ],
    details=_across_lines,
    options=[
        click.option(
            "--across",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A second labelled corpus: also fit on each corpus and score on the other.",
        ),
        click.option(
            "--features",
            default="",
            help="With --across: the evidence to fit (comma-separated names), to compare "
            "signals; default: the model's.",
        ),
    ],
)
_eval_command(
    "relevance",
    "The topic query on a JSONL of {id, title, summary, text?, label}.",
    _run_relevance,
    lambda r: f"Topic query on {r['items']} items ({r['positives']} on topic):",
    ["precision", "recall", "f1", "baseline_precision", "baseline_recall", "baseline_f1"],
)
_eval_command(
    "summaries",
    "Story summaries on a JSONL of {id, documents: [text...], summary}.",
    _run_summaries,
    lambda r: f"Summaries of {r['items']} stories (ROUGE F, cut to the reference's length):",
    ["rouge1", "rouge2", "rougeL", "lead_rouge1", "lead_rouge2", "lead_rougeL"],
)
_eval_command(
    "timeline",
    "One story's daily points against a timeline: a folder with articles.jsonl "
    "{id, date, title, text, url?} and timeline.jsonl {date, summary}.",
    _run_timeline,
    lambda r: (
        f"Timeline of {r['dates']} reference dates ({r['articles']} articles, "
        f"{r['days_built']} days built; ROUGE F, cut to the reference's length):"
    ),
    ["dates", "rouge1", "rouge2", "lead_rouge1", "lead_rouge2"],
    splits=False,
    details=_timeline_dates,
)


@eval_group.command("facets")
@_path_argument
@_split_option
@_json_option
def facets_command(path: Path, split: str, as_json: bool) -> None:
    """The facet classifier on a JSONL of {id, text, facet}.

    Prints accuracy, per-facet precision and recall and the most frequent confusions.
    """
    from monitor.tools.eval_facets import eval_facets

    try:
        result = eval_facets(path, split)
    except MonitorError as exc:
        fail(exc)
        return
    keys = ["accuracy", "macro_f1", "confident_share", "confident_precision"]
    keys += ["baseline_facet", "baseline_accuracy", "sentences_per_second"]
    _eval_out(result, as_json, f"Facets of {result['items']} sentences:", keys)
    if as_json:
        return
    click.echo(f"  {'facet':16} {'labelled':>8} {'predicted':>9} {'precision':>9} {'recall':>7}")
    for name, v in result["per_facet"].items():
        click.echo(
            f"  {name:16} {v['labelled']:8} {v['predicted']:9} "
            f"{v['precision']:9.2f} {v['recall']:7.2f}"
        )
    click.echo("  most frequent confusions (label -> predicted):")
    for c in result["confusions"]:
        click.echo(f"    {c['count']:3}  {c['label']} -> {c['predicted']}")


@eval_group.command("fit-facets")
@_path_argument
@_fit_split_option("sentences")
def fit_facets_command(path: Path, split: str) -> None:
    """Fit the facet model's weights on a JSONL of {id, text, facet}.

    Prints JSON: what data/facet_weights.json holds (refit after changing a cue).
    """
    from monitor.tools.eval_facets import dumps, fit_facets

    try:
        click.echo(dumps(fit_facets(path, split)))
    except MonitorError as exc:
        fail(exc)


@eval_group.command("fit-clustering")
@_path_argument
@_fit_split_option("topics")
@click.option(
    "--also",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Another labelled corpus to fit on as well (its same half); each weighs the same.",
)
def fit_clustering_command(path: Path, split: str, also: tuple[Path, ...]) -> None:
    """Fit the story clustering's weights on a JSONL of {id, title, text, cluster_id}.

    Prints JSON: the weights and bias that cluster.py holds (refit after changing a feature).
    """
    from monitor.tools.eval_clustering import fit_clustering

    try:
        click.echo(json.dumps(fit_clustering(path, split, also=also), indent=2))
    except MonitorError as exc:
        fail(exc)
