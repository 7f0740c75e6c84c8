"""``conflict-eval geocoder``: the geocoder alone, given ACLED's gold place names (no model).

    conflict-eval geocoder --root ../shared/data [--split dev] [--limit N] [--out metrics.json]

For each ACLED note of the ``acled`` converter's split, the row's ``location`` string is resolved with
``inference.events.geocoding.geocode_places`` (level unknown), the note's capitalised phrases standing in for the
article's other place names, and the result is scored as ``conflict-eval records`` scores a record's geo fields
(``geo_scores``). This measures the place resolution, not the tagger: an upper bound for records.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from training.evaluation.command import CommandError
from training.evaluation.geo_scores import geo_scores

# Capitalised phrases ("Kafr Nabudah", "Hama", "Al-Shabaab") of a note: candidate place names for context.
CAPITALISED = re.compile(r"\b[A-Z][\w'`-]+(?:\s+(?:(?:al|el|de|of|the)\s+)?[A-Z][\w'`-]+)*")
KEYS = ("within_10km", "within_50km", "country_match", "admin1_match")


def note_context(notes: str) -> list[str]:
    """Capitalised phrases of a note, in order, each once."""
    return list(dict.fromkeys(m.group(0) for m in CAPITALISED.finditer(notes)))


def evaluate_geocoder(examples: list, gazetteer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Summary (rates and counts) and per-note details of the geocoder on the notes' gold place names."""
    from inference.events.geocoding import geocode_places

    details = []
    for ex in examples:
        meta = ex.meta or {}
        if not meta.get("location"):
            continue
        geo = geocode_places([(meta["location"], None)], note_context(ex.text), gazetteer)
        details.append({"id": ex.id, "gold": {k: meta.get(k) for k in ("location", "country", "admin1",
                        "latitude", "longitude")}, "geo": geo, "matches": geo_scores(geo, meta)})  # fmt: skip

    def scored(key: str) -> list[bool]:
        return [d["matches"][key] for d in details if d["matches"][key] is not None]

    def rate(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    metrics = {
        "geo_within_10km": rate(scored("within_10km")),
        "geo_within_50km": rate(scored("within_50km")),
        "country_accuracy": rate(scored("country_match")),
        "admin1_accuracy": rate(scored("admin1_match")),
        "no_coordinates_rate": rate([not d["matches"]["has_coordinates"] for d in details]),
    }
    counts = {
        "notes": len(details),
        "with_coordinates": len(scored("within_50km")),
        "with_country": len(scored("country_match")),
        "with_admin1": len(scored("admin1_match")),
    }
    return {"metrics": metrics, "counts": counts}, details


def run_geocoder(args) -> int:
    from inference.geo.gazetteer import Gazetteer
    from inference.geo.place_table import PlaceTableError
    from inference.geo.sources import SourceError
    from training.evaluation.records_command import acled_notes

    if args.limit is not None and args.limit < 1:
        raise CommandError("--limit must be at least 1")
    try:
        gazetteer = Gazetteer.open(places=getattr(args, "places", None))
    except (SourceError, PlaceTableError) as e:
        raise CommandError(str(e)) from e
    notes, _ = acled_notes(args.root, args.split)
    notes = notes[: args.limit] if args.limit else notes
    t0 = time.perf_counter()
    summary, details = evaluate_geocoder(notes, gazetteer)
    if gazetteer.places is not None:
        summary["places"] = {"file": gazetteer.places.source, "sha256": gazetteer.places.sha256,
                             "places": len(gazetteer.places)}  # fmt: skip
    print(f"{summary['counts']['notes']} notes from acled:{args.split} ({args.root}), geocoder given gold place "
          f"names ({time.perf_counter() - t0:.1f} s)"
          + (f", place list {gazetteer.places.source}" if gazetteer.places is not None else ""))  # fmt: skip
    for name, value in summary["metrics"].items():
        print(f"{name.ljust(20)}  {'-' if value is None else f'{value:.3f}'}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    if args.details:
        with open(args.details, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n" for d in details)
    return 0
