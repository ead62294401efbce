"""`monitor feeds add|remove|check|import|export` against real feed files on 127.0.0.1."""

from __future__ import annotations

import json
import os
import stat
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import load_settings
from monitor.config.edit import parse_opml, to_opml
from monitor.errors import FeedAdminError
from monitor.ingest.discover import feed_links

from .conftest import DATA, http_server

BBC = (DATA / "replay/feeds/bbc_world_2026-02-18.rss.xml").read_bytes()
HEISE = (DATA / "feeds/heise_developer.atom.xml").read_bytes()
JOURNAL = (DATA / "feeds/jsonfeed_3960_journal_1.1.json").read_bytes()
PAGE = b"""<!DOCTYPE html><html><head><title>News</title>
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">
<link rel="alternate" type="application/atom+xml" title="Atom" href="atom.xml">
</head><body><p>Hello</p></body></html>"""
NO_FEED = b"<!DOCTYPE html><html><head><title>x</title></head><body>none</body></html>"
JSON_PAGE = b"""<!DOCTYPE html><html><head><title>Blog</title>
<link rel="alternate" type="application/feed+json" title="JSON Feed" href="/feed.json">
</head><body><p>Hello</p></body></html>"""
BROKEN_LINK = b"""<html><head><link rel="alternate" type="application/rss+xml" href="/gone.xml">
</head><body></body></html>"""

CONFIG = """# my monitor configuration
# (comments and layout must survive every edit)

[http]
allow_private_networks = {private}   # tests serve feeds from 127.0.0.1

[storage]
database = "data/m.sqlite"

[[feeds]]
name = "First"   # the one I trust most
url = "https://example.org/first.xml"
group = "world"

[[feeds]]
name = "Second"
url = "https://example.org/second.xml"
"""


ROUTES = {
    "/rss.xml": (BBC, "application/rss+xml"),
    "/atom.xml": (HEISE, "application/atom+xml"),
    "/news/atom.xml": (HEISE, "application/atom+xml"),
    "/news/": (PAGE, "text/html; charset=utf-8"),
    "/plain/": (NO_FEED, "text/html"),
    "/broken/": (BROKEN_LINK, "text/html"),
    "/feed.json": (JOURNAL, "application/feed+json"),
    "/blog/": (JSON_PAGE, "text/html"),
}
ACCEPTED: list[str] = []  # the Accept header of each request


class Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        ACCEPTED.append(self.headers.get("Accept", ""))
        body, kind = ROUTES.get(self.path, (b"not found", ""))
        self.send_response(200 if kind else 404)
        self.send_header("Content-Type", kind or "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def site() -> object:
    with http_server(Site) as base:
        yield base


def config(tmp_path: Path, private: bool = True) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(CONFIG.format(private=str(private).lower()), encoding="utf-8")
    return path


def run(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(path), "feeds", *args])
    return result.exit_code, result.output


def feeds_of(path: Path) -> list[tuple[str, str, str]]:
    return [(f.name, f.url, f.group) for f in load_settings(path).feeds]


def test_add_a_feed_keeps_comments_and_layout(tmp_path: Path, site: str) -> None:
    path = config(tmp_path)
    before = path.read_text(encoding="utf-8")
    code, out = run(path, "add", f"{site}/rss.xml", "--group", "uk")
    assert code == 0, out
    assert "Added BBC News" in out and "rss20, 33 entries, newest 2026-02-18" in out
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # nothing above changed, not even a comment
    assert "# the one I trust most" in after
    assert feeds_of(path)[-1] == ("BBC News", f"{site}/rss.xml", "uk")
    code, out = run(path, "add", f"{site}/rss.xml/")
    assert code == 1 and "already in" in out
    assert path.read_text(encoding="utf-8") == after


