"""The parts written by the processes of a sharded conflict-tag run, and their merge into one output.

Each process writes a complete, resumable output of its own (``OUT.shards/part-R-of-W.<fmt>`` with its errors
and progress files) plus a ledger: one line per input record it settled, saying whether the record was tagged,
failed tagging, or was rejected before tagging. The merge walks the ledgers in shard order, which is input order,
and copies each record from its part's output or errors file, so the merged files are those a single process
writes. The one thing a process cannot see is an id that an earlier shard already holds: the merge drops such a
record and reports it as a duplicate, as a single process would.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.batch.writers import JsonlSink, ResumeError

TAGGED, FAILED, REJECTED = "tagged", "failed", "rejected"


def duplicate_reason(rec_id: str) -> str:
    """Why a record whose id an earlier record holds is not tagged."""
    return f"duplicate id {rec_id!r}: an earlier record has it; this one is skipped"


def shards_dir(out: Path) -> Path:
    """Folder of the parts of a sharded run writing ``out``."""
    return out.with_name(out.name + ".shards")


@dataclass(frozen=True)
class Part:
    """The files one process writes: output, errors, progress, ledger."""

    output: Path
    errors: Path
    progress: Path
    ledger: Path

    @classmethod
    def of(cls, out: Path, rank: int, world: int, fmt: str) -> Part:
        p = shards_dir(out) / f"part-{rank:05d}-of-{world:05d}.{fmt}"
        return cls(
            p,
            p.with_name(p.name + ".errors.jsonl"),
            p.with_name(p.name + ".progress.json"),
            p.with_name(p.name + ".ledger.jsonl"),
        )


class Ledger(JsonlSink):
    """One ``[status, location, id]`` line per settled input record; a resumed run keeps the first N lines."""

    def start_at_records(self, records: int) -> None:
        """Open for appending after the first ``records`` lines (what the progress record says was settled)."""
        size = kept = 0
        if records and self.path.exists():
            with open(self.path, "rb") as fh:
                for line in fh:
                    if kept == records or not line.endswith(b"\n"):
                        break
                    size += len(line)
                    kept += 1
        if kept != records:
            raise ResumeError(
                f"{self.path} holds fewer lines than its progress record says: start again with --overwrite"
            )
        self.start(size)


# ---- reading the parts -----------------------------------------------------------------------------------------
def _lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        yield from fh


def _csv_records(path: Path) -> Iterator[tuple[str, bytes]]:
    """``(id, raw bytes)`` of each CSV row after the header, a quoted line break included, unchanged."""
    import csv

    pulled: list[str] = []
    with open(path, encoding="utf-8", newline="") as fh:

        def lines() -> Iterator[str]:
            for line in fh:
                pulled.append(line)
                yield line

        for k, row in enumerate(csv.reader(lines())):
            raw = "".join(pulled).encode("utf-8")
            pulled.clear()
            if k:  # row 0 is the header
                yield row[0], raw


def _jsonl_records(path: Path) -> Iterator[tuple[str, bytes]]:
    for line in _lines(path):
        yield json.loads(line)["id"], line


def _parquet_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches():
        for row in batch.to_pylist():
            yield row["id"], row


# ---- the merge -------------------------------------------------------------------------------------------------
@dataclass
class MergeCounts:
    consumed: int = 0
    tagged: int = 0
    failed: int = 0


def merge_parts(parts: list[Part], fmt: str, out: Path, errors_out: Path, columns: list[str]) -> MergeCounts:
    """Merge the parts (in shard order) into ``out`` and ``errors_out``, each written whole, then renamed."""
    counts = MergeCounts()
    seen: set[str] = set()
    tmp_out = out.with_name(out.name + ".merging")
    tmp_errors = errors_out.with_name(errors_out.name + ".merging")
    writer = _output_writer(fmt, tmp_out, columns, parts[0].output)
    encoder = JsonlSink(errors_out)  # encodes as the part errors files were encoded
    try:
        with open(tmp_errors, "wb") as errors:
            for part in parts:
                outputs = {"jsonl": _jsonl_records, "csv": _csv_records, "parquet": _parquet_records}[fmt](
                    part.output
                )
                error_lines = _lines(part.errors) if part.errors.exists() else iter(())
                for line in _lines(part.ledger):
                    status, location, rec_id = json.loads(line)
                    counts.consumed += 1
                    if status == REJECTED:
                        errors.write(next(error_lines))
                        counts.failed += 1
                        continue
                    record = next(outputs) if status == TAGGED else None
                    error = next(error_lines) if status == FAILED else None
                    if rec_id in seen:
                        dup = {"location": location, "id": rec_id, "reason": duplicate_reason(rec_id)}
                        errors.write(encoder.encode([dup]))
                        counts.failed += 1
                    elif record is not None:
                        writer.write(record[1])
                        counts.tagged += 1
                    else:
                        errors.write(error)
                        counts.failed += 1
                    seen.add(rec_id)
            errors.flush()
            os.fsync(errors.fileno())
        writer.close()
    except BaseException:
        writer.abort()
        tmp_errors.unlink(missing_ok=True)
        raise
    os.replace(tmp_out, out)
    os.replace(tmp_errors, errors_out)
    return counts


class _ByteWriter:
    def __init__(self, path: Path, header: bytes):
        self.path = path
        self.fh = open(path, "wb")
        self.fh.write(header)

    def write(self, raw: bytes) -> None:
        self.fh.write(raw)

    def close(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()

    def abort(self) -> None:
        self.fh.close()
        self.path.unlink(missing_ok=True)


class _ParquetWriter:
    BATCH = 1024

    def __init__(self, path: Path, columns: list[str]):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = path
        self.schema = pa.schema([(c, pa.string()) for c in columns])
        self.writer = pq.ParquetWriter(path, self.schema)
        self.rows: list[dict[str, Any]] = []

    def write(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self._flush()
        self.writer.close()
        with open(self.path, "rb") as f:
            os.fsync(f.fileno())

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.path.unlink(missing_ok=True)


def _output_writer(fmt: str, path: Path, columns: list[str], first_part: Path):
    if fmt == "parquet":
        return _ParquetWriter(path, columns)
    header = b""
    if fmt == "csv":
        with open(first_part, "rb") as fh:
            header = fh.readline()  # column names: one line
    return _ByteWriter(path, header)


def remove_parts(out: Path) -> None:
    """Drop the parts folder once the merged output and its progress record are written."""
    folder = shards_dir(out)
    if folder.exists():
        shutil.rmtree(folder)
