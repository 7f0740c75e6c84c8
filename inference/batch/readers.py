"""Articles from JSONL, CSV, Parquet and ``.txt`` files (or folders of them, optionally gzipped), streamed.

Readers are generators that never hold a whole file: JSONL and CSV go line by line, Parquet by record batches,
a ``.txt`` file is one article. Every record carries its location (``file:line`` for JSONL and CSV, ``file:row N``
for Parquet with N counted from 0, ``file`` for text files); a record that cannot be tagged comes out with an
``error`` saying why, so the caller can report it and go on.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import logging
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.text.normalize import parse_date_prefix

logger = logging.getLogger(__name__)

KINDS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "txt",
}
PARQUET_BATCH_ROWS = 512


class InputError(ValueError):
    """An input that cannot be read at all (missing path, unsupported type, missing column); names the fix."""


@dataclass(frozen=True)
class Fields:
    """Which field (JSON key, CSV column, Parquet column) holds the id, the text and the date."""

    id: str = "id"
    text: str = "text"
    date: str = "date"


@dataclass(frozen=True)
class InputFile:
    path: Path
    kind: str  # jsonl | csv | parquet | txt
    gzipped: bool
    name: str  # a text file's article id: its path relative to the folder it was found in


@dataclass(frozen=True)
class InputRecord:
    """One article read from an input, or (``error`` set) the reason it cannot be tagged."""

    location: str
    id: str | None
    text: str | None
    date: str | None
    error: str | None = None


def file_kind(path: Path) -> tuple[str, bool] | None:
    """``(kind, gzipped)`` from a file name, or None for a type we do not read."""
    name = path.name.lower()
    gzipped = name.endswith(".gz")
    stem = Path(name[:-3] if gzipped else name)
    kind = KINDS.get(stem.suffix)
    if kind is None or (kind == "parquet" and gzipped):
        return (
            None  # gzipped Parquet cannot be read without decompressing it whole: Parquet compresses itself
        )
    return kind, gzipped


def discover_inputs(
    paths: Iterable[str | os.PathLike], exclude: Iterable[str | os.PathLike] = ()
) -> list[InputFile]:
    """Expand files and folders (recursively, in name order, hidden files skipped) into the files to read.

    Files found in folders that are (or lie under) an ``exclude`` path are left out: a run's own output and
    sidecar files when it writes inside an input folder. Other files of types we do not read are left out too,
    and one warning line counts them by suffix.
    """
    files: list[InputFile] = []
    seen: set[Path] = set()
    excluded = [Path(p).resolve() for p in exclude]
    skipped: dict[str, int] = {}
    wanted = "'.jsonl', '.csv', '.parquet' or '.txt' (the first, second and last optionally gzipped, '.gz')"
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"input {path} does not exist")
        if path.is_dir():
            found = []
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for n in sorted(names):
                    p = Path(root) / n
                    if n.startswith(".") or _is_excluded(p, excluded):
                        continue
                    if file_kind(p) is None:
                        suffixes = Path(n.lower()).suffixes
                        suffix = "".join(suffixes[-2:] if suffixes[-1:] == [".gz"] else suffixes[-1:])
                        suffix = suffix or "no suffix"
                        skipped[suffix] = skipped.get(suffix, 0) + 1
                        continue
                    found.append((p.relative_to(path).as_posix(), p))
            if not found:
                raise InputError(f"folder {path} holds no input files: expected {wanted}")
            candidates = [(p, rel) for rel, p in sorted(found)]
        else:
            if file_kind(path) is None:
                raise InputError(f"input {path}: unsupported file type; expected {wanted}")
            candidates = [(path, path.name)]
        for p, name in candidates:
            key = p.resolve()
            if key in seen:
                logger.warning("input %s given more than once: read once", p)
                continue
            seen.add(key)
            kind, gzipped = file_kind(p)
            files.append(InputFile(p, kind, gzipped, name))
    if skipped:
        counts = ", ".join(
            f"{suffix} ({n})" for suffix, n in sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        logger.warning(
            "skipped %d files in the input folders that are not a type we read: %s; read are %s "
            "(a .json file of one array: convert it to JSONL, one object a line; .tsv: to CSV)",
            sum(skipped.values()),
            counts,
            wanted,
        )
    return files


def _is_excluded(path: Path, excluded: list[Path]) -> bool:
    if not excluded:
        return False
    p = path.resolve()
    return any(p == e or e in p.parents for e in excluded)


def _open_binary(f: InputFile):
    return gzip.open(f.path, "rb") if f.gzipped else open(f.path, "rb")


def _open_csv(f: InputFile):
    # surrogateescape: undecodable bytes become lone surrogates, caught per record instead of killing the file
    return io.TextIOWrapper(_open_binary(f), encoding="utf-8-sig", errors="surrogateescape", newline="")


def check_fields(files: list[InputFile], fields: Fields) -> None:
    """Fail early, naming the fix, when a CSV or Parquet input lacks the id or text column."""
    problems = []
    for f in files:
        if f.kind not in ("csv", "parquet"):
            continue
        try:
            columns = _csv_header(f) if f.kind == "csv" else _parquet_columns(f)
        except (OSError, EOFError, zlib.error, csv.Error, ValueError) as e:
            logger.warning("%s: cannot read its columns (%s); it will be reported when read", f.path, e)
            continue
        for what, name in (("id", fields.id), ("text", fields.text)):
            if name not in columns:
                shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
                problems.append(f"{f.path}: no column '{name}' (columns: {shown}): set --{what}-field")
    if problems:
        raise InputError("; ".join(problems))


def _csv_header(f: InputFile) -> list[str]:
    with _open_csv(f) as fh:
        return next(csv.reader(fh), [])


def _parquet_columns(f: InputFile) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.ParquetFile(f.path).schema_arrow.names)


def iter_records(files: Iterable[InputFile], fields: Fields = Fields()) -> Iterator[InputRecord]:
    """Every record of every file, in order."""
    for f in files:
        yield from iter_file_records(f, fields)


def iter_file_records(f: InputFile, fields: Fields = Fields()) -> Iterator[InputRecord]:
    """The records of one file; an unreadable remainder becomes one error record and the file ends there."""
    readers = {"jsonl": _iter_jsonl, "csv": _iter_csv, "parquet": _iter_parquet, "txt": _iter_txt}
    yield from readers[f.kind](f, fields)


# ---- one record ----------------------------------------------------------------------------------------------
def _bad_string(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _empty(text: str) -> bool:
    return not text[parse_date_prefix(text)[1] :].strip()


def make_record(location: str, obj: Any, fields: Fields) -> InputRecord:
    """Validate one decoded record (a dict) and build an InputRecord, with the reason when it is unusable."""

    def bad(reason: str, rec_id: str | None = None) -> InputRecord:
        return InputRecord(location, rec_id, None, None, error=reason)

    if not isinstance(obj, dict):
        return bad(f"expected an object with fields, got {type(obj).__name__}")
    keys = ", ".join(str(k) for k in list(obj)[:12])
    if fields.id in obj and obj[fields.id] is None:
        return bad(f"field '{fields.id}' is null: every article needs an id")
    if fields.id not in obj:
        return bad(f"no '{fields.id}' field (fields: {keys}): set --id-field")
    rec_id = obj[fields.id]
    if isinstance(rec_id, bool) or not isinstance(rec_id, str | int):
        return bad(f"field '{fields.id}' must be a string or an integer, got {type(rec_id).__name__}")
    rec_id = str(rec_id)
    if not rec_id.strip() or _bad_string(rec_id):
        return bad(f"field '{fields.id}' is empty or holds undecodable bytes")
    if fields.text in obj and obj[fields.text] is None:
        return bad(f"field '{fields.text}' is null: no article text", rec_id)
    if fields.text not in obj:
        return bad(f"no '{fields.text}' field (fields: {keys}): set --text-field", rec_id)
    text = obj[fields.text]
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            return bad(f"field '{fields.text}' holds undecodable bytes (not UTF-8) at byte {e.start}", rec_id)
    if not isinstance(text, str):
        return bad(f"field '{fields.text}' must be a string, got {type(text).__name__}", rec_id)
    if _bad_string(text):
        return bad(
            f"field '{fields.text}' holds undecodable bytes (not UTF-8) or unpaired surrogates", rec_id
        )
    if _empty(text):
        return bad("empty article: no text besides whitespace and a date line", rec_id)
    date = obj.get(fields.date)
    if isinstance(date, dt.datetime | dt.date):
        date = date.isoformat()[:10]
    if date is not None and not isinstance(date, str):
        return bad(f"field '{fields.date}' must be an ISO date string, got {type(date).__name__}", rec_id)
    if date is not None and (not date.strip() or _bad_string(date)):
        date = None
    return InputRecord(location, rec_id, text, date)


# ---- formats ---------------------------------------------------------------------------------------------------
def jsonl_record(location: str, raw: bytes, fields: Fields) -> InputRecord:
    """One JSONL line (bytes, BOM removed) as a record, or a record with the reason it is bad."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return InputRecord(
            location, None, None, None, error=f"undecodable bytes (not UTF-8) at byte {e.start}"
        )
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return InputRecord(location, None, None, None, error=f"invalid JSON: {_json_problem(line, e)}")
    except ValueError as e:
        return InputRecord(location, None, None, None, error=f"invalid JSON: {e}")
    except RecursionError:
        return InputRecord(location, None, None, None, error="invalid JSON: nested too deeply to decode")
    return make_record(location, obj, fields)


