"""The facts of the Fact | Detail tables, on real sentences of news feeds.

The sentences are quoted from feed captures of 16–18 February 2026 (BBC, Japan Today, DW,
Al-Monitor/Reuters, NDTV, NYT, NPR, Dawn, TIME, AllAfrica) and from the White House
statements of November 2025 that tests/data/replay holds; tests/data/README.md says where
each capture comes from.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitor.compose import fact_people, fact_rules
from monitor.compose.facts import LIMITS, sentence_facts, story_facts
from monitor.compose.model import Point
from monitor.models import StoredArticle

# BBC News (World), 18 Feb 2026
BBC = (
    "Negotiations will continue on Wednesday, but expectations for a breakthrough on ending the "
    "war are low."
)
# Japan Today (World), 18 Feb 2026 (AP)
JAPAN_TODAY = (
    "Negotiators from Ukraine and Russia concluded the first of two days of U.S.-mediated peace "
    "talks in Geneva on Tuesday, with U.S. President Donald Trump pressing Kyiv to act…"
)
# Deutsche Welle (English), 18 Feb 2026
DW = (
    "Ukrainian and Russian officials are meeting in Geneva for another round of talks aimed at "
    "ending the war in Ukraine."
)
# Al-Monitor, 17 Feb 2026 (Reuters)
REUTERS = (
    "WASHINGTON/GENEVA/DUBAI, Feb 17 (Reuters) - Even for a U.S. president long fixated on "
    "deal-making, Donald Trump’s assignment of his favorite envoys to juggle two sets of "
    "negotiations – the Iranian nuclear standoff and Russia’s war in Ukraine - in a single day "
    "in Geneva has left many in the foreign policy world scratching their heads."
)
# NDTV, 18 Feb 2026
NDTV = (
    "Ukrainian President Volodymyr Zelenskiy said US President Donald Trump was exerting undue "
    "pressure on him in trying to secure a resolution to the nearly four-year-old war pitting "
    "Kyiv against Moscow."
)
# New York Times (World), 18 Feb 2026
NYT = (
    "President Trump’s most trusted envoys, Steve Witkoff and Jared Kushner, are at the center "
    "of the Iran and Ukraine negotiations."
)
# NPR (World), 17 Feb 2026
NPR = (
    "Representatives for the U.S. and Iran will meet in Geneva Tuesday for a second round of "
    "nuclear talks as the U.S. builds up military forces in the region."
)
# Dawn (World), 18 Feb 2026
DAWN_ARAGHCHI = (
    "Iran’s Foreign Minister Abbas Araghchi said on Tuesday the latest talks with the United "
    "States saw them agree on “a set of guiding principles” that would pave the way for a deal."
)
DAWN_ENVOYS = (
    "Washington has dispatched Middle East envoy Steve Witkoff and President Donald Trump’s "
    "son-in-law Jared Kushner, the White House confirmed on Sunday."
)
DAWN_RUBIO = (
    "Speaking during a visit to Hungary on Monday, US Secretary of State Marco Rubio said "
    "reaching a deal with Tehran would be hard."
)
DAWN_TROOPS = (
    "Army spokesperson Donny Pram\xadono noted that initially 1,000 soldiers would be ready for "
    "deployment by early April."
)
DAWN_SODARI = (
    "According to the Emergency Lawyers, a group monitoring atrocities in the conflict, several "
    "drones hit the al-Safiya market outside the town of Sodari in North Kordofan on Sunday."
)
DAWN_GAZA = (
    "Gaza’s health ministry said at least 601 Palestinians have been killed since the truce "
    "began, while Israel claimed at least four of its soldiers were killed in the same period."
)
DAWN_EXPORTS = (
    "Exports to the Middle East fell 6.06pc to $1.502bn in 6MFY26 from $1.599bn over the "
    "corresponding months of last year."
)
# TIME (World), 16 Feb 2026
TIME_DENMARK = (
    "Denmark’s foreign minister, Lars Løkke Rasmussen, told reporters during a visit to "
    "Washington this week that Denmark was reinforcing security in the Arctic “by committing "
    "additional funds for military capabilities—not dogsleds, but ships, drones, fighter jets, "
    "etc,” referring to an often-repeated jibe by Trump that Denmark’s military presence on the "
    "island is insufficient."
)
TIME_OLYMPICS = (
    "Host cities haven’t yet been selected for the 2038 and 2042 Games, but the International "
    "Olympic Committee (IOC) is in talks with Switzerland to possibly host the 2038 Games."
)
TIME_HASINA = (
    "Up to 1,400 people were killed in the July 2024 revolution that toppled Hasina in addition "
    "to some 3,500 extrajudicially disappeared during the last 15 years of her despotic reign."
)
CBS_80_YEARS = (  # CBS News (World) feed, 17 Feb 2026
    "The U.S. is brokering a 3rd round of Russia-Ukraine talks, but there's little hope of a "
    "breakthrough to end the deadliest war on European soil in 80 years."
)
TIME_UNITED = "We will continue to stand united and coordinated in our response."
# AllAfrica, 17 Feb 2026 (Capital FM)
ALLAFRICA = (
    "[Capital FM] Nairobi -- The stage is set for a thrilling Magical Kenya Open presented by "
    "Absa, as all six previous champions of the event's DP World Tour era return to Kenya for "
    "the epic battle!"
)
# The White House, 23 November 2025: the Geneva round with Ukraine
WH_JOINT = (
    "On 23 November 2025, representatives of the United States and Ukraine met in Geneva for "
    "discussions on the U.S. peace proposal."
)
WH_READOUT = (
    "Today, Secretary Rubio, Special Envoy Witkoff, Mr. Jared Kushner, and Secretary Driscoll "
    "held an extensive and productive meeting with the Ukrainian delegation to review the "
    "latest draft agreements under discussion."
)
WH_NEXT = (
    "Both sides welcomed the steady progress made and agreed to continue consultations as the "
    "agreements move toward final refinement."
)


def values(sentence: str, label: str, year: int | None = 2026) -> list[str]:
    return [sentence[f.start : f.end] for lab, f in sentence_facts(sentence, year) if lab == label]


def test_when_takes_dates_days_and_datelines() -> None:
    assert values(JAPAN_TODAY, "When") == ["on Tuesday"]
    assert values(DAWN_ARAGHCHI, "When") == ["on Tuesday"]
    assert values(REUTERS, "When") == ["Feb 17"]
    assert values(WH_JOINT, "When", 2025) == ["On 23 November 2025"]


def test_one_date_has_one_key_however_it_is_written() -> None:
    keys = {
        f.key
        for text in ("on December 2", "on Dec. 2", "December 2nd")
        for f in fact_rules.when(f"The singer died {text}.")
    }
    assert keys == {"dec 2"}


def test_when_leaves_other_years_and_the_next_step_alone() -> None:
    # a date of another year dates another event
    assert values(WH_JOINT, "When", 2027) == []
    # "July 2024" names no day; 2024, 2038 and 2042 are years, not numbers
    assert values(TIME_HASINA, "When") == []
    assert values(TIME_OLYMPICS, "Numbers") == []
    # Wednesday is the day of the next step, not of the event reported
    assert values(BBC, "When") == [] and values(BBC, "Next") == [
        "Negotiations will continue on Wednesday"
    ]


def test_where_is_a_place_of_the_gazetteer() -> None:
    assert values(JAPAN_TODAY, "Where") == ["in Geneva"]
    assert values(REUTERS, "Where") == ["in Geneva"]  # "Russia’s war in Ukraine" is no venue
    assert values(DW, "Where") == ["in Geneva"]  # nor is "the war in Ukraine"
    assert values(WH_JOINT, "Where", 2025) == ["in Geneva"]
    assert values(TIME_DENMARK, "Where") == ["to Washington"]  # "a visit to"
    assert values(DAWN_SODARI, "Where") == ["the town of Sodari"]  # named as a town
    assert values(TIME_OLYMPICS, "Where") == []  # "in talks with Switzerland"
    assert values(DAWN_RUBIO, "Where") == []  # a visit to a country is no event in it


def test_who_has_the_role_the_sentence_gives() -> None:
    assert values(JAPAN_TODAY, "Who") == ["U.S. President Donald Trump"]
    assert values(DAWN_ARAGHCHI, "Who") == ["Iran’s Foreign Minister Abbas Araghchi"]
    assert values(DAWN_ENVOYS, "Who") == [
        "Middle East envoy Steve Witkoff",
        "President Donald Trump",
        "son-in-law Jared Kushner",
    ]
    assert values(DAWN_RUBIO, "Who") == ["US Secretary of State Marco Rubio"]
    assert values(TIME_DENMARK, "Who") == ["Denmark’s foreign minister, Lars Løkke Rasmussen"]
    assert values(DAWN_TROOPS, "Who") == ["Army spokesperson Donny Pram\xadono"]
    assert values(NYT, "Who") == ["President Trump", "envoys, Steve Witkoff and Jared Kushner"]
    assert values(WH_READOUT, "Who", 2025) == [
        "Secretary Rubio",
        "Special Envoy Witkoff",
        "Secretary Driscoll",
    ]


def test_who_knows_the_side_when_the_sentence_says_it() -> None:
    sides = {NDTV[f.start : f.end]: f.side for f in fact_people.who(NDTV)}
    assert sides == {
        "Ukrainian President Volodymyr Zelenskiy": "Ukraine",
        "US President Donald Trump": "US",
    }
    assert {f.side for f in fact_people.who(WH_READOUT)} == {""}


def test_numbers_count_something() -> None:
    assert values(JAPAN_TODAY, "Numbers") == ["two days"]
    assert values(DAWN_TROOPS, "Numbers") == ["1,000 soldiers"]
    assert values(DAWN_GAZA, "Numbers") == ["601 Palestinians"]
    assert values(TIME_HASINA, "Numbers") == ["1,400 people", "15 years"]
    assert values(DAWN_EXPORTS, "Numbers") == ["6.06pc", "$1.502bn", "$1.599bn"]
    # "six previous champions": a number in words counts what a war or talks count
    assert values(ALLAFRICA, "Numbers") == []
    # "the deadliest … in 80 years" measures against history; it counts nothing of the day
    assert values(CBS_80_YEARS, "Numbers") == []


def test_next_is_the_clause_of_the_next_step() -> None:
    assert values(WH_NEXT, "Next", 2025) == [
        "Both sides welcomed the steady progress made and agreed to continue consultations"
    ]
    assert values(NPR, "Next") == [
        "Representatives for the U.S. and Iran will meet in Geneva Tuesday for a second round "
        "of nuclear talks"
    ]
    # the place and the day of the next meeting are not the event's
    assert values(NPR, "Where") == [] and values(NPR, "When") == []
    assert values(TIME_UNITED, "Next") == []  # continuing to stand united is no step
    assert values(ALLAFRICA, "Next") == []  # "the stage is set for" a tournament


def test_every_value_is_a_span_of_its_sentence() -> None:
    for s in (BBC, JAPAN_TODAY, DW, REUTERS, NDTV, NYT, NPR, DAWN_ENVOYS, TIME_DENMARK):
        for _, f in sentence_facts(s, 2026):
            assert 0 <= f.start < f.end <= len(s)


def _article(n: int, source: str, text: str, hour: int) -> StoredArticle:
    return StoredArticle(
        id=n,
        canonical_url=f"https://{n}.example.org/a",
        url=f"https://{n}.example.org/a?x=1",
        title="t",
        source=source,
        feed_id=n,
        published=datetime(2026, 2, 17, hour, tzinfo=UTC),
        window_date=date(2026, 2, 18),
        text=text,
        text_origin="feed",
        content_hash="",
        sketch="",
        duplicate_of=None,
        story_id="s1",
    )


@pytest.fixture()
def geneva() -> list[StoredArticle]:
    """The Geneva round of 17 February 2026 as the feeds told it."""
    return [
        _article(1, "BBC News (World)", BBC, 20),
        _article(2, "Japan Today (World)", JAPAN_TODAY, 21),
        _article(3, "Deutsche Welle (English)", DW + " More text follows here.", 9),
        _article(4, "NDTV", NDTV, 12),
        _article(5, "Al-Monitor", "By Matt Spetalnick\n\n" + REUTERS, 8),
    ]


def test_story_facts_are_verbatim_limited_and_named_once(geneva: list[StoredArticle]) -> None:
    point = Point("Talks", DW, geneva[2].url, geneva[2].source, "feed")
    facts = story_facts([point], geneva)
    by_url = {a.url: a for a in geneva}
    for f in facts:
        assert f.value in f.sentence and f.sentence in by_url[f.url].text
        assert f.source == by_url[f.url].source and f.origin == "feed"
    labels = [f.label for f in facts]
    assert labels == sorted(labels, key=["When", "Where", "Who", "Numbers", "Next"].index)
    for label, limit in LIMITS.items():
        assert labels.count(label) <= limit
    table = {(f.label, f.value) for f in facts}
    assert ("Where", "in Geneva") in table
    assert ("Next", "Negotiations will continue on Wednesday") in table
    assert ("When", "on Tuesday") in table
    # one Trump: the mention that names his side; Ukraine's side comes first
    who = [f.value for f in facts if f.label == "Who"]
    assert who == ["Ukrainian President Volodymyr Zelenskiy", "U.S. President Donald Trump"]
    # the point's sentence is read first: its place comes from it
    where = next(f for f in facts if f.label == "Where")
    assert where.url == geneva[2].url


def test_a_story_without_facts_has_none() -> None:
    art = _article(1, "X", "Nothing to report here at all.", 9)
    assert story_facts([], [art]) == ()
