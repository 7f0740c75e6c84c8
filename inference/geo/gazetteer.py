"""Look place names up in the SQLite index: ``Gazetteer.open()`` then ``lookup("Hama")`` -> candidates.

Opening takes about a tenth of a second and reads nothing into memory; each lookup is one indexed query,
cached. ``default_gazetteer()`` opens the cache's index (building it the first time) once per process, or gives
None, with one warning, when the source packages are missing.

A user's place list (``place_table``: the places of their ACLED exports) adds its places to every lookup, before
GeoNames' own: ``Gazetteer.open(places="acled.csv")``, or ``use_places("acled.csv")`` for the process's default
gazetteer (it sets ``$CONFLICT_EVENTS_PLACES``, so ``conflict-tag --workers`` processes read the same file).
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from inference.geo.index_build import ensure_index
from inference.geo.names import loose_key, name_key
from inference.geo.place_table import PlaceTable, PlaceTableError, TablePlace
from inference.geo.sources import ADMIN1, ADMIN2, CITY, COUNTRY, SourceError, load_countries

logger = logging.getLogger(__name__)

LEVEL_NAMES = {CITY: "city", ADMIN2: "admin2", ADMIN1: "admin1", COUNTRY: "country"}
MAX_CANDIDATES = 200  # per name; "San Jose" has fewer
LOOSE_MIN = 5  # letters of a loose key (names.loose_key) from which the place list is searched by it
PLACES_ENV = "CONFLICT_EVENTS_PLACES"
GEONAMES, TABLE = "geonames", "table"


@dataclass(frozen=True)
class Candidate:
    """One place a name may mean."""

    level: int  # sources.CITY (1), ADMIN2 (2), ADMIN1 (3) or COUNTRY (4)
    name: str
    country_code: str
    country: str
    latitude: float | None
    longitude: float | None
    population: int
    admin1: str | None
    admin2: str | None
    geonameid: int | None
    is_main_name: bool  # the name looked up is the place's own name, not an alternate
    source: str = GEONAMES  # or TABLE: a place of the user's place list
    precision: int | None = None  # a table place's ACLED geo_precision (GeoNames places: their level)
    rows: int = 0  # how many rows of the place list name it


class Gazetteer:
    """Read-only access to a place index file."""

    def __init__(self, path: Path, places: str | Path | None = None):
        self.path = Path(path)
        self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        rows = self._db.execute("SELECT country_code, name FROM places WHERE level = ?", (COUNTRY,))
        self.countries: dict[str, str] = dict(rows.fetchall())
        self.lookup = functools.lru_cache(maxsize=4096)(self._lookup)
        self.places: PlaceTable | None = None
        self._capitals: dict[str, str] | None = None  # ISO code -> capital's name, read on first use
        if places is not None:
            self.places = PlaceTable.from_csv(places, self.country_codes())

    @classmethod
    def open(cls, path: Path | None = None, places: str | Path | None = None) -> Gazetteer:
        """The index at ``path`` (default: the cache's, built when missing or stale), with the place list
        ``places`` (an ACLED-style CSV, ``place_table``) when given."""
        return cls(ensure_index(path), places)

    def country_codes(self) -> dict[str, str]:
        """Every country name and alias the index knows, as its name key, -> ISO code."""
        with self._lock:
            rows = self._db.execute(
                "SELECT n.key, p.country_code FROM names n JOIN places p ON p.id = n.place WHERE p.level = ?",
                (COUNTRY,),
            ).fetchall()
        return dict(rows)

    def _lookup(self, name: str) -> tuple[Candidate, ...]:
        """Every place whose name or alternate name has ``name``'s key: the place list's first (most often
        named first; where none has the key, those of another transliteration, ``loose_key``, of 5+ letters),
        then GeoNames' (most populous first)."""
        key = name_key(name)
        if not key:
            return ()
        table = ()
        if self.places is not None:
            table = self.places.lookup_key(key)
            if not table and len(loose_key(name)) >= LOOSE_MIN:
                table = self.places.lookup_loose(name)
        listed = tuple(map(self._listed, table))
        with self._lock:
            rows = self._db.execute(
                "SELECT p.level, p.name, p.country_code, p.latitude, p.longitude, p.population, p.admin1, "
                "p.admin2, p.geonameid, n.is_main FROM names n JOIN places p ON p.id = n.place "
                "WHERE n.key = ? ORDER BY p.population DESC LIMIT ?",
                (key, MAX_CANDIDATES),
            ).fetchall()
        return listed + tuple(
            Candidate(lvl, nm, cc, self.countries.get(cc, cc), lat, lon, pop, a1, a2, gid, bool(main))
            for lvl, nm, cc, lat, lon, pop, a1, a2, gid, main in rows
        )

    def capital(self, country_code: str) -> Candidate | None:
        """The capital city of a country (ISO code), as GeoNames' country table names it; None if unknown."""
        if self._capitals is None:
            self._capitals = {code: c.get("capital") or "" for code, c in load_countries().items()}
        name = self._capitals.get(country_code)
        towns = (
            [c for c in self.lookup(name) if c.country_code == country_code and c.level == CITY]
            if name
            else []
        )
        return max(towns, key=lambda c: (c.source == GEONAMES, c.population), default=None)

    def near_spelling(self, name: str) -> tuple[Candidate, ...]:
        """The place list's places of the one name one letter away from ``name`` (``PlaceTable.lookup_near_key``):
        a misspelt village ("Deguimbere"); () without a list."""
        if self.places is None:
            return ()
        return tuple(map(self._listed, self.places.lookup_near_key(name_key(name))))

    def _listed(self, p: TablePlace) -> Candidate:
        return Candidate(
            p.level,
            p.name,
            p.country_code,
            self.countries.get(p.country_code, p.country_code),
            p.latitude,
            p.longitude,
            0,
            p.admin1,
            p.admin2,
            None,
            True,
            TABLE,
            p.precision,
            p.rows,
        )  # fmt: skip

    def country(self, name: str) -> Candidate | None:
        """The country ``name`` names ("Syria", "DRC"), or None."""
        return next((c for c in self.lookup(name) if c.level == COUNTRY), None)

    def close(self) -> None:
        self._db.close()


_default: list[Gazetteer | None] = []
_default_lock = threading.Lock()


def use_places(path: str | Path | None) -> None:
    """Make ``path`` (an ACLED-style CSV; None: none) the place list of this process's default gazetteer and of
    the processes it starts. Reads the file now, so a bad one is a ``PlaceTableError`` here, not at the first
    record."""
    with _default_lock:
        if path is None:
            os.environ.pop(PLACES_ENV, None)
            _default.clear()
            return
        path = Path(path).expanduser().resolve()
        if not path.is_file():
            raise PlaceTableError(f"place file {path}: no such file")
        gazetteer = Gazetteer.open()
        gazetteer.places = PlaceTable.from_csv(path, gazetteer.country_codes())
        os.environ[PLACES_ENV] = str(path)
        _default[:] = [gazetteer]


def default_gazetteer() -> Gazetteer | None:
    """The process's gazetteer on the cache's index, with the place list ``$CONFLICT_EVENTS_PLACES`` names;
    None (warned once) when the index cannot be built or opened. A place list that cannot be read is warned
    about and left out: GeoNames still resolves the places."""
    with _default_lock:
        if not _default:
            try:
                gazetteer = Gazetteer.open()
            except (SourceError, sqlite3.Error, OSError) as e:
                logger.warning("no offline geocoding (%s: %s): records get geo_status 'unavailable'",
                               type(e).__name__, e)  # fmt: skip
                _default.append(None)
                return None
            places = os.environ.get(PLACES_ENV)
            if places:
                try:
                    gazetteer.places = PlaceTable.from_csv(places, gazetteer.country_codes())
                except PlaceTableError as e:
                    logger.warning("%s: geocoding with GeoNames only", e)
            _default.append(gazetteer)
        return _default[0]
