"""``conflict-eval geocoder``: the geocoder alone, given ACLED's gold place names (no model).

    conflict-eval geocoder --root ../shared/data [--split dev] [--limit N] [--out metrics.json]
        [--places acled_places.csv | --unseen-countries]

For each ACLED note of the ``acled`` converter's split, the row's ``location`` string is resolved with
``inference.events.geocoding.geocode_places`` (level unknown), the note's capitalised phrases standing in for the
article's other place names, and the result is scored as ``conflict-eval records`` scores a record's geo fields
(``geo_scores``). This measures the place resolution, not the tagger: an upper bound for records.
``--unseen-countries`` gives the geocoder the train split's place list without the note's own country (a user with
no ACLED rows of that country): what the list is worth beyond the countries it covers.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import defaultdict
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


def _resolve(examples: list, gazetteer) -> list[dict[str, Any]]:
    """Per-note details: the gold place, the geo fields of its resolved ``location`` and how they score."""
    from inference.events.geocoding import geocode_places

    details = []
    for ex in examples:
        meta = ex.meta or {}
        if not meta.get("location"):
            continue
        geo = geocode_places([(meta["location"], None)], note_context(ex.text), gazetteer)
        details.append({"id": ex.id, "gold": {k: meta.get(k) for k in ("location", "country", "admin1",
                        "latitude", "longitude")}, "geo": geo, "matches": geo_scores(geo, meta)})  # fmt: skip
    return details


def _summary(details: list[dict[str, Any]]) -> dict[str, Any]:
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
    return {"metrics": metrics, "counts": counts}


def evaluate_geocoder(examples: list, gazetteer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Summary (rates and counts) and per-note details of the geocoder on the notes' gold place names."""
    details = _resolve(examples, gazetteer)
    return _summary(details), details


def evaluate_unseen_countries(
    examples: list, list_examples: list, index: Path | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """As ``evaluate_geocoder``, each country's notes resolved with the place list of ``list_examples`` (ACLED
    notes) less that country's rows; details in the order of ``examples``."""
    from inference.geo.gazetteer import Gazetteer
    from training.data.place_list import place_rows_csv

    by_country: dict[str, list] = defaultdict(list)
    for ex in examples:
        by_country[str((ex.meta or {}).get("country") or "")].append(ex)
    details: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="places-") as tmp:
        for country, notes in by_country.items():
            text, _ = place_rows_csv(e for e in list_examples if (e.meta or {}).get("country") != country)
            path = Path(tmp) / "places.csv"
            path.write_text(text, encoding="utf-8")
            details.update((d["id"], d) for d in _resolve(notes, Gazetteer.open(index, places=path)))
    ordered = [details[ex.id] for ex in examples if ex.id in details]
    return _summary(ordered), ordered


def run_geocoder(args) -> int:
    from inference.geo.gazetteer import Gazetteer
    from inference.geo.place_table import PlaceTableError
    from inference.geo.sources import SourceError
    from training.evaluation.records_command import acled_notes

    if args.limit is not None and args.limit < 1:
        raise CommandError("--limit must be at least 1")
    unseen = getattr(args, "unseen_countries", False)
    if unseen and getattr(args, "places", None):
        raise CommandError(
            "--unseen-countries builds its own place lists from the train split: drop --places"
        )
    if unseen and args.split == "train":
        raise CommandError(
            "--unseen-countries scores a split against the train split's places: pick another split"
        )
    try:
        gazetteer = Gazetteer.open(places=getattr(args, "places", None))
    except (SourceError, PlaceTableError) as e:
        raise CommandError(str(e)) from e
    notes, _ = acled_notes(args.root, args.split)
    notes = notes[: args.limit] if args.limit else notes
    t0 = time.perf_counter()
    if unseen:
        summary, details = evaluate_unseen_countries(notes, acled_notes(args.root, "train")[0])
        summary["places"] = {"file": "acled:train less each note's country", "unseen_countries": True}
    else:
        summary, details = evaluate_geocoder(notes, gazetteer)
    if gazetteer.places is not None:
        summary["places"] = {"file": gazetteer.places.source, "sha256": gazetteer.places.sha256,
                             "places": len(gazetteer.places)}  # fmt: skip
    print(f"{summary['counts']['notes']} notes from acled:{args.split} ({args.root}), geocoder given gold place "
          f"names ({time.perf_counter() - t0:.1f} s)"
          + (f", place list {gazetteer.places.source}" if gazetteer.places is not None else "")
          + (", place list of acled:train without the note's country" if unseen else ""))  # fmt: skip
    for name, value in summary["metrics"].items():
        print(f"{name.ljust(20)}  {'-' if value is None else f'{value:.3f}'}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    if args.details:
        with open(args.details, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n" for d in details)
    return 0
