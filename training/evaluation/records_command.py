"""``conflict-eval records``: score the event records a model builds against ACLED's own rows.
(``conflict-eval heads``, span and label metrics of every head on any labelled data: training/evaluation/heads_command.py.)

    conflict-eval records --model DIR --root ../shared/data [--limit N] [--out metrics.json]
    conflict-eval records --model DIR --data notes.jsonl      # canonical ACLED-like JSONL instead

Each ACLED coder note (dev split of the ``acled`` converter, bad source rows skipped) is tagged as one article
dated ``meta.event_date``; its event records are built and the best one (highest event_type score; the first on
a tie) is compared with the row:

- ``event_type_accuracy`` / ``sub_event_type_accuracy``: over ALL notes (a note with no record counts as wrong);
  ``*_given_record``: over the notes with a record;
- over the notes with a record (and the gold field present):
  ``fatalities_exact`` / ``fatalities_within_1`` (a record without a count says 0, ACLED's code for none
  reported), ``date_match`` (record date == event_date), ``location_match`` (a record location and the row's
  location, admin2 or admin1 contain one another as whole words, case-insensitive, hyphens as spaces, a leading
  "the" ignored, the contained name at least 3 characters), ``actor1_match`` (a record
  actor1 and the row's actor1, parenthesised parts like "(Kenya)" removed, share a content word);
- ``no_record_rate``: the share of notes with no record;
- geo (``geo_scores``), over the notes with a record and the gold field: ``geo_within_10km`` /
  ``geo_within_50km`` (the record's coordinates within that distance of the row's; none = a miss),
  ``country_accuracy``, ``admin1_accuracy``, and ``no_coordinates_rate`` (records left without coordinates);
- actor categories, over the notes with a record, a gold value and a predicted one (a model without the
  ``inter1`` / ``inter2`` heads predicts none: the rates are then null): ``inter1_accuracy``, ``inter2_accuracy``
  (gold from the note's ``inter1`` / ``inter2`` labels, else its meta) and ``interaction_accuracy`` (the
  record's code against the code of the gold pair).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.events.actor_types import interaction_code
from training.data.canonical import DataError, Example, load_examples
from training.evaluation.command import CommandError, load_data_and_tagger
from training.evaluation.geo_scores import geo_scores

logger = logging.getLogger("conflict-eval")

STOPWORDS = frozenset(
    """
a an the of in on at to by for from with and or as unidentified unknown armed group groups forces force
""".split()
)
METRICS = (  # name, denominator
    ("event_type_accuracy", "notes"),
    ("sub_event_type_accuracy", "notes"),
    ("no_record_rate", "notes"),
    ("event_type_accuracy_given_record", "with_record"),
    ("sub_event_type_accuracy_given_record", "with_record"),
    ("fatalities_exact", "with_record"),
    ("fatalities_within_1", "with_record"),
    ("date_match", "with_record"),
    ("location_match", "with_location"),
    ("actor1_match", "with_actor1"),
    ("geo_within_10km", "with_coordinates"),
    ("geo_within_50km", "with_coordinates"),
    ("country_accuracy", "with_country"),
    ("admin1_accuracy", "with_admin1"),
    ("no_coordinates_rate", "with_record"),
    ("inter1_accuracy", "with_inter1"),
    ("inter2_accuracy", "with_inter2"),
    ("interaction_accuracy", "with_interaction"),
)
ACTOR_TYPE_KEYS = ("inter1", "inter2", "interaction")
GEO_KEYS = ("within_10km", "within_50km", "country_match", "admin1_match", "has_coordinates")


# ---- comparisons ---------------------------------------------------------------------------------------------
def _norm(text: str) -> str:
    """Case-folded words joined by single spaces, punctuation and hyphens as spaces, a leading "the" dropped."""
    return re.sub(r"^the ", "", " ".join(re.sub(r"[^\w\s']|_", " ", text.casefold()).split()))


def _contains_words(outer: str, inner: str) -> bool:
    return len(inner) >= 3 and re.search(rf"(?<!\w){re.escape(inner)}(?!\w)", outer) is not None


def location_matches(predicted: Iterable[str], gold: Iterable[str | None]) -> bool:
    """Does a predicted place contain, or lie within, a gold place name (whole words, case-insensitive)?"""
    golds = [_norm(g) for g in gold if g]
    for p in (_norm(x) for x in predicted):
        if p and any(_contains_words(g, p) or _contains_words(p, g) for g in golds):
            return True
    return False


def actor_words(name: str) -> set[str]:
    """Content words of an actor name, parenthesised parts ("(Kenya)", "(2016-)") removed."""
    stripped = re.sub(r"\([^()]*\)", " ", name)
    return {w for w in re.findall(r"[^\W\d_]+", stripped.casefold()) if len(w) > 2 and w not in STOPWORDS}


# ACLED's names for unnamed crowds ("Protesters (India)", "Rioters (Brazil)"): notes call them by what they are
CROWD_WORDS = frozenset(
    """protesters protestors demonstrators protesting demonstrating rioters mob crowd residents people
    supporters students workers""".split()
)


def actor_matches(predicted: Iterable[str], gold: str | None) -> bool:
    """Does a predicted actor share a content word with the gold actor name? ACLED's crowd categories
    ("Protesters (X)", "Rioters (X)") match a predicted actor named by a crowd word."""
    target = actor_words(gold or "")
    if target & {"protesters", "rioters"}:
        target = target | CROWD_WORDS
    return bool(target) and any(actor_words(p) & target for p in predicted)


def best_record(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The record with the highest event_type score (the first on a tie); None when there is none."""
    best = None
    for event in events:
        if best is None or event["event_type_score"] > best["event_type_score"]:
            best = event
    return best


