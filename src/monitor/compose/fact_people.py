"""Who: the people a sentence names with the role it gives them, and their side.

Like `fact_rules`, rules only: each value is a span of the sentence.
"""

from __future__ import annotations

import re

from monitor.compose import gazetteer
from monitor.compose.fact_rules import Found, eventful

_POSSESSIVE = re.compile(r"['’]s\b")

_SIDES = {
    "Ukraine": "ukraine ukrainian kyiv kiev zelensky zelenskyy zelenskiy",
    "Russia": "russia russian kremlin moscow putin",
    "US": "us u.s. american washington trump",
}
_SIDE_OF = {w: side for side, ws in _SIDES.items() for w in ws.split()} | {"white house": "US"}
# Who speaks for whom: a country or its capital, a demonym, an acronym, a possessive.
_AFFILIATION = (
    r"(?:U\.S\.|U\.K\.|[A-Z]{2,5}|White\s+House|Middle\s+East|"
    r"[A-Z][^\W\d_]+['’]s|[A-Z][^\W\d_]+(?:an|ian|ese|ish|ch|i)|Kremlin|Kyiv|Moscow|Washington)"
)
_MODIFIER = (
    r"chief|lead|top|special|senior|deputy|former|acting|foreign|defen[cs]e|interior|finance|"
    r"economy|economic|energy|planning|information|environment|presidential|peace|"
    r"national\s+security|security|intelligence|military|investment|foreign\s+affairs|first|"
    r"army|armed\s+forces|health|state|trade|vice"
)
# Role nouns, by how much they say about who sits at the table.
_ROLES = {
    4.0: r"negotiator|envoy|mediator|delegation\s+head|head\s+of\s+(?:the\s+)?delegation",
    3.0: r"minister|secretary\s+of\s+state|secretary(?:[-\s]general)?|adviser|advisor|"
    r"chief\s+of\s+staff|son-in-law|aide|ambassador|commander(?:-in-chief)?",
    2.0: r"president|prime\s+minister|chancellor",
    1.0: r"spokes(?:man|woman|person)|representative|leader",  # not "official": an adjective too
}
_ROLE = "|".join(f"(?P<r{int(k)}>{v})" for k, v in _ROLES.items())
_LETTER = r"(?:[^\W\d_]|\xad)"  # a soft hyphen may sit inside a name ("Pram\xadono")
_NAME_WORD = rf"[A-Z]{_LETTER}*[a-z]{_LETTER}*(?:-[A-Z]{_LETTER}+)?"
_PARTICLE = r"(?:von|van|der|den|de|del|da|di|du|la|le|al|bin|ibn|el)\s+"  # Ursula von der Leyen
_NAME = rf"(?:{_NAME_WORD}(?:\s+(?:{_PARTICLE}){{0,2}}(?:[A-Z]\.\s+)?{_NAME_WORD}){{0,2}})"
_TITLED = re.compile(
    rf"(?:\b(?:the\s+)?(?P<aff>{_AFFILIATION})\s+)?"
    rf"\b(?i:(?:(?:{_MODIFIER})\s+){{0,3}}(?:{_ROLE}))(?:\s+for\s+(?!the\b)[a-z]+(?:\s+[a-z]+){{0,2}})?"
    rf"(?:\s+|,\s+(?={_NAME_WORD}\s+[A-Z]))(?P<name>{_NAME})"
)
_APPOSITION = re.compile(
    rf"\b(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}),\s+(?:the\s+|a\s+)?"
    rf"(?:(?P<aff>{_AFFILIATION})\s+)?"
    rf"(?i:(?:(?:{_MODIFIER})\s+){{0,3}}(?:{_ROLE}))(?=[,.;]|\s+(?:said|says|told|who)\b)"
)
_LED_BY = re.compile(
    rf"\b(?:[Tt]he\s+)?(?P<aff>{_AFFILIATION})\s+(?:delegation|team|negotiators),?\s+"
    rf"(?:which\s+was\s+)?(?:led|headed)\s+by\s+(?:[a-z]+\s+){{0,3}}(?P<name>{_NAME})"
)
# several people in one role: "envoys, Steve Witkoff and Jared Kushner"
_GROUP = re.compile(
    rf"(?:\b(?:the\s+)?(?P<aff>{_AFFILIATION})\s+)?"
    rf"\b(?i:(?:(?:{_MODIFIER})\s+){{0,3}}(?:(?P<g4>negotiators|envoys|mediators)|"
    rf"(?P<g3>ministers|advisers|advisors|aides|secretaries)))"
    rf",?\s+(?P<names>{_NAME}(?:,\s+{_NAME})*,?\s+and\s+{_NAME})"
)
_NOT_NAMES = frozenset(
    "The This That These He She They It We I But And On In At As After When While Mr Mrs Ms "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
    "May June July August September October November December General Minister President "
    "Secretary Envoy Chancellor Prime Leader Chief Foreign Special Deputy Senior State Rev Dr "
    "Gen".split()
)


def _side(affiliation: str) -> str:
    word = _POSSESSIVE.sub("", affiliation).casefold()
    return _SIDE_OF.get(word, "")


def _name(text: str, words_at_least: int = 1) -> str | None:
    """The person's name at the start of `text`: up to a word that is no name ("Trump
    Tuesday"); None when too short or a country (towns are named after people: "Rubio")."""
    words = text.split()
    keep = 0
    while keep < len(words) and words[keep].rstrip(".") not in _NOT_NAMES:
        keep += 1
    name = " ".join(words[:keep])
    if keep < words_at_least or gazetteer.is_country(name):
        return None
    return name


def _surname(name: str) -> str:
    return name.split()[-1].casefold()


# Most sentences name no role: one quick search spares them the patterns above.
_ANY_ROLE = re.compile(
    rf"(?i:{_ROLE}|negotiators|envoys|mediators|ministers|advisers|advisors|aides|secretaries|"
    r"led\s+by|headed\s+by)"
)


def who(sentence: str) -> list[Found]:
    """People with the role the sentence gives them: "Iran’s Foreign Minister Abbas
    Araghchi", "Special Envoy Witkoff", "Lars Løkke Rasmussen, Denmark’s foreign minister"
    (from the name to the role), "the Ukrainian delegation, led by …", "envoys, Steve Witkoff
    and Jared Kushner". The side is that of the affiliation, when it is Ukraine, Russia or
    the US. The key holds the surnames: one person is listed once."""
    out: list[Found] = []
    if not _ANY_ROLE.search(sentence):
        return out
    bonus = 0.5 if eventful(sentence) else 0.0
    for pattern in (_TITLED, _APPOSITION, _LED_BY):
        for m in pattern.finditer(sentence):
            name = _name(m.group("name"), 2 if pattern is _APPOSITION else 1)
            if name is None:
                continue
            # the value ends with the name (or with the role, in apposition)
            end = m.end() if pattern is _APPOSITION else m.start("name") + len(name)
            role = next((float(k[1:]) for k, v in m.groupdict().items() if k[0] == "r" and v), 4.0)
            side = _side(m.group("aff") or "")
            # of two mentions of one person, the one that names the side
            score = role + bonus + (0.25 if side else 0.0)
            out.append(Found(m.start(), end, score, _surname(name), side))
    for m in _GROUP.finditer(sentence):
        names = [_name(n, 2) for n in re.split(r",\s+|,?\s+and\s+", m.group("names"))]
        if not all(names):
            continue
        role = 4.0 if m.group("g4") else 3.0
        key = "|".join(_surname(n) for n in names if n)
        out.append(Found(m.start(), m.end(), role + bonus, key, _side(m.group("aff") or "")))
    return out
