"""What makes a sentence worth a bullet in a daily digest, beyond being central to its
story: it reports what happened in the window or what comes next — a time reference, an
outcome, a decision, a number, an attributed statement — rather than background ("has
dragged on", "since 2022"); it comes early in its article (news is written top down); and it
comes from the story's newer reports.

Transparent rules, read off news prose; the weights were set on development samples (the
project's summary and timeline samples), not on held-out data.
"""

from __future__ import annotations

import re

from monitor.text import STOPWORDS, words

_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# When it happened: the window's own days and hours.
_TIME = re.compile(
    rf"\b(?:today|tonight|yesterday|tomorrow|overnight|this (?:week|morning|afternoon|"
    rf"evening|weekend)|(?:on|late|early|by|until|from) {_DAYS}|{_DAYS}(?:'s|’s)? "
    rf"(?:talks|meeting|session|round|attack|strikes?)|{_MONTHS}\.? \d{{1,2}}\b|"
    rf"\d{{1,2}} {_MONTHS}\b|hours? (?:later|earlier|after|before)|"
    rf"\d{{1,2}}(?::\d\d)? ?(?:a\.m\.|p\.m\.|am|pm)\b)",
    re.IGNORECASE,
)
# What comes next.
_NEXT = re.compile(
    r"\b(?:will (?:continue|resume|meet|hold|travel|return|host|visit|sign|vote|decide)|"
    r"(?:is|are|was|were) (?:expected|scheduled|set|due|slated) to|plans? to|"
    r"next (?:round|meeting|session|talks|step|week)|to (?:resume|reconvene)|"
    r"will be held|(?:agreed|decided) to (?:meet|continue|hold))\b",
    re.IGNORECASE,
)
# What happened: an outcome, a decision, an act.
_OUTCOME = re.compile(
    r"\b(?:agreed|signed|reached|ended|concluded|announced|decided|approved|rejected|"
    r"launched|captured|seized|killed|struck|met|held|released|imposed|withdrew|exchanged|"
    r"broke off|walked out|failed|collapsed|began|opened|closed|voted|arrested|fired|"
    # happening as it is reported: "officials are meeting in Geneva"
    r"(?:is|are) (?:meeting|holding|heading|travelling|traveling|negotiating|gathering|"
    r"visiting|hosting|attending|talking))\b",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|stated|added|announced|warned)\b")
_NUMBER = re.compile(r"\b\d[\d,.]*\b(?!\s*(?:years? ago|BC|AD))")
# Background and explainers: how things came to be, not what happened today.
_BACKGROUND = re.compile(
    r"\b(?:since (?:19|20)\d\d|in (?:19|20)\d\d|(?:has|have|had) (?:dragged|been going|"
    r"long (?:been|sought|demanded))|dragged on|full-scale invasion|the war began|"
    r"began in (?:19|20)\d\d|(?:nearly|almost|more than) (?:two|three|four|five) years|"
    r"(?:two|three|four|five)-year(?:-old)? war|for (?:decades|years)|in recent years|"
    r"over the past (?:year|years|decade)|historically|has long|have long)\b",
    re.IGNORECASE,
)


def cue_weight(sentence: str) -> float:
    """How much a sentence reads as the day's news (>1) or as background (<1)."""
    weight = 1.0
    timed = bool(_TIME.search(sentence))
    if timed:
        weight += 0.12
    if _NEXT.search(sentence):
        weight += 0.1
    if _OUTCOME.search(sentence):
        weight += 0.08
    if _ATTRIBUTION.search(sentence):
        weight += 0.05
    if _NUMBER.search(sentence):
        weight += 0.03
    if _BACKGROUND.search(sentence) and not timed:
        weight *= 0.7
    return weight


def position_weight(position: int) -> float:
    """News is written top down: an article's first sentences carry its news."""
    return 1.0 / (1.0 + 0.5 * position)


def newness_weight(rank: int, reports: int) -> float:
    """The story's newer reports first: `rank` 0 is its oldest of `reports`."""
    return 1.0 if reports <= 1 else 0.92 + 0.08 * rank / (reports - 1)


def content_words(text: str) -> frozenset[str]:
    """Words of three letters or more that are not stop words."""
    return frozenset(w for w in words(text) if len(w) >= 3 and w not in STOPWORDS)


# Where a sentence's main clause ends and what it adds begins ("…, but", "although …").
_CLAUSE_END = re.compile(
    r",\s*(?:but|although|though|while|whereas|as|which|after|before)\s"
    r"|\s(?:but|although|though|while|whereas)\s|[;:–—]\s"
)


def main_clause(sentence: str) -> str:
    """The sentence up to its first subordinate or added clause."""
    m = _CLAUSE_END.search(sentence)
    return sentence[: m.start()] if m else sentence


def same_fact(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two bullets say the same thing: they share four content words or more, which
    are also half or more of the shorter one's. Given the content words of whole sentences
    or of their main clauses (two reports of one meeting, each adding a clause of its own)."""
    shared = len(a & b)
    return shared >= 4 and shared * 2 >= min(len(a), len(b))
