"""The archive in a real browser: headless Chromium driven by Selenium through chromedriver.

Opens the index served by `monitor serve`'s server, follows a link to a digest and to a story
timeline, searches for a phrase known to be in a digest, and does the same search on the
pages opened from disk (file://). No console errors and no Content-Security-Policy violation
may occur. Every page must fit a phone's width, also when failing feeds put long URLs in the
digest. Every search result shows why it matched (the query's words marked in what it shows,
the story's title included), and none is empty. Screenshots of the index and of a digest are
kept in build/browser/.

Chromium and chromedriver are Debian packages that `.ci/run` installs; without them these
tests are skipped, unless MONITOR_REQUIRE_BROWSER=1 (set by `.ci/run`) makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from monitor.models import DigestRecord
from monitor.publish import archive as site_builder
from monitor.publish.serve import ArchiveServer
from monitor.tools.replay import ReplayServer

from .conftest import REPLAY, http_server

ARTEFACTS = Path(__file__).resolve().parent.parent / "build" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("MONITOR_REQUIRE_BROWSER") == "1":
        raise RuntimeError("chromium and chromedriver are required (MONITOR_REQUIRE_BROWSER=1)")
    pytest.skip("chromium/chromedriver not installed", allow_module_level=True)
# Selenium uses the chromedriver given to it; it must never try to download one.
os.environ.setdefault("SE_OFFLINE", "true")

# Records CSP violations on every page, before the page's own scripts run.
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1100,1400",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_CSP})
    try:
        yield driver
    finally:
        driver.quit()


def problems(driver: Any) -> list[str]:
    """Console errors and CSP violations seen so far on this page."""
    logged = [
        f"{e['level']}: {e['message']}"
        for e in driver.get_log("browser")
        if e["level"] in ("SEVERE", "WARNING")
    ]
    violations = driver.execute_script("return window.__csp || []")
    return logged + [f"CSP: {v}" for v in violations]


def known_phrase(site: Path) -> tuple[str, str]:
    """A few words of a point of the newest digest, and the point's whole text."""
    data = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    point = next(e for e in data["entries"] if e["k"] == "point" and e["d"] == "2026-02-18")
    words = point["x"].split()
    return " ".join(words[1:5]), point["x"]


def search(driver: Any, phrase: str) -> list[Any]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.ID, "search-input")
    box.clear()
    box.send_keys(f'"{phrase}"')
    driver.find_element(By.CSS_SELECTOR, "form.search button").click()
    WebDriverWait(driver, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#search-results li.result"))
    )
    return list(driver.find_elements(By.CSS_SELECTOR, "#search-results li.result"))