def test_add_discovers_the_feed_of_a_page(tmp_path: Path, site: str) -> None:
    path = config(tmp_path)
    code, out = run(path, "add", f"{site}/news/", "--name", "Heise")
    assert code == 0, out
    assert "discovered from" in out
    # Atom is preferred over RSS when a page offers both; a relative href is resolved
    assert feeds_of(path)[-1] == ("Heise", f"{site}/news/atom.xml", "")


def test_feed_links_prefer_the_json_feed_type() -> None:
    page = b"""<link rel="alternate" type="application/json" href="/plain.json">
    <link rel="alternate" type="application/feed+json" href="/feed.json">"""
    assert feed_links(page, "https://b.example/") == [
        "https://b.example/feed.json",
        "https://b.example/plain.json",
    ]


def test_add_discovers_a_json_feed_and_check_reports_json(tmp_path: Path, site: str) -> None:
    from monitor.ingest import discover, feeds

    path = config(tmp_path)
    ACCEPTED.clear()
    code, out = run(path, "add", f"{site}/blog/")
    assert code == 0, out
    assert "json1.1, 2 entries, newest 2020-02-21" in out
    assert feeds_of(path)[-1] == ("fboës - Der Blog | Startseite", f"{site}/feed.json", "")
    code, out = run(path, "check", f"{site}/feed.json")
    assert code == 0 and "json1.1, 2 entries" in out, out
    assert all("application/feed+json" in accept for accept in ACCEPTED)
    # feeds are asked for as polling asks for them; `feeds add` takes HTML pages too
    feed_types = feeds.FEED_ACCEPT.rpartition(", */*")[0]
    assert "application/feed+json" in feed_types
    assert discover.DISCOVERY_ACCEPT.startswith(feed_types + ", text/html")


def test_add_refuses_what_is_not_a_feed(tmp_path: Path, site: str) -> None:
    path = config(tmp_path)
    before = path.read_text(encoding="utf-8")
    for url, message in (
        (f"{site}/plain/", "announces none"),
        (f"{site}/broken/", "none of which works"),
        (f"{site}/missing.xml", "404"),
        ("ftp://example.org/feed", "http(s) URL"),
    ):
        code, out = run(path, "add", url)
        assert code != 0 and message in out, out
    assert path.read_text(encoding="utf-8") == before


def test_add_refuses_private_addresses_by_default(tmp_path: Path, site: str) -> None:
    path = config(tmp_path, private=False)
    code, out = run(path, "add", f"{site}/rss.xml")
    assert code == 1 and "private" in out.lower()
    code, out = run(path, "add", f"{site}/rss.xml", "--no-check", "--name", "Later")
    assert code == 0 and "not checked" in out
    assert feeds_of(path)[-1] == ("Later", f"{site}/rss.xml", "")


def test_remove_by_url_or_name(tmp_path: Path) -> None:
    path = config(tmp_path)
    code, out = run(path, "remove", "second")
    assert code == 0 and "Removed Second" in out
    assert [f[0] for f in feeds_of(path)] == ["First"]
    assert "# the one I trust most" in path.read_text(encoding="utf-8")
    code, out = run(path, "remove", "https://example.org/first.xml")
    assert code == 0 and feeds_of(path) == []
    code, out = run(path, "remove", "Nobody")
    assert code == 1 and "has no feeds" in out
    run(path, "add", "https://b.example/rss", "--no-check", "--name", "B")
    code, out = run(path, "remove", "Nobody")
    assert code == 1 and "no feed with the URL or name" in out


def test_check_reports_format_entries_newest_and_errors(tmp_path: Path, site: str) -> None:
    path = config(tmp_path)
    code, out = run(path, "check", f"{site}/rss.xml", f"{site}/atom.xml")
    assert code == 0, out
    assert "rss20, 33 entries, newest 2026-02-18" in out and "atom10" in out
    assert "2 of 2 feeds OK." in out
    code, out = run(path, "check", f"{site}/rss.xml", f"{site}/plain/", f"{site}/nope.xml")
    assert code == 1
    assert out.count("FAIL") == 2 and "HTML page" in out and "404" in out
    assert "1 of 3 feeds OK." in out
    # the order of the report is the order asked, whatever finished first
    assert out.index("/rss.xml") < out.index("/plain/") < out.index("/nope.xml")


