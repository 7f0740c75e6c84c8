"""Compare a record's geo fields with an ACLED row: distance between the points, country and admin1.

- ``within_10km`` / ``within_50km``: the record has coordinates within that distance of the row's (a record
  without coordinates is a miss);
- ``country_match``: same country: the record's ISO code is the code of the row's country name (GeoNames' names
  and the aliases news uses: ACLED's "Palestine" is GeoNames' "Palestinian Territory"), or the same name (accents,
  case and punctuation ignored, near spellings as for admin1);
- ``admin1_match``: the admin1 names agree once folded, or are near spellings of one name (difflib ratio >= 0.8 on
  the folded names, lengths within one: ACLED writes "Idleb" where GeoNames writes "Idlib"; "the" is ignored);
- ``has_coordinates``.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

from inference.geo.distance import haversine_km
from inference.geo.names import fold, name_key
from inference.geo.sources import COUNTRY_ALIASES, SourceError, load_countries

SAME_NAME_RATIO = 0.8


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def same_place_name(a: str | None, b: str | None) -> bool:
    """Do two place names name one place (folded equal, or near spellings)?"""
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    near = abs(len(ka) - len(kb)) <= 1 and difflib.SequenceMatcher(None, ka, kb).ratio() >= SAME_NAME_RATIO
    return ka == kb or near


@functools.lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    try:
        countries = load_countries()
    except (SourceError, OSError):
        return {}
    codes = {_key(c["name"]): code for code, c in countries.items()}
    codes.update({_key(alias): code for code, aliases in COUNTRY_ALIASES.items() for alias in aliases})
    return codes


def same_country(geo: dict[str, Any], name: str) -> bool:
    """Is the record's country the one ``name`` names (by ISO code, else by name)?"""
    code = _country_codes().get(_key(name))
    if code is not None and geo.get("iso"):
        return geo["iso"] == code
    return same_place_name(geo.get("country"), name)


def _key(name: str | None) -> str:
    return name_key(" ".join(w for w in fold(name or "").split() if w != "the"))


def geo_scores(geo: dict[str, Any], meta: dict[str, Any]) -> dict[str, bool | None]:
    """Matches of a record's geo fields against an ACLED row's meta (None where the row lacks the field)."""
    lat, lon = _float(meta.get("latitude")), _float(meta.get("longitude"))
    plat, plon = _float(geo.get("latitude")), _float(geo.get("longitude"))
    out: dict[str, bool | None] = {
        "has_coordinates": plat is not None and plon is not None,
        "within_10km": None,
        "within_50km": None,
        "country_match": None,
        "admin1_match": None,
    }
    if lat is not None and lon is not None:
        km = haversine_km(lat, lon, plat, plon) if out["has_coordinates"] else None
        out["within_10km"] = km is not None and km <= 10
        out["within_50km"] = km is not None and km <= 50
    if meta.get("country"):
        out["country_match"] = same_country(geo, meta["country"])
    if meta.get("admin1"):
        out["admin1_match"] = same_place_name(geo.get("admin1"), meta["admin1"])
    return out
