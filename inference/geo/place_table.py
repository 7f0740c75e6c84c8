"""A user's own place list beside GeoNames: the places of an ACLED export (or any CSV in its columns).

ACLED codes its events to a fixed list of locations, many of them villages under 500 people that GeoNames'
package extracts lack (most of Somalia's, CAR's, Mali's). A user who has ACLED exports for a region has that list:
``PlaceTable.from_csv(path, country_codes)`` reads the columns ``location, country, latitude, longitude`` (and
``admin1, admin2, geo_precision`` where present) of every row, and keeps one place per (country, admin1, name)
at the mean of its rows' coordinates, with how many rows name it. Its provinces (admin1) and districts (admin2)
are places too, at the mean of the rows ACLED coded at that level (``geo_precision`` 3, resp. 2 or 3), else of all
their rows: a note that names only its district ("Mutimbuzi") or province ("Bujumbura Rural", "Maguindanao")
still lands in the right country and near the right point, where GeoNames' extracts lack those names. Rows that
cannot be read are skipped with one warning each naming the file, line and field; a file without the required
columns is one error.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from inference.geo.names import MAX_NAME_CHARS, name_key
from inference.geo.sources import ADMIN1, ADMIN2, CITY

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
    level: int = CITY  # sources.CITY for a location, ADMIN2 / ADMIN1 for a district / province of the rows


@dataclass
class _Acc:
    name: str
    admin2: Counter = field(default_factory=Counter)
    precision: Counter = field(default_factory=Counter)
    lat: float = 0.0
    lon: float = 0.0
    rows: int = 0


@dataclass
class _AdminAcc:
    """A province's or district's rows: all of them, and those coded at its level (ACLED's point for it)."""

    name: str
    level_from: int  # geo_precision of the rows coded at this level or coarser
    all: list[float] = field(default_factory=lambda: [0.0, 0.0, 0])
    at_level: list[float] = field(default_factory=lambda: [0.0, 0.0, 0])

    def add(self, lat: float, lon: float, precision: int) -> None:
        for acc in (self.all, self.at_level) if precision >= self.level_from else (self.all,):
            acc[0] += lat
            acc[1] += lon
            acc[2] += 1

    def point(self) -> tuple[float, float, int]:
        lat, lon, n = self.at_level if self.at_level[2] else self.all
        return lat / n, lon / n, int(self.all[2])


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
        admins: dict[tuple[str, str], _AdminAcc] = {}
        districts: dict[tuple[str, str, str], _AdminAcc] = {}
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
            admin2 = " ".join((row.get("admin2") or "").split())
            a.admin2[admin2] += 1
            precision = _precision(row.get("geo_precision"))
            a.precision[precision] += 1
            lat, lon = float(row["latitude"]), float(row["longitude"])
            if name_key(admin1):
                admins.setdefault((cc, name_key(admin1)), _AdminAcc(admin1, 3)).add(lat, lon, precision)
                if name_key(admin2):
                    key2 = (cc, admin1, name_key(admin2))
                    districts.setdefault(key2, _AdminAcc(admin2, 2)).add(lat, lon, precision)
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
        for (cc, _), a in admins.items():
            lat, lon, rows = a.point()
            places.append(TablePlace(a.name, cc, a.name, None, lat, lon, 3, rows, ADMIN1))
        for (cc, admin1, _), a in districts.items():
            lat, lon, rows = a.point()
            places.append(TablePlace(a.name, cc, admin1, a.name, lat, lon, 2, rows, ADMIN2))
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
