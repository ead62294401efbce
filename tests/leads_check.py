"""What every digest's leads must be, checked on digests built from real captures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from monitor.compose.facets import FACETS, ORDER

# Words no lead may end on: articles, prepositions, conjunctions, pronouns, verbs of speech
# and being (written here apart from the code that builds leads, so they check it).
ENDINGS = frozenset(
    "a an the this that these those of in on at by for from to with about into over under "
    "after before since during against between through and or but nor so yet as than if "
    "while because although who which whose whom he she it they we you i is are was were be "
    "been being has have had do does did will would can could may might must shall should "
    "said says say told tells met meets".split()
)


def lead_words(lead: str) -> list[str]:
    return [w.strip(".,;:’'\"“”()") for w in lead.split()]


def check_points(points: Iterable[Mapping[str, Any]]) -> None:
    """One story's points (as in the JSON): each lead names the bullet's facet or is a
    whole noun phrase of its sentence, no lead repeats, bullets follow the facets' order."""
    points = list(points)
    leads = [str(p["lead"]) for p in points]
    assert len({lead.lower() for lead in leads}) == len(leads), leads
    order = [ORDER[str(p["facet"])] for p in points]
    assert order == sorted(order), [p["facet"] for p in points]
    for p in points:
        lead, text = str(p["lead"]), str(p["text"])
        if lead in FACETS:
            assert lead == p["facet"]
            continue
        # a noun phrase: the sentence's own words, only the first letter raised
        assert lead[1:] in text and (lead[0] + lead[1:]).lower() in text.lower(), lead
        words = lead_words(lead)
        assert 1 <= len(words) <= 7, lead
        last = words[-1]
        assert last.lower() not in ENDINGS, lead
        assert not (last.islower() and last.endswith("ed") and "-" not in last), lead
        assert not last.endswith(("’s", "'s")), lead  # a possessive needs what it owns
