"""The archive: site files, `digests`, `search`, `serve` and `topic test` on a real archive."""

from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.error
import urllib.request
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.models import DigestRecord
from monitor.publish import archive
from monitor.publish.serve import ArchiveServer
from monitor.store import Store, fts_query

from .conftest import TEMPLATE_ATTRS, TEMPLATE_TAGS

SITE_TAGS = TEMPLATE_TAGS | {"nav", "form", "input", "button", "noscript", "script", "link", "div"}
SITE_ATTRS = TEMPLATE_ATTRS | {
    "role", "action", "method", "type", "placeholder", "aria-label", "autocomplete", "src",
    "defer", "aria-live", "title",
}  # fmt: skip


def run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def fail(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.output


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.links: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for k, v in attrs:
            self.attrs.add(k)
            if k == "href" and v:
                self.links.append(v)
            if tag == "script" and k == "src" and v:
                self.scripts.append(v)


def parse(path: Path) -> Tags:
    t = Tags()
    t.feed(path.read_text(encoding="utf-8"))
    return t


def test_site_index_digests_stories_and_search_index(archive: Path) -> None:
    site = archive.parent / "digests"
    index = site / "index.html"
    page = parse(index)
    assert page.tags <= SITE_TAGS and page.attrs <= SITE_ATTRS
    assert page.scripts == ["search.js"]
    text = index.read_text(encoding="utf-8")
    # newest first, each day linking to its page
    assert text.index("18 February 2026") < text.index("17 February 2026")
    for day in ("2026-02-17", "2026-02-18"):
        assert f"2026/02/{day}.html" in page.links
        assert (site / "2026" / "02" / f"{day}.html").exists()
    # every link of the index resolves to a file of the site
    for link in page.links:
        target = link.split("#")[0]
        assert (site / target).is_file(), link
    assert "Content-Security-Policy" in text and "script-src 'self'" in text

    # the digest page links back to the archive and to each story's timeline
    digest_page = parse(site / "2026" / "02" / "2026-02-18.html")
    assert "../../index.html" in digest_page.links
    timelines = [link for link in digest_page.links if link.startswith("../../stories/")]
    assert timelines and all((site / "2026" / "02" / t).resolve().is_file() for t in timelines)
    assert "script" not in digest_page.tags

    # a story running both days has one page with both days on its timeline
    data = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert [d["d"] for d in data["digests"]] == ["2026-02-17", "2026-02-18"]
    days_of: dict[str, set[str]] = {}
    for e in data["entries"]:
        days_of.setdefault(e["s"], set()).add(e["d"])
    both = [s for s, d in days_of.items() if len(d) == 2]
    assert both, "the Geneva story runs across both days"
    story = site / "stories" / f"{both[0]}.html"
    story_text = story.read_text(encoding="utf-8")
    assert "17 February 2026" in story_text and "18 February 2026" in story_text
    assert story_text.index("17 February 2026") < story_text.index("18 February 2026")
    assert parse(story).tags <= SITE_TAGS and parse(story).attrs <= SITE_ATTRS
    # a point quoted from a feed's summary says so on its timeline, as in its digest
    feed_points = story_text.count("feed summary</span>")
    assert feed_points and feed_points == sum(
        1
        for f in site.glob("2026/02/*.json")
        for s in json.loads(f.read_text(encoding="utf-8"))["stories"]
        if s["id"] == both[0]
        for p in s["points"]
        if p["from"] == "feed"
    )
    # every point of every digest is in the search index, with its link and source
    points = [e for e in data["entries"] if e["k"] == "point"]
    digest = json.loads((site / "2026" / "02" / "2026-02-18.json").read_text(encoding="utf-8"))
    for s in digest["stories"]:
        for p in s["points"]:
            assert any(e["x"] == p["text"] and e["u"] == p["url"] for e in points)
    js = (site / "search-index.js").read_text(encoding="utf-8")
    assert js.startswith("window.MONITOR_SEARCH_INDEX = ") and "</" not in js
    assert (site / "search.js").read_text(encoding="utf-8").count("innerHTML") == 0


def test_site_is_stable_and_drops_stale_story_pages(archive: Path, tmp_path: Path) -> None:
    copy = tmp_path / "a"
    shutil.copytree(archive.parent, copy)
    config = copy / "monitor.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(str(archive.parent), str(copy)),
        encoding="utf-8",
    )
    site = copy / "digests"
    stale = site / "stories" / "s0123456789ab.html"
    stale.write_text("old", encoding="utf-8")
    keep = site / "stories" / "notes.html"  # not ours: left alone
    keep.write_text("mine", encoding="utf-8")
    run(config, "digests", "site")
    assert not stale.exists() and keep.exists()
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert "(0 files updated)" in run(config, "digests", "site")
    assert before == {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_feed_text_is_escaped_everywhere_on_the_site(tmp_path: Path) -> None:
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)> \"' &amp;"
    body = {
        "title": evil,
        "stories": [
            {
                "id": "s00000000000a",
                "title": evil,
                "status": "new",
                "shown": True,
                "points": [
                    {"lead": evil, "text": evil, "url": "javascript:alert(3)", "source": evil}
                ],
                "articles": [{"url": 'http://x.test/"><b>', "source": evil, "title": evil}],
            },
            {"id": "../../etc/passwd", "title": "bad id", "points": [], "articles": []},
        ],
    }
    moment = datetime(2026, 2, 18, 5, tzinfo=UTC)
    record = DigestRecord(
        date(2026, 2, 18), moment, moment, moment, "x.md", "h", 1, 1, evil, json.dumps(body)
    )
    archive.build_site(tmp_path, evil, [record])
    for page in (tmp_path / "index.html", tmp_path / "stories" / "s00000000000a.html"):
        tags = parse(page)
        assert tags.tags <= SITE_TAGS and tags.attrs <= SITE_ATTRS, page
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img" not in text and "javascript:" not in text
        assert "&lt;/script&gt;" in text
    assert not (tmp_path / "etc").exists()
    assert len(list((tmp_path / "stories").glob("*.html"))) == 1
    js = (tmp_path / "search-index.js").read_text(encoding="utf-8")
    assert "</script>" not in js and "<\\/script>" in js
    data = json.loads((tmp_path / "search-index.json").read_text(encoding="utf-8"))
    assert all(e["u"] == "" for e in data["entries"])  # javascript: link dropped


