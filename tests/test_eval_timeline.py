"""`monitor eval timeline` on a tiny hand-made story: which days are built and with what
history, the cut to the reference's length, the lead baseline, and the input errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.compose import digest
from monitor.compose.model import Point
from monitor.config import Settings
from monitor.models import StoredArticle
from monitor.tools.evaluate import cut

CONFIG = Path(__file__).resolve().parents[1] / "config" / "monitor.toml"

A1 = (
    "Negotiators from both countries met in Geneva on Monday for a new round of talks.\n"
    "The meeting lasted six hours and ended without a joint statement.\n"
    "Officials said a second meeting would follow within a week."
)
A2 = (
    "The foreign minister said the talks had been difficult but useful for both sides.\n"
    "He added that prisoners would be exchanged before the end of the month."
)
A3 = "Envoys from Washington flew to Moscow to brief the Kremlin on the Geneva meeting."
# "Turkish": with a history, a point must add a name, a number or a quote it lacks
A4 = (
    "A second round of talks opened in Geneva with a Turkish proposal on a ceasefire line.\n"
    "Delegates said the proposal would be studied by both capitals over the weekend."
)
A5 = "An article dated after the last reference entry is never read by any digest."


def articles() -> list[dict[str, Any]]:
    return [
        {"id": "a1", "date": "2026-02-16", "title": "Talks open", "text": A1, "url": "u1"},
        # no url, no title; an unknown key
        {"id": "a2", "date": "2026-02-16", "text": A2, "lang": "en"},
        {"id": "a3", "date": "2026-02-17", "title": "", "text": A3},  # no reference that day
        {"id": "a4", "date": "2026-02-19", "title": "Round two", "text": A4},
        {"id": "a5", "date": "2026-02-20", "title": "Later", "text": A5},
    ]


def first_sentences(*texts: str) -> str:
    return " ".join(t.split("\n")[0] for t in texts)


def timeline() -> list[dict[str, Any]]:
    return [
        # the lead's opening, four words short of both first sentences: only the cut to the
        # reference's length makes the lead score 1
        {"date": "2026-02-16", "summary": cut(first_sentences(A1, A2), 25), "by": "desk"},
        {"date": "2026-02-19", "summary": "A second round opened in Geneva on a ceasefire line."},
    ]


def write(folder: Path, arts: list[Any], entries: list[Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("articles.jsonl", arts), ("timeline.jsonl", entries)):
        lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def run(folder: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        cli, ["--config", str(CONFIG), "eval", "timeline", str(folder), *extra]
    )


def run_json(folder: Path) -> dict[str, Any]:
    result = run(folder, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_every_point_is_a_sentence_of_its_day_and_the_lead_is_cut(tmp_path: Path) -> None:
    r = run_json(write(tmp_path / "story", articles(), timeline()))
    assert r["dates"] == 2 and isinstance(r["dates"], int)
    assert r["days_built"] == 3  # 16, 17 (no reference, built for the history) and 19 Feb
    assert r["articles"] == 5
    for key in ("rouge1", "rouge2", "lead_rouge1", "lead_rouge2"):
        assert isinstance(r[key], float) and 0.0 <= r[key] <= 1.0
    first, second = r["per_date"]
    assert [first["date"], second["date"]] == ["2026-02-16", "2026-02-19"]
    assert (first["articles"], first["reference_words"]) == (2, 25)
    # The lead is each article's first sentence in file order, cut to 25 words: the reference.
    assert first["lead_rouge1"] == 1.0 and first["lead_rouge2"] == 1.0
    assert first["points"] and all(p in A1 + A2 for p in first["points"])
    assert second["points"] and all(p in A4 for p in second["points"])
    assert r["lead_rouge1"] == pytest.approx((1.0 + second["lead_rouge1"]) / 2)


def test_text_output_lists_the_keys_and_dates(tmp_path: Path) -> None:
    result = run(write(tmp_path / "story", articles(), timeline()))
    assert result.exit_code == 0, result.output
    for key in ("dates", "rouge1", "rouge2", "lead_rouge1", "lead_rouge2", "2026-02-19"):
        assert key in result.output


def test_history_and_the_points_scored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness goes through digest.story_points with the days before as history: every
    earlier point as the story's, those of the last seven days as the recent digests'."""
    calls: list[tuple[list[str], list[str], list[str]]] = []

    def fake(
        members: Sequence[StoredArticle],
        settings: Settings,
        recent: Sequence[str],
        earlier: Sequence[str],
        year: int = 0,
    ) -> tuple[Point, ...]:
        calls.append(([a.url for a in members], list(recent), list(earlier)))
        day = members[0].window_date.isoformat()
        assert all(a.text_origin == "page" and a.story_id for a in members)
        return (Point("", f"point of {day}", members[0].url, members[0].source),)

    monkeypatch.setattr(digest, "story_points", fake)
    arts = articles()
    arts.insert(0, {"id": "a0", "date": "2026-02-01", "title": "Long ago", "text": A3})
    entries = [{"date": "2026-02-19", "summary": "point of 2026-02-19"}]
    r = run_json(write(tmp_path / "story", arts, entries))
    assert calls == [
        (["timeline:a0"], [], []),
        (["u1", "timeline:a2"], [], ["point of 2026-02-01"]),  # a url made up where none is
        (["timeline:a3"], ["point of 2026-02-16"], ["point of 2026-02-01", "point of 2026-02-16"]),
        (
            ["timeline:a4"],
            ["point of 2026-02-16", "point of 2026-02-17"],  # 1 Feb is out of the 7 days
            ["point of 2026-02-01", "point of 2026-02-16", "point of 2026-02-17"],
        ),
    ]  # 20 Feb, after the last reference date, is not built
    assert r["dates"] == 1 and r["days_built"] == 4
    assert r["per_date"][0]["points"] == ["point of 2026-02-19"]
    assert r["rouge1"] == 1.0 and r["rouge2"] == 1.0


