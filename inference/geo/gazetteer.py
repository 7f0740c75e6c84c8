"""Look place names up in the SQLite index: ``Gazetteer.open()`` then ``lookup("Hama")`` -> candidates.

Opening takes about a tenth of a second and reads nothing into memory; each lookup is one indexed query,
cached. ``default_gazetteer()`` opens the cache's index (building it the first time) once per process, or gives
None, with one warning, when the source packages are missing.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from inference.geo.index_build import ensure_index
from inference.geo.names import name_key
from inference.geo.sources import ADMIN1, ADMIN2, CITY, COUNTRY, SourceError

logger = logging.getLogger(__name__)

LEVEL_NAMES = {CITY: "city", ADMIN2: "admin2", ADMIN1: "admin1", COUNTRY: "country"}
MAX_CANDIDATES = 200  # per name; "San Jose" has fewer


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


class Gazetteer:
    """Read-only access to a place index file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        rows = self._db.execute("SELECT country_code, name FROM places WHERE level = ?", (COUNTRY,))
        self.countries: dict[str, str] = dict(rows.fetchall())
        self.lookup = functools.lru_cache(maxsize=4096)(self._lookup)

    @classmethod
    def open(cls, path: Path | None = None) -> Gazetteer:
        """The index at ``path`` (default: the cache's, built when missing or stale)."""
        return cls(ensure_index(path))

    def _lookup(self, name: str) -> tuple[Candidate, ...]:
        """Every place whose name or alternate name has ``name``'s key, most populous first."""
        key = name_key(name)
        if not key:
            return ()
        with self._lock:
            rows = self._db.execute(
                "SELECT p.level, p.name, p.country_code, p.latitude, p.longitude, p.population, p.admin1, "
                "p.admin2, p.geonameid, n.is_main FROM names n JOIN places p ON p.id = n.place "
                "WHERE n.key = ? ORDER BY p.population DESC LIMIT ?",
                (key, MAX_CANDIDATES),
            ).fetchall()
        return tuple(
            Candidate(lvl, nm, cc, self.countries.get(cc, cc), lat, lon, pop, a1, a2, gid, bool(main))
            for lvl, nm, cc, lat, lon, pop, a1, a2, gid, main in rows
        )

    def country(self, name: str) -> Candidate | None:
        """The country ``name`` names ("Syria", "DRC"), or None."""
        return next((c for c in self.lookup(name) if c.level == COUNTRY), None)

    def close(self) -> None:
        self._db.close()


_default: list[Gazetteer | None] = []
_default_lock = threading.Lock()


def default_gazetteer() -> Gazetteer | None:
    """The process's gazetteer on the cache's index; None (warned once) when it cannot be built or opened."""
    with _default_lock:
        if not _default:
            try:
                _default.append(Gazetteer.open())
            except (SourceError, sqlite3.Error, OSError) as e:
                logger.warning("no offline geocoding (%s: %s): records get geo_status 'unavailable'",
                               type(e).__name__, e)  # fmt: skip
                _default.append(None)
        return _default[0]
