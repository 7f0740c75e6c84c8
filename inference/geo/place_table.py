"""A user's own place list beside GeoNames: the places of an ACLED export (or any CSV in its columns).

ACLED codes its events to a fixed list of locations, many of them villages under 500 people that GeoNames'
package extracts lack (most of Somalia's, CAR's, Mali's). A user who has ACLED exports for a region has that list:
``PlaceTable.from_csv(path, country_codes)`` reads the columns ``location, country, latitude, longitude`` (and
``admin1, admin2, geo_precision`` where present) of every row, and keeps one place per (country, admin1, name)
at the point most of its rows give (of two villages "Nzako" of two districts, the more often named one, not a point
between them), with how many rows name it. Its provinces (admin1) and districts (admin2)
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

from inference.geo.names import MAX_NAME_CHARS, loose_key, name_key
from inference.geo.sources import ADMIN1, ADMIN2, CITY

logger = logging.getLogger(__name__)

REQUIRED = ("location", "country", "latitude", "longitude")
MAX_WARNINGS = 20  # skipped rows named one by one; the rest are counted


NEAR_MIN = 6  # letters of a name key from which a name one letter away is the same place (lookup_near_key)


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


class PlaceTableError(ValueError):
    """A place file that cannot be used at all (missing, unreadable, without the required columns)."""


@dataclass
class TablePlace:
    """One place of the table: a location name in one country and province, at its rows' most common point."""

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
    points: Counter = field(default_factory=Counter)
    precision: Counter = field(default_factory=Counter)
    rows: int = 0


@dataclass
class _AdminAcc:
    """A province's or district's rows: all of them, and those coded at its level (ACLED's point for it)."""

    name: str
    level_from: int  # geo_precision of the rows coded at this level or coarser
    lat: float = 0.0
    lon: float = 0.0
    rows: int = 0
    lat_at: float = 0.0
    lon_at: float = 0.0
    rows_at: int = 0

    def add(self, lat: float, lon: float, precision: int) -> None:
        self.lat, self.lon, self.rows = self.lat + lat, self.lon + lon, self.rows + 1
        if precision >= self.level_from:
            self.lat_at, self.lon_at, self.rows_at = self.lat_at + lat, self.lon_at + lon, self.rows_at + 1

    def point(self) -> tuple[float, float]:
        """The mean of the rows coded at this level, else of all its rows."""
        if self.rows_at:
            return self.lat_at / self.rows_at, self.lon_at / self.rows_at
        return self.lat / self.rows, self.lon / self.rows


class PlaceTable:
    """Places by name key (``names.name_key``), most often named first."""

    def __init__(self, places: list[TablePlace], *, source: str = "", sha256: str = ""):
        self.source, self.sha256 = source, sha256
        self._by_key: dict[str, list[TablePlace]] = {}
        self._by_loose_key: dict[str, list[TablePlace]] = {}
        for p in sorted(places, key=lambda p: -p.rows):
            key = name_key(p.name)
            self._by_key.setdefault(key, []).append(p)
            self._by_loose_key.setdefault(loose_key(p.name), []).append(p)
        self._by_deletion: dict[str, set[str]] | None = None  # lookup_near_key's index, built on first use
        self.countries: frozenset[str] = frozenset(p.country_code for p in places)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_key.values())

    def lookup_key(self, key: str) -> list[TablePlace]:
        """The places whose name has this key."""
        return self._by_key.get(key, [])

    def lookup_near_key(self, key: str) -> list[TablePlace]:
        """The places of the one other name key of NEAR_MIN+ letters one letter away from ``key`` (a letter left
        out, added, changed or two swapped: "Timbutku" = "Timbuktu", "Deguimbere" = "Deguembere"); none when no
        such key or several ("Famale": Tamale and Yamale)."""
        if len(key) < NEAR_MIN:
            return []
        if self._by_deletion is None:  # built whole before it is shared: threads may look up meanwhile
            by_deletion: dict[str, set[str]] = {}
            for k in self._by_key:
                if len(k) >= NEAR_MIN:
                    for d in {k, *_deletions(k)}:
                        by_deletion.setdefault(d, set()).add(k)
            self._by_deletion = by_deletion
        near = set().union(*(self._by_deletion.get(d, ()) for d in {key, *_deletions(key)})) - {key}
        return list(self._by_key[near.pop()]) if len(near) == 1 else []

    def lookup_loose(self, name: str) -> list[TablePlace]:
        """The places whose name has ``name``'s ``names.loose_key``: another transliteration of the name."""
        return self._by_loose_key.get(loose_key(name), [])

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
            lat, lon = float(row["latitude"]), float(row["longitude"])
            admin2 = " ".join((row.get("admin2") or "").split())
            precision = _precision(row.get("geo_precision"))
            a = acc.setdefault((cc, admin1, name_key(name)), _Acc(name))
            a.admin2[admin2] += 1
            a.points[lat, lon] += 1
            a.rows += 1
            a.precision[precision] += 1
            key1, key2 = name_key(admin1), name_key(admin2)
            if key1:
                admins.setdefault((cc, key1), _AdminAcc(admin1, 3)).add(lat, lon, precision)
                if key2:
                    districts.setdefault((cc, admin1, key2), _AdminAcc(admin2, 2)).add(lat, lon, precision)
        if skipped > MAX_WARNINGS:
            logger.warning("place file %s: %d rows skipped in all", path, skipped)
        places = [
            TablePlace(
                a.name,
                cc,
                admin1 or None,
                a.admin2.most_common(1)[0][0] or None,
                *a.points.most_common(1)[0][0],
                a.precision.most_common(1)[0][0],
                a.rows,
            )  # fmt: skip
            for (cc, admin1, _), a in acc.items()
        ]
        places += [
            TablePlace(a.name, cc, a.name, None, *a.point(), 3, a.rows, ADMIN1)
            for (cc, _), a in admins.items()
        ]
        places += [
            TablePlace(a.name, cc, admin1, a.name, *a.point(), 2, a.rows, ADMIN2)
            for (cc, admin1, _), a in districts.items()
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
