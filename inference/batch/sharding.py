"""Split conflict-tag's inputs across processes (``torchrun`` / ``accelerate launch``): each reads only its share.

The inputs, in order, are cut into contiguous shards of about equal size, one per process, so that the parts
written by processes 0, 1, ... concatenated are in input order. Plain JSONL files split at byte offsets (a line
belongs to the shard holding its first byte), Parquet files at row groups; CSV (quoted fields may hold line
breaks), gzipped and ``.txt`` files go whole to one shard. Line numbers in record locations stay those of the
whole file: each process counts the line breaks in its own byte ranges and the counts are shared once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from inference.batch.readers import (
    PARQUET_BATCH_ROWS,
    Fields,
    InputFile,
    InputRecord,
    iter_file_records,
    jsonl_record,
    make_record,
    unreadable,
)

WORLD_SIZE_VARS = ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
BYTES, ROW_GROUPS, WHOLE = "bytes", "row_groups", "file"
COUNT_BLOCK = 1 << 22


# ---- processes -------------------------------------------------------------------------------------------------
class ProcessGroup(Protocol):
    """Who this process is among the launched ones, and the two collectives the sharded run needs."""

    rank: int
    world: int

    def barrier(self) -> None: ...

    def all_gather(self, obj: Any) -> list[Any]: ...

    def close(self) -> None: ...


class SingleProcess:
    """The usual case: one process, no collectives."""

    rank, world = 0, 1

    def barrier(self) -> None:
        pass

    def all_gather(self, obj: Any) -> list[Any]:
        return [obj]

    def close(self) -> None:
        pass


class AcceleratePeers:
    """Processes started by ``torchrun`` or ``accelerate launch`` (NCCL on GPUs, gloo on CPUs)."""

    def __init__(self, cpu: bool):
        from accelerate import PartialState

        self.state = PartialState(cpu=cpu)
        self.rank, self.world = self.state.process_index, self.state.num_processes
        self.device = self.state.device

    def barrier(self) -> None:
        self.state.wait_for_everyone()

    def all_gather(self, obj: Any) -> list[Any]:
        import torch.distributed as dist

        out: list[Any] = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def close(self) -> None:
        # gloo's threads outlive an undestroyed group and abort the process at exit ("terminate called
        # without an active exception"), which the launcher reports as a failed run
        self.state.destroy_process_group()


def launched_world_size() -> int:
    """How many processes the launcher started (1 when none: a plain ``conflict-tag``)."""
    for var in WORLD_SIZE_VARS:
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 1:
            return int(value)
    return 1


def process_group(device: str = "auto") -> ProcessGroup:
    """This process's group: a single process unless a launcher started several (then accelerate's state)."""
    if launched_world_size() == 1:
        return SingleProcess()
    import torch

    return AcceleratePeers(cpu=device == "cpu" or not torch.cuda.is_available())


# ---- the plan --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    """Part of one input file: bytes ``[start, end)`` of a JSONL file, row groups ``[start, end)`` of a
    Parquet file, or the whole file."""

    file: int  # index into the discovered inputs
    how: str  # bytes | row_groups | file
    start: int = 0
    end: int = 0

    def describe(self) -> list[Any]:
        return [self.file, self.how, self.start, self.end]


def _parquet_row_groups(f: InputFile) -> list[int] | None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(f.path).metadata
    except (OSError, pa.ArrowException, ValueError):
        return None  # unreadable: the whole file goes to one shard, whose reader reports it
    return [meta.row_group(k).num_rows for k in range(meta.num_row_groups)]


def plan_shards(files: Sequence[InputFile], world: int) -> list[list[Piece]]:
    """Cut the inputs into ``world`` contiguous shards of about equal size (bytes on disk), in input order."""
    units: list[tuple[Piece, int]] = []  # (piece, weight); BYTES pieces are split further below
    for i, f in enumerate(files):
        size = f.path.stat().st_size
        rows = _parquet_row_groups(f) if f.kind == "parquet" else None
        if f.kind == "jsonl" and not f.gzipped and size > 0:
            units.append((Piece(i, BYTES, 0, size), size))
        elif rows is not None and len(rows) > 1:
            total_rows = max(1, sum(rows))
            units.extend((Piece(i, ROW_GROUPS, k, k + 1), size * n // total_rows) for k, n in enumerate(rows))
        else:
            units.append((Piece(i, WHOLE), size))
    total = sum(w for _, w in units)
    bounds = [r * total // world for r in range(world)] + [total]
    shards: list[list[Piece]] = [[] for _ in range(world)]
    offset = 0
    for piece, weight in units:
        if piece.how == BYTES:
            for r in range(world):
                lo, hi = max(bounds[r], offset), min(bounds[r + 1], offset + weight)
                if hi > lo:
                    shards[r].append(Piece(piece.file, BYTES, lo - offset, hi - offset))
        else:  # a unit goes whole to the shard holding its middle
            mid2 = 2 * offset + weight
            r = max(k for k in range(world) if 2 * bounds[k] <= mid2 or k == 0)
            shards[min(r, world - 1)].append(piece)
        offset += weight
    return [_joined(s) for s in shards]


def _joined(pieces: list[Piece]) -> list[Piece]:
    """Adjacent row groups of one file become one piece (one reader)."""
    out: list[Piece] = []
    for p in pieces:
        last = out[-1] if out else None
        if (
            last
            and p.how == ROW_GROUPS
            and last.how == ROW_GROUPS
            and last.file == p.file
            and last.end == p.start
        ):
            out[-1] = Piece(p.file, ROW_GROUPS, last.start, p.end)
        else:
            out.append(p)
    return out


def count_newlines(path: Path, start: int, end: int) -> int:
    """Line breaks in bytes ``[start, end)`` of a file."""
    n = 0
    with open(path, "rb") as fh:
        fh.seek(start)
        left = end - start
        while left > 0:
            block = fh.read(min(COUNT_BLOCK, left))
            if not block:
                break
            n += block.count(b"\n")
            left -= len(block)
    return n


def lines_before(
    files: Sequence[InputFile], plan: list[list[Piece]], group: ProcessGroup
) -> dict[Piece, int]:
    """For each of this process's JSONL byte ranges, the line breaks before it in its file (one all-gather)."""
    mine = [count_newlines(files[p.file].path, p.start, p.end) for p in plan[group.rank] if p.how == BYTES]
    gathered = group.all_gather(mine)
    counts: dict[Piece, int] = {}
    for shard, shard_counts in zip(plan, gathered):
        counts.update(zip([p for p in shard if p.how == BYTES], shard_counts))
    return {
        p: sum(n for q, n in counts.items() if q.file == p.file and q.start < p.start)
        for p in plan[group.rank]
        if p.how == BYTES
    }


