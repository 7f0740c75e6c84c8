"""Sharded conflict-tag: shards cover the inputs in order, and N processes write what one process writes.

The in-process tests run each "process" in a thread with a thread barrier standing in for gloo; the torchrun
test runs the real thing (2 processes, gloo, CPU; about 18 s on 2 shared cores).
"""

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from inference.batch.cli import main
from inference.batch.readers import Fields, discover_inputs, iter_records
from inference.batch.sharding import (
    BYTES,
    ROW_GROUPS,
    count_newlines,
    iter_shard_records,
    lines_before,
    plan_shards,
)
from inference.batch.writers import Progress

REPO = Path(__file__).resolve().parents[1]
WORDS = ["Rebels attacked the village.", "Police arrested two men.", "Protesters marched.", "Gunmen fled."]


def _rows(n, prefix="a"):
    return [
        {
            "id": f"{prefix}{i}",
            "text": " ".join(WORDS[(i + k) % 4] for k in range(1 + i % 3)),
            "date": "2023-01-02",
        }
        for i in range(n)
    ]


def _jsonl(path, rows, extra=()):
    lines = [json.dumps(r).encode() + b"\n" for r in rows]
    for at, raw in extra:
        lines.insert(at, raw)
    path.write_bytes(b"".join(lines))
    return path


class _Known:
    """A process group whose all-gather answers from counts computed up front (reading tests, no threads)."""

    def __init__(self, rank, world, gathered):
        self.rank, self.world, self.gathered = rank, world, gathered

    def barrier(self):
        pass

    def all_gather(self, obj):
        assert obj == self.gathered[self.rank]
        return self.gathered


def _shard_records(files, world):
    plan = plan_shards(files, world)
    gathered = [
        [count_newlines(files[p.file].path, p.start, p.end) for p in s if p.how == BYTES] for s in plan
    ]
    out = []
    for rank in range(world):
        before = lines_before(files, plan, _Known(rank, world, gathered))
        out.append(list(iter_shard_records(files, plan[rank], Fields(), before)))
    return plan, out


