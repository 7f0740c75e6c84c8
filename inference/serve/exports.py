"""The page's downloads: labels as ``conflict-tag`` JSONL records, event records as a flat CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from inference.batch.output_record import output_record
from inference.batch.writers import json_line
from inference.model.configuration import HeadSpec
from inference.results import ArticleResult, rounded_event

EVENT_COLUMNS = (
    "article_id",
    "event",
    "event_type",
    "event_type_score",
    "sub_event_type",
    "sub_event_type_score",
    "date",
    "date_mention",
    "actor1",
    "inter1",
    "actor2",
    "inter2",
    "interaction",
    "location",
    "geo_status",
    "country",
    "admin1",
    "admin2",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "fatalities_min",
    "fatalities_max",
    "evidence",
)
GEO_COLUMNS = ("geo_status", "country", "admin1", "admin2", "latitude", "longitude", "geo_precision")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so as a formula


def labels_jsonl(results: list[ArticleResult], heads: list[HeadSpec]) -> bytes:
    """One ``conflict-tag`` output record per article (same keys, same rounding)."""
    return b"".join(json_line(output_record(r, heads)) for r in results)


def _text_cell(text: Any) -> str:
    """Article text for a CSV cell a spreadsheet shows as text: one line, and never read as a formula."""
    out = " ".join(str(text).split())
    return "'" + out if out.startswith(FORMULA_STARTS) else out


def _mentions(items: list[dict[str, Any]] | None) -> str:
    return _text_cell("; ".join(" ".join(str(x.get("text", "")).split()) for x in items or []))


def event_rows(results: list[ArticleResult]) -> list[dict[str, Any]]:
    """One row per event record: its article, number, fields; mentions joined with ``; ``."""
    rows = []
    for r in results:
        for n, e in enumerate(r.events or [], 1):
            e = rounded_event(e, 4)
            low, high = e.get("fatalities_range") or (None, None)
            rows.append(
                {
                    "article_id": _text_cell(r.id or ""),
                    "event": n,
                    "event_type": e.get("event_type"),
                    "event_type_score": e.get("event_type_score"),
                    "sub_event_type": e.get("sub_event_type"),
                    "sub_event_type_score": e.get("sub_event_type_score"),
                    "date": e.get("date"),
                    "date_mention": _text_cell(e.get("date_mention") or ""),
                    "actor1": _mentions(e.get("actor1")),
                    "inter1": e.get("inter1"),
                    "actor2": _mentions(e.get("actor2")),
                    "inter2": e.get("inter2"),
                    "interaction": e.get("interaction"),
                    "location": _mentions(e.get("location")),
                    **{k: e.get(k) for k in GEO_COLUMNS},
                    "fatalities": e.get("fatalities"),
                    "fatalities_min": low,
                    "fatalities_max": high,
                    "evidence": _text_cell(
                        " | ".join(str(x.get("text", "")) for x in e.get("evidence") or [])
                    ),
                }
            )
    return rows


def events_csv(results: list[ArticleResult]) -> bytes:
    """The event records of all articles as CSV (UTF-8, header row)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EVENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(event_rows(results))
    return buf.getvalue().encode("utf-8")
