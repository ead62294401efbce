"""Rules for the words of names and key phrases (no model, no dictionary download): which
words a noun phrase does not start or end on, a name cut in the middle, and the forms of
one name (Russia / Russian / Russians)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence

from monitor.text import STOPWORDS, normalize

# Articles, prepositions, conjunctions, pronouns and adverbs that STOPWORDS leaves out: a
# phrase holding one is a fragment of a sentence ("talks despite", "already agreed").
FUNCTION_WORDS = STOPWORDS | frozenset(
    "across along among amongst around behind beside besides beyond despite inside near "
    "onto outside toward towards upon within without unlike unless although though whether "
    "either neither another every whose yet already never however nearly almost "
    "often soon later ago yesterday today tomorrow tonight shall cannot".split()
)
# Verbs of news text whose -s form is rarely a noun: "meets", "urges" make a phrase a clause.
# Verbs whose -s form is as often a plural noun (talks, attacks, calls, claims, visits,
# pledges, hopes, signs) are not listed: "peace talks" is a noun phrase.
_VERBS = frozenset(
    """
accept accuse add agree allow announce appear approve argue arrive ask become begin believe
blame bring cancel come condemn confirm consider continue criticise criticize declare
decline deny discuss dismiss emphasise emphasize end expect fail follow give go hammer hold
insist intend join keep know launch leave mediate meet mull negotiate oppose postpone praise
prepare press push put reaffirm receive reiterate reject remain resume reveal say see seek seem
send slam suggest take tell threaten try unveil urge warn
""".split()
)
# Base forms that make a clause first or after a name ("urge Kyiv", "Russia hold talks").
_CLAUSE_START = frozenset(
    "accept accuse agree announce confirm deny discuss hold insist meet propose reject resume "
    "say seek tell urge warn".split()
)
_IRREGULAR_PAST = frozenset(
    "said told met held began became brought came gave went kept knew left sent saw sought "
    "took spoke wrote struck fought won lost led flew stood".split()
)
_NOT_PAST = frozenset("hundred speed creed greed breed".split())  # -ed, not verbs


def _third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


_FINITE = frozenset(_third_person(v) for v in _VERBS)


def _is_past(word: str) -> bool:
    return word in _IRREGULAR_PAST or (
        len(word) > 4 and word.endswith("ed") and word not in _NOT_PAST
    )


# "Russia-Ukraine", "US-Iran": two names joined to qualify a noun ("the Russia-Ukraine war").
_NAME_PAIR = re.compile(r"[A-Z][\w.’']*-[A-Z][\w.’']*")
_PUNCTUATION = ".,;:!?\"'’‘“”()[]"


def is_noun_phrase(phrase: str) -> bool:
    """Whether a phrase reads as a name or a noun phrase, not as a piece of a sentence.

    Refused: a function word anywhere; a verb's -s form anywhere ("Steve Witkoff meets",
    "Trump puts pressure"); a clause's verb first or after a name ("urge Kyiv", "Russia hold
    peace"); a past form last ("talks resumed") or after a name ("Trump urged Zelensky";
    first it is an adjective: "proposed deal"); a word in -ing between a name and another
    word ("Trump pressing Kyiv"; last it is a noun: "Geneva meeting"); two names joined by a
    hyphen last ("Russia-Ukraine", which qualifies a noun the phrase left out). Capitalised
    words are names, never verbs."""
    tokens = phrase.split()
    if tokens and _NAME_PAIR.fullmatch(tokens[-1]):
        return False
    lower = [normalize(t).strip(_PUNCTUATION) for t in tokens]
    for i, (token, w) in enumerate(zip(tokens, lower, strict=True)):
        if w in FUNCTION_WORDS:
            return False
        if token[:1].isupper():
            continue
        after_name = i > 0 and tokens[i - 1][:1].isupper()
        last = i == len(tokens) - 1
        if (
            w in _FINITE
            or ((i == 0 or after_name) and w in _CLAUSE_START)
            or (_is_past(w) and (last or after_name))
            or (w.endswith("ing") and after_name and not last)
        ):
            return False
    return bool(tokens)


# One word of a name: capitalised, with apostrophes and hyphens (O’Brien, Al-Sharaa).
NAME_WORD = r"[A-Z][a-z’'-]+"
# Words that are capitalised without being names, or that precede one without being part of
# it (titles): a name is cut there.
NOT_NAMES = frozenset(
    """