def test_shards_are_contiguous_cover_every_record_once_and_keep_locations(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    bad = [(3, b'{"id": "x", "text": "\xff"}\n'), (5, b"\n"), (8, b"not json\n"), (11, b"   \n")]
    big = _jsonl(folder / "a.jsonl", _rows(40), bad)
    big.write_bytes(b"\xef\xbb\xbf" + big.read_bytes() + b'{"id": "last", "text": "no final newline."}')
    (folder / "b.csv").write_text('id,text\nc1,"two\nlines"\nc2,plain\n')
    with gzip.open(folder / "c.jsonl.gz", "wt") as f:
        f.write("".join(json.dumps(r) + "\n" for r in _rows(5, "g")))
    table = pa.Table.from_pylist(_rows(30, "p"))
    pq.write_table(table, folder / "d.parquet", row_group_size=7)
    (folder / "e.txt").write_text("Rebels attacked.")
    (folder / "f.jsonl").write_bytes(b"")
    files = discover_inputs([folder])
    whole = list(iter_records(files, Fields()))
    assert len(whole) == 1 + 2 + 5 + 30 + 1 + 40 + 4 - 1 - 1  # the two blank lines are skipped
    for world in (1, 2, 3, 5, 8):
        plan, shards = _shard_records(files, world)
        assert [r for s in shards for r in s] == whole, world
        kinds = {p.how for s in plan for p in s}
        assert world == 1 or {BYTES, ROW_GROUPS} <= kinds
    plan, shards = _shard_records(files, 2)
    assert all(len(s) > 20 for s in shards)  # about equal halves by bytes


def test_a_line_split_at_every_byte_goes_to_exactly_one_shard(tmp_path):
    src = _jsonl(tmp_path / "x.jsonl", _rows(3))
    files = discover_inputs([src])
    whole = list(iter_records(files))
    size = src.stat().st_size
    for world in range(2, 9):
        plan, shards = _shard_records(files, world)
        assert [r for s in shards for r in s] == whole
        assert plan[-1][-1].end == size


# ---- whole runs, one thread per process ------------------------------------------------------------------------
class _ThreadGroup:
    def __init__(self, rank, world, shared):
        self.rank, self.world, self.shared = rank, world, shared

    def barrier(self):
        self.shared["barrier"].wait()

    def all_gather(self, obj):
        self.shared["slots"][self.rank] = obj
        self.barrier()
        out = list(self.shared["slots"])
        self.barrier()
        return out


def _run_threads(argv, world):
    """main(argv) in ``world`` threads that act as the processes of one sharded run; the exit codes."""
    shared = {"barrier": threading.Barrier(world, timeout=120), "slots": [None] * world}
    codes, raised = [None] * world, [None] * world

    def one(rank):
        try:
            codes[rank] = main(argv, group=_ThreadGroup(rank, world, shared))
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            raised[rank] = e
            shared["barrier"].abort()

    threads = [threading.Thread(target=one, args=(r,)) for r in range(world)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first = next(
        (e for e in raised if e is not None and not isinstance(e, threading.BrokenBarrierError)), None
    )
    if first is not None:
        raise first
    return codes


def _inputs_with_trouble(tmp_path):
    rows = _rows(36)
    extra = [
        (4, b'{"id": "bad", "text": "\xff"}\n'),
        (9, json.dumps({"id": "a2", "text": "a duplicate in the first half"}).encode() + b"\n"),
        (30, json.dumps({"id": "a1", "text": "a duplicate in the second half"}).encode() + b"\n"),
        (33, json.dumps({"id": "empty", "text": " "}).encode() + b"\n"),
    ]
    return _jsonl(tmp_path / "in.jsonl", rows, extra)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_two_and_three_processes_write_what_one_process_writes(tiny_model, tmp_path, fmt, capsys):
    src = _inputs_with_trouble(tmp_path)
    base = [str(src), "--model", str(tiny_model), "--chunk-size", "4", "-q"]
    ref = tmp_path / f"ref.{fmt}"
    assert main([*base, "-o", str(ref)]) == 1
    for world in (2, 3):
        out = tmp_path / f"out{world}.{fmt}"
        assert _run_threads([*base, "-o", str(out)], world) == [1] * world
        assert out.read_bytes() == ref.read_bytes()
        errors = Path(f"{out}.errors.jsonl").read_bytes()
        assert errors == Path(f"{ref}.errors.jsonl").read_bytes()
        assert b"duplicate id 'a1'" in errors and b"duplicate id 'a2'" in errors
        assert not (tmp_path / f"out{world}.{fmt}.shards").exists()
        merged = Progress.load(Path(f"{out}.progress.json"))
        single = Progress.load(Path(f"{ref}.progress.json"))
        assert merged.fingerprint == single.fingerprint and merged.complete
        assert (merged.tagged, merged.failed, merged.consumed) == (
            single.tagged,
            single.failed,
            single.consumed,
        )
    assert "36 articles tagged, 4 failed" in capsys.readouterr().out
    # a finished sharded run is finished for one process too
    assert main([*base, "-o", str(tmp_path / f"out2.{fmt}"), "--resume"]) == 1
    assert "already complete" in capsys.readouterr().out


def test_parquet_parts_merge_to_the_same_rows(tiny_model, tmp_path):
    src = _jsonl(tmp_path / "in.jsonl", _rows(20))
    base = [str(src), "--model", str(tiny_model), "--chunk-size", "3", "-q", "--no-events"]
    assert main([*base, "-o", str(tmp_path / "ref.parquet")]) == 0
    assert _run_threads([*base, "-o", str(tmp_path / "out.parquet")], 2) == [0, 0]
    ref = pq.read_table(tmp_path / "ref.parquet")
    got = pq.read_table(tmp_path / "out.parquet")
    assert got.schema == ref.schema and "events" not in got.column_names
    assert got.to_pylist() == ref.to_pylist()


def test_a_killed_process_resumes_its_own_part(tiny_model, tmp_path, monkeypatch):
    src = _inputs_with_trouble(tmp_path)
    base = [str(src), "--model", str(tiny_model), "--chunk-size", "3", "-q"]
    ref = tmp_path / "ref.jsonl"
    assert main([*base, "-o", str(ref)]) == 1

    class Crash(Exception):
        pass

    real_save = Progress.save
    saves = {"n": 0}

    def crashing_save(self, path):
        if "part-00001" in path.name:
            saves["n"] += 1
            if saves["n"] == 4:
                raise Crash
        real_save(self, path)

    monkeypatch.setattr(Progress, "save", crashing_save)
    out = tmp_path / "out.jsonl"
    with pytest.raises(Crash):
        _run_threads([*base, "-o", str(out)], 2)
    monkeypatch.setattr(Progress, "save", real_save)
    parts = tmp_path / "out.jsonl.shards"
    assert json.loads((parts / "part-00001-of-00002.jsonl.progress.json").read_text())["complete"] is False
    assert not out.exists()

    assert main([*base, "-o", str(out), "--resume"]) == 2  # one process cannot continue a two-process run
    assert _run_threads([*base, "-o", str(out)], 2) == [2, 2]  # neither --resume nor --overwrite
    assert _run_threads([*base, "-o", str(out), "--resume"], 2) == [1, 1]
    assert out.read_bytes() == ref.read_bytes()
    assert Path(f"{out}.errors.jsonl").read_bytes() == Path(f"{ref}.errors.jsonl").read_bytes()
    assert not parts.exists()


def test_an_error_in_one_process_stops_all_with_its_message(tiny_model, tmp_path, capsys):
    src = _jsonl(tmp_path / "in.jsonl", _rows(4))
    argv = [str(src), "--model", str(tiny_model), "-o", str(tmp_path / "o.jsonl"), "--batch-size", "0"]
    assert _run_threads(argv, 2) == [2, 2]
    assert "--batch-size and --chunk-size must be at least 1" in capsys.readouterr().err


def test_torchrun_two_processes_match_one_process(tiny_model, tmp_path):
    """torchrun --nproc_per_node 2 -m inference (gloo, CPU) on 200 articles == one process, byte for byte."""
    src = _jsonl(tmp_path / "in.jsonl", _rows(200))
    base = [str(src), "--model", str(tiny_model), "-q"]
    ref = tmp_path / "ref.jsonl"
    assert main([*base, "-o", str(ref)]) == 0
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "inference"]
        + [*base, "-o", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "200 articles tagged, 0 failed" in run.stdout and "[2 processes]" in run.stdout
    assert out.read_bytes() == ref.read_bytes()