# ---- reading a shard -------------------------------------------------------------------------------------------
def iter_shard_records(
    files: Sequence[InputFile], pieces: list[Piece], fields: Fields, before: dict[Piece, int]
) -> Iterator[InputRecord]:
    """The records of one shard, in input order, located as reading the whole files would locate them."""
    for p in pieces:
        f = files[p.file]
        if p.how == BYTES:
            yield from _iter_jsonl_range(f, p.start, p.end, before[p], fields)
        elif p.how == ROW_GROUPS:
            yield from _iter_parquet_groups(f, p.start, p.end, fields)
        else:
            yield from iter_file_records(f, fields)


def _iter_jsonl_range(
    f: InputFile, start: int, end: int, newlines: int, fields: Fields
) -> Iterator[InputRecord]:
    """Lines that start in bytes ``[start, end)``; ``newlines``: line breaks before ``start``."""
    line_no = newlines
    try:
        with open(f.path, "rb") as fh:
            if start > 0:
                fh.seek(start - 1)
                if fh.read(1) != b"\n":  # the line holding `start` began in the previous range
                    line_no += fh.readline().endswith(b"\n")
            pos = fh.tell()
            while pos < end:
                raw = fh.readline()
                if not raw:
                    break
                pos += len(raw)
                line_no += 1
                if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if raw.strip():
                    yield jsonl_record(f"{f.path}:{line_no}", raw, fields)
    except OSError as e:
        yield unreadable(f"{f.path}:{line_no + 1}", e)


def _iter_parquet_groups(f: InputFile, first: int, last: int, fields: Fields) -> Iterator[InputRecord]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = 0
    try:
        pf = pq.ParquetFile(f.path)
        row = sum(pf.metadata.row_group(k).num_rows for k in range(first))
        names = pf.schema_arrow.names
        columns = [c for c in dict.fromkeys((fields.id, fields.text, fields.date)) if c in names]
        batches = pf.iter_batches(
            batch_size=PARQUET_BATCH_ROWS, row_groups=range(first, last), columns=columns
        )
        for batch in batches:
            data = batch.to_pydict()
            for j in range(batch.num_rows):
                yield make_record(f"{f.path}:row {row}", {c: data[c][j] for c in columns}, fields)
                row += 1
    except (OSError, pa.ArrowException, ValueError) as e:
        yield unreadable(f"{f.path}:row {row}", e)