OPML = b"""<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0">
  <head><title>Reader export</title></head>
  <body>
    <outline text="Ukraine" title="Ukraine">
      <outline type="rss" text="Kyiv Independent" xmlUrl="https://kyivindependent.com/feed/"/>
      <outline type="rss" text="Ukrainska Pravda" xmlUrl="https://www.pravda.com.ua/eng/rss/"/>
    </outline>
    <outline type="rss" text="First again" xmlUrl="https://example.org/first.xml"/>
    <outline type="rss" text="Evil" xmlUrl="javascript:alert(1)"/>
    <outline type="rss" title="No text" xmlUrl="https://example.net/feed"/>
  </body>
</opml>"""


def test_import_opml_adds_groups_and_skips_known_and_bad(tmp_path: Path) -> None:
    path = config(tmp_path)
    opml = tmp_path / "reader.opml"
    opml.write_bytes(OPML)
    code, out = run(path, "import", str(opml))
    assert code == 0, out
    assert "3 feeds added" in out and "2 skipped" in out
    assert "already configured" in out and "not an http(s) URL" in out
    assert feeds_of(path)[2:] == [
        ("Kyiv Independent", "https://kyivindependent.com/feed/", "Ukraine"),
        ("Ukrainska Pravda", "https://www.pravda.com.ua/eng/rss/", "Ukraine"),
        ("No text", "https://example.net/feed", ""),
    ]
    # importing again adds nothing
    code, out = run(path, "import", str(opml))
    assert "0 feeds added" in out


def test_export_is_opml_that_imports_back(tmp_path: Path) -> None:
    path = config(tmp_path)
    code, out = run(path, "export")
    assert code == 0 and out.startswith(
        '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0">'
    )
    feeds, skipped = parse_opml(out.encode("utf-8"))
    assert [(f.name, f.url, f.group) for f in feeds] == feeds_of(path) and not skipped
    target = tmp_path / "out.opml"
    code, _ = run(path, "export", "-o", str(target))
    assert code == 0 and target.read_text(encoding="utf-8") == out
    # names with markup are escaped, not emitted
    from monitor.config import FeedConfig

    text = to_opml("t", [FeedConfig('<b>"x"</b> & y', "https://e.org/?a=1&b=2", "g<")])
    assert "<b>" not in text and "&amp;b=2" in text


def test_hostile_opml_is_refused_or_inert(tmp_path: Path) -> None:
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<opml version="2.0"><body><outline text="&d;&d;&d;&d;" xmlUrl="https://e.org/f"/></body></opml>"""
    feeds, _ = parse_opml(laughs)
    assert len(feeds) == 1 and len(feeds[0].name) < 1000  # entities never expanded
    xxe = b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&x;" xmlUrl="https://e.org/f"/></body></opml>"""
    with pytest.raises(FeedAdminError, match="external entity"):
        parse_opml(xxe)
    for bad, message in ((b"<rss></rss>", "not OPML"), (b"<opml", "not valid OPML")):
        with pytest.raises(FeedAdminError, match=message):
            parse_opml(bad)
    path = config(tmp_path)
    opml = tmp_path / "bad.opml"
    opml.write_bytes(b"garbage")
    code, out = run(path, "import", str(opml))
    assert code == 1 and "not valid OPML" in out


def test_feed_links_resolve_and_rank() -> None:
    assert feed_links(PAGE, "https://news.example/section/") == [
        "https://news.example/section/atom.xml",
        "https://news.example/rss.xml",
    ]
    assert feed_links(b"", "https://x.example/") == []
    js = b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
    assert feed_links(js, "https://x.example/") == []