def test_search_index_holds_only_entries_with_text(tmp_path: Path) -> None:
    """A point without a sentence or a story without a title would be an empty result."""
    body = {
        "stories": [
            {
                "id": "s00000000000a",
                "title": "Envoys gather in Geneva",
                "points": [
                    {"lead": "Talks", "text": "Talks resume.", "url": "https://x.test/1",
                     "source": "X"},
                    {"lead": "Empty", "text": "", "url": "https://x.test/2", "source": "X"},
                    {"lead": "Blank", "text": " \n ", "url": "https://x.test/3", "source": "X"},
                ],
                "articles": [],
            },
            {"id": "s00000000000b", "title": "  ", "points": [], "articles": []},
        ]
    }  # fmt: skip
    moment = datetime(2026, 2, 18, 5, tzinfo=UTC)
    record = DigestRecord(
        date(2026, 2, 18), moment, moment, moment, "x.md", "h", 1, 2, "t", json.dumps(body)
    )
    archive.build_site(tmp_path, "Topic", [record])
    data = json.loads((tmp_path / "search-index.json").read_text(encoding="utf-8"))
    assert [(e["k"], e["x"]) for e in data["entries"]] == [
        ("story", "Envoys gather in Geneva"),
        ("point", "Talks resume."),
    ]
    # the story pages still show every day, the untitled story's included
    assert (tmp_path / "stories" / "s00000000000b.html").exists()


