"""ACLED exports (current taxonomy) -> canonical examples typed with ``event_type`` / ``sub_event_type`` and the
actor categories ``inter1`` / ``inter2`` (:func:`inter_labels`).

Merges the three current-schema exports under the data root (global 2020, Kenya 2004-2019, Bangladesh 2024),
then every CSV in ``acled_extra/`` (12 exports added for the rare sub-types; file names sorted). The 2016
Africa export uses the pre-2019 taxonomy (no sub-event types) and is left out. Two header formats are read:
ACLED's standard export columns, and the "ACLED <Field>" format of the Nigeria file, whose columns are renamed
by a whitelist (:data:`PREFIXED_COLUMNS`): everything else, notably the "... TypeDesc" / "... SubTypeDesc"
columns holding ACLED's label definitions, is dropped unread. That file has no event date column ("ACLED
CreatedOn" is when the row was entered), so its date is read from the note's opening "On 15 October 2022," and
checked against "ACLED Year"; it has no country column either, so the country comes from the file name.
Text is the coder's ``notes`` with ACLED's ``[size=...]`` crowd-size bookkeeping removed: in the global export
2,074 of the 2,079 notes that carry it are Protests or Riots, so it is a label shortcut that news text never
has (other house style is rewritten at training time, if a config asks: :mod:`training.data.boilerplate`).
Records are de-duplicated across all files by ``event_id_cnty`` then by note text (whitespace- and
case-normalised), first one kept, and a dev split is carved deterministically, stratified by sub-event type,
with at least :data:`MIN_DEV_PER_TYPE` dev notes per sub-type where the data allow and at most
:data:`MAX_DEV_PER_TYPE` (see :func:`carve_acled_dev`).
"""

from __future__ import annotations

import csv
import functools
import logging
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from training.data.acled_taxonomy import EVENT_TYPES, INTER_CODES, NO_ACTOR2, is_valid_pair, parent_of
from training.data.canonical import DataError, Example
from training.data.registry import Conversion, register
from training.data.sources.acled_place_spans import place_spans
from training.data.splits import DEFAULT_DEV_FRACTION, carve_dev

log = logging.getLogger(__name__)

# (folder under the data root, file) in merge order; earlier exports win when de-duplicating.
EXPORTS: tuple[tuple[str, str], ...] = (
    ("acled_global_2020_RPanlilio", "acled.csv"),
    ("acled_kenya_2004-2019_Carol0128", "acled_data.csv"),
    ("acled_bangladesh_2024_zachessesjohnson", "acled_data.csv"),
)
LEGACY_EXPORTS = ("acled_africa_2016_AschHarwood",)
EXTRA_FOLDER = "acled_extra"

# The "ACLED <Field>" export format -> standard column names. Only these columns are read; the definition
# columns ("ACLED Event TypeDesc", "ACLED Event SubTypeDesc") and all others are dropped unread.
PREFIXED_COLUMNS: dict[str, str] = {
    "ACLED Event ID Cnty": "event_id_cnty",
    "ACLED Event Type": "event_type",
    "ACLED Event SubType": "sub_event_type",
    "ACLED Notes": "notes",
    "ACLED Fatalities": "fatalities",
    "ACLED Year": "year",
    "ACLED Actor1": "actor1",
    "ACLED Ally Actor1": "assoc_actor_1",
    "ACLED Actor2": "actor2",
    "ACLED Ally Actor2": "assoc_actor_2",
    "ACLED Inter1": "inter1",
    "ACLED Inter2": "inter2",
    "ACLED Interaction": "interaction",
    "ACLED Admin1": "admin1",
    "ACLED Admin2": "admin2",
    "ACLED Location": "location",
}
PREFIXED_ID_COLUMN = "ACLED Event ID Cnty"

DEV_SEED = 2019
MIN_DEV_PER_TYPE = 20  # enough notes to measure a sub-type's F1 ...
RARE_DEV_DIVISOR = 3  # ... but a rare type gives dev at most a third of its notes (train keeps two thirds)
MAX_DEV_PER_TYPE = 300  # common types: a macro-F1 dev set needs no more; the rest trains
REQUIRED_COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "notes", "fatalities")
# Copied into meta when the export has them and the value is not empty.
META_COLUMNS = (
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "actor1",
    "assoc_actor_1",
    "actor2",
    "assoc_actor_2",
)
DATE_FORMATS = ("%d-%b-%y", "%d-%m-%y", "%Y-%m-%d", "%d-%b-%Y", "%d %B %Y")
# A note's opening date, after an optional "Looting: " category prefix: "On 15 October 2022,".
NOTE_DATE = re.compile(
    r"^(?:[A-Z][\w /-]{2,40}: )?(?:On|Around|Between|As reported on|Overnight on|On the night of)?\s*"
    r"(\d{1,2}) ([A-Z][a-z]+),? (\d{4})\b"
)

