"""The lead of each bullet, and the order of a story's bullets.

A bullet's lead names its role in the story — its facet ("Outcome", "Who met", …) — when
the classifier is confident of it and no earlier bullet of the story has taken it. Otherwise
the lead is a noun phrase cut from the sentence itself ("Russian attacks and Ukrainian
civilian deaths"): a whole phrase, ending on a noun or a name, never on a verb, preposition,
article or conjunction, only its first letter raised. No two bullets of a story share a lead.
Bullets follow the facets' order (what happened, what was said, what next, on the ground,
background); within a facet they keep the order the summariser ranked them in.

The noun phrases are found by rules (closed word classes and verb forms), not a tagger.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.compose.facets import CONFIDENT, LEAD_FACETS, ORDER, classify
from monitor.text import STOPWORDS, words

MAX_WORDS = 7  # a lead is a handle, not a clause

_DETERMINERS = frozenset(
    "the a an this these those his her its their our my your some any each every no "
    "both all another such either neither several many few more most".split()
)
# Words a phrase never ends on (nor runs through, except "of" and "and" between nouns).
_FUNCTION = _DETERMINERS | frozenset(
    "of in on at by for from to with about against between into through during before after "
    "above below under over without within among across toward towards upon via amid despite "
    "since until than like as per near onto out up down around behind beyond along off "
    "and or but nor yet so because although though while whereas if unless whether "
    "that which who whom whose when where why how what whatever "
    "he she it they we i you him them us me itself themselves "
    "is are was were be been being am has have had do does did will would shall should can "
    "could may might must not no also now then still just even already again ever never only "
    "very too here there today yesterday tomorrow meanwhile however instead rather almost "
    "nearly perhaps well together away forward ahead apart abroad alone long".split()
)
_VERBS = frozenset(
    """said told met held made took gave went came saw won lost led left sent spoke began fell
    rose ran put set got found thought brought bought fought sought taught caught kept felt
    meant became grew knew drew threw flew wrote broke chose drove struck stood understood paid
    laid sat hit cut let shut spent built sold heard shot stuck withdrew oversaw forgot arose
    fled fed shed swept slept dealt
    say says tell tells meet meets make makes take takes give gives go goes come comes see
    sees win wins lose loses leave leaves send sends speak speaks begin begins want wants
    need needs seek seeks try tries warn warns urge urges insist insists deny denies become
    becomes hope expect expects believe believes think thinks know knows ask asks
    add adds argue argues agree agrees accuse accuses appear appears seem seems include
    includes continue continues follow follows threaten threatens vow vows pledge pledges
    suggest suggests mean means look looks help helps keep keeps get gets let lets start
    starts open opens close closes launch launches announce announces remain stand stands
    lives hold holds lead leads describe describes call urge confirm confirms reject rejects
    recognise recognised recognize recognized reveal reveals hang hangs sit sits lie lies fall
    falls rise rises grow grows turn turns move moves shaken taken given written spoken broken
    chosen driven fallen forgotten hidden known risen seen shown stolen sworn thrown done gone
    begun drawn grown flown worn torn born
    signal show reflect reflects underscore underscores indicate indicates illustrate
    illustrates""".split()
)
_NOT_VERBS = frozenset(
    """hundred kindred sacred naked wicked rugged beloved meeting meetings building buildings
    funding briefing hearing hearings ruling rulings spending training bombing bombings shelling
    fighting killing killings shooting shootings uprising morning evening thing things nothing
    something anything everything king spring string wing ceiling offering opening
    beginning warning warnings sibling siblings wedding darling landing crossing crossings
    setting feeling housing polling""".split()
)
_BE = frozenset("is are was were be been being".split())
_MODALS = frozenset("will would shall should can could may might must".split())
_ADVERBS = frozenset("not also fully still never only just then now already".split())
# Plural nouns that follow names: "the Geneva talks in …" keeps its noun.
_PLURALS = frozenset(
    """talks negotiations forces troops officials authorities games elections sanctions
    relations ties members leaders protests strikes attacks people players fans votes seats
    states nations countries parties prices rates markets news affairs arms weapons""".split()
)
_NOUN_ENDINGS = (
    "tion",
    "tions",
    "sion",
    "sions",
    "ment",
    "ments",
    "ness",
    "ity",
    "ship",
    "ism",
    "ance",
    "ence",
)
_WHO = frozenset("that which who".split())
_PRONOUNS = frozenset("i you he she it we they him her us them".split())
_LINKS = frozenset(
    "to with about for on in at from into over toward towards through against under between "
    "across after before behind beyond along around near inside outside".split()
)
_TOKEN = re.compile(r"[$€£]?\w(?:[\w’'-]|\.(?=[\w-]))*\.?")
_ACRONYM = re.compile(r"(?:\w\.){2,}")  # U.S. keeps its last full stop


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int
    kind: str  # noun (nouns, names, adjectives, numbers), of, and, det, stop


def _kind(word: str, first: bool) -> str:
    if len(word) > 1 and word.isupper():
        return "noun"  # US, UN, NATO: not "us" or "un"
    low = word.lower().strip("’'")
    stem, mark, rest = low.replace("’", "'").partition("'")
    if mark and (rest in ("re", "ll", "ve", "d", "m", "t") or stem in _FUNCTION):
        return "stop"  # they’re, we’ll, don’t, it’s, there’s
    if low == "of":
        return "of"
    if low in ("and", "&"):
        return "and"
    if low in _DETERMINERS:
        return "det"
    if low in _FUNCTION or low in _VERBS:
        return "stop"
    if low in _NOT_VERBS or "-" in word or (not word[:1].islower() and not first):
        return "noun"  # hyphenated words are adjectives; capitals in mid-sentence are names
    if word[:1].islower() and (low.endswith("ing") or (low.endswith("ed") and len(low) > 4)):
        return "stop"  # a participle or a verb
    if low.endswith("ly") and len(low) > 4:
        return "stop"  # an adverb
    return "noun"


def _tokens(sentence: str) -> list[_Tok]:
    out: list[_Tok] = []
    for i, m in enumerate(_TOKEN.finditer(sentence)):
        text, start, end = m.group(0), m.start(), m.end()
        if text.endswith(".") and not _ACRONYM.fullmatch(text):
            text, end = text[:-1], end - 1
        if text:
            out.append(_Tok(text, start, end, _kind(text, i == 0)))
    out = [
        _Tok(t.text, t.start, t.end, "stop") if _verb_here(out, k) else t for k, t in enumerate(out)
    ]
    # "Council on American-Islamic Relations": "on" and "for" inside a name join it
    for k in range(1, len(out) - 1):
        if out[k].text in ("on", "for") and all(
            t.kind == "noun" and t.text[:1].isupper() for t in (out[k - 1], out[k + 1])
        ):
            out[k] = _Tok(out[k].text, out[k].start, out[k].end, "of")
    return out


def _verb_here(toks: list[_Tok], k: int) -> bool:
    """Whether a word taken for a noun is, where it stands, a verb."""
    word = toks[k].text
    if toks[k].kind != "noun" or not word[:1].islower() or k == 0:
        return False
    prev = toks[k - 1].text.lower()
    nxt = toks[k + 1] if k + 1 < len(toks) else None
    if prev in _MODALS or (prev in _ADVERBS and k > 1 and toks[k - 2].text.lower() in _MODALS):
        return True  # "must (fully) uphold", "would plead"
    if prev == "to" and nxt is not None and (nxt.kind == "det" or nxt.text[:1].isupper()):
        return True  # "to secure a resolution", "to uphold Ukraine’s sovereignty"
    if (word.endswith("ing") and prev in _BE) or (word.endswith("s") and prev in _WHO):
        return True  # "officials are meeting", "a peace that ensures"
    before = toks[k - 1]
    if (
        before.text[:1].islower()
        and before.text.endswith("s")
        and not before.text.endswith("ss")
        and not word.endswith("s")
        and nxt is not None
        and (
            nxt.text.lower() in _LINKS
            or nxt.kind == "det"
            or nxt.text.lower().replace("’", "'").split("'")[0] in _PRONOUNS
        )
    ):
        return True  # "the robotic cameras chase behind …": after a plural, a verb
    # "Inskeep talks to", "The Munich Security Conference ends with": after a name (not the
    # sentence's first word) and before a preposition or determiner, a word is a verb unless
    # it looks like a noun; a plural like "talks" only where no determiner opens the phrase
    # ("the Geneva talks in …" keeps its noun)
    if not (k > 1 and toks[k - 1].text[:1].isupper() and nxt is not None):
        return False
    if not (nxt.text.lower() in _LINKS or nxt.kind == "det"):
        return False
    low = word.lower()
    if low.endswith(_NOUN_ENDINGS):
        return False
    opened = any(t.kind == "det" for t in toks[max(0, k - 4) : k])
    if opened and not low.endswith("s"):
        return False  # "the Russia-Ukraine war at …": a determiner's phrase, its noun
    if low in _PLURALS:
        return not opened and nxt.text.lower() in _LINKS
    return True


def _trim_and(toks: list[_Tok], first: int, last: int) -> int:
    """The phrase's last word once a doubtful "and …" tail is cut: what follows "and" must
    be a name, a determiner's phrase or two nouns ("and advance a ceasefire" is a verb's)."""
    for k in range(last - 1, first, -1):
        if toks[k].kind == "and":
            tail = toks[k + 1 : last + 1]
            named = any(t.text[:1].isupper() for t in tail)
            if not (named or tail[0].kind == "det" or len(tail) >= 2):
                return k - 1
            break
    return last


def noun_phrases(sentence: str) -> list[tuple[int, int]]:
    """Spans of the sentence's noun phrases: an optional determiner, nouns (names,
    adjectives, numbers) and, between nouns, "of" or "and"; each ends on a noun."""
    toks = _tokens(sentence)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        if toks[i].kind not in ("det", "noun"):
            i += 1
            continue
        j, last = i, -1
        while j < len(toks):
            if j > i and sentence[toks[j - 1].end : toks[j].start].strip():
                break  # punctuation between two words ends the phrase
            kind = toks[j].kind
            after_link = j > i and toks[j - 1].kind in ("of", "and")
            if kind == "noun":
                last = j
            elif not (
                (kind == "det" and (j == i or after_link))  # the …, of the …
                or (kind in ("of", "and") and last == j - 1)  # between two nouns
            ):
                break
            j += 1
        if last >= 0:
            last = _trim_and(toks, i, last)
            end = last
            # at most MAX_WORDS, cut before "of" or "and" only (never inside a name: "the
            # United"), and a possessive needs what it owns ("… Zelensky’s" is no phrase)
            while end >= i and (
                end - i + 1 > MAX_WORDS
                or toks[end].kind != "noun"
                or toks[end].text.endswith(("’s", "'s", "s’", "s'"))
                or (end < last and toks[end + 1].kind == "noun")  # "the host" of "the host country"
            ):
                end -= 1
            if end >= i and toks[end].kind == "noun":
                spans.append((toks[i].start, toks[end].end))
        i = max(j, i + 1)
    return spans


def _content(phrase: str) -> list[str]:
    return [w for w in words(phrase) if w not in STOPWORDS and len(w) > 2]


def noun_phrase(sentence: str, weights: Counter[str], taken: set[str]) -> str:
    """The sentence's best noun phrase for a lead (first letter raised), or "" if none: one
    whose words the story uses most, of two words or more, naming someone if it can."""
    best: tuple[float, int, str] | None = None
    for start, end in noun_phrases(sentence):
        phrase = sentence[start:end]
        lead = phrase[:1].upper() + phrase[1:]
        content = _content(phrase)
        if not content or lead.lower() in taken:
            continue
        n = len(phrase.split())
        score = sum(weights.get(w, 0) + 1 for w in set(content)) / (1 + 0.15 * n)
        if n == 1:
            score *= 0.5  # a lone word says little
        if any(c[:1].isupper() for c in phrase.split()[1:]) or (phrase[:1].isupper() and start):
            score *= 1.2  # names make the best handles
        if start == 0:
            score *= 1.5  # the sentence's subject: what it is about
        key = (score, -start, lead)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else ""


@dataclass(frozen=True)
class Led:
    index: int  # the sentence's place in the summariser's ranking
    facet: str
    lead: str


def arrange(sentences: Sequence[str], weights: Counter[str], year: int = 0) -> list[Led]:
    """Facets and leads for a story's ranked sentences, in the order the bullets follow."""
    taken: set[str] = set()
    out = []
    for i, sentence in enumerate(sentences):
        facet, p = classify(sentence, year)
        named = p >= CONFIDENT and facet in LEAD_FACETS and facet.lower() not in taken
        lead = facet if named else ""
        lead = lead or noun_phrase(sentence, weights, taken)
        if not lead:  # no noun phrase left: the facet, numbered if the story already has it
            lead = facet
            n = 2
            while lead.lower() in taken:
                lead, n = f"{facet} ({n})", n + 1
        taken.add(lead.lower())
        out.append(Led(i, facet, lead))
    return sorted(out, key=lambda led: (ORDER[led.facet], led.index))


def story_weights(texts: Sequence[str]) -> Counter[str]:
    """How many of a story's texts use each word: what its leads should be made of."""
    weights: Counter[str] = Counter()
    for text in texts:
        weights.update(set(_content(text)))
    return weights