def test_digests_list_and_show(archive: Path) -> None:
    out = run(archive, "digests", "list")
    lines = out.splitlines()
    assert lines[1].startswith("2026-02-18") and lines[2].startswith("2026-02-17")
    listed = json.loads(run(archive, "digests", "list", "--json"))
    assert [d["date"] for d in listed] == ["2026-02-18", "2026-02-17"]
    assert all(d["stories"] >= 1 and d["articles"] >= 1 for d in listed)

    text = run(archive, "digests", "show")
    assert text.startswith("Ukraine peace talks — daily breakdown, 18 February 2026")
    md = run(archive, "digests", "show", "2026-02-17", "--format", "md")
    assert md.startswith("# Ukraine peace talks — daily breakdown, 17 February 2026")
    assert json.loads(run(archive, "digests", "show", "--format", "json"))["date"] == "2026-02-18"
    assert "<!DOCTYPE html>" in run(archive, "digests", "show", "--format", "html")
    code, out = fail(archive, "digests", "show", "2020-01-01")
    assert code == 1 and "no digest for 2020-01-01" in out
    code, out = fail(archive, "digests", "show", "yesterday")
    assert code == 2 and "YYYY-MM-DD" in out


def test_search_points_and_articles(archive: Path) -> None:
    site = archive.parent / "digests"
    data = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    point = next(e for e in data["entries"] if e["k"] == "point" and e["d"] == "2026-02-18")
    phrase = " ".join(point["x"].split()[2:6])
    found = json.loads(run(archive, "search", f'"{phrase}"', "--json"))
    assert any(p["text"] == point["x"] and p["date"] == "2026-02-18" for p in found["points"])
    assert any(p["source"] == point["src"] for p in found["points"])
    assert found["articles"], "the article quoted is stored and found too"

    out = run(archive, "search", "Geneva")
    assert "In the digests" in out and "In stored articles" in out and "http" in out
    only_bbc = json.loads(run(archive, "search", "Geneva", "--source", "bbc", "--json"))
    assert only_bbc["articles"] and all("BBC" in a["source"] for a in only_bbc["articles"])
    later = json.loads(run(archive, "search", "Geneva", "--since", "2026-02-18", "--json"))
    assert all(h["date"] >= "2026-02-18" for h in later["points"] + later["articles"])
    assert "Nothing found" in run(archive, "search", "zzzzqqqq")
    # FTS syntax typed by a user is taken as words, never as a broken query
    for odd in ("NEAR(", "a AND", '"unbalanced', "col:umn", "-x", "*"):
        code, out = fail(archive, "search", odd)
        assert code in (0, 2), out
        assert "Traceback" not in out


def test_fts_query_words_phrases_prefixes() -> None:
    assert fts_query("Witkoff Geneva") == '"Witkoff" "Geneva"'
    assert fts_query('"security guarantees" umerov*') == '"security guarantees" "umerov"*'
    assert fts_query("talks OR negotiations") == '"talks" OR "negotiations"'
    assert fts_query('U.S. NEAR("x")') == '"U S" "NEAR x"'
    with pytest.raises(ValueError):
        fts_query('"" ... *')


def test_search_index_follows_rebuilt_digests(tmp_path: Path) -> None:
    """Points of a rebuilt digest replace the old ones in the full-text index."""
    store = Store.open(tmp_path / "m.sqlite")
    try:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO digests (date, window_start, window_end, built_at, path, "
                "content_hash, articles, stories) VALUES ('2026-02-18', '', '', '', '', '', 0, 0)"
            )
            db.execute(
                "INSERT INTO digest_points VALUES ('2026-02-18', 's1', 0, 'Old words here', 'u')"
            )
            db.execute("DELETE FROM digest_points WHERE digest_date = '2026-02-18'")
            db.execute(
                "INSERT INTO digest_points VALUES ('2026-02-18', 's1', 0, 'New words here', 'u')"
            )
        assert store.search(fts_query("old"))[0] == []
        assert [h.text for h in store.search(fts_query("new"))[0]] == ["New words here"]
    finally:
        store.close()