def test_points_are_cut_to_the_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(members: Sequence[StoredArticle], *_: Any) -> tuple[Point, ...]:
        texts = ["Talks opened in Geneva.", "Nothing was agreed."]
        return tuple(Point("", t, members[0].url, members[0].source) for t in texts)

    monkeypatch.setattr(digest, "story_points", fake)
    entries = [
        {"date": "2026-02-16", "summary": "Talks opened in Geneva."},  # 4 words: one point
        {"date": "2026-02-18", "summary": "Talks opened."},  # no articles that day
    ]
    r = run_json(write(tmp_path / "story", articles(), entries))
    first, empty = r["per_date"]
    assert first["rouge1"] == 1.0 and first["rouge2"] == 1.0
    assert empty["articles"] == 0 and empty["points"] == []
    assert empty["rouge1"] == 0.0 and empty["lead_rouge1"] == 0.0
    assert r["dates"] == 2 and r["rouge1"] == 0.5


@pytest.mark.parametrize(
    ("arts", "entries", "message"),
    [
        (None, [{"date": "2026-02-16", "summary": "x"}], "articles.jsonl: no such file"),
        (articles(), None, "timeline.jsonl: no such file"),
        (articles(), ['{"date": "2026-02-16", "summary": '], "timeline.jsonl:1: not JSON"),
        (articles(), ["[1, 2]"], "timeline.jsonl:1: not a JSON object"),
        (articles(), [{"date": "2026-02-16"}], "timeline.jsonl:1: no 'summary'"),
        (articles(), ["", {"summary": "x"}], "timeline.jsonl:2: no 'date'"),
        (articles(), [{"date": "16/02/2026", "summary": "x"}], "'16/02/2026' is not a date"),
        (articles(), [{"date": "20260216", "summary": "x"}], "'20260216' is not a date"),
        (articles(), [{"date": "2026-02-30", "summary": "x"}], "'2026-02-30' is not a date"),
        (articles(), [{"date": "2026-02-16", "summary": 3}], "'summary' is not a string"),
        (articles(), [], "timeline.jsonl: no reference entries"),
        ([{"date": "2026-02-16", "title": "t"}], timeline(), "articles.jsonl:1: no 'text'"),
        ([{"text": "t"}], timeline(), "articles.jsonl:1: no 'date'"),
        ([{"date": "2026-2-16", "text": "t"}], timeline(), "'2026-2-16' is not a date"),
    ],
)
def test_input_errors_exit_2_with_a_message(
    tmp_path: Path, arts: list[Any] | None, entries: list[Any] | None, message: str
) -> None:
    folder = write(tmp_path / "story", arts or [], entries or [])
    for rows, name in ((arts, "articles.jsonl"), (entries, "timeline.jsonl")):
        if rows is None:
            (folder / name).unlink()
    result = run(folder, "--json")
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_missing_folder_exits_2(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere")
    assert result.exit_code == 2 and "does not exist" in result.output