# "[size=no report]", "[Size= 30]", and the sloppy "[size=no report" / "[size=no report}" seen in the data.
SIZE_TAG = re.compile(r"\s*\[\s*size\s*=[^\]\}\[]*(?:[\]\}]\.?|$)", re.IGNORECASE)


def strip_size_tags(notes: str) -> tuple[str, int]:
    """Remove ACLED crowd-size tags and normalise whitespace; returns (text, number of tags removed)."""
    text, n = SIZE_TAG.subn(" ", notes)
    return " ".join(text.split()), n


@functools.lru_cache(maxsize=65536)  # ~72k rows share a few thousand dates; strptime is the slow part
def parse_event_date(value: str, year: str | None) -> date:
    """Parse the exports' formats (``9-May-20``, ``31-12-19``, ISO); check against ``year`` if given."""
    value = value.strip()
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if year and year.strip().isdigit() and int(year) != parsed.year:
            raise ValueError(f"date {value!r} parses to year {parsed.year} but the year column says {year}")
        return parsed
    raise ValueError(f"unrecognised date {value!r} (expected e.g. 9-May-20, 31-12-19 or 2020-05-09)")


def date_from_note(notes: str, year: str | None) -> date:
    """The event date a note opens with ("On 15 October 2022, ..."), checked against ``year`` if given."""
    m = NOTE_DATE.match(notes.strip())
    if not m:
        raise ValueError(
            "no event date column and the note does not open with one (e.g. 'On 15 October 2022,')"
        )
    return parse_event_date(f"{int(m[1]):02d} {m[2]} {m[3]}", year)


def country_from_file_name(path: Path) -> str:
    """``central_african_republic_1997-2022.csv`` -> ``Central African Republic`` (files with no country column)."""
    words = re.split(r"_(?=\d)", path.stem, maxsplit=1)[0].split("_")
    return " ".join(w.capitalize() for w in words)


_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def _has_undecodable(value: str) -> bool:
    return _UNDECODABLE.search(value) is not None


def _inter_name(value: str) -> str | None:
    value = value.strip()
    if not value or value == "0":
        return None
    return INTER_CODES.get(value, value)


def _inter2_from_interaction(interaction: str, inter1: str | None) -> str | None:
    """inter2 read off the interaction ("37" or "Rioters-Civilians" with inter1 known; "60", "Rebel group
    only"), for exports without an inter2 column or with it empty; None when it cannot be told."""
    value = interaction.strip()
    if value.endswith(" only") or (len(value) == 2 and value.isdigit() and value[1] == "0"):
        return NO_ACTOR2
    if inter1 is None:
        return None
    if len(value) == 2 and value.isdigit():
        names = [INTER_CODES.get(d) for d in value]
    else:
        names = value.split("-", 1) if value.count("-") == 1 else []
    if len(names) != 2 or inter1 not in names or None in names:
        return None
    return names[1] if names[0] == inter1 else names[0]


def inter_labels(row: dict[str, str]) -> dict[str, list[str]]:
    """The ``inter1`` / ``inter2`` head labels of a row (ACLED category names, :data:`NO_ACTOR2` for inter2 code
    0); a head the row cannot tell is left out (unknown). Exports without inter2 (Bangladesh 2024, Mali) give it
    through ``interaction``."""
    inter1 = _inter_name(row.get("inter1") or "")
    raw2 = (row.get("inter2") or "").strip()
    inter2 = NO_ACTOR2 if raw2 == "0" else _inter_name(raw2)
    if inter2 is None:
        inter2 = _inter2_from_interaction(row.get("interaction") or "", inter1)
    return {head: [name] for head, name in (("inter1", inter1), ("inter2", inter2)) if name is not None}