def test_migration_indexes_existing_rows(tmp_path: Path) -> None:
    """A database from before full-text search gets its articles and points indexed."""
    from monitor.store.migrations import MIGRATIONS

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    for step in MIGRATIONS[:3]:
        step(db)
    db.execute("PRAGMA user_version = 3")
    db.execute("INSERT INTO feeds (url, name) VALUES ('http://f.test/', 'F')")
    db.execute(
        "INSERT INTO articles (canonical_url, url, title, source, feed_id, published, "
        "first_seen, window_date, text, text_origin, content_hash, sketch) VALUES "
        "('http://a.test/1', 'http://a.test/1', 'Envoys meet', 'F', 1, '2026-02-17T10:00:00Z', "
        "'2026-02-17T10:00:00Z', '2026-02-18', 'The envoys met in Geneva on Tuesday.', 'page', "
        "'h', '')"
    )
    db.commit()
    db.close()
    with Store.open(path) as store:
        _, articles = store.search(fts_query("geneva tuesday"))
    assert [a.title for a in articles] == ["Envoys meet"]


def test_topic_test_keeps_and_drops(archive: Path) -> None:
    out = run(archive, "topic", "test", "--days", "3650")
    assert "KEEP" in out and "drop" in out
    summary = out.splitlines()[-1]
    assert "0 decided differently" in summary  # the configured query made these decisions
    narrow = run(archive, "topic", "test", "--days", "3650", "--query", "Geneva", "--show", "kept")
    assert all("KEEP" in line for line in narrow.splitlines()[:-1])
    assert "Geneva" in narrow
    changed = run(
        archive, "topic", "test", "--days", "3650", "--query", "Geneva", "--show", "changed"
    )
    assert "*" in changed.splitlines()[0]
    code, out = fail(archive, "topic", "test", "--query", "(unbalanced")
    assert code == 2 and "topic query" in out


