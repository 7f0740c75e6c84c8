"""A user's own place list beside GeoNames: the places of an ACLED export (or any CSV in its columns).

ACLED codes its events to a fixed list of locations, many of them villages under 500 people that GeoNames'
package extracts lack (most of Somalia's, CAR's, Mali's). A user who has ACLED exports for a region has that list:
``PlaceTable.from_csv(path, country_codes)`` reads the columns ``location, country, latitude, longitude`` (and
``admin1, admin2, geo_precision`` where present) of every row, and keeps one place per (country, admin1, name)
at the mean of its rows' coordinates, with how many rows name it. Rows that cannot be read are skipped with one
warning each naming the file, line and field; a file without the required columns is one error.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from inference.geo.names import MAX_NAME_CHARS, name_key

logger = logging.getLogger(__name__)

REQUIRED = ("location", "country", "latitude", "longitude")
MAX_WARNINGS = 20  # skipped rows named one by one; the rest are counted


class PlaceTableError(ValueError):
    """A place file that cannot be used at all (missing, unreadable, without the required columns)."""


@dataclass
class TablePlace:
    """One place of the table: a location name in one country and province, at its rows' mean coordinates."""

    name: str
    country_code: str
    admin1: str | None
    admin2: str | None
    latitude: float
    longitude: float
    precision: int  # ACLED geo_precision most rows gave it (1 town, 2 near a town / district, 3 province)
    rows: int


@dataclass
class _Acc:
    name: str
    admin2: Counter = field(default_factory=Counter)
    precision: Counter = field(default_factory=Counter)
    lat: float = 0.0
    lon: float = 0.0
    rows: int = 0


class PlaceTable:
    """Places by name key (``names.name_key``), most often named first."""

    def __init__(self, places: list[TablePlace], *, source: str = "", sha256: str = ""):
        self.source, self.sha256 = source, sha256
        self._by_key: dict[str, list[TablePlace]] = {}
        for p in sorted(places, key=lambda p: -p.rows):
            self._by_key.setdefault(name_key(p.name), []).append(p)
        self.countries: frozenset[str] = frozenset(p.country_code for p in places)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_key.values())

    def lookup_key(self, key: str) -> list[TablePlace]:
        """The places whose name has this key."""
        return self._by_key.get(key, [])

    @classmethod
    def from_csv(cls, path: str | Path, country_codes: dict[str, str]) -> PlaceTable:
        """Read an ACLED-style CSV; ``country_codes`` maps a folded country name ("syria") to its ISO code."""
        path = Path(path).expanduser()
        try:
            data = path.read_bytes()
        except OSError as e:
            raise PlaceTableError(f"place file {path}: cannot read it ({e.strerror or e})") from e
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise PlaceTableError(f"place file {path}: not UTF-8 text (byte {e.start})") from e
        reader = csv.DictReader(text.splitlines())
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise PlaceTableError(
                f"place file {path}: no column {', '.join(missing)} (it needs {', '.join(REQUIRED)}, as in an "
                f"ACLED export; it has {', '.join(columns[:12]) or 'none'})"
            )
        reader.fieldnames = columns
        acc: dict[tuple[str, str, str], _Acc] = {}
        skipped = 0
        for line, row in enumerate(reader, start=2):
            problem = _row_problem(row, country_codes)
            if problem:
                skipped += 1
                if skipped <= MAX_WARNINGS:
                    logger.warning("place file %s:%d: %s: row skipped", path, line, problem)
                continue
            name = " ".join(row["location"].split())
            cc = country_codes[_fold_country(row["country"])]
            admin1 = " ".join((row.get("admin1") or "").split())
            a = acc.setdefault((cc, admin1, name_key(name)), _Acc(name))
            a.lat += float(row["latitude"])
            a.lon += float(row["longitude"])
            a.rows += 1
            a.admin2[" ".join((row.get("admin2") or "").split())] += 1
            a.precision[_precision(row.get("geo_precision"))] += 1
        if skipped > MAX_WARNINGS:
            logger.warning("place file %s: %d rows skipped in all", path, skipped)
        places = [
            TablePlace(
                a.name,
                cc,
                admin1 or None,
                a.admin2.most_common(1)[0][0] or None,
                a.lat / a.rows,
                a.lon / a.rows,
                a.precision.most_common(1)[0][0],
                a.rows,
            )  # fmt: skip
            for (cc, admin1, _), a in acc.items()
        ]
        logger.info("place file %s: %d places from %d rows (%d skipped)", path, len(places),
                    sum(a.rows for a in acc.values()), skipped)  # fmt: skip
        return cls(places, source=str(path), sha256=hashlib.sha256(data).hexdigest())


def _fold_country(name: str) -> str:
    return name_key(name)


def _precision(value: str | None) -> int:
    try:
        p = int(float(value or 1))
    except ValueError:
        return 1
    return p if p in (1, 2, 3) else 1


def _row_problem(row: dict, country_codes: dict[str, str]) -> str | None:
    """Why a row cannot give a place (field named), or None."""
    if None in row:  # more cells than columns
        return "more cells than the header has columns"
    name = (row.get("location") or "").strip()
    if not name or len(name) > MAX_NAME_CHARS or not name_key(name):
        return f"field 'location' {name[:40]!r} is not a place name"
    if _fold_country(row.get("country") or "") not in country_codes:
        return f"field 'country' {(row.get('country') or '')[:40]!r} is not a country GeoNames knows"
    for key, bound in (("latitude", 90.0), ("longitude", 180.0)):
        try:
            value = float(row.get(key) or "")
        except ValueError:
            return f"field '{key}' {(row.get(key) or '')[:20]!r} is not a number"
        if not -bound <= value <= bound or value != value:
            return f"field '{key}' {value} is out of range"
    return None