def _row_to_example(
    row: dict[str, str], *, export: str, path: Path, line: int, country: str | None = None
) -> tuple[Example, int]:
    """Validate one CSV record; returns the example and the number of size tags stripped from its notes.

    A row without ``event_date`` is dated by its note; ``country`` fills in for a file with no country column.
    """

    def fail(msg: str, fld: str) -> DataError:
        return DataError(msg, file=path, line=line, field=fld)

    if _has_undecodable(
        "\x00".join(row.values())
    ):  # one scan per row; the field is looked up only when found
        name = next(name for name, value in row.items() if _has_undecodable(value))
        raise fail("undecodable bytes (file is not valid UTF-8 here)", name)
    event_id = row["event_id_cnty"].strip()
    if not event_id:
        raise fail("missing event id", "event_id_cnty")
    event_type = row["event_type"].strip()
    sub_type = row["sub_event_type"].strip()
    if event_type not in EVENT_TYPES:
        raise fail(f"unknown event_type {event_type!r} (not in the current ACLED taxonomy)", "event_type")
    try:
        parent = parent_of(sub_type)
    except KeyError:
        raise fail(
            f"unknown sub_event_type {sub_type!r} (not in the current ACLED taxonomy)", "sub_event_type"
        ) from None
    if not is_valid_pair(event_type, sub_type):
        raise fail(f"sub_event_type {sub_type!r} belongs to {parent!r}, not {event_type!r}", "sub_event_type")
    text, n_tags = strip_size_tags(row["notes"])
    if not text:
        raise fail("missing notes (the example text)", "notes")
    fatalities = row["fatalities"].strip()
    if not fatalities.isdigit():
        raise fail(f"fatalities must be a non-negative integer, got {fatalities!r}", "fatalities")
    try:
        if "event_date" in row:
            when = parse_event_date(row["event_date"], row.get("year"))
        else:
            when = date_from_note(row["notes"], row.get("year"))
    except ValueError as e:
        raise fail(str(e), "event_date" if "event_date" in row else "notes") from None

    meta: dict[str, Any] = {
        "source": "acled",
        "export": export,
        "event_id_cnty": event_id,
        "event_date": when.isoformat(),
    }
    for col in META_COLUMNS:
        value = (row.get(col) or "").strip()
        if value:
            meta[col] = value
    if country and "country" not in meta:
        meta["country"] = country
    for col in ("inter1", "inter2"):
        name = _inter_name(row.get(col) or "")
        if name:
            meta[col] = name
    meta["fatalities"] = int(fatalities)
    example = Example(
        id=f"acled-{event_id}",
        text=text,
        spans={"places": place_spans(text, meta)},
        labels={
            "event_type": [event_type],
            "sub_event_type": [sub_type],
            **inter_labels(row),
            **({"country": [meta["country"]]} if meta.get("country") else {}),
        },
        meta=meta,
    )
    return example, n_tags


def read_export(path: Path, *, export: str, rejects: list[DataError] | None) -> Iterator[tuple[Example, int]]:
    """Yield (example, size tags stripped) per valid record; bad ones raise, or go to ``rejects`` if given."""

    def bad(err: DataError) -> None:
        if rejects is None:
            raise err
        rejects.append(err)

    # surrogateescape: undecodable bytes reach the row check (a located error) instead of killing the file.
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            raise DataError("empty file (no header)", file=path, line=1) from None
        country = None
        if PREFIXED_ID_COLUMN in header:  # the "ACLED <Field>" format: whitelisted columns only, renamed
            header = [PREFIXED_COLUMNS.get(h, "") for h in header]
            required = [c for c in REQUIRED_COLUMNS if c != "event_date"]
            country = country_from_file_name(path)
        else:
            required = list(REQUIRED_COLUMNS)
        missing = [c for c in required if c not in header]
        if missing:
            raise DataError(
                f"missing column(s) {missing}; header has {header}", file=path, line=1, field=missing[0]
            )
        start = reader.line_num + 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                bad(DataError(f"unreadable CSV ({e}); rest of file skipped", file=path, line=start))
                return
            line, start = start, reader.line_num + 1
            if not record or record == [""]:
                continue
            if len(record) != len(header):
                bad(DataError(f"expected {len(header)} fields, got {len(record)}", file=path, line=line))
                continue
            try:
                row = {name: value for name, value in zip(header, record, strict=True) if name}
                yield _row_to_example(row, export=export, path=path, line=line, country=country)
            except DataError as err:
                bad(err)