def test_removing_the_last_feed_then_adding_keeps_valid_toml(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text('# settings only\n[storage]\ndatabase = "m.sqlite"\n', encoding="utf-8")
    opml = tmp_path / "r.opml"
    opml.write_bytes(OPML)
    assert run(path, "import", str(opml))[0] == 0
    for name in ("Kyiv Independent", "Ukrainska Pravda", "First again", "No text"):
        code, out = run(path, "remove", name)
        assert code == 0, out
    text = path.read_text(encoding="utf-8")
    assert "feeds" not in text and text.startswith("# settings only")
    assert run(path, "add", "https://b.example/rss", "--no-check", "--name", "B")[0] == 0
    assert feeds_of(path) == [("B", "https://b.example/rss", "")]


def test_an_inline_feed_array_is_extended_in_its_own_style(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text('feeds = [{name = "X", url = "https://x.example/f"}]\n', encoding="utf-8")
    assert run(path, "add", "https://y.example/f", "--no-check", "--name", "Y")[0] == 0
    assert path.read_text(encoding="utf-8").count("\n") == 1
    assert [f[0] for f in feeds_of(path)] == ["X", "Y"]


@pytest.mark.parametrize("mode", [0o600, 0o664])
def test_edits_keep_the_mode_of_the_config_file(tmp_path: Path, mode: int) -> None:
    path = config(tmp_path)
    path.chmod(mode)
    opml = tmp_path / "reader.opml"
    opml.write_bytes(OPML)
    old = os.umask(0o022)
    try:
        for args in (
            ("add", "https://b.example/rss", "--no-check", "--name", "B"),
            ("import", str(opml)),
            ("remove", "B"),
        ):
            code, out = run(path, *args)
            assert code == 0, out
            assert stat.S_IMODE(path.stat().st_mode) == mode, args
    finally:
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_config_with_a_byte_order_mark_loads_and_is_edited(tmp_path: Path) -> None:
    """Windows editors save UTF-8 with a BOM: the file loads, and an edit keeps it as it was."""
    path = config(tmp_path)
    before = "\ufeff" + path.read_text(encoding="utf-8")
    path.write_text(before, encoding="utf-8")
    code, out = run(path, "list")
    assert code == 0 and "example.org/second.xml" in out, out
    code, out = run(path, "add", "https://b.example/rss", "--no-check", "--name", "B")
    assert code == 0, out
    assert path.read_text(encoding="utf-8").startswith(before)  # the BOM kept, nothing moved
    assert feeds_of(path)[-1] == ("B", "https://b.example/rss", "")
    assert run(path, "remove", "B")[0] == 0
    assert path.read_text(encoding="utf-8") == before


def test_import_cleans_control_characters_and_skips_unusable_urls(tmp_path: Path) -> None:
    long_url = "https://e.org/" + "a" * 5000
    opml = tmp_path / "reader.opml"
    opml.write_bytes(
        f"""<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><body>
  <outline text="News\x7f&#x9b;31m desk&#x85;">
    <outline type="rss" text="Del\x7f and&#x9b; CSI" xmlUrl="https://e.org/one"/>
    <outline type="rss" text="&#x80;&#x9f;" xmlUrl="https://two.example/feed"/>
  </outline>
  <outline type="rss" text="Long" xmlUrl="{long_url}"/>
  <outline type="rss" text="Space" xmlUrl="https://e.org/a b"/>
  <outline type="rss" text="Bracket" xmlUrl="https://[::1/feed"/>
</body></opml>""".encode()
    )
    path = config(tmp_path)
    code, out = run(path, "import", str(opml))
    assert code == 0, out
    assert "2 feeds added" in out and "3 skipped" in out
    assert "longer than 2048 characters" in out and "spaces or control characters" in out
    assert "not a valid URL" in out and "a" * 100 not in out
    assert feeds_of(path)[2:] == [
        ("Del and CSI", "https://e.org/one", "News 31m desk"),
        ("two.example", "https://two.example/feed", "News 31m desk"),
    ]


def test_export_always_imports_back(tmp_path: Path) -> None:
    names = [
        ("Ukraïnska Pravda — «news» & more", "world & co"),
        ("<b>\"quoted\"</b> ]]> 'apos'", "<group>"),
        ("Emoji 🇺🇦 and RTL عربى", ""),
    ]
    body = "".join(
        f'[[feeds]]\nname = {json.dumps(n, ensure_ascii=False)}\nurl = "https://e{i}.example/f?a=1&b=2"\n'
        + (f"group = {json.dumps(g, ensure_ascii=False)}\n" if g else "")
        for i, (n, g) in enumerate(names)
    )
    source = tmp_path / "source.toml"
    source.write_text('[topic]\nname = "Talks <&> \\"x\\""\n' + body, encoding="utf-8")
    target = tmp_path / "target.toml"
    target.write_text("", encoding="utf-8")
    opml = tmp_path / "feeds.opml"
    code, out = run(source, "export", "-o", str(opml))
    assert code == 0, out
    code, out = run(target, "import", str(opml))
    assert code == 0 and "3 feeds added" in out, out
    assert feeds_of(target) == feeds_of(source)
    # to_opml itself never writes a character XML cannot carry, whatever it is given
    from monitor.config import FeedConfig

    text = to_opml("t\x00", [FeedConfig("a\x01b\ufffe", "https://e.org/f", "g\x1b")])
    feeds, _ = parse_opml(text.encode("utf-8"))
    assert [(f.name, f.group) for f in feeds] == [("a b", "g")]


class BadRedirect(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://[::1/feed")  # not a URL: an unclosed bracket
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_invalid_urls_are_reported_not_a_crash(tmp_path: Path) -> None:
    path = config(tmp_path)
    before = path.read_text(encoding="utf-8")
    with http_server(BadRedirect) as base:
        code, out = run(path, "check", f"{base}/feed", "http://[::1/f", "http://e.org:99999/f")
        assert code == 1 and out.count("FAIL") == 3, out
        assert "not a valid URL" in out and "0 of 3 feeds OK" in out
        code, out = run(path, "check", "https://e.org/" + "a" * 70_000)
        assert code == 1 and "FAIL" in out and "longer than 8192 characters" in out
    for url, message in (
        ("http://[::1/f", "not a valid URL"),
        ("https://e.org/" + "a" * 3000, "longer than 2048 characters"),
        ("https://e.org/a b", "spaces or control characters"),
    ):
        code, out = run(path, "add", url, "--no-check")
        assert code == 2 and message in out, out[:300]
    assert path.read_text(encoding="utf-8") == before


class ControlTitle(BaseHTTPRequestHandler):
    FEED = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        b"<title>Daily\x7f &#x1b;[31mNews&#x85;</title><link>https://n.example/</link>"
        b"<item><title>A</title><link>https://n.example/a</link></item></channel></rss>"
    )

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(self.FEED)))
        self.end_headers()
        self.wfile.write(self.FEED)

    def log_message(self, *args: object) -> None:
        pass


def test_add_cleans_a_feed_title_but_refuses_control_characters_given(tmp_path: Path) -> None:
    path = config(tmp_path)
    with http_server(ControlTitle) as base:
        code, out = run(path, "add", f"{base}/rss")
        assert code == 0, out
        assert feeds_of(path)[-1] == ("Daily [31mNews", f"{base}/rss", "")
    before = path.read_text(encoding="utf-8")
    code, out = run(path, "add", "https://c.example/f", "--no-check", "--name", "C\x1b[2J")
    assert code == 2 and "feeds[3].name: must not contain control characters" in out
    code, out = run(path, "add", "https://c.example/f", "--no-check", "--group", "g\x07")
    assert code == 2 and "feeds[3].group: must not contain control characters" in out
    assert path.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
