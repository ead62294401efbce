"""The role a sentence plays in a story — its facet — from cue words and sentence shape.

A sentence is described by the cues it holds (`data/facet_cues.tsv`: phrases of results,
meetings, figures, responses, assessments, plans, fighting, the past, …) and by its shape
(speech, quotation, tense, names, figures). A linear model weighs them, a weight per feature
and facet, fitted on the tuning half of the labelled sentences (`benchmarks/data/facets.jsonl`)
and shipped as plain data (`data/facet_weights.json`; `monitor eval fit-facets` refits it).
The fit starts each cue at a weight for the facet it was written for and moves it only as far
as the labels demand, so a cue that the few labelled sentences never show still counts.

Cues of speech, of the future and of the first person are looked for outside quotations: a
promise inside a quote stays a statement, a "you" inside a quote is no blog's aside.
No downloads, no model library: a few thousand sentences a second.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# The facets, in the order the model's weights are stored: what happened, what was said,
# what next, on the ground, background; "Other" (no role fits) last.
FACETS = (
    "Outcome",
    "What happened",
    "Who met",
    "Numbers",
    "What was said",
    "Reaction",
    "Analysis",
    "Next steps",
    "On the ground",
    "Background",
    "Other",
)
# The order a story's bullets follow (the model's weights keep FACETS' order): the event
# and who met before its outcome, as a report tells it.
READING_ORDER = (
    "What happened",
    "Who met",
    *(f for f in FACETS if f not in ("What happened", "Who met")),
)
ORDER = {f: i for i, f in enumerate(READING_ORDER)}
# A facet whose probability is below this is a guess. Chosen by 5-fold cross-validation on
# the tuning half (twice, two shuffles): above 0.7, 82 % of the facets were right (65 % of
# the sentences); above 0.8, 88 % (53 %); above 0.9, 94 % (36 %).
CONFIDENT = 0.8
# Facets shown as a lead only where the cross-validation found them right often enough when
# confident (Who met: 2 of 4, Reaction: 6 of 10); they still order the bullets.
LEAD_FACETS = frozenset(FACETS) - {"Other", "Who met", "Reaction"}

_SPEECH = re.compile(
    r"\b(?:said|says|say|told|tells|stated|states|added|argued|argues|claimed|claims|insisted|"
    r"insists|warned|warns|noted|notes|affirmed|reaffirmed|reiterated|emphasi[sz]ed|"
    r"underscored|stressed|lamented|denies|denied|alleged?|alleges|asserted|continued|"
    r"explained|wrote|writes|expressed|referred|referenced|cited|urged|pointed out|"
    r"acknowledged|admitted|announced|declared|described|vowed|pledged|promised|"
    r"made the remarks|in a statement|according to)\b",
    re.IGNORECASE,
)
_SOURCING = re.compile(r"\baccording to\b", re.IGNORECASE)
# Who speaks: an analyst, a columnist or a publication makes it an assessment.
_ANALYST_SPEAKER = re.compile(
    r"\bsaid [A-Z]\w+(?:’s|'s) [A-Z]|\bsaid [A-Z][\w.]* [A-Z][\w-]+ in (?:The )?[A-Z]\w+"
    r"|\bsaid (?:The )?(?:Independent|Guardian|Atlantic|Economist|Times|Post|Journal)\b"
    r"|\bsaid (?:\w+ )?to (?:Fox|Wired|CNN|the BBC)\b"
    r"|\b(?:analysts?|experts?|professor|scholar|researcher|economist|specialist|columnist|"
    r"commentator|fellow)\b",
)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘[^’]{12,}’")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_PAST_PERFECT = re.compile(
    r"\bhad (?:been |long |previously |already |not )?\w+(?:ed|en|wn|ne|ht)\b"
)
_PAST = re.compile(
    r"\b\w{3,}ed\b|\b(?:was|were|had|did|said|met|made|took|gave|went|came|saw|won|lost|held|"
    r"led|left|sent|spoke|told|began|fell|rose)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)(?<![.!?:]\s)\b[A-Z][\w’'-]+")
_STATE = re.compile(r"\b(?:is|are|do|does)\b(?! \w+ing\b)|\b(?:do|does|is|are)(?:n[’']t| not)\b")
_PROGRESSIVE = re.compile(r"\b(?:is|are) \w+ing\b")
_PRONOUN_START = re.compile(r"(?:He|She|They|It|This|That|These|Those|His|Her|Their|Its)\b")
_DATELINE = re.compile(r"^[A-Z][A-Z/ ,.]+(?:\([A-Za-z .]+\))? ?[—–-]|\((?:AP|Reuters|AFP)\)")
_OFFICIAL = re.compile(
    r"\b(?:President|Prime Minister|Minister|Secretary|Chancellor|spokes(?:man|woman|person)|"
    r"officials?|ministry|government|Kremlin|White House|police|prosecutors?|authorities)\b"
)
# Features of a sentence's shape, and the facet the labelling rules say each points to.
_SHAPE_PRIORS = {
    "said": "What was said",
    "mostly_quoted": "What was said",
    "analyst_says": "Analysis",
    "past_perfect": "Background",
    "past_year": "Background",
    "no_names": "Other",
    "state": "Background",
    "dateline": "What happened",
    "past": "What happened",
}


@dataclass(frozen=True)
class Cue:
    facet: str  # the facet the cue was written for
    name: str
    pattern: re.Pattern[str]
    whole: bool  # looked for in the whole sentence, quotations included


@lru_cache(maxsize=1)
def cues() -> tuple[Cue, ...]:
    """The cue table shipped with the project (`data/facet_cues.tsv`)."""
    from importlib.resources import files

    out = []
    table = files("monitor").joinpath("data/facet_cues.tsv").read_text("utf-8")
    for line in table.splitlines():
        if line.strip() and not line.startswith("#"):
            facet_name, name, pattern = line.split("\t")
            if facet_name not in ORDER:
                raise RuntimeError(f"facet_cues.tsv: unknown facet {facet_name!r}")
            compiled = re.compile(pattern, re.IGNORECASE)
            out.append(Cue(facet_name, name, compiled, name.startswith("any.")))
    return tuple(out)


@dataclass(frozen=True)
class Parts:
    """A sentence apart: its narrative (quotations removed) and how much of it is quoted."""

    narrative: str
    quoted: float  # the share of its words inside quotation marks


def _parts(sentence: str) -> Parts:
    s = sentence.strip()
    # A quotation that runs over several sentences: this one opens it, or closes it.
    if (s[:1] == "“" and "”" not in s) or (s[:1] == '"' and s.count('"') == 1):
        return Parts("", 1.0)
    narrative = _QUOTED.sub(" ", s)
    if "”" in narrative:  # ... in the ash heap of history,” he claimed.
        narrative = narrative[narrative.rindex("”") + 1 :]
    total = len(s.split())
    return Parts(narrative, 1 - len(narrative.split()) / total if total else 0.0)


@lru_cache(maxsize=4096)
def features(sentence: str, year: int = 0) -> frozenset[str]:
    """The cues a sentence holds, and its shape: speech, quotation, tense, names, figures.

    `year`: the year of the news (a year before it points to the past); 0 for none."""
    parts = _parts(sentence)
    text = parts.narrative
    held = [c for c in cues() if c.pattern.search(sentence if c.whole else text)]
    found = {c.name for c in held}
    # each facet's cues also count together: a few labelled sentences cannot weigh every cue
    found |= {"any cue of " + c.facet for c in held}
    said = bool(_SPEECH.search(text))
    if said:
        found.add("said")
        if _SOURCING.search(text) and not parts.quoted:
            found.add("sourced")  # "according to …": a fact with its source, not a statement
        if _ANALYST_SPEAKER.search(text):
            found.add("analyst_says")
    if parts.quoted >= 0.5:
        found.add("mostly_quoted")
    elif parts.quoted > 0:
        found.add("some_quoted")
    if _PAST_PERFECT.search(text):  # after a verb of speech it is only the speech's tense
        found.add("past_perfect_said" if said else "past_perfect")
    if year and any(int(y) < year for y in _YEAR.findall(text)):
        found.add("past_year")
    if not _NAME.search(text or sentence) and not re.search(r"\d", sentence):
        found.add("no_names")
    if _PROGRESSIVE.search(text):
        found.add("progressive")
    elif _STATE.search(text):
        found.add("state")
    if _PAST.search(text):
        found.add("past")
    if _PRONOUN_START.match(sentence):
        found.add("pronoun_start")  # goes on from an earlier sentence
    if _DATELINE.search(sentence):
        found.add("dateline")  # a wire story's first sentence
    if _OFFICIAL.search(text):
        found.add("official")
    return frozenset(found)


def priors() -> dict[str, str]:
    """The facet each feature was written for: where the fit starts its weight."""
    out = {c.name: c.facet for c in cues()}
    out.update({"any cue of " + f: f for f in FACETS})
    out.update(_SHAPE_PRIORS)
    return out


@dataclass(frozen=True)
class Model:
    """A weight per feature and facet, and a bias per facet (data/facet_weights.json)."""

    weights: dict[str, tuple[float, ...]]
    bias: tuple[float, ...]

    @staticmethod
    def of(raw: dict[str, Any]) -> Model:
        """From the JSON that `monitor eval fit-facets` prints."""
        if tuple(raw["facets"]) != FACETS:
            raise RuntimeError("facet weights fitted for other facets: refit them")
        return Model(
            {str(k): tuple(float(x) for x in v) for k, v in raw["weights"].items()},
            tuple(float(x) for x in raw["bias"]),
        )


@lru_cache(maxsize=1)
def model() -> Model:
    import json
    from importlib.resources import files

    return Model.of(
        json.loads(files("monitor").joinpath("data/facet_weights.json").read_text("utf-8"))
    )


def probabilities(sentence: str, year: int = 0, fitted: Model | None = None) -> dict[str, float]:
    """Each facet's probability for the sentence (the model's softmax)."""
    m = fitted or model()
    z = list(m.bias)
    for f in features(sentence, year):
        for i, w in enumerate(m.weights.get(f, ())):
            z[i] += w
    top = max(z)
    e = [math.exp(x - top) for x in z]
    total = sum(e)
    return {f: x / total for f, x in zip(FACETS, e, strict=True)}


def classify(sentence: str, year: int = 0, fitted: Model | None = None) -> tuple[str, float]:
    """The sentence's facet and its probability (below CONFIDENT: a guess)."""
    p = probabilities(sentence, year, fitted)
    best = max(FACETS, key=lambda f: (p[f], -ORDER[f]))
    return best, p[best]
