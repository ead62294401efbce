"""The rules that find facts in one sentence: When, Where, Numbers and Next (Who is in
`fact_people.py`).

Each finder returns `Found` spans of the sentence, so a value is always cut verbatim from it.
Rules and a gazetteer (`gazetteer.py`), no model: what is taken, and why, can be read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.compose import gazetteer


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    score: float  # higher is more telling; ties go to the earlier sentence
    key: str  # two values with one key say the same thing (one is kept)
    side: str = ""


# Words that say something happened here and now: a place or date near them is the event's.
_EVENT = re.compile(
    r"(?i:\b(?:met|meet|meets|meeting|talks|negotiations|summit|round|held|hold|holds|hosted|"
    r"delegations?|negotiators|signed|struck|strikes?|attack(?:ed|s)?|captured|seized|"
    r"ceasefire|truce|concluded|began|ended|resumed|gathered|convened)\b)"
)


def eventful(sentence: str) -> bool:
    return _EVENT.search(sentence) is not None


# ---- When: dates, days and clock times the sentence names ----

_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?!\d)"
_DATE = (
    rf"(?:{_DAY}\s+{_MONTH}(?:\s+(?P<y1>\d{{4}}))?"
    rf"|{_MONTH}\s+{_DAY}(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?)"
)
_WHEN = re.compile(
    rf"\b(?P<prep>(?i:on|by|until|from|since|last|next|this|early|late|before|after)\s+)?"
    rf"(?:(?P<day>{_WEEKDAY})(?:\s+(?:morning|afternoon|evening|night))?"
    rf"(?:,?\s+{_DATE.replace('y1', 'y3').replace('y2', 'y4')})?|{_DATE})(?![\w-])"
)
_CLOCK = re.compile(
    r"\b(?:at\s+)?(?:[01]?\d|2[0-3])(?::[0-5]\d)?\s?(?:a\.m\.|p\.m\.|am\b|pm\b|GMT\b|UTC\b)"
    r"|\bat\s+(?:[01]?\d|2[0-3]):[0-5]\d\b"
)


def _date_key(text: str) -> str:
    """One key for one date however it is written: "December 2" and "Dec. 2" are "dec 2"."""
    words = re.findall(r"[a-z]+|\d+", text.casefold())
    return " ".join(w[:3] if w.isalpha() else w for w in words if w not in ("st", "nd", "rd", "th"))


def when(sentence: str, year: int | None = None) -> list[Found]:
    """Explicit dates ("on 23 November 2025", "Feb. 17"), days ("on Tuesday") and clock
    times. A date after "since", or with a year other than `year` (the article's), dates
    another event."""
    out: list[Found] = []
    bonus = 1.0 if eventful(sentence) else 0.0
    for m in _WHEN.finditer(sentence):
        if (m.group("prep") or "").strip().lower() == "since":
            continue
        named = next((m.group(g) for g in ("y1", "y2", "y3", "y4") if m.group(g)), None)
        if named and year and int(named) not in (year, year + 1):
            continue
        bare = sentence[m.end("prep") if m.group("prep") else m.start() : m.end()]
        score = (1.0 if m.group("day") and not named else 2.0) + bonus
        out.append(Found(m.start(), m.end(), score, _date_key(bare)))
    for m in _CLOCK.finditer(sentence):
        out.append(Found(m.start(), m.end(), 1.0 + bonus, m.group(0).casefold()))
    return out


# ---- Where: places named after a preposition, checked against the gazetteer ----

_WORD = r"[A-Z][^\W\d_]+(?:-[A-Za-z][^\W\d_]*)*"  # Abu, Dhabi, Ivano-Frankivsk
_PLACE = re.compile(
    rf"\b(?P<prep>in|at|near|outside|to)\s+(?P<the>the\s+)?(?P<name>{_WORD}(?:\s+{_WORD}){{0,2}})"
    r"(?P<kind>\s+(?:region|oblast|province|area))?"
)
_SETTLEMENT = re.compile(
    r"\b(?:the\s+)?(?:(?:front-?line|eastern|southern|northern|western|key|strategic)\s+)?"
    rf"(?:village|town|city|settlement)\s+of\s+(?P<name>{_WORD}(?:\s+{_WORD})?)"
)
_NOT_PLACES = re.compile(rf"{_WEEKDAY}|{_MONTH}")
_POSSESSIVE = re.compile(r"['’]s\b")
# "to" names where someone went: a place only after words of travel or of an event
_TRAVEL = re.compile(
    r"(?i:\b(?:travel(?:l?ed|s|ling)?|flew|fly|arrived?|head(?:ed|s|ing)?|moved?|returned|went|"
    r"came|visit(?:ed|s|ing)?|trip|journey)\b)"
)


# a country is where the event was only right after its word: "talks in Saudi Arabia", not
# "talks aimed at ending the war in Ukraine"
_NEAR_EVENT = re.compile(rf"{_EVENT.pattern}\s+(?:[\w’'-]+\s+){{0,2}}$")


def _place(name: str) -> tuple[str, bool] | None:
    """The longest leading part of `name` that is a place, and whether it is a country, a US
    state or a continent. Words may follow it only if they are days or months ("in
    Geneva Tuesday"): "Washington Post" is not a place."""
    words = name.split()
    for n in range(len(words), 0, -1):
        head = " ".join(words[:n])
        if _NOT_PLACES.fullmatch(head) or not all(_NOT_PLACES.fullmatch(w) for w in words[n:]):
            continue
        # A country before a town of its name ("Venezuela"), a town before a state
        # ("Washington")
        if gazetteer.is_country(head):
            return head, True
        if gazetteer.is_city(head):
            return head, False
        if gazetteer.is_region(head):
            return head, True
    return None


def where(sentence: str) -> list[Found]:
    """Places where something happened: "in Geneva", "in the Donetsk region", "the village
    of …". A city counts anywhere; a country, US state or continent only after an event word
    ("talks in Saudi Arabia", not "the war in Ukraine"). "to" a place takes a word of travel
    or of an event before it; "the" a country or a region ("the Milan Games" is no place)."""
    out: list[Found] = []
    for m in _SETTLEMENT.finditer(sentence):
        if not _POSSESSIVE.match(sentence, m.end()):
            out.append(Found(m.start(), m.end(), 3.0, m.group("name").casefold()))
    for m in _PLACE.finditer(sentence):
        kind = m.group("kind") is not None
        if _POSSESSIVE.match(sentence, m.end("name")) and not kind:
            continue
        found = _place(m.group("name"))
        if found is None:
            continue
        head, country = found
        if m.group("the") and not (country or kind):
            continue
        window = (sentence, max(0, m.start() - 80), m.start())
        event = _EVENT.search(*window) is not None
        if country and not _NEAR_EVENT.search(*window):
            continue
        if m.group("prep") == "to" and not (event or _TRAVEL.search(*window)):
            continue
        end = m.end() if kind else m.start("name") + len(head)
        score = (1.0 if country else 2.0) + (1.0 if event else 0.0)
        out.append(Found(m.start(), end, score, head.casefold()))
    return out


# ---- Numbers: a number with what it counts ----

_COUNT_WORDS = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|dozens|hundreds|thousands|millions|tens\s+of\s+thousands|hundreds\s+of\s+thousands"
)
_NUMBER = re.compile(
    rf"(?<![\w$€£.,/:-])(?P<num>[$€£]?\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|[$€£]?\d+(?:\.\d+)?"
    rf"|(?i:{_COUNT_WORDS}))"
    r"(?P<scale>\s?(?:thousand|million|billion|trillion|bn|tn)\b)?"
    r"(?P<pct>\s?(?:%|percent\b|per\s+cent\b|pc\b))?"
    r"(?![\w-]|[.,]\d)"  # not part of a longer number, a word or a compound ("20-point")
)
_AFTER = re.compile(
    r"\s+(?:(?P<passive>(?:were|was|are|is|have\s+been|had\s+been)\s+(?:[a-z]+ly\s+)?"
    r"(?:[a-z]+(?:ed|en)|shot|hit|struck|held|lost|sent|caught|built)"
    r"(?:\s+(?:down|dead|back|out))?)"
    r"|(?P<of>of\s+)?(?P<noun>[a-z][a-z-]+(?:\s+[a-z][a-z-]+){0,2}|[A-Z][a-z]+s\b))"
)
_IRREGULAR = frozenset("women men children people police personnel dead wounded injured".split())
_NOT_COUNTED = frozenset(
    "dozens hundreds thousands millions billions others the its their his her our this that these "
    "those was were has have had will would can could may might more most less such some than "
    "and but for from with into".split()
)
# What a war and its talks count; a number in words must count one of these
_TELLING = frozenset(
    "drones missiles rockets people civilians soldiers troops prisoners hours days weeks months "
    "years rounds points villages settlements children dead killed wounded injured casualties "
    "kilometres kilometers miles tanks shells bombs strikes attacks delegates deaths refugees "
    "hostages residents homes buildings jets ships vessels sanctions".split()
)


_SINCE_HISTORY = re.compile(r"(?i:\b(?:in|than|first\s+time\s+in)\s+)$")
_SPANS = re.compile(r"years|decades|centuries")


def _counted(phrase: str) -> str | None:
    """The words of `phrase` up to its first plural noun ("critical surveillance cameras",
    "Palestinians"), or None when what is counted is not plain."""
    words = phrase.split()
    for i, w in enumerate(words):
        if len(w) < 3 or w in _NOT_COUNTED:
            return None
        if w in _IRREGULAR or (w.endswith("s") and not w.endswith(("ss", "us", "ous"))):
            return " ".join(words[: i + 1])
    return None


def numbers(sentence: str) -> list[Found]:
    """A number with its unit or what it counts: "137 drones", "six hours", "80 were shot
    down", "$13.7 billion", "3pc". Not years, dates or clock times (When takes those), nor
    ordinals or compounds ("20-point plan"); a number in words only with what a war or talks
    count ("two days", not "two sides")."""
    out: list[Found] = []
    for m in _NUMBER.finditer(sentence):
        num = m.group("num")
        if re.fullmatch(r"(1[89]|20)\d\d", num) and not m.group("scale"):
            continue  # a year
        end = m.end()
        score = 1.0
        if not (num[0] in "$€£" or m.group("pct")):
            after = _AFTER.match(sentence, m.end())
            if after is None:
                continue
            if after.group("passive"):
                end, score = after.end(), 2.0
            else:
                counted = _counted(after.group("noun"))
                if counted is None or (after.group("of") and num[0].isdigit()):
                    continue
                if _SINCE_HISTORY.search(sentence, 0, m.start()) and _SPANS.fullmatch(counted):
                    continue  # "the deadliest war … in 80 years": history, not the day's count
                telling = counted.split()[-1] in _TELLING
                if not (telling or num[0].isdigit()):
                    continue
                end = after.start("noun") + len(counted)
                score = 2.0 if telling else 1.0
        out.append(Found(m.start(), end, score, sentence[m.start() : end].casefold()))
    return out


# ---- Next: the next scheduled step ----

_NEXT = re.compile(
    r"(?i:\b(?:will|is|are)\s+(?:(?:due|set|scheduled|expected|planned|slated|poised)\s+to\s+)?"
    r"(?:(?P<go>meet|reconvene|convene|travel|visit|sign)|(?P<step>continue|resume|be\s+held|"
    r"take\s+place|hold))\b"
    r"|\b(?:agreed|agree|plan|plans|planned|intend|intends)\s+to\s+"
    r"(?P<agreed>continue|resume|reconvene|meet|hold|convene)\b"
    r"|\b(?:is|are)\s+(?P<set>set|scheduled|due|slated|planned)\s+for\b"
    r"|\bnext\s+(?:round|meeting|session)\b)"
)
# "will continue" or "set for" announce a step of the talks only when the clause names the
# talks or a date ("The stage is set for a thrilling …" is not one)
_TALKS = re.compile(
    r"(?i:\b(?:talks|negotiations|round|meeting|discussions|consultations|work|sides|"
    r"delegations?|negotiators|envoys|summit)\b)"
)
_CLAUSE_START = re.compile(
    r".*(?:[,;:–—“\"]\s*|\b(?:but|while|although|though|because|where|which|when)\s+)",
    re.DOTALL,
)
_CLAUSE_END = re.compile(
    r"\s*(?:[,;:](?=\s)|\s[–—]\s|[”\"]|\s(?:but|although|though|as|while|after|amid|because)\s"
    r"|[.!?]*$)"
)
MAX_NEXT_WORDS = 20


def next_step(sentence: str) -> list[Found]:
    """The next scheduled step, as the clause that announces it: "Negotiations will continue
    on Wednesday", "He is scheduled to meet …", "agreed to continue consultations"."""
    out: list[Found] = []
    for m in _NEXT.finditer(sentence):
        before = _CLAUSE_START.match(sentence, 0, m.start())
        start = before.end() if before else 0
        end_m = _CLAUSE_END.search(sentence, m.end())
        end = end_m.start() if end_m else len(sentence)
        clause = sentence[start:end]
        if (m.group("step") or m.group("agreed") or m.group("set")) and not (
            _TALKS.search(clause) or _WHEN.search(clause)
        ):
            continue
        if len(clause.split()) > MAX_NEXT_WORDS:
            start = m.start()
        if len(sentence[start:end].split()) > MAX_NEXT_WORDS:
            continue
        if any(f.start == start and f.end == end for f in out):
            continue  # "the next round is set for …" is matched twice
        score = 1.0 if m.group("agreed") else 2.0
        out.append(Found(start, end, score, sentence[start:end].casefold()))
    return out
