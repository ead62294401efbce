"""What every digest's leads must be, checked on digests built from real captures."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from monitor.compose.facets import FACETS, ORDER


def checker() -> ModuleType:
    """benchmarks/check_digests.py, the checker a reader runs on built digests: its list of
    words no lead may end on is written apart from the code that builds leads, so it checks
    that code, and the tests use the same list."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "check_digests.py"
    spec = importlib.util.spec_from_file_location("check_digests", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENDINGS: frozenset[str] = checker().ENDINGS


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