def test_archive_in_chromium_over_http(archive: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    site = archive.parent / "digests"
    phrase, sentence = known_phrase(site)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with ArchiveServer(site) as server:
        browser.get(server.url + "index.html")
        assert "digest archive" in browser.find_element(By.TAG_NAME, "h1").text
        browser.save_screenshot(str(ARTEFACTS / "index.png"))
        assert problems(browser) == []

        # index -> the newest digest
        browser.find_element(By.LINK_TEXT, "18 February 2026").click()
        assert browser.current_url.endswith("/2026/02/2026-02-18.html")
        assert "daily breakdown, 18 February 2026" in browser.find_element(By.TAG_NAME, "h1").text
        browser.save_screenshot(str(ARTEFACTS / "digest.png"))
        assert problems(browser) == []
        # printing: the print stylesheet hides navigation; the PDF is kept beside the images
        import base64

        pdf = base64.b64decode(browser.print_page())
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        (ARTEFACTS / "digest.pdf").write_bytes(pdf)
        hidden = browser.execute_script(
            "var s = document.styleSheets[0]; var n = 0;"
            "for (var r of s.cssRules) { if (r.media && r.media.mediaText === 'print'"
            " && r.cssText.indexOf('nav.site') >= 0) n++; } return n;"
        )
        assert hidden == 1

        # digest -> a story's timeline -> back to the archive
        browser.find_element(By.LINK_TEXT, "timeline").click()
        assert "/stories/s" in browser.current_url
        assert browser.find_elements(By.CSS_SELECTOR, "h2 a[href*='2026-02-']")
        assert problems(browser) == []
        browser.find_element(By.LINK_TEXT, "Archive").click()
        assert browser.current_url.endswith("/index.html")

        # client-side search finds the known phrase, marked, with the article's link
        results = search(browser, phrase)
        assert any(sentence in r.text for r in results), [r.text for r in results]
        hit = next(r for r in results if sentence in r.text)
        assert hit.find_elements(By.TAG_NAME, "mark")
        links = [a.get_attribute("href") for a in hit.find_elements(By.TAG_NAME, "a")]
        assert any("/2026/02/2026-02-18.html" in (h or "") for h in links)
        assert any("/stories/s" in (h or "") for h in links)
        assert "?q=" in browser.current_url  # the search can be bookmarked
        browser.save_screenshot(str(ARTEFACTS / "search.png"))
        assert problems(browser) == []

        # a bookmarked search runs on load; a search with no hit says so
        browser.get(browser.current_url)
        status = browser.find_element(By.ID, "search-status")
        assert "result" in status.text or search(browser, phrase)
        box = browser.find_element(By.ID, "search-input")
        box.clear()
        box.send_keys("zzzqqqxxx")
        browser.find_element(By.CSS_SELECTOR, "form.search button").click()
        assert "Nothing found" in browser.find_element(By.ID, "search-status").text
        assert problems(browser) == []


def test_archive_in_chromium_from_disk(archive: Path, browser: Any) -> None:
    """Opened as files, without any server: pages, links and search still work."""
    from selenium.webdriver.common.by import By

    site = archive.parent / "digests"
    phrase, sentence = known_phrase(site)
    browser.get((site / "index.html").as_uri())
    results = search(browser, phrase)
    assert any(sentence in r.text for r in results)
    assert problems(browser) == []
    browser.find_element(By.LINK_TEXT, "17 February 2026").click()
    assert "daily breakdown, 17 February 2026" in browser.find_element(By.TAG_NAME, "h1").text
    assert problems(browser) == []


class Failing(BaseHTTPRequestHandler):
    """A publisher whose feed answers 500."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()


# Long paths without spaces, as real feed addresses have; the error messages repeat them.
LONG_PATH = (
    "/rss/world/europe/ukraine-russia-peace-negotiations-geneva-istanbul-riyadh-latest.xml"
    "?format=rss2&utm_source=newsletter_subscribers_everywhere_and_always"
)
# Feeds named after their hosts, one with no hyphen to break at.
LONG_HOST = "feeds.international-news-agency-with-a-very-long-hostname.example.org"
LONGER_HOST = "rss.internationalnewsagencyofeasterneuropeandcentralasia.example.org"


@pytest.fixture(scope="module")
def failing_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The replayed feeds plus three that fail (HTTP 500, 404, a closed port), each with a
    long address, one named after its long host; polled once, digest of 18 Feb 2026 built.
    Returns the site's folder."""
    from click.testing import CliRunner

    from monitor.cli import cli
    from monitor.tools.replay import write_replay_config

    folder = tmp_path_factory.mktemp("failing")
    with socket.socket() as s:  # a port nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with ReplayServer(REPLAY) as server, http_server(Failing) as failing:
        config = write_replay_config(REPLAY, server, folder)
        extra = [
            (LONG_HOST, failing + LONG_PATH),
            (LONGER_HOST, f"http://127.0.0.1:{closed}{LONG_PATH}"),
            ("Missing feed", f"{server.base}/feeds/missing{LONG_PATH}"),
        ]
        with config.open("a", encoding="utf-8") as f:
            for name, url in extra:
                f.write(f"\n[[feeds]]\nname = {json.dumps(name)}\nurl = {json.dumps(url)}\n")
        for args in (["poll"], ["digest", "--date", "2026-02-18"]):
            result = CliRunner().invoke(cli, ["--config", str(config), *args])
            assert result.exit_code == 0, result.output
    return folder / "digests"


def fits_width(driver: Any) -> tuple[int, int]:
    """The document's scroll width and the viewport's width."""
    return driver.execute_script(
        "var e = document.documentElement; return [e.scrollWidth, e.clientWidth];"
    )


def test_pages_fit_a_phone_with_failing_feeds(failing_archive: Path, browser: Any) -> None:
    """At 400 px no page scrolls sideways, whatever long hosts and URLs the feeds have."""
    from selenium.webdriver.common.by import By

    site = failing_archive
    digest = site / "2026" / "02" / "2026-02-18.html"
    text = digest.read_text(encoding="utf-8")
    assert LONG_PATH.split("?")[0] in text and "HTTP 500" in text and "refused" in text
    assert LONG_HOST in text and LONGER_HOST in text and "HTTP 404" in text
    browser.set_window_size(400, 900)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with ArchiveServer(site) as server:
        browser.get(server.url + "2026/02/2026-02-18.html")
        assert browser.execute_script("return window.innerWidth") == 400
        assert browser.find_elements(By.CSS_SELECTOR, "#sources ~ table .status-error")
        scroll, width = fits_width(browser)
        browser.execute_script("document.getElementById('sources').scrollIntoView()")
        browser.save_screenshot(str(ARTEFACTS / "digest-400px.png"))
        assert scroll <= width, f"the digest is {scroll} px wide in a {width} px window"
        assert problems(browser) == []

        browser.find_element(By.LINK_TEXT, "timeline").click()
        scroll, width = fits_width(browser)
        assert scroll <= width, f"{browser.current_url}: {scroll} px in {width} px"
        browser.find_element(By.LINK_TEXT, "Archive").click()
        scroll, width = fits_width(browser)
        assert scroll <= width, f"the index is {scroll} px wide in a {width} px window"
        search(browser, "Geneva")
        scroll, width = fits_width(browser)
        browser.save_screenshot(str(ARTEFACTS / "search-400px.png"))
        assert scroll <= width, f"search results: {scroll} px in {width} px"
        assert problems(browser) == []


def results(driver: Any, query: str) -> tuple[str, list[dict[str, Any]]]:
    """Runs a search as typed; returns the status line and, per result item, its text, the
    texts of its marks and of its story link. Every item must show a mark: why it matched."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.ID, "search-input")
    box.clear()
    box.send_keys(query)
    # The status is blanked first so that the wait sees this search's answer, not the last.
    driver.execute_script("document.getElementById('search-status').textContent = '';")
    driver.find_element(By.CSS_SELECTOR, "form.search button").click()

    def answered(d: Any) -> str | bool:
        text: str = d.find_element(By.ID, "search-status").text
        return text if text and text != "Searching…" else False

    status = WebDriverWait(driver, 20).until(answered)
    items: list[dict[str, Any]] = driver.execute_script(
        """return Array.from(document.querySelectorAll('#search-results li')).map(function (li) {
          var story = li.querySelector("a[href^='stories/']");
          return {text: li.innerText.trim(),
                  marks: Array.from(li.querySelectorAll('mark')).map(function (m) {
                    return m.textContent; }),
                  story: story ? story.textContent : null};
        });"""
    )
    for item in items:
        assert item["marks"] and all(m.strip() for m in item["marks"]), (query, item)
        assert item["story"], (query, item)
    return status, items


def title_only_word(site: Path) -> tuple[str, str]:
    """A word of a story's title that begins no word of any point, lead or source."""
    data = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    own: set[str] = set()
    for e in data["entries"]:
        if e["k"] == "point":
            own.update(re.findall(r"\w+", " ".join((e["x"], e["l"], e["src"])).lower()))
    for e in data["entries"]:
        for w in re.findall(r"\w+", e["t"].lower()):
            own_word = any(o.startswith(w) for o in own)
            if len(w) >= 5 and w.isascii() and w.isalpha() and not own_word:
                return w, e["t"]
    raise AssertionError("no story title has a word of its own")


def test_search_shows_why_a_title_matched(archive: Path, browser: Any) -> None:
    """A word found only in a story's title lists that title with the word marked; a phrase
    that runs from a point into its story's title (nothing shown holds it) finds nothing."""
    site = archive.parent / "digests"
    word, title = title_only_word(site)
    data = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    point = next(e for e in data["entries"] if e["k"] == "point")
    across = " ".join(point["x"].split()[-2:] + point["t"].split()[:2])
    with ArchiveServer(site) as server:
        browser.get(server.url + "index.html")
        status, items = results(browser, word)
        assert "result" in status, status
        titled = [i for i in items if i["story"] == title]
        assert titled, (title, items)
        assert any(m.lower() == word for i in titled for m in i["marks"]), titled
        status, items = results(browser, f'"{across}"')
        assert items == [] and "Nothing found" in status, (across, items)
        assert problems(browser) == []


EVIL = "<img src=x onerror=alert(1)>"


def test_search_results_are_never_empty(tmp_path: Path, browser: Any) -> None:
    """Points without text, a story without a title, accents and markup in the index."""
    from selenium.webdriver.common.by import By

    body = {
        "stories": [
            {
                "id": "s00000000000a",
                "title": "Envoys gather in Geneva " + EVIL,
                "status": "new",
                "shown": True,
                "points": [
                    {
                        "lead": "Talks",
                        "text": "Officials in Kyïv said the talks would resume " + EVIL,
                        "url": "https://news.example.org/1",
                        "source": "Example News",
                    },
                    {"lead": "Geneva", "text": "", "url": "https://news.example.org/2",
                     "source": "Example News"},
                    {"lead": "Geneva", "text": "  ", "url": "", "source": "Geneva Post"},
                ],
                "articles": [],
            },
            {
                "id": "s00000000000b",
                "title": "",
                "status": "new",
                "shown": True,
                "points": [
                    {
                        "lead": "Truce",
                        "text": "A ceasefire along the front line was proposed.",
                        "url": "https://news.example.org/3",
                        "source": "Example News",
                    }
                ],
                "articles": [],
            },
        ]
    }  # fmt: skip
    moment = datetime(2026, 2, 18, 5, tzinfo=UTC)
    record = DigestRecord(
        date(2026, 2, 18), moment, moment, moment, "x.md", "h", 1, 2, "Digest", json.dumps(body)
    )
    site_builder.build_site(tmp_path, "Topic", [record])
    # search.js does not rely on the index being well made: add empty entries by hand.
    data = json.loads((tmp_path / "search-index.json").read_text(encoding="utf-8"))
    empty = {"d": "2026-02-18", "s": "s00000000000a", "t": "Envoys gather in Geneva", "u": ""}
    data["entries"] += [
        {**empty, "k": "point", "x": "", "l": "Geneva", "src": "Geneva Post"},
        {**empty, "k": "story", "t": "", "x": ""},
    ]
    payload = json.dumps(data)
    (tmp_path / "search-index.json").write_text(payload, encoding="utf-8")
    (tmp_path / "search-index.js").write_text(
        f"window.MONITOR_SEARCH_INDEX = {payload};", encoding="utf-8"
    )
    with ArchiveServer(tmp_path) as server:
        for url in ((tmp_path / "index.html").as_uri(), server.url + "index.html"):
            browser.get(url)
            # the title alone matches: one item, the title with the word marked
            _, items = results(browser, "geneva")
            assert [i["marks"] for i in items] == [["Geneva"]], items
            assert items[0]["story"] == "Envoys gather in Geneva " + EVIL
            # accents are ignored, and the accented word is the one marked
            _, items = results(browser, "kyiv")
            assert [i["marks"] for i in items] == [["Kyïv"]], items
            assert EVIL in items[0]["text"]  # shown as text, never as markup
            # a story without a title: the point is still shown, with a link to the story
            _, items = results(browser, "ceasefire")
            assert [i["marks"] for i in items] == [["ceasefire"]], items
            # the story's title and a point both match: one item, both marked
            _, items = results(browser, "onerror")
            assert [i["marks"] for i in items] == [["onerror", "onerror"]], items
            assert not browser.find_elements(By.CSS_SELECTOR, "#search-results img")
            assert problems(browser) == []