# ---- scoring -------------------------------------------------------------------------------------------------
@dataclass
class NoteScore:
    """One note compared with its row; ``None`` fields were not scored (no record, or no gold value)."""

    id: str
    has_record: bool
    event_type: bool
    sub_event_type: bool
    fatalities_exact: bool | None = None
    fatalities_within_1: bool | None = None
    date_match: bool | None = None
    location_match: bool | None = None
    actor1_match: bool | None = None
    geo: dict[str, bool | None] = field(default_factory=dict)  # geo_scores: within_10km, ..., has_coordinates
    actor_types: dict[str, bool | None] = field(default_factory=dict)  # ACTOR_TYPE_KEYS -> match
    detail: dict[str, Any] = field(default_factory=dict)


def _first(labels: dict[str, list[str]], head: str) -> str | None:
    values = labels.get(head) or []
    return values[0] if values else None


def gold_actor_types(example: Example) -> dict[str, Any]:
    """The note's inter1 / inter2 (labels first, then meta) and the interaction code of the pair."""
    meta = example.meta or {}
    inter1 = _first(example.labels, "inter1") or meta.get("inter1")
    inter2 = _first(example.labels, "inter2") or meta.get("inter2")
    return {"inter1": inter1, "inter2": inter2, "interaction": interaction_code(inter1, inter2)}


def actor_type_scores(record: dict[str, Any], gold: dict[str, Any]) -> dict[str, bool | None]:
    """Per key of ACTOR_TYPE_KEYS: does the record's value equal the gold one? None without either."""
    return {
        k: None if gold[k] is None or record.get(k) is None else record[k] == gold[k] for k in ACTOR_TYPE_KEYS
    }