The But And In On At It He She They We This That A An As If For After While When There His
Her Their Our Its What Why How Mr Mrs Ms Dr President Minister Prime Chancellor Secretary
Envoy Special Foreign Defence Defense Spokesman Spokeswoman Spokesperson Senator Sen Rep Gen
Premier Ambassador Mayor Governor Vice Deputy Chief Commander Adviser Advisor Leader King
Queen Pope Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March
April May June July August September October November December
Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
""".split()
)
# First words of place names that are parts of a larger place ("Eastern Ukraine").
REGIONS = frozenset(
    "North South East West Northern Southern Eastern Western Central Latin Upper Lower".split()
)
_POSSESSIVE = re.compile(r"[’']s?$")


def plain(word: str) -> str:
    """A name's word without a possessive or a trailing hyphen ("Putin’s" -> "Putin")."""
    return _POSSESSIVE.sub("", word).rstrip("-’'")


def completed(phrase: str, running: Sequence[str]) -> str:
    """The phrase, or the whole name when the phrase ends in the middle of one.

    A phrase ending on a capitalised word is cut when, in most of the places the running
    text uses it, further name words follow ("Russian President Vladimir" is always followed
    by "Putin", "special envoy Steve" by "Witkoff"): the phrase with the commonest
    continuation is returned. Headlines do not count (title case capitalises every word)."""
    if not phrase.split()[-1][:1].isupper():
        return phrase
    follow = re.compile(
        r"(?<![\w’'-])" + re.escape(phrase) + r"(?![\w-])((?:[^\S\n]+" + NAME_WORD + r")*)"
    )
    ends: Counter[str] = Counter()
    for text in running:
        for m in follow.finditer(text):
            more: list[str] = []
            for w in m.group(1).split():
                if w in NOT_NAMES:
                    break
                more.append(plain(w))
                if plain(w) != w:  # a possessive ends the name
                    break
            ends[" ".join(more)] += 1
    cut = sum(c for end, c in ends.items() if end)
    if cut * 2 <= sum(ends.values()):
        return phrase
    rest = max((r for r in ends if r), key=lambda r: (ends[r], r))
    return f"{phrase} {rest}"


_SKY = re.compile(r"(?<=sk)(?:iy|yy|yi|y|i)\b")


def spelling(name: str) -> str:
    """A name with the endings that transliteration spells several ways made one: the -sky
    of Ukrainian and Russian names ("Zelensky", "Zelenskyy", "Zelenskiy" -> "Zelensk")."""
    return _SKY.sub("", name)


# Adjectives and plurals of place names that no suffix rule finds.
_DEMONYMS = {
    "Afghan": "Afghanistan",
    "Belgian": "Belgium",
    "British": "Britain",
    "Danish": "Denmark",
    "Dutch": "Netherlands",
    "Filipino": "Philippines",
    "Finnish": "Finland",
    "French": "France",
    "German": "Germany",
    "Greek": "Greece",
    "Irish": "Ireland",
    "Kazakh": "Kazakhstan",
    "Norwegian": "Norway",
    "Peruvian": "Peru",
    "Polish": "Poland",
    "Portuguese": "Portugal",
    "Scottish": "Scotland",
    "Slovak": "Slovakia",
    "Spanish": "Spain",
    "Swedish": "Sweden",
    "Swiss": "Switzerland",
    "Thai": "Thailand",
    "Turkish": "Turkey",
    "Uzbek": "Uzbekistan",
    "Welsh": "Wales",
}
_SUFFIXES = ("ian", "ese", "an", "n", "i")  # Iranian, Chinese, European, Russian, Israeli
_ENDINGS = ("", "a", "e", "y", "o")  # what the suffix replaced: Ukrain-e, Chin-a, Ital-y


def place_of(word: str, known: Collection[str]) -> str | None:
    """The place name a one-word name is a form of, when the articles use it too: "Russian"
    and "Russians" are forms of "Russia", "Ukrainians" of "Ukraine", "French" of "France".

    A suffix rule checked against the articles' own words: the form is the place name with
    -n, -an, -ian, -ese or -i (replacing a final a, e, y or o), or a plural of such a form,
    and both are used. Places of four letters or more only ("Iran"), so that short words do
    not pair by chance."""
    for form in (word, word[:-1]) if word.endswith("s") and len(word) > 4 else (word,):
        if (place := _DEMONYMS.get(form)) and place in known:
            return place
        for suffix in _SUFFIXES:
            if not form.endswith(suffix):
                continue
            stem = form[: -len(suffix)]
            for ending in _ENDINGS:
                place = stem + ending
                if len(place) >= 4 and place != word and place in known:
                    return place
        if form != word and form in known:
            return form  # a plural of a form with no place name in the articles
    return None
