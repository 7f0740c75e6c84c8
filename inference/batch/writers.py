"""Tagger results -> JSONL, CSV or Parquet, written so that a killed run can resume without loss or duplicates.

JSONL and CSV grow by appends: each batch is encoded in memory and appended with one write + fsync, and a
progress sidecar (written atomically: temp file, fsync, rename) records the output size that is known good. A
resumed run first truncates the output to that size, which drops a torn last line or a batch written after the
last progress record. Parquet cannot be appended to, so each batch becomes a numbered part file (written to a
temp name, then renamed) and the parts are concatenated into the output when the run ends.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FORMATS = ("jsonl", "csv", "parquet")


class ResumeError(RuntimeError):
    """The output, its progress record and the inputs do not agree; resuming would lose or repeat records."""


def flat_row(record: dict[str, Any]) -> dict[str, str | None]:
    """CSV/Parquet row: ``id`` and ``date`` as they are, every other column as a JSON string."""
    return {k: (v if k in ("id", "date") else json.dumps(v, ensure_ascii=False)) for k, v in record.items()}


# Characters that JSON leaves raw but str.splitlines() (and JavaScript before ES2019) take for line breaks
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(record: dict[str, Any]) -> bytes:
    """One JSONL line: UTF-8 JSON with no raw character that any line splitter reads as a line break."""
    line = json.dumps(record, ensure_ascii=False)
    if "\x85" in line or "\u2028" in line or "\u2029" in line:  # rare: translate walks every character
        line = line.translate(_LINE_BREAKS)
    return line.encode("utf-8") + b"\n"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # not every platform opens folders
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never a mix."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@dataclass
class EncodedRecords:
    """A batch of output records as a worker process encoded them for the output file (``data``) and its event rows for the
    events file (``events``, when there is one), so the model's process writes bytes instead of reading records
    back and encoding them; ``len()`` is the number of records."""

    count: int
    data: bytes
    events: bytes | None = None
    event_rows: int = 0

    def __len__(self) -> int:
        return self.count


# ---- sinks -----------------------------------------------------------------------------------------------------
class AppendSink:
    """A file that grows by whole batches; ``state()`` is its size in bytes after the last append."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._fh = None
        self._size = 0

    def header(self) -> bytes:
        return b""

    def encode(self, records: list[dict[str, Any]]) -> bytes:
        return b"".join(json_line(r) for r in records)

    def start(self, committed: int) -> None:
        """Open for appending at ``committed`` bytes: anything after it (a torn or unrecorded batch) is cut."""
        size = self.path.stat().st_size if self.path.exists() else 0
        if size < committed:
            raise ResumeError(
                f"{self.path} has {size} bytes but its progress record says {committed} were "
                "written: the file was changed; start again with --overwrite"
            )
        self._fh = open(self.path, "r+b" if self.path.exists() else "w+b", buffering=0)
        self._fh.truncate(committed)
        self._fh.seek(committed)
        self._size = committed
        if committed == 0:
            self._write(self.header())

    def append(self, records: list[dict[str, Any]]) -> None:
        self._write(self.encode(records))

    def encoder(self) -> AppendSink:
        """A copy of this sink that only encodes (no file open): it pickles, so a worker process can encode a
        batch (``encode``) that this sink then writes as it is (``append_encoded``)."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__, _fh=None)
        return copy

    def append_encoded(self, data: bytes) -> None:
        """Append a batch that ``encode`` (this sink's or its ``encoder()``'s) has made: ``append`` without
        encoding here."""
        self._write(data)

    def _write(self, data: bytes) -> None:
        if not data:
            return
        view = memoryview(data)
        while view:
            n = self._fh.write(view)
            view = view[n:]
        os.fsync(self._fh.fileno())
        self._size += len(data)

    def state(self) -> int:
        return self._size

    def finish(self) -> None:
        self.close()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class JsonlSink(AppendSink):
    """One JSON object per line."""


class CsvSink(AppendSink):
    """A header row, then one row per record; heads, sentences and model as JSON strings."""

    def __init__(self, path: str | os.PathLike, columns: list[str]):
        super().__init__(path)
        self.columns = columns

    def _rows(self, rows: list[list[Any]]) -> bytes:
        buf = io.StringIO()
        plain = csv.writer(buf, lineterminator="\n")
        # csv quotes a field holding LF but not one holding a lone CR, which readers then take for a line break
        quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
        for row in rows:
            (quoted if any(isinstance(v, str) and "\r" in v for v in row) else plain).writerow(row)
        return buf.getvalue().encode("utf-8")

    def header(self) -> bytes:
        return self._rows([self.columns])

    def encode(self, records: list[dict[str, Any]]) -> bytes:
        return self._rows([[flat_row(r)[c] for c in self.columns] for r in records])


class ParquetSink:
    """Numbered part files, each written atomically; ``finish()`` concatenates them into the output."""

    def __init__(self, path: str | os.PathLike, columns: list[str]):
        import pyarrow as pa

        self.path = Path(path)
        self.parts = self.path.with_name(self.path.name + ".parts")
        self.columns = columns
        self.schema = pa.schema([(c, pa.string()) for c in columns])
        self._count = 0

    def _part(self, k: int) -> Path:
        return self.parts / f"part-{k:06d}.parquet"

    def start(self, committed: int) -> None:
        """Keep parts 0..committed-1; drop later or half-written ones."""
        self.parts.mkdir(parents=True, exist_ok=True)
        keep = {self._part(k).name for k in range(committed)}
        for p in self.parts.iterdir():
            if p.name not in keep:
                p.unlink()
        missing = [k for k in range(committed) if not self._part(k).is_file()]
        if missing:
            raise ResumeError(
                f"{self.parts} lacks part files {missing[:5]} that its progress record lists: "
                "start again with --overwrite"
            )
        self._count = committed

    def row(self, record: dict[str, Any]) -> dict[str, Any]:
        """The table row of a record (every column a string: ``flat_row``)."""
        return flat_row(record)

    def append(self, records: list[dict[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([self.row(r) for r in records], schema=self.schema)
        sink = io.BytesIO()
        pq.write_table(table, sink)
        write_bytes_atomic(self._part(self._count), sink.getvalue())
        self._count += 1

    def state(self) -> int:
        return self._count

    def finish(self) -> None:
        """Concatenate the parts into the output (atomically) and remove them."""
        import pyarrow.parquet as pq

        tmp = self.path.with_name(self.path.name + ".tmp")
        with pq.ParquetWriter(tmp, self.schema) as writer:
            for k in range(self._count):
                writer.write_table(pq.read_table(self._part(k), schema=self.schema))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        shutil.rmtree(self.parts)

    def close(self) -> None:
        pass

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        if self.parts.exists():
            shutil.rmtree(self.parts)


def make_sink(fmt: str, path: str | os.PathLike, columns: list[str]) -> AppendSink | ParquetSink:
    if fmt == "jsonl":
        return JsonlSink(path)
    if fmt == "csv":
        return CsvSink(path, columns)
    if fmt == "parquet":
        return ParquetSink(path, columns)
    raise ValueError(f"unknown output format {fmt!r}; use one of {FORMATS}")


# ---- progress --------------------------------------------------------------------------------------------------
@dataclass
class Progress:
    """What a run has settled so far: input records consumed, and the output and error file states after them."""

    fingerprint: dict[str, Any]
    consumed: int = 0  # input records read and settled (tagged or rejected), in input order
    tagged: int = 0
    failed: int = 0
    output: int = 0  # the output sink's state (bytes, or Parquet parts)
    errors: int = 0  # bytes of the errors file
    complete: bool = False
    events_output: int = 0  # the --events-out sink's state (bytes, or Parquet parts)
    events_rows: int = 0  # rows written to --events-out

    def save(self, path: Path) -> None:
        write_bytes_atomic(path, (json.dumps(asdict(self), indent=1, sort_keys=True) + "\n").encode("utf-8"))

    @classmethod
    def load(cls, path: Path) -> Progress | None:
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as e:
            raise ResumeError(
                f"{path} is not a readable progress record ({e}); start again with --overwrite"
            ) from e


def check_complete(progress: Progress, out: Path, errors_path: Path, fmt: str) -> None:
    """A run recorded as complete must still have the output and errors files it wrote, whole."""
    problems = []
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            rows = pq.ParquetFile(out).metadata.num_rows if out.is_file() else None
        except Exception:  # pyarrow raises several types for a damaged file
            rows = None
        if rows != progress.tagged:
            problems.append(f"{out} holds {rows} rows but {progress.tagged} were written")
    else:
        size = out.stat().st_size if out.is_file() else 0
        if size != progress.output:
            problems.append(f"{out} has {size} bytes but {progress.output} were written")
    size = errors_path.stat().st_size if errors_path.is_file() else 0
    if size != progress.errors:
        problems.append(f"{errors_path} has {size} bytes but {progress.errors} were written")
    if problems:
        raise ResumeError(
            f"the run is recorded as complete, but {'; '.join(problems)}: the files were changed after it "
            "finished; start again with --overwrite"
        )


def check_events_complete(progress: Progress, path: Path) -> None:
    """A complete run's --events-out file must still be whole (its size, or its Parquet row count)."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            found = pq.ParquetFile(path).metadata.num_rows if path.is_file() else None
        except Exception:  # pyarrow raises several types for a damaged file
            found = None
        ok, what = found == progress.events_rows, f"{found} rows but {progress.events_rows} were written"
    else:
        found = path.stat().st_size if path.is_file() else 0
        ok, what = found == progress.events_output, f"{found} bytes but {progress.events_output} were written"
    if not ok:
        raise ResumeError(
            f"the run is recorded as complete, but {path} holds {what}: the file was changed after it "
            "finished; start again with --overwrite"
        )
