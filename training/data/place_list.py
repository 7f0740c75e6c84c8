"""The place list of ACLED notes: one CSV row per event with ACLED's place columns, for the geocoder.

``conflict-data places --out acled_places.csv`` writes it from the ``acled`` converter's train split (so that
``conflict-eval records --places`` never sees a dev event's place row); ``inference.geo.place_table`` reads it,
or any ACLED export with the same columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from training.data.canonical import Example

COLUMNS = (
    "event_id_cnty",
    "location",
    "admin2",
    "admin1",
    "country",
    "latitude",
    "longitude",
    "geo_precision",
)


def place_rows_csv(examples: Iterable[Example]) -> tuple[str, int]:
    """CSV text of the examples' place columns (``meta``), and how many rows it has; notes without a location
    or coordinates are left out."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    n = 0
    for ex in examples:
        meta = ex.meta or {}
        if meta.get("location") and meta.get("latitude") not in (None, "") and meta.get("country"):
            writer.writerow({k: meta.get(k, "") for k in COLUMNS})
            n += 1
    return out.getvalue(), n