def dev_notes_for(n: int) -> int:
    """Dev notes for a sub-type with n notes: 15%, at least 20 (at most a third of n), at most 300."""
    n_dev = max(round(n * DEFAULT_DEV_FRACTION), min(MIN_DEV_PER_TYPE, n // RARE_DEV_DIVISOR))
    return min(n_dev, MAX_DEV_PER_TYPE)


def _cluster_key(ex: Example) -> str:
    # Template notes (one per village of the same operation, same day, same actors) go to the same side.
    m = ex.meta
    return "|".join(str(m.get(k, "")) for k in ("country", "event_date", "actor1", "actor2"))


def carve_acled_dev(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(train, dev): stratified by sub-event type with :func:`dev_notes_for` per type; same-day clusters kept together."""
    return carve_dev(
        examples,
        seed=DEV_SEED,
        stratify=lambda e: e.labels["sub_event_type"][0],
        dev_size=dev_notes_for,
        cluster=_cluster_key,
    )


def export_files(root: Path) -> list[tuple[Path, str]]:
    """(path, export name) of every file to merge, in merge order: the current exports, then acled_extra."""
    out = []
    for folder, name in EXPORTS:
        path = root / folder / name
        if not path.is_file():
            raise FileNotFoundError(f"ACLED export {path} not found (expected under the data root {root})")
        out.append((path, folder))
    extra = root / EXTRA_FOLDER
    files = sorted(extra.glob("*.csv")) if extra.is_dir() else []
    if not files:
        raise FileNotFoundError(f"no ACLED exports (*.csv) in {extra} (expected under the data root {root})")
    out.extend((path, f"{EXTRA_FOLDER}/{path.stem}") for path in files)
    return out


@register(
    "acled",
    folder=".",
    heads=("event_type", "sub_event_type", "inter1", "inter2", "country", "places"),
    description="ACLED coder notes typed with the current ACLED taxonomy (event_type 6, "
    "sub_event_type 25) and actor categories (inter1, inter2: 8 ACLED categories, inter2 also "
    "'No actor2'; inter2 read off `interaction` where an export has no inter2 column), the row's country "
    "(country: ACLED's country name) and the event's place "
    "where the note names it (places: Location spans of the row's location/admin2/admin1): global 2020 + Kenya 2004-2019 + Bangladesh 2024 exports and the 12 "
    "acled_extra exports merged, de-duplicated by event id and note text, [size=...] tags "
    "stripped; dev carved (seed 2019, stratified by sub_event_type, 15% per type but at least "
    "20 where a third of the type allows, at most 300). The 2016 Africa export is excluded: "
    "pre-2019 taxonomy, no sub-event types.",
)
def convert_acled(root: Path, *, skip_bad: bool) -> Conversion:
    """Merge, validate and de-duplicate the current-schema ACLED exports, then carve dev."""
    rejects: list[DataError] = []
    examples: list[Example] = []
    seen_ids: set[str] = set()
    seen_notes: dict[str, str] = {}
    rows_read: dict[str, int] = {}
    kept_per_export: Counter = Counter()
    dropped = Counter()
    size_tags = 0
    for path, export in export_files(root):
        n_rows = 0
        for ex, n_tags in read_export(path, export=export, rejects=rejects if skip_bad else None):
            n_rows += 1
            event_id = ex.meta["event_id_cnty"]
            note_key = ex.text.casefold()
            if event_id in seen_ids:
                dropped["event_id"] += 1
                continue
            if note_key in seen_notes:
                dropped["note_text"] += 1
                if seen_notes[note_key] != ex.labels["sub_event_type"][0]:
                    dropped["note_text_with_other_label"] += 1
                continue
            seen_ids.add(event_id)
            seen_notes[note_key] = ex.labels["sub_event_type"][0]
            size_tags += n_tags
            kept_per_export[export] += 1
            examples.append(ex)
        rows_read[export] = n_rows
    train, dev = carve_acled_dev(examples)
    meta = {
        "valid_rows_per_export": rows_read,
        "kept_per_export": dict(kept_per_export),
        "excluded_exports": {f: "pre-2019 ACLED taxonomy (no sub_event_type)" for f in LEGACY_EXPORTS},
        "duplicates_dropped": {
            k: dropped[k] for k in ("event_id", "note_text", "note_text_with_other_label")
        },
        "size_tags_stripped": size_tags,
        "dev": {
            "seed": DEV_SEED,
            "stratified_by": "sub_event_type",
            "per_type": f"max(round(n*{DEFAULT_DEV_FRACTION}), min({MIN_DEV_PER_TYPE}, n/3)), "
            f"at most {MAX_DEV_PER_TYPE}",
            "clustered_by": "country, event_date, actor1, actor2",
        },
        "rejected": len(rejects),
    }
    log.info(
        "acled: %d valid rows, %d kept (%d train / %d dev), dropped %s, %d rejected",
        sum(rows_read.values()),
        len(examples),
        len(train),
        len(dev),
        meta["duplicates_dropped"],
        len(rejects),
    )
    return Conversion(splits={"train": train, "dev": dev}, rejects=rejects, meta=meta)
