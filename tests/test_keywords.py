"""Keywords and the most mentioned names: one entry per name in its fullest form, whole names
and noun phrases only, and nothing most of the previous digests already said. Built from
values (compose is pure), and one read through the store."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from monitor.compose import highlights
from monitor.compose.digest import compose
from monitor.compose.inputs import STALE_DIGESTS, DigestInputs, digest_text, gather
from monitor.compose.phrases import completed, is_noun_phrase, place_of
from monitor.config import Settings
from monitor.config.settings import DEFAULT_QUERY
from monitor.judge.topic import query_terms
from monitor.models import RenderedBodies, StoredArticle, WrittenDigest
from monitor.publish.digest_json import to_json
from monitor.store import Store
from monitor.text import stem

from .test_compose import DAY, INPUTS, SETTINGS, WINDOW, article

TOPIC = set(query_terms(DEFAULT_QUERY))
# Four reports of one story, written so that YAKE proposes the fragments seen in real
# digests: "Russian President Vladimir", "Steve Witkoff meets", "special envoy Steve".
REPORTS = [
    (
        "Witkoff meets Putin in Moscow",
        "US special envoy Steve Witkoff meets Russian President Vladimir Putin in the Kremlin "
        "on Thursday. Russian President Vladimir Putin received the envoy for five hours, and "
        "Russians watched the talks closely. Steve Witkoff meets him again next week.",
    ),
    (
        "Kremlin talks with Witkoff end without a deal",
        "Russian President Vladimir Putin and special envoy Steve Witkoff ended their meeting "
        "without a deal, the Kremlin said. Russia wants Ukraine to leave the Donbas region. "
        "President Donald Trump said the talks were good.",
    ),
    (
        "Trump says Russia talks are going well",
        "President Donald Trump said on Friday that talks with Russia were going well. Special "
        "envoy Steve Witkoff meets Ukrainian officials in Miami next. Trump said Russian "
        "President Vladimir Putin wanted peace.",
    ),
    (
        "Zelensky sends Umerov to Miami",
        "Ukrainian President Volodymyr Zelensky sent Rustem Umerov to Miami to meet special "
        "envoy Steve Witkoff. Ukrainians fear a deal on the Donbas region. Russia continued "
        "its strikes on Ukrainian cities.",
    ),
]
FRAGMENTS = (
    "Russian President Vladimir",
    "President Vladimir",
    "Steve Witkoff meets",
    "Witkoff meets Putin",
    "special envoy Steve",
    "envoy Steve",
    "Steve",
)


def reports() -> list[StoredArticle]:
    return [article(i + 1, f"Outlet {i}", f"{t}. {x}", "s1") for i, (t, x) in enumerate(REPORTS)]


def keywords_of(arts: list[StoredArticle], stale: frozenset[str] = frozenset()) -> list[str]:
    names = highlights.names([f"{a.title}\n{a.text}" for a in arts])
    return list(highlights.keywords([arts], names, TOPIC, stale))


def test_forms_of_a_place_are_one_entry_shown_as_the_place() -> None:
    known = {"Russia", "Ukraine", "Iran", "America", "France", "China", "Germany"}
    for form, place in [
        ("Russian", "Russia"),
        ("Russians", "Russia"),
        ("Ukrainian", "Ukraine"),
        ("Ukrainians", "Ukraine"),
        ("Iranian", "Iran"),
        ("Americans", "America"),
        ("French", "France"),
        ("Chinese", "China"),
        ("German", "Germany"),
    ]:
        assert place_of(form, known) == place, form
    assert place_of("Russian", {"Ukraine"}) is None  # the place must be in the articles
    assert place_of("Russia", known) is None and place_of("Iran", known) is None
    assert place_of("Russians", {"Russian"}) == "Russian"  # a plural, without the place

    counts = highlights.names(
        [
            "Talks in Geneva\nRussian officials met. Russia wants land.",
            "Prisoners freed\nThe Russians freed 50 prisoners.",
            "Strikes go on\nRussia's army hit Ukrainian cities; Ukraine protested.",
            "Iran talks\nIranian diplomats met in Geneva.",
        ]
    )
    # counted once per article that uses any form: not Russia (2) + Russian (1) + ...
    assert counts["Russia"] == 3 and counts["Ukraine"] == 1 and counts["Iran"] == 1
    assert not {"Russian", "Russians", "Ukrainian", "Iranian"} & set(counts)


def test_a_name_and_its_shorter_forms_are_one_entry_in_the_fullest_form() -> None:
    counts = highlights.names(
        [
            "Trump speaks\nPresident Donald Trump said the talks went well.",
            "Trump again\nTrump said he would call Putin.",
            "Envoys meet\nDonald Trump's envoy met Vladimir Putin. Zelenskyy spoke to Putin.",
            "Kyiv waits\nUkrainian President Volodymyr Zelensky waited for news.",
            "Johnsons\nBoris Johnson and Mike Johnson spoke. Johnson left.",
        ]
    )
    assert counts["Donald Trump"] == 3 and "Trump" not in counts
    assert counts["Vladimir Putin"] == 2 and "Putin" not in counts
    assert counts["Volodymyr Zelensky"] == 2 and "Zelenskyy" not in counts  # one name's spellings
    assert counts["Johnson"] == 1  # two fuller names: which one is meant is unknown
    titled = highlights.names(
        [
            "Rubio speaks\nSecretary of State Marco Rubio met Foreign Minister Sergei Lavrov.",
            "Rutte speaks\nNATO Secretary General Mark Rutte spoke of the Islamic State.",
        ]
    )
    assert {"Marco Rubio", "Sergei Lavrov", "Mark Rutte", "Islamic State"} <= set(titled)


def test_names_are_told_from_capitalised_words() -> None:
    counts = highlights.names(
        [
            "Talks Resume In Geneva\nNegotiations will continue, negotiators said. New York "
            "officials watched.",
            "Front line\nRussia attacked Eastern Ukraine. Ukraine said so. White House aides "
            "agreed.",
            "Front line again\nRussian troops attacked Eastern Ukraine. Negotiations stalled.",
        ]
    )
    # sentence-initial and headline words that the articles also write in lower case (or
    # news in general does) are not names; a name that opens a sentence is
    assert not {"Negotiations", "Resume", "Talks Resume", "Talks"} & set(counts)
    assert counts["New York"] == 1 and counts["White House"] == 1 and counts["Geneva"] == 1
    # a region of a place is not the place written more fully
    assert counts["Eastern Ukraine"] == 2 and counts["Ukraine"] == 1 and counts["Russia"] == 2


def test_most_mentioned_merges_the_forms_of_a_name() -> None:
    d = compose(INPUTS, SETTINGS)
    shown = dict(d.most_mentioned)
    # GENEVA says "Russian ... Russia's", GENEVA_2 "Russia"; OTHER "Russia": three articles
    assert shown.get("Russia") == 3 and "Russian" not in shown
    arts = reports()
    d = compose(replace(INPUTS, articles=tuple(arts), first_digests={}), SETTINGS)
    shown = dict(d.most_mentioned)
    assert shown["Steve Witkoff"] == 4 and shown["Russia"] == 4
    assert shown["Vladimir Putin"] == 3 and "Putin" not in shown


def test_keywords_are_whole_names_and_noun_phrases() -> None:
    kws = keywords_of(reports())
    assert not set(FRAGMENTS) & set(kws), kws
    # the whole name, as the articles write it, in place of the fragments YAKE proposed
    assert "Russian President Vladimir Putin" in kws
    assert "special envoy Steve Witkoff" in kws
    assert "President Donald Trump" in kws and "Trump" not in kws
    assert "Russia" in kws and "Russian" not in kws
    running = [text for _, text in REPORTS]
    assert completed("Russian President Vladimir", running) == "Russian President Vladimir Putin"
    assert completed("special envoy Steve", running) == "special envoy Steve Witkoff"
    assert completed("President Donald Trump", running) == "President Donald Trump"
    for phrase in ("Steve Witkoff meets", "Trump puts pressure", "talks resumed", "urge Kyiv"):
        assert not is_noun_phrase(phrase), phrase
    for phrase in ("Russia hold peace", "Trump pressing Kyiv", "Russia-Ukraine", "talks in Geneva"):
        assert not is_noun_phrase(phrase), phrase
    for phrase in ("President Donald Trump", "proposed deal", "Geneva meeting", "peace talks"):
        assert is_noun_phrase(phrase), phrase
    for phrase in ("US envoy Steve Witkoff", "US-brokered talks", "Russian-held territory"):
        assert is_noun_phrase(phrase), phrase


def test_words_most_earlier_digests_used_are_not_keywords() -> None:
    # Miami in 16 of the 30 previous digests (more than half), the Kremlin in 3
    earlier = [f"Story {i}\nEnvoys met in Miami." for i in range(16)]
    earlier += [f"Story {i}\nThe Kremlin said little." for i in range(3)]
    earlier += [f"Story {i}\nPrisoners were exchanged." for i in range(11)]
    stale = highlights.stale_words(earlier)
    assert stem("miami") in stale and stem("kremlin") not in stale
    before = keywords_of(reports())
    after = keywords_of(reports(), stale)
    assert "Miami" in before and "Miami" not in after
    assert "Kremlin" in after
    # a phrase with one fresh word stays
    assert "Russian President Vladimir Putin" in after
    # the first digests of a topic keep their words: "most" needs at least three digests
    assert highlights.stale_words(earlier[:2]) == frozenset()
    assert stem("miami") in highlights.stale_words(earlier[:3])


def test_digest_text_reads_titles_and_points_of_the_archived_json() -> None:
    d = compose(INPUTS, SETTINGS)
    text = digest_text(to_json(d))
    assert all(s.title in text for s in (*d.stories, *d.more_stories))
    assert all(p.text in text for s in d.stories for p in s.points)
    assert digest_text("") == "" and digest_text("[]") == ""


def _record(store: Store, day: date, title: str) -> None:
    body = {"stories": [{"title": title, "points": [{"text": f"{title} was reported."}]}]}
    start = datetime(day.year, day.month, day.day, 5, tzinfo=UTC)
    written = WrittenDigest(
        day=day,
        window=(start - timedelta(days=1), start),
        path=f"{day}.md",
        content_hash="h",
        articles=1,
        stories=1,
        points=(("s1", 0, f"{title} was reported.", "https://news.example.org/1"),),
        bodies=RenderedBodies(title, json.dumps(body), "", ""),
    )
    store.record_digest(written, start)


def test_a_rebuild_reads_only_the_digests_before_its_date(tmp_path: Path) -> None:
    now = datetime(2026, 2, 18, 6, tzinfo=UTC)
    settings = Settings(tmp_path / "monitor.toml")
    with Store.open(tmp_path / "m.sqlite") as store:
        for back in range(1, STALE_DIGESTS + 6):  # 35 digests before DAY, all about Miami
            _record(store, DAY - timedelta(days=back), f"Envoys in Miami, day {back}")
        first = gather(settings, store, DAY, now)
        for ahead in range(0, 10):  # DAY itself and later digests: about the Kremlin
            _record(store, DAY + timedelta(days=ahead), "The Kremlin answers")
        again = gather(settings, store, DAY, now + timedelta(days=20))
    assert first.earlier_digests == again.earlier_digests
    assert len(first.earlier_digests) == STALE_DIGESTS
    assert all("Miami" in t and "Kremlin" not in t for t in first.earlier_digests)
    arts = tuple(reports())
    composed = [
        compose(DigestInputs(DAY, WINDOW, arts, earlier_digests=i.earlier_digests), SETTINGS)
        for i in (first, again)
    ]
    assert composed[0].keywords == composed[1].keywords
    assert "Miami" not in composed[0].keywords and "Kremlin" in composed[0].keywords
