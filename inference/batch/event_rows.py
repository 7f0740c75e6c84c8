"""``conflict-tag --events-out``: one row per event record in ACLED's column layout, plus our own columns.

ACLED's columns come first, in ACLED's order: ``event_date`` (the record's date), ``event_type``,
``sub_event_type``, ``actor1``/``actor2`` (the best-ranked actor's text; a generic state-forces text such as "the
army" or "police" typed ``State forces`` in a record with a country becomes ACLED's name, "Military Forces of
Syria" / "Police Forces of Syria": ``inference.events.actor_types.state_force_name``), ``inter1``/``inter2`` (ACLED
actor categories, empty for a model without the heads), ``interaction`` (ACLED's two-digit code), ``country``, ``admin1``, ``admin2``, ``location`` (the GeoNames
name of the resolved place, else the record's first place name), ``latitude``, ``longitude``, ``geo_precision``
(1 town, 2 district, 3 province; empty without coordinates), ``fatalities``, ``notes`` (the evidence sentences,
whitespace collapsed). Then ours: ``article_id``, ``event_index`` (1-based within the article), the two scores,
``geo_status``, ``iso``, ``geonameid``, ``place_mentions`` (the record's place names, ``; ``-joined),
``fatalities_min``/``fatalities_max`` (a range when no count), ``evidence_offsets`` (``start-end`` of each evidence
sentence in the article's original text, ``;``-joined).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from inference.batch.writers import CsvSink, JsonlSink, ParquetSink
from inference.events.actor_types import state_force_name

ACLED_COLUMNS = (
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "inter1",
    "actor2",
    "inter2",
    "interaction",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "notes",
)
OWN_COLUMNS = (
    "article_id",
    "event_index",
    "event_type_score",
    "sub_event_type_score",
    "geo_status",
    "iso",
    "geonameid",
    "place_mentions",
    "fatalities_min",
    "fatalities_max",
    "evidence_offsets",
)
EVENTS_COLUMNS = ACLED_COLUMNS + OWN_COLUMNS
FLOAT_COLUMNS = ("latitude", "longitude", "event_type_score", "sub_event_type_score")
INT_COLUMNS = (
    "interaction",
    "geo_precision",
    "fatalities",
    "event_index",
    "geonameid",
    "fatalities_min",
    "fatalities_max",
)
EVENTS_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl"}


def _flat(text: Any) -> str:
    return " ".join(str(text).split())


def _first_text(items: list[dict] | None) -> str | None:
    return _flat(items[0]["text"]) if items else None


def _actor(items: list[dict] | None, inter: str | None, country: str | None) -> str | None:
    """The actor column: ACLED's name for generic state forces of a known country, else the actor's text."""
    text = _first_text(items)
    return state_force_name(text, inter, country) or text


def event_row(article_id: Any, index: int, event: dict[str, Any]) -> dict[str, Any]:
    """One event record of an output record as a row (``EVENTS_COLUMNS``, in order; None where unknown)."""
    places = [_flat(p["text"]) for p in event.get("location") or []]
    low, high = event.get("fatalities_range") or (None, None)
    evidence = event.get("evidence") or []
    row = {
        "event_date": event.get("date"),
        "event_type": event.get("event_type"),
        "sub_event_type": event.get("sub_event_type"),
        "actor1": _actor(event.get("actor1"), event.get("inter1"), event.get("country")),
        "inter1": event.get("inter1"),
        "actor2": _actor(event.get("actor2"), event.get("inter2"), event.get("country")),
        "inter2": event.get("inter2"),
        "interaction": event.get("interaction"),
        "country": event.get("country"),
        "admin1": event.get("admin1"),
        "admin2": event.get("admin2"),
        "location": event.get("geo_name") or (places[0] if places else None),
        "latitude": event.get("latitude"),
        "longitude": event.get("longitude"),
        "geo_precision": event.get("geo_precision"),
        "fatalities": event.get("fatalities"),
        "notes": " ".join(_flat(e["text"]) for e in evidence) or None,
        "article_id": article_id,
        "event_index": index,
        "event_type_score": event.get("event_type_score"),
        "sub_event_type_score": event.get("sub_event_type_score"),
        "geo_status": event.get("geo_status"),
        "iso": event.get("iso"),
        "geonameid": event.get("geonameid"),
        "place_mentions": "; ".join(places) or None,
        "fatalities_min": low,
        "fatalities_max": high,
        "evidence_offsets": ";".join(f"{e['start']}-{e['end']}" for e in evidence) or None,
    }
    return row


def event_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of every event record of ``conflict-tag`` output records, in order."""
    return [
        event_row(r.get("id"), k, e) for r in records for k, e in enumerate(r.get("events") or [], start=1)
    ]


def _plain(value: Any) -> str | None:
    return None if value is None else str(value)


class EventsCsvSink(CsvSink):
    """Event rows as CSV: plain values (no JSON quoting), empty cells for None."""

    def encode(self, records: list[dict[str, Any]]) -> bytes:
        return self._rows([[r[c] for c in self.columns] for r in records])


class EventsParquetSink(ParquetSink):
    """Event rows as Parquet with typed columns (float coordinates and scores, integer counts)."""

    def __init__(self, path: str | os.PathLike):
        import pyarrow as pa

        super().__init__(path, list(EVENTS_COLUMNS))
        kinds = {c: pa.float64() for c in FLOAT_COLUMNS} | {c: pa.int64() for c in INT_COLUMNS}
        self.schema = pa.schema([(c, kinds.get(c, pa.string())) for c in EVENTS_COLUMNS])

    def row(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            c: record[c] if c in FLOAT_COLUMNS + INT_COLUMNS else _plain(record[c]) for c in EVENTS_COLUMNS
        }


def events_format(path: Path) -> str:
    """``csv``, ``parquet`` or ``jsonl`` from the file's suffix; ValueError naming the suffixes otherwise."""
    fmt = EVENTS_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"--events-out {path}: name a {', '.join(EVENTS_FORMATS)} file (the suffix sets the format)"
        )
    return fmt


def make_events_sink(path: Path) -> JsonlSink | EventsCsvSink | EventsParquetSink:
    """The sink that writes event rows to ``path`` in the format its suffix names."""
    fmt = events_format(path)
    if fmt == "csv":
        return EventsCsvSink(path, list(EVENTS_COLUMNS))
    if fmt == "parquet":
        return EventsParquetSink(path)
    return JsonlSink(path)
