"""``conflict-tag`` killed with SIGKILL at seeded random points, resumed with ``--resume`` each time: the final
output and errors files are byte-identical to an uninterrupted run.

The child process SIGKILLs itself at a chosen call of one of the dangerous places: in the middle of appending a
batch (half the bytes on disk), after a batch is appended but before its progress record, after the progress
record's temp file is written but before its rename, and while a chunk is being tagged. A slow variant adds
kills from outside at random times and covers the CSV and Parquet outputs too.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kill_points import ARM

from inference.batch.cli import main

REPO = Path(__file__).resolve().parents[1]
SITES = ("torn-append", "before-progress", "progress-rename", "tagging")

# Runs inference.batch.cli.main with one kill point armed: KILL_AT="site:n" kills the process at the n-th call there.
CHILD = (
    ARM
    + r"""

import inference.batch.writers as w
import inference.tagger as t

if site == "torn-append":
    real_write = w.AppendSink._write
    def torn(self, data):
        if data and hit():
            self._fh.write(data[: max(1, len(data) // 2)])
            os.fsync(self._fh.fileno())
            die()
        return real_write(self, data)
    w.AppendSink._write = torn
elif site == "before-progress":
    real_save = w.Progress.save
    def save(self, path):
        if hit():
            die()
        return real_save(self, path)
    w.Progress.save = save
elif site == "progress-rename":
    real_replace = os.replace
    def replace(src, dst, *a, **k):
        if str(dst).endswith(".progress.json") and hit():
            die()  # the temp file is complete and fsynced; the rename never happens
        return real_replace(src, dst, *a, **k)
    os.replace = replace
elif site == "part-rename":  # Parquet: a finished part file never renamed into place
    real_replace = os.replace
    def replace(src, dst, *a, **k):
        if str(dst).endswith(".parquet") and ".parts" in str(dst) and hit():
            die()
        return real_replace(src, dst, *a, **k)
    os.replace = replace
elif site == "tagging":
    real_tag = t.Tagger.tag_articles
    def tag(self, *a, **k):
        if hit():
            die()
        return real_tag(self, *a, **k)
    t.Tagger.tag_articles = tag
elif site == "slow":  # killed from outside: just make every chunk take a while
    import time
    real_tag = t.Tagger.tag_articles
    def tag(self, *a, **k):
        time.sleep(0.3)
        return real_tag(self, *a, **k)
    t.Tagger.tag_articles = tag

from inference.batch.cli import main
sys.exit(main(sys.argv[1:]))
"""
)


def _inputs(tmp_path: Path) -> Path:
    """90 articles with a bad line, a duplicate id and an empty article among them (the errors file matters)."""
    words = ["Rebels attacked the village.", "Police arrested two men.", "Protesters marched in Kabul."]
    lines = []
    for i in range(90):
        text = " ".join(words[(i + k) % 3] for k in range(1 + i % 3))
        lines.append(json.dumps({"id": f"a{i}", "text": text, "date": f"2023-02-{1 + i % 28:02d}"}))
        if i == 10:
            lines.append("{not json")
        if i == 30:
            lines.append(json.dumps({"id": "a3", "text": "a duplicate id"}))
        if i == 45:
            lines.append(json.dumps({"id": "e", "text": "  \n "}))
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


def _child(args: list[str], kill_at: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KILL_AT": kill_at, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_points(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    sites = rng.sample(SITES, len(SITES)) + [rng.choice(SITES) for _ in range(count - len(SITES))]
    return [f"{site}:{rng.randint(1, 3)}" for site in sites]  # every site at least once, then random ones


def _progress(out: Path) -> dict:
    return json.loads(out.with_name(out.name + ".progress.json").read_text())


def check_killed_and_resumed(
    tmp_path: Path,
    model: Path,
    fmt: str,
    points: list[str],
    outside: int = 0,
    extra: tuple[str, ...] = (),
    events: str | None = None,
) -> None:
    """``extra``: arguments of the killed and resumed runs only (the reference run is plain); ``events``: a
    suffix (``csv``, ``parquet``, ``jsonl``): every run also writes ``--events-out``, compared too."""
    src = _inputs(tmp_path)
    common = [
        str(src),
        "--model",
        str(model),
        "--chunk-size",
        "3",
        "--batch-size",
        "4",
        "-q",
        "--format",
        fmt,
    ]
    ref = tmp_path / f"ref.{fmt}"
    ref_events, out_events = tmp_path / f"ref_events.{events}", tmp_path / f"out_events.{events}"
    assert main([*common, "-o", str(ref), *(["--events-out", str(ref_events)] if events else [])]) == 1
    if events:
        common += ["--events-out", str(out_events)]
        assert ref_events.stat().st_size > 0

    out = tmp_path / f"out.{fmt}"
    consumed = []
    for k, point in enumerate(points):
        proc = _child([*common, *extra, "-o", str(out), *(["--resume"] if k else [])], point)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == -signal.SIGKILL, f"{point}: exit {proc.returncode}: {err.decode()[-2000:]}"
        consumed.append(_progress(out)["consumed"])
    rng = random.Random(len(points))
    for _ in range(outside):  # SIGKILL from outside, at a random moment of a run
        proc = _child([*common, *extra, "-o", str(out), "--resume"], "slow:0")
        deadline = time.monotonic() + 60
        start = _progress(out)["consumed"]
        wait = rng.uniform(0.0, 0.6)  # with 0.3 s per chunk: at most a few chunks settled per run
        while time.monotonic() < deadline and _progress(out)["consumed"] == start and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(wait)
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.kill()
        proc.communicate(timeout=60)
        consumed.append(_progress(out)["consumed"])
    assert consumed == sorted(consumed) and not _progress(out)["complete"]

    assert main([*common, *extra, "-o", str(out), "--resume"]) == 1
    assert out.read_bytes() == ref.read_bytes()
    errors = out.with_name(out.name + ".errors.jsonl")
    assert errors.read_bytes() == ref.with_name(ref.name + ".errors.jsonl").read_bytes()
    assert len(errors.read_text().splitlines()) == 3
    if events:
        assert out_events.read_bytes() == ref_events.read_bytes()
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.parts"))


def test_sigkill_mid_append_then_resume_equals_an_uninterrupted_run(tiny_model, tmp_path):
    """The default run's kill point (each costs a Python start with torch, ~5 s on a shared machine)."""
    check_killed_and_resumed(tmp_path, tiny_model, "jsonl", ["torn-append:3"])


def test_sigkill_with_events_out_then_resume_gives_the_same_events_file(tiny_model, tmp_path):
    """--events-out follows the output's progress: torn appends and a kill before the progress record."""
    check_killed_and_resumed(
        tmp_path, tiny_model, "jsonl", ["torn-append:4", "before-progress:3"], events="csv"
    )


@pytest.mark.slow
@pytest.mark.parametrize("events", ["jsonl", "parquet"])
def test_sigkill_with_events_out_every_events_format(tiny_model, tmp_path, events):
    points = _kill_points(seed=5, count=4)
    if events == "parquet":
        points += ["part-rename:2"]
    check_killed_and_resumed(tmp_path, tiny_model, "csv", points, outside=1, events=events)


@pytest.mark.slow
def test_sigkill_at_five_seeded_points_then_resume_equals_an_uninterrupted_run(tiny_model, tmp_path):
    points = _kill_points(seed=7, count=5)
    assert {p.split(":")[0] for p in points} == set(SITES)
    check_killed_and_resumed(tmp_path, tiny_model, "jsonl", points)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_sigkill_at_random_points_every_format(tiny_model, tmp_path, fmt):
    points = _kill_points(seed=11, count=6)
    if fmt == "parquet":  # Parquet is written as renamed part files, not appended to
        points = [p.replace("torn-append", "part-rename") for p in points]
    check_killed_and_resumed(tmp_path, tiny_model, fmt, points, outside=3)
