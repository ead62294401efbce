"""poll + digest through the CLI, against real feed captures and pages served on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import load_settings
from monitor.store import Store
from monitor.tools.replay import ReplayServer, write_replay_config

from .conftest import REPLAY
from .leads_check import check_points

OFF_TOPIC_PAGES = (
    "/page/www.bbc.com/news/articles/cwyknjnd706o",
    "/page/www.bbc.com/news/articles/c1d64p3q2d0o",
)


def _config(tmp_path: Path, server: ReplayServer) -> Path:
    path = write_replay_config(REPLAY, server, tmp_path)
    text = path.read_text(encoding="utf-8")
    # one feed that refuses connections and one that answers 404: reported, never fatal
    text += (
        '\n[[feeds]]\nname = "Unreachable"\nurl = "http://127.0.0.1:9/feed.xml"\n'
        f'\n[[feeds]]\nname = "Missing"\nurl = "{server.base}/feeds/missing.xml"\n'
    )
    path.write_text(text, encoding="utf-8")
    return path


def _run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _digest(tmp_path: Path, day: str) -> tuple[str, dict, str]:  # type: ignore[type-arg]
    y, m, _ = day.split("-")
    base = tmp_path / "digests" / y / m / day
    return (
        base.with_suffix(".md").read_text(encoding="utf-8"),
        json.loads(base.with_suffix(".json").read_text(encoding="utf-8")),
        base.with_suffix(".html").read_text(encoding="utf-8"),
    )


def _facts_are_verbatim(js: dict, texts: dict[str, str]) -> None:  # type: ignore[type-arg]
    facts = [f for s in js["stories"] for f in s["facts"]]
    assert facts
    for f in facts:
        assert f["value"] and f["value"] in f["sentence"], f
        assert f["sentence"] in texts[f["url"]], f


@pytest.fixture()
def polled(tmp_path: Path, replay: ReplayServer) -> tuple[Path, ReplayServer]:
    config = _config(tmp_path, replay)
    out = _run(config, "poll")
    assert "FAILED Unreachable" in out and "FAILED Missing" in out
    return config, replay


def test_geneva_digest(polled: tuple[Path, ReplayServer], tmp_path: Path) -> None:
    config, server = polled
    _run(config, "digest", "--date", "2026-02-18")
    md, js, html = _digest(tmp_path, "2026-02-18")

    for heading in (
        "# Ukraine peace talks — daily breakdown, 18 February 2026",
        "## Contents",
        "## At a glance",
        "| Fact | Detail |",
        "## Sources and feed health",
    ):
        assert heading in md
    assert "Keywords:" in md
    assert set(js) >= {"date", "topic", "window", "stories", "keywords", "sources"}
    assert js["window"] == {"start": "2026-02-17T05:00:00Z", "end": "2026-02-18T05:00:00Z"}

    # the Geneva round is one story, covered by several outlets
    story_of = {a["title"]: s["id"] for s in js["stories"] for a in s["articles"]}
    geneva = {
        story_of[t]
        for t in (
            "First day of Russia-Ukraine peace talks ends in Geneva",
            "Ukraine and Russia Hold New Round of Peace Talks, but Expectations Are Low",
            "Ukraine updates: Peace talks in Geneva 'very tense'",
            "Russian and Ukrainian officials meet in Geneva for US-brokered talks after almost "
            "4 years of war",
        )
    }
    assert len(geneva) == 1
    top = js["stories"][0]
    assert top["id"] in geneva and len(top["points"]) >= 3
    assert len(top["articles"]) >= 5
    assert all(set(p) >= {"lead", "text", "url", "source"} for p in top["points"])

    # look-alikes are absent: the US-Iran talks in Geneva, Gaza's Board of Peace, Colombia
    titles = " ".join(story_of)
    assert "Iran" not in titles.replace("Iran, Ukraine", "")
    for absent in ("Board of Peace", "Colombia", "Congo", "nuclear"):
        assert absent not in titles

    # every point is verbatim in the stored text of the article it links to, and links to
    # the publisher's own address, as the feed gave it (the replay server is gone tomorrow)
    settings = load_settings(config, cwd=tmp_path)
    with Store.open(settings.database) as store:
        stored = store.articles_in_window(date(2026, 2, 18))
    texts = {a.url: a.text for a in stored}
    assert not any(server.base in u for a in stored for u in (a.url, a.canonical_url))
    links = [p["url"] for s in js["stories"] for p in s["points"]]
    links += [a["url"] for s in js["stories"] for a in s["articles"]]
    assert links and not any("127.0.0.1" in u for u in links)
    assert "/page/" not in md and "/page/" not in html
    assert "https://www.bbc.com/news/articles/" in md
    origins = {a.url: a.text_origin for a in stored}
    for s in js["stories"]:
        for p in s["points"]:
            assert p["text"] in texts[p["url"]]
            assert p["from"] == origins[p["url"]]  # "feed": quoted from the feed's summary
        # every lead names the bullet's facet or is a whole noun phrase of its sentence
        check_points(s["points"])
    assert ", feed summary)" in md and "feed summary</span>" in html

    # every fact is a span of its sentence, and the sentence is verbatim in the stored text of
    # the article it links to
    _facts_are_verbatim(js, texts)
    # the day after the Geneva round's first day: where it was held, who pressed whom, when,
    # and what comes next
    table = {(f["label"], f["value"]) for f in top["facts"]}
    assert {
        ("Where", "in Geneva"),
        ("When", "on Tuesday"),
        ("Who", "U.S. President Donald Trump"),
        ("Next", "Negotiations will continue on Wednesday"),
    } <= table
    assert "| Where | [in Geneva](https://" in md and "| Top story | [" in md
    assert "Here's a breakdown of " in md and "feeds polled successfully" in md

    # keywords are phrases of the day's articles, each used by at least two of them, and
    # never only the topic's own words
    with Store.open(settings.database) as store:
        day = [a for a in store.articles_in_window(date(2026, 2, 18)) if a.duplicate_of is None]
    assert "Geneva" in js["keywords"] and len(js["keywords"]) >= 5
    for k in js["keywords"]:
        users = [a for a in day if k.lower() in f"{a.title}\n{a.text}".lower()]
        assert len(users) >= 2, k
        assert k.lower() not in ("ukraine", "peace", "talks", "peace talks")

    # failing feeds are reported in the digest, with their error
    by_name = {s["name"]: s for s in js["sources"]}
    assert by_name["Unreachable"]["status"] == "error" and by_name["Unreachable"]["error"]
    assert by_name["BBC News (World)"]["status"] == "ok"
    assert "Unreachable" in md and "error:" in md
    assert "Content-Security-Policy" in html and "<script" not in html

    # off-topic items were never fetched
    assert not any(r.startswith(OFF_TOPIC_PAGES) for r in server.requests)


def test_pages_duplicates_and_rebuilds(polled: tuple[Path, ReplayServer], tmp_path: Path) -> None:
    config, _ = polled
    _run(config, "digest", "--date", "2025-11-24")
    md, js, _ = _digest(tmp_path, "2025-11-24")
    articles = [a for s in js["stories"] for a in s["articles"]]
    readout = next(a for a in articles if a["title"] == "Readout of Peace Talks in Geneva")
    assert readout["text_origin"] == "page"
    # the wire copy and the tracking-parameter link are folded into the readout
    copies = {(d["source"], d["url"].split("/")[-1]) for d in readout["duplicates"]}
    assert ("Wire Service", "readout-of-peace-talks-in-geneva") in copies
    assert sum(1 for a in articles if "Readout of Peace Talks" in a["title"]) == 1
    assert "1 duplicate folded" in md
    for s in js["stories"]:
        check_points(s["points"])
    assert any(p["lead"] == p["facet"] for s in js["stories"] for p in s["points"])

    # a summit's table names its place and the people at the table
    settings = load_settings(config, cwd=tmp_path)
    with Store.open(settings.database) as store:
        texts = {a.url: a.text for a in store.articles_in_window(date(2025, 11, 24))}
    _facts_are_verbatim(js, texts)
    table = {(f["label"], f["value"]) for f in js["stories"][0]["facts"]}
    assert {
        ("Where", "in Geneva"),
        ("When", "On 23 November 2025"),
        ("Who", "Secretary Rubio"),
        ("Who", "Special Envoy Witkoff"),
        ("Who", "Secretary Driscoll"),
    } <= table

    first = (tmp_path / "digests/2025/11/2025-11-24.md").read_bytes()
    first_json = (tmp_path / "digests/2025/11/2025-11-24.json").read_bytes()
    _run(config, "digest", "--date", "2025-11-24")
    assert (tmp_path / "digests/2025/11/2025-11-24.md").read_bytes() == first
    assert (tmp_path / "digests/2025/11/2025-11-24.json").read_bytes() == first_json


def test_repoll_adds_nothing_and_status_counts_errors(
    polled: tuple[Path, ReplayServer], tmp_path: Path
) -> None:
    config, _ = polled
    before = json.loads(_run(config, "status", "--json"))
    out = _run(config, "poll")
    assert "0 new articles" in out
    after = json.loads(_run(config, "status", "--json"))
    assert after["totals"] == before["totals"]
    feed = {f["name"]: f for f in after["feeds"]}
    assert feed["Unreachable"]["consecutive_errors"] == 2
    assert feed["BBC News (World)"]["consecutive_errors"] == 0
    assert feed["BBC News (World)"]["entries_seen"] == 33
    assert feed["BBC News (World)"]["last_success"].endswith("Z")


def test_empty_day_still_gets_a_digest(polled: tuple[Path, ReplayServer], tmp_path: Path) -> None:
    config, _ = polled
    _run(config, "digest", "--date", "2026-03-01")
    md, js, _ = _digest(tmp_path, "2026-03-01")
    assert js["stories"] == []
    assert "No new articles" in md and "## Sources and feed health" in md


def test_stories_persist_across_days_without_repeating_points(
    polled: tuple[Path, ReplayServer], tmp_path: Path
) -> None:
    config, _ = polled
    _run(config, "digest", "--date", "2026-02-17")
    _run(config, "digest", "--date", "2026-02-18")
    _, day1, _ = _digest(tmp_path, "2026-02-17")
    _, day2, _ = _digest(tmp_path, "2026-02-18")
    earlier = {s["id"]: {p["text"] for p in s["points"]} for s in day1["stories"]}
    continued = [s for s in day2["stories"] if s["id"] in earlier]
    assert continued, "the Geneva story began on the 17th and goes on on the 18th"
    for s in continued:
        assert s["status"] in ("developing", "no-new-facts")
        assert s["since"] < "2026-02-18"
        assert not {p["text"] for p in s["points"]} & earlier[s["id"]]


def test_same_bytes_whatever_the_hash_seed(
    polled: tuple[Path, ReplayServer], tmp_path: Path
) -> None:
    """Determinism across processes: set and dict orders must never reach the output."""
    import os
    import subprocess
    import sys

    config, _ = polled
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                "--config",
                str(config),
                "digest",
                "--date",
                "2026-02-18",
            ],
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(
            sorted(
                (p.name, p.read_bytes())
                for p in (tmp_path / "digests/2026/02").glob("2026-02-18.*")
            )
        )
    assert outputs[0] == outputs[1]