def _json_problem(line: str, e: json.JSONDecodeError) -> str:
    """What is wrong with a JSON line, in words: a line cut off before its end says so."""
    body = line.rstrip("\r\n")
    escape_at_end = "escape" in e.msg and e.pos >= len(body) - 6  # a cut "\\" or "\\u12"
    if e.pos >= len(body) or e.msg.startswith("Unterminated string") or escape_at_end:
        return f"the line is cut off after {len(body)} characters (a truncated or half-written line)"
    if e.msg.startswith("Invalid control character"):
        return f"a raw control character (tab, line break) inside a string at character {e.pos}: escape it"
    return str(e)


def unreadable(location: str, e: Exception) -> InputRecord:
    return InputRecord(
        location,
        None,
        None,
        None,
        error=f"cannot read further ({type(e).__name__}: {e}); the rest of this file is skipped",
    )


def _iter_jsonl(f: InputFile, fields: Fields) -> Iterator[InputRecord]:
    line_no = 0
    try:
        with _open_binary(f) as fh:
            for raw in fh:
                line_no += 1
                if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                yield jsonl_record(f"{f.path}:{line_no}", raw, fields)
    except (OSError, EOFError, zlib.error) as e:
        yield unreadable(f"{f.path}:{line_no + 1}", e)


def _iter_csv(f: InputFile, fields: Fields) -> Iterator[InputRecord]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    line = 1
    try:
        with _open_csv(f) as fh:
            reader = csv.DictReader(fh)
            start = 2
            for row in reader:
                yield make_record(
                    f"{f.path}:{start}", {k: v for k, v in row.items() if k is not None}, fields
                )
                start = reader.line_num + 1
                line = start
    except (OSError, EOFError, zlib.error, csv.Error) as e:
        yield unreadable(f"{f.path}:{line}", e)


def _iter_parquet(f: InputFile, fields: Fields) -> Iterator[InputRecord]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = 0
    try:
        pf = pq.ParquetFile(f.path)
        names = pf.schema_arrow.names
        columns = [c for c in dict.fromkeys((fields.id, fields.text, fields.date)) if c in names]
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            data = batch.to_pydict()
            for j in range(batch.num_rows):
                yield make_record(f"{f.path}:row {row}", {c: data[c][j] for c in columns}, fields)
                row += 1
    except (OSError, pa.ArrowException, ValueError) as e:
        yield unreadable(f"{f.path}:row {row}", e)


def _iter_txt(f: InputFile, fields: Fields) -> Iterator[InputRecord]:
    loc = str(f.path)
    try:
        with _open_binary(f) as fh:
            data = fh.read()  # one article per file
    except (OSError, EOFError, zlib.error) as e:
        yield unreadable(loc, e)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        yield InputRecord(loc, f.name, None, None, error=f"undecodable bytes (not UTF-8) at byte {e.start}")
        return
    if _empty(text):
        yield InputRecord(
            loc, f.name, None, None, error="empty article: no text besides whitespace and a date line"
        )
        return
    yield InputRecord(loc, f.name, text, parse_date_prefix(text)[0])