def score_note(example: Example, events: list[dict[str, Any]]) -> NoteScore:
    """Compare the best record of one note with its ACLED row (labels and meta)."""
    meta = example.meta or {}
    gold_type, gold_sub = _first(example.labels, "event_type"), _first(example.labels, "sub_event_type")
    record = best_record(events)
    detail: dict[str, Any] = {
        "id": example.id,
        "gold": {
            "event_type": gold_type,
            "sub_event_type": gold_sub,
            "date": meta.get("event_date"),
            "fatalities": meta.get("fatalities"),
            "location": [meta.get(k) for k in ("location", "admin2", "admin1")],
            "actor1": meta.get("actor1"),
            **gold_actor_types(example),
        },
        "records": len(events),
    }
    if record is None:
        return NoteScore(example.id, False, False, False, detail=detail)
    detail["predicted"] = {k: record.get(k) for k in ("event_type", "sub_event_type", "date", "fatalities")}
    detail["predicted"]["location"] = [p["text"] for p in record.get("location", [])]
    detail["predicted"]["actor1"] = [a["text"] for a in record.get("actor1", [])]
    detail["predicted"].update({k: record.get(k) for k in ACTOR_TYPE_KEYS})
    out = NoteScore(
        example.id,
        True,
        record["event_type"] == gold_type,
        gold_sub is not None and record.get("sub_event_type") == gold_sub,
        detail=detail,
    )
    gold_dead = meta.get("fatalities")
    if isinstance(gold_dead, int) and not isinstance(gold_dead, bool):
        predicted = record.get("fatalities") or 0
        out.fatalities_exact = predicted == gold_dead
        out.fatalities_within_1 = abs(predicted - gold_dead) <= 1
    if meta.get("event_date"):
        out.date_match = record.get("date") == meta["event_date"]
    places = [meta.get(k) for k in ("location", "admin2", "admin1") if meta.get(k)]
    if places:
        out.location_match = location_matches(detail["predicted"]["location"], places)
    if actor_words(meta.get("actor1") or ""):
        out.actor1_match = actor_matches(detail["predicted"]["actor1"], meta.get("actor1"))
    out.geo = geo_scores(record, meta)
    out.actor_types = actor_type_scores(record, detail["gold"])
    detail["predicted_geo"] = {
        k: record.get(k) for k in ("geo_status", "geo_name", "country", "admin1", "latitude", "longitude")
    }
    return out