def test_serve_sends_the_site_with_security_headers(archive: Path) -> None:
    site = archive.parent / "digests"
    with ArchiveServer(site) as server:
        with urllib.request.urlopen(server.url + "index.html", timeout=10) as r:
            assert r.status == 200
            assert r.headers["Content-Type"] == "text/html; charset=utf-8"
            assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert b"digest archive" in r.read()
        with urllib.request.urlopen(server.url + "search-index.json", timeout=10) as r:
            assert json.loads(r.read())["version"] == 1
        with urllib.request.urlopen(server.url, timeout=10) as r:
            assert b"digest archive" in r.read()  # / is the index
        (site / ".secret").write_text("x", encoding="utf-8")
        for missing in ("2026/", ".secret", "../monitor.toml", "%2e%2e/monitor.sqlite"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(server.url + missing, timeout=10)
            assert err.value.code == 404, missing
            err.value.close()


def test_articles_are_indexed_when_searched_including_later_ones(tmp_path: Path) -> None:
    def add(db: sqlite3.Connection, n: int, text: str) -> None:
        db.execute(
            "INSERT INTO articles (canonical_url, url, title, source, feed_id, published, "
            "first_seen, window_date, text, text_origin, content_hash, sketch) VALUES "
            "(?, ?, ?, 'F', 1, '2026-02-17T10:00:00Z', '2026-02-17T10:00:00Z', '2026-02-18', "
            "?, 'page', 'h', '')",
            (f"http://a.test/{n}", f"http://a.test/{n}", f"Title {n}", text),
        )

    with Store.open(tmp_path / "m.sqlite") as store:
        with store.transaction() as db:
            db.execute("INSERT INTO feeds (url, name) VALUES ('http://f.test/', 'F')")
            add(db, 1, "Envoys met in Geneva.")
        assert [a.title for a in store.search(fts_query("geneva"))[1]] == ["Title 1"]
        assert store.index_articles() == 0  # nothing new: nothing indexed twice
        with store.transaction() as db:
            add(db, 2, "Envoys met in Geneva again.")
        assert {a.title for a in store.search(fts_query("geneva"))[1]} == {"Title 1", "Title 2"}
        with store.transaction() as db:  # an indexed article changed: the index follows
            db.execute("UPDATE articles SET text = 'Talks in Riyadh.' WHERE id = 1")
        assert [a.title for a in store.search(fts_query("geneva"))[1]] == ["Title 2"]
        assert [a.title for a in store.search(fts_query("riyadh"))[1]] == ["Title 1"]


def test_terminal_output_carries_no_control_sequences(tmp_path: Path) -> None:
    """Feed text printed by `search` and `topic test` cannot drive the user's terminal."""
    from .conftest import write_config

    cfg = write_config(
        tmp_path,
        f'[storage]\ndatabase = "{tmp_path / "m.sqlite"}"\n[topic]\nquery = "geneva"\n',
    )
    evil = "Geneva \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b"
    with Store.open(tmp_path / "m.sqlite") as store, store.transaction() as db:
        db.execute("INSERT INTO feeds (url, name) VALUES ('http://f.test/', ?)", (evil,))
        db.execute(
            "INSERT INTO articles (canonical_url, url, title, source, feed_id, published, "
            "first_seen, window_date, text, text_origin, content_hash, sketch) VALUES "
            "('http://a.test/1', 'http://a.test/1', ?, ?, 1, '2026-02-17T10:00:00Z', "
            "'2026-02-17T10:00:00Z', '2026-02-18', ?, 'page', 'h', '')",
            (evil, evil, evil + " talks"),
        )
        db.execute(
            "INSERT INTO entries (feed_id, key, link, title, summary, content, first_seen, "
            "on_topic) VALUES (1, 'k', 'http://a.test/1', ?, '', '', ?, 1)",
            (evil, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        )
    for args in (["search", "geneva"], ["topic", "test"]):
        out = run(cfg, *args)
        assert "Geneva" in out
        assert not any(ch in out for ch in "\x1b\x07\x9b"), args


def test_serve_command_runs_until_interrupted(archive: Path) -> None:
    import re
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(archive), "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        m = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert m, line
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(m.group(1) + "index.html", timeout=5) as r:
                    assert b"digest archive" in r.read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def test_only_story_pages_whose_days_changed_are_rendered_again(tmp_path: Path) -> None:
    moment = datetime(2026, 2, 18, 5, tzinfo=UTC)

    def record(day: int, stories: list[tuple[str, str]]) -> DigestRecord:
        body = {
            "stories": [
                {"id": sid, "title": f"Story {sid}", "status": "new", "shown": True,
                 "points": [{"lead": "Lead", "text": text, "url": "https://e.org/a",
                             "source": "E"}], "articles": []}
                for sid, text in stories
            ]
        }  # fmt: skip
        return DigestRecord(
            date(2026, 2, day), moment, moment, moment, "x.md", "h", 1, 1, "", json.dumps(body)
        )

    a, b = "s00000000000a", "s00000000000b"
    first = [record(17, [(a, "Alpha one."), (b, "Beta one.")])]
    changed = archive.build_site(tmp_path, "T", first)
    assert {p.name for p in changed} >= {f"{a}.html", f"{b}.html"}
    # a new day that mentions only story a: b's page is not touched
    second = [*first, record(18, [(a, "Alpha two.")])]
    changed = archive.build_site(tmp_path, "T", second)
    assert {p.name for p in changed if p.parent.name == "stories"} == {f"{a}.html"}
    assert "Alpha two." in (tmp_path / "stories" / f"{a}.html").read_text(encoding="utf-8")
    # a page deleted by hand comes back; an unchanged site writes nothing
    (tmp_path / "stories" / f"{b}.html").unlink()
    changed = archive.build_site(tmp_path, "T", second)
    assert [p.name for p in changed] == [f"{b}.html"]
    assert archive.build_site(tmp_path, "T", second) == []


def test_search_shows_the_headline_of_the_article_each_point_quotes(archive: Path) -> None:
    db = sqlite3.connect(archive.parent / "monitor.sqlite")
    title_of = dict(db.execute("SELECT url, title FROM articles"))
    points = db.execute("SELECT text, url FROM digest_points").fetchall()
    checked = 0
    for text, url in points:
        phrase = " ".join(text.split()[:6])
        found = json.loads(run(archive, "search", f'"{phrase}"', "--json", "--limit", "50"))
        hit = next((p for p in found["points"] if p["text"] == text and p["url"] == url), None)
        if hit is not None:
            assert hit["title"] == title_of[url], (text, hit["title"], title_of[url])
            checked += 1
    assert checked >= 5
