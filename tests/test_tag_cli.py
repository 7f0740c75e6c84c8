"""``conflict-tag`` end to end: bad records and exit codes, formats, resume after a crash or a SIGKILL."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from inference.batch.cli import main
from inference.batch.writers import Progress

REPO = Path(__file__).resolve().parents[1]
SENTENCES = [
    "Rebels attacked the village on Monday.",
    "Police arrested two men in the city.",
    "Protesters marched to the capital.",
    "The army said three soldiers were wounded.",
    "Gunmen abducted a village chief.",
]


def _articles(n, prefix="a"):
    return [
        {
            "id": f"{prefix}{i}",
            "text": " ".join(SENTENCES[(i + k) % 5] for k in range(1 + i % 4)),
            "date": f"2023-01-0{1 + i % 9}",
        }
        for i in range(n)
    ]


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _ids(path):
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bad_records_are_reported_with_locations_and_the_run_goes_on(tiny_model, tmp_path, capsys):
    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / "x.txt").write_text("date 2020-06-08\nRebels attacked the\nvillage.\n")
    good = _articles(3)
    src = tmp_path / "in.jsonl"
    src.write_bytes(
        b"".join(
            [
                json.dumps(good[0]).encode() + b"\n",
                b'{"id": "bad-bytes", "text": "\xff"}\n',
                json.dumps({"id": "empty", "text": "   "}).encode() + b"\n",
                json.dumps(good[1]).encode() + b"\n",
                json.dumps({"id": "a0", "text": "a duplicate id"}).encode() + b"\n",
                json.dumps({"id": "notext"}).encode() + b"\n",
                json.dumps(good[2]).encode() + b"\n",
            ]
        )
    )
    before = _sha(src)
    out = tmp_path / "out.jsonl"
    code = main(
        [str(src), str(folder), "--model", str(tiny_model), "-o", str(out), "--chunk-size", "2", "-q"]
    )
    assert code == 1
    assert _sha(src) == before  # inputs are only read
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a0", "a1", "a2", "x.txt"]
    assert list(records[0]) == [
        "id",
        "entities",
        "roles",
        "event_type",
        "sub_event_type",
        "sentences",
        "events",
        "date",
        "model",
    ]
    assert records[3]["date"] == "2020-06-08" and records[0]["date"] == good[0]["date"]
    text = (folder / "x.txt").read_text()
    for span in records[3]["entities"] + records[3]["roles"]:
        assert text[span["start"] : span["end"]] == span["text"]
    errors = [json.loads(line) for line in (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()]
    assert [(e["location"], e["id"]) for e in errors] == [
        (f"{src}:2", None),
        (f"{src}:3", "empty"),
        (f"{src}:5", "a0"),
        (f"{src}:6", "notext"),
    ]
    assert "duplicate id" in errors[2]["reason"] and "undecodable" in errors[0]["reason"]
    summary = capsys.readouterr().out
    assert "4 articles tagged, 4 failed" in summary

    clean = _write_jsonl(tmp_path / "clean.jsonl", _articles(4))
    assert main([str(clean), "--model", str(tiny_model), "-o", str(tmp_path / "clean-out.jsonl"), "-q"]) == 0


def test_usage_model_and_input_errors_exit_2(tiny_model, tmp_path, capsys):
    src = _write_jsonl(tmp_path / "in.jsonl", _articles(2))
    out = tmp_path / "out.jsonl"
    base = ["--model", str(tiny_model), "-o", str(out), "-q"]
    assert main([str(tmp_path / "missing.jsonl"), *base]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main([str(src), "--model", str(tmp_path), "-o", str(out)]) == 2
    assert "config.json is missing" in capsys.readouterr().err
    csv_in = tmp_path / "in.csv"
    csv_in.write_text("doc,text\n1,Rebels attacked.\n")
    assert main([str(csv_in), *base]) == 2
    assert "no column 'id'" in capsys.readouterr().err and not out.exists()
    with pytest.raises(SystemExit) as e:
        main([str(src), "--model", str(tiny_model)])  # no --output
    assert e.value.code == 2

    assert main([str(src), *base]) == 0
    assert main([str(src), *base]) == 2  # will not clobber a finished run
    assert "--resume" in capsys.readouterr().err
    assert main([str(src), *base, "--resume"]) == 0  # already complete: nothing to do
    _write_jsonl(src, _articles(3))
    assert main([str(src), *base, "--resume"]) == 2  # the input changed since
    assert "inputs changed" in capsys.readouterr().err
    assert main([str(src), *base, "--overwrite"]) == 0
    assert _ids(out) == ["a0", "a1", "a2"]


def test_csv_and_parquet_outputs_match_jsonl(tiny_model, tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", _articles(5))
    outs = {fmt: tmp_path / f"out.{fmt}" for fmt in ("jsonl", "csv", "parquet")}
    for out in outs.values():
        assert (
            main(
                [
                    str(src),
                    "--model",
                    str(tiny_model),
                    "-o",
                    str(out),
                    "--chunk-size",
                    "2",
                    "-q",
                    "--all-scores",
                ]
            )
            == 0
        )
    ref = [json.loads(line) for line in outs["jsonl"].read_text().splitlines()]
    import csv

    with open(outs["csv"], newline="") as f:
        csv_rows = list(csv.DictReader(f))
    pq_rows = pq.read_table(outs["parquet"]).to_pylist()
    assert not (tmp_path / "out.parquet.parts").exists()
    for rows in (csv_rows, pq_rows):
        assert len(rows) == len(ref)
        for row, r in zip(rows, ref):
            assert list(row) == list(r)
            assert row["id"] == r["id"] and row["date"] == r["date"]
            for key in ("entities", "event_type", "sentences", "model", "all_scores"):
                assert json.loads(row[key]) == r[key]


def test_resume_after_a_crash_between_write_and_progress_loses_and_repeats_nothing(
    tiny_model, tmp_path, monkeypatch
):
    rows = _articles(23)
    rows.insert(7, {"id": "a3", "text": "duplicate of an id in the first chunk"})
    src = _write_jsonl(tmp_path / "in.jsonl", rows)
    args = [str(src), "--model", str(tiny_model), "--chunk-size", "4", "-q"]
    ref = tmp_path / "ref.jsonl"
    assert main([*args, "-o", str(ref)]) == 1

    class Crash(Exception):
        pass

    saves = {"n": 0}
    real_save = Progress.save

    def crashing_save(self, path):
        saves["n"] += 1
        if saves["n"] == 4:  # the 3rd chunk is in the output, its progress record never written
            raise Crash
        real_save(self, path)

    monkeypatch.setattr(Progress, "save", crashing_save)
    out = tmp_path / "out.jsonl"
    with pytest.raises(Crash):
        main([*args, "-o", str(out)])
    monkeypatch.setattr(Progress, "save", real_save)
    with open(out, "ab") as f:
        f.write(b'{"id": "a99", "entities": [{"st')  # and a torn last line
    assert len(_ids(tmp_path / "ref.jsonl")) > 12

    assert main([*args, "-o", str(out), "--resume"]) == 1
    assert out.read_bytes() == ref.read_bytes()
    assert (tmp_path / "out.jsonl.errors.jsonl").read_bytes() == (
        tmp_path / "ref.jsonl.errors.jsonl"
    ).read_bytes()
    assert _ids(out) == [r["id"] for r in _articles(23)]


def test_sigkill_mid_run_then_resume(tiny_model, tmp_path):
    rows = _articles(60)
    src = _write_jsonl(tmp_path / "in.jsonl", rows)
    args = [str(src), "--model", str(tiny_model), "--chunk-size", "5", "-q"]
    out = tmp_path / "out.jsonl"
    # The child sleeps in every chunk so that the kill lands mid-run.
    code = (
        "import sys, time, inference.tagger as t\n"
        "tag = t.Tagger.tag_articles\n"
        "def slow(*a, **k):\n    time.sleep(0.3)\n    return tag(*a, **k)\n"
        "t.Tagger.tag_articles = slow\n"
        "from inference.batch.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args, "-o", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    progress = tmp_path / "out.jsonl.progress.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if progress.exists() and json.loads(progress.read_text())["consumed"] >= 15:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    proc.stderr.close()
    done = json.loads(progress.read_text())
    assert 15 <= done["consumed"] < 60 and not done["complete"]

    assert main([*args, "-o", str(out), "--resume"]) == 0
    assert _ids(out) == [r["id"] for r in rows]
    ref = tmp_path / "ref.jsonl"
    assert main([*args, "-o", str(ref)]) == 0
    assert out.read_bytes() == ref.read_bytes()


def test_python_dash_m_runs_the_cli(tiny_model, tmp_path):
    src = tmp_path / "articles"
    src.mkdir()
    (src / "one.txt").write_text("date 2021-05-01\nPolice fired tear gas\n\nat protesters.\n")
    out = tmp_path / "o.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "inference", str(src), "--model", str(tiny_model), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 articles tagged, 0 failed" in proc.stdout
    assert (
        out.read_text().splitlines()[0]
        == "id,entities,roles,event_type,sub_event_type,sentences,events,date,model"
    )


def test_no_events_leaves_out_the_events_column_and_is_part_of_the_fingerprint(tiny_model, tmp_path, capsys):
    src = _write_jsonl(tmp_path / "in.jsonl", _articles(3))
    with_events, without = tmp_path / "with.jsonl", tmp_path / "without.jsonl"
    base = [str(src), "--model", str(tiny_model), "-q"]
    assert main([*base, "-o", str(with_events)]) == 0
    assert main([*base, "-o", str(without), "--no-events"]) == 0
    full = [json.loads(line) for line in with_events.read_text().splitlines()]
    bare = [json.loads(line) for line in without.read_text().splitlines()]
    assert all("events" in r for r in full) and not any("events" in r for r in bare)
    assert [{k: v for k, v in r.items() if k != "events"} for r in full] == bare
    assert main([*base, "-o", str(without), "--resume"]) == 2  # events asked for now, not before
    assert "events changed" in capsys.readouterr().err


def test_the_loaded_model_is_frozen_from_the_collector_while_tagging_and_given_back_after(
    tiny_model, tmp_path, monkeypatch
):
    import gc

    from inference.batch import job

    frozen_while_tagging = []
    tag = job._tag

    def spy(tagger, records, args, events=True):
        frozen_while_tagging.append(gc.get_freeze_count())
        return tag(tagger, records, args, events)

    monkeypatch.setattr(job, "_tag", spy)
    src = _write_jsonl(tmp_path / "in.jsonl", _articles(3))
    assert main([str(src), "--model", str(tiny_model), "-q", "-o", str(tmp_path / "out.jsonl")]) == 0
    # the model's objects were out of the collector's scans while articles were tagged ...
    assert frozen_while_tagging and min(frozen_while_tagging) > 1000
    assert _ids(tmp_path / "out.jsonl") == ["a0", "a1", "a2"]
    assert gc.get_freeze_count() == 0  # ... and a caller that goes on gets its collector back