def summarize(scores: list[NoteScore]) -> dict[str, Any]:
    """Rates and their denominators (see the module docstring)."""
    with_record = [s for s in scores if s.has_record]

    def rate(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    def scored(name: str) -> list[bool]:
        return [getattr(s, name) for s in with_record if getattr(s, name) is not None]

    def geo(name: str) -> list[bool]:
        return [s.geo[name] for s in with_record if s.geo.get(name) is not None]

    def typed(name: str) -> list[bool]:
        return [s.actor_types[name] for s in with_record if s.actor_types.get(name) is not None]

    counts = {
        "notes": len(scores),
        "with_record": len(with_record),
        "with_location": len(scored("location_match")),
        "with_actor1": len(scored("actor1_match")),
        "with_fatalities": len(scored("fatalities_exact")),
        "with_date": len(scored("date_match")),
        "with_coordinates": len(geo("within_50km")),
        "with_country": len(geo("country_match")),
        "with_admin1": len(geo("admin1_match")),
        **{f"with_{k}": len(typed(k)) for k in ACTOR_TYPE_KEYS},
    }
    metrics = {
        "event_type_accuracy": rate([s.event_type for s in scores]),
        "sub_event_type_accuracy": rate([s.sub_event_type for s in scores]),
        "no_record_rate": rate([not s.has_record for s in scores]),
        "event_type_accuracy_given_record": rate([s.event_type for s in with_record]),
        "sub_event_type_accuracy_given_record": rate([s.sub_event_type for s in with_record]),
        "fatalities_exact": rate(scored("fatalities_exact")),
        "fatalities_within_1": rate(scored("fatalities_within_1")),
        "date_match": rate(scored("date_match")),
        "location_match": rate(scored("location_match")),
        "actor1_match": rate(scored("actor1_match")),
        "geo_within_10km": rate(geo("within_10km")),
        "geo_within_50km": rate(geo("within_50km")),
        "country_accuracy": rate(geo("country_match")),
        "admin1_accuracy": rate(geo("admin1_match")),
        "no_coordinates_rate": rate([not s.geo["has_coordinates"] for s in with_record if s.geo]),
        **{f"{k}_accuracy": rate(typed(k)) for k in ACTOR_TYPE_KEYS},
    }
    return {"metrics": metrics, "counts": counts}


def evaluate_records(
    tagger, examples: list[Example], *, batch_size: int = 32
) -> tuple[dict[str, Any], list[NoteScore]]:
    """Tag every note (dated by ``meta.event_date``), score its best record; returns (summary, per-note scores)."""
    articles = [{"id": e.id, "text": e.text, "date": (e.meta or {}).get("event_date")} for e in examples]
    scores = [
        score_note(example, result.events)
        for example, result in zip(examples, tagger.iter_tag(articles, batch_size))
    ]
    return summarize(scores), scores


# ---- data and CLI --------------------------------------------------------------------------------------------
def acled_notes(root: str | Path, split: str = "dev") -> tuple[list[Example], int]:
    """The ``acled`` converter's ``split`` from the raw exports under ``root`` (bad rows skipped), and how many
    rows were rejected."""
    from training.data.registry import get_converter

    conversion = get_converter("acled")(root, skip_bad=True)
    if split not in conversion.splits:
        raise DataError(
            f"the acled converter has no '{split}' split (it has {sorted(conversion.splits)})", file=str(root)
        )
    return conversion.splits[split], len(conversion.rejects)


def format_table(summary: dict[str, Any]) -> str:
    """The metrics as an aligned text table with each rate's denominator."""
    counts = summary["counts"]
    rows = [
        (
            name,
            "-" if summary["metrics"][name] is None else f"{summary['metrics'][name]:.3f}",
            str(counts[denominator]),
        )
        for name, denominator in METRICS
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'metric'.ljust(width)}  value  n", f"{'-' * width}  -----  -----"]
    lines += [f"{name.ljust(width)}  {value.rjust(5)}  {n}" for name, value, n in rows]
    return "\n".join(lines)


def _load_notes(args) -> tuple[list[Example], str]:
    if args.data:
        return load_examples(args.data), str(args.data)
    notes, rejected = acled_notes(args.root, args.split)
    logger.info("acled %s: %d notes (%d bad source rows skipped)", args.split, len(notes), rejected)
    return notes, f"acled:{args.split} ({args.root})"


def _iter_detail_lines(scores: list[NoteScore]) -> Iterator[str]:
    for s in scores:
        matches = {
            k: getattr(s, k)
            for k in (
                "event_type",
                "sub_event_type",
                "fatalities_exact",
                "fatalities_within_1",
                "date_match",
                "location_match",
                "actor1_match",
            )
        }
        matches.update({k: s.geo.get(k) for k in GEO_KEYS if s.geo})
        matches.update({k: s.actor_types.get(k) for k in ACTOR_TYPE_KEYS if s.actor_types})
        yield json.dumps({**s.detail, "matches": matches}, ensure_ascii=False, sort_keys=True) + "\n"


def _use_places(path: str | None) -> dict[str, Any] | None:
    """Geocode with the place list ``path`` beside GeoNames; what the summary records of it."""
    if not path:
        return None
    from inference.geo.gazetteer import default_gazetteer, use_places
    from inference.geo.place_table import PlaceTableError
    from inference.geo.sources import SourceError

    try:
        use_places(path)
    except (PlaceTableError, SourceError) as e:
        raise CommandError(str(e)) from None
    table = default_gazetteer().places
    return {"file": table.source, "sha256": table.sha256, "places": len(table)}


def run_records(args) -> int:
    if args.limit is not None and args.limit < 1:
        raise CommandError("--limit must be at least 1")
    places = _use_places(getattr(args, "places", None))
    notes, source, tagger = load_data_and_tagger(_load_notes, args)
    notes = notes[: args.limit] if args.limit else notes
    t0 = time.perf_counter()
    summary, scores = evaluate_records(tagger, notes, batch_size=args.batch_size)
    elapsed = time.perf_counter() - t0
    summary = {
        "data": source,
        "model": tagger.model_info,
        **({"places": places} if places else {}),
        **summary,
    }
    print(f"{len(notes)} notes from {source}, model {args.model} ({elapsed:.1f} s)")
    print(format_table(summary))
    if args.out:
        from training.evaluation.reporting import write_json  # imports transformers: not at start-up (--help)

        write_json(Path(args.out), summary)
    if args.details:
        Path(args.details).parent.mkdir(parents=True, exist_ok=True)
        with open(args.details, "w", encoding="utf-8") as f:
            f.writelines(_iter_detail_lines(scores))
    return 0
