"""Build the SQLite place index once from the source packages (about half a minute), atomically.

The file lives in ``$CONFLICT_EVENTS_CACHE`` if set, else ``$XDG_CACHE_HOME/conflict-events/`` (default
``~/.cache/conflict-events/``), named after the
schema version; its ``meta`` table records the source package versions, and a file built from other versions is
rebuilt. The build writes a temporary file beside it and renames it into place, so a reader sees a whole index or
none, and two processes building at once both end with a whole one.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from pathlib import Path

from inference.geo.names import name_key
from inference.geo.sources import iter_places, source_versions

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
INDEX_NAME = f"geonames-v{SCHEMA_VERSION}.sqlite"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE places (
    id INTEGER PRIMARY KEY, level INTEGER NOT NULL, name TEXT NOT NULL, country_code TEXT NOT NULL,
    latitude REAL, longitude REAL, population INTEGER NOT NULL, admin1 TEXT, admin2 TEXT, geonameid INTEGER
);
CREATE TABLE names (key TEXT NOT NULL, place INTEGER NOT NULL, is_main INTEGER NOT NULL);
"""


def cache_dir() -> Path:
    """Where the index lives: ``$CONFLICT_EVENTS_CACHE``, ``$XDG_CACHE_HOME/conflict-events`` or
    ``~/.cache/conflict-events``."""
    if os.environ.get("CONFLICT_EVENTS_CACHE"):
        return Path(os.environ["CONFLICT_EVENTS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "conflict-events"


def default_index_path() -> Path:
    """The index file in the cache folder."""
    return cache_dir() / INDEX_NAME


def index_versions(path: Path) -> dict[str, str] | None:
    """The source versions an index was built from; None when it is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'sources'").fetchone()
    except sqlite3.Error:
        return None
    return json.loads(row[0]) if row else None


def build_index(path: Path) -> Path:
    """Write the index to ``path`` (temp file, then rename); returns ``path``."""
    t0 = time.perf_counter()
    versions = source_versions()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        db = sqlite3.connect(tmp)
        try:
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
            places, names = [], []
            for pid, p in enumerate(iter_places()):
                places.append((pid, p.level, p.name, p.country_code, p.latitude, p.longitude, p.population,
                               p.admin1, p.admin2, p.geonameid))  # fmt: skip
                keys = {}
                for k, n in enumerate(p.names):
                    key = name_key(n)
                    if key and key not in keys:
                        keys[key] = int(k == 0 or n == p.name)
                names.extend((key, pid, main) for key, main in keys.items())
            db.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?)", places)
            db.executemany("INSERT INTO names VALUES (?,?,?)", names)
            db.execute("CREATE INDEX names_key ON names (key)")
            db.execute("INSERT INTO meta VALUES ('sources', ?)", (json.dumps(versions, sort_keys=True),))
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            db.commit()
        finally:
            db.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("built the place index %s in %.1f s (%d places)", path, time.perf_counter() - t0, len(places))
    return path


def ensure_index(path: Path | None = None) -> Path:
    """The index at ``path`` (default: the cache's), built first when missing or built from other versions."""
    path = path or default_index_path()
    if index_versions(path) != source_versions():
        logger.warning("building the offline place index %s once (about half a minute)", path)
        build_index(path)
    return path
