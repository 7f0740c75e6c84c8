"""The ``conflict-data`` CLI (list / stats / convert) and ``compute_stats``, run in-process on the fixtures."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from training.data import registry
from training.data.canonical import Example, load_examples
from training.data.cli import main
from training.data.registry import Conversion, Converter
from training.data.stats import compute_percentiles, compute_stats

RAW = Path(__file__).parent / "data" / "raw"
REPO = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bad_root(tmp_path) -> Path:
    """A copy of the re3d fixture whose train sentence 2 carries an unknown tag on file line 11."""
    root = tmp_path / "raw"
    shutil.copytree(RAW / "conflibert_re3d", root / "conflibert_re3d")
    path = root / "conflibert_re3d" / "train.txt"
    data = path.read_bytes()
    assert data.splitlines()[10] == b"MoD\tB-Organisation"
    path.write_bytes(data.replace(b"MoD\tB-Organisation", b"MoD\tB-Ministry"))
    return root


def test_list_shows_every_converter_and_survives_a_broken_module(capsys, monkeypatch):
    monkeypatch.setitem(registry._MODULES, "zz_broken", "training.data.sources.does_not_exist")
    code, out, _ = run(capsys, "list")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(registry.names()) <= set(rows)
    assert "entities" in rows["re3d"] and "roles" in rows["cameo_ner"] and "muc4_roles" in rows["muc4"]
    assert "unavailable: ModuleNotFoundError" in rows["zz_broken"]


def test_convert_writes_splits_manifest_and_is_byte_identical(capsys, tmp_path):
    out1, out2 = tmp_path / "a", tmp_path / "b"
    code, stdout, _ = run(capsys, "convert", "re3d", "--root", str(RAW), "--out", str(out1))
    assert code == 0 and "train 3, dev 2" in stdout
    assert sorted(p.name for p in out1.iterdir()) == ["dev.jsonl", "manifest.json", "train.jsonl"]
    assert [e.id for e in load_examples(out1 / "dev.jsonl")] == ["re3d-dev-0", "re3d-dev-1"]
    manifest = json.loads((out1 / "manifest.json").read_text())
    assert manifest["dataset"] == "re3d" and manifest["source_folder"] == "conflibert_re3d"
    assert manifest["counts"] == {"train": 3, "dev": 2} and manifest["rejects"] == 0
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out1 / name).read_bytes()).hexdigest() == digest
    # twice, with --root spelled differently: the same bytes
    rel_root = os.path.relpath(RAW)
    assert run(capsys, "convert", "re3d", "--root", rel_root, "--out", str(out2))[0] == 0
    for name in ("train.jsonl", "dev.jsonl", "manifest.json"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes()


def test_convert_records_the_carve_seed(capsys, tmp_path):
    assert run(capsys, "convert", "cameo_class", "--root", str(RAW), "--out", str(tmp_path))[0] == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seeds"] == {"dev_carve.seed": 13}
    assert manifest["counts"]["dev"] == 5


def test_bad_record_stops_with_one_line_and_exit_2(capsys, tmp_path, bad_root):
    code, _, err = run(capsys, "convert", "re3d", "--root", str(bad_root), "--out", str(tmp_path / "o"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "train.txt:11" in err and "field 'tag'" in err and "B-Ministry" in err


def test_skip_bad_keeps_good_records_and_writes_rejects(capsys, tmp_path, bad_root):
    out = tmp_path / "o"
    code, stdout, _ = run(capsys, "convert", "re3d", "--root", str(bad_root), "--out", str(out), "--skip-bad")
    assert code == 0 and "rejects 1" in stdout
    assert [e.id for e in load_examples(out / "train.jsonl")] == ["re3d-train-0", "re3d-train-2"]
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == 1
    assert rejects[0]["file"] == "conflibert_re3d/train.txt"  # relative to --root: no machine paths
    assert (rejects[0]["line"], rejects[0]["field"]) == (11, "tag") and "B-Ministry" in rejects[0]["reason"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rejects"] == 1 and "rejects.jsonl" in manifest["files"]
    # a later clean conversion into the same folder removes the stale rejects file
    assert run(capsys, "convert", "re3d", "--root", str(RAW), "--out", str(out))[0] == 0
    assert not (out / "rejects.jsonl").exists()


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (
            ["convert", "re3d", "--root", "/no/such/root", "--out", "OUT"],
            "data root /no/such/root does not exist",
        ),
        (["stats", "re3d", "--root", "/no/such/root"], "does not exist"),
        (["convert", "nope", "--root", str(RAW), "--out", "OUT"], "unknown dataset 'nope'"),
        (["convert", "re3d", "--root", "EMPTY", "--out", "OUT"], "expects the folder"),
    ],
)
def test_input_errors_exit_2_with_a_message(capsys, tmp_path, argv, fragment):
    (tmp_path / "empty").mkdir()
    places = {"OUT": str(tmp_path / "out"), "EMPTY": str(tmp_path / "empty")}
    argv = [places.get(a, a) for a in argv]
    code, _, err = run(capsys, *argv)
    assert code == 2 and fragment in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_usage_errors_exit_2(capsys):
    assert run(capsys, "convert", "re3d")[0] == 2  # --out missing
    assert run(capsys, "frobnicate")[0] == 2


def _fake_converter(monkeypatch, examples: dict[str, list[Example]]) -> None:
    def fn(folder, *, skip_bad=False):
        return Conversion(splits={s: list(v) for s, v in examples.items()})

    monkeypatch.setitem(registry._MODULES, "fake", "training.data.registry")
    monkeypatch.setitem(
        registry._REGISTRY,
        "fake",
        Converter(name="fake", description="d", heads=("h",), folder="conflibert_re3d", fn=fn),
    )


def test_span_out_of_range_is_caught_before_writing(capsys, tmp_path, monkeypatch):
    good = Example("g", "fine text", spans={"h": [(0, 4, "X")]})
    bad = Example("b", "short", spans={"h": [(0, 40, "X")]})
    _fake_converter(monkeypatch, {"train": [good, bad]})
    code, _, err = run(capsys, "convert", "fake", "--root", str(RAW), "--out", str(tmp_path / "o"))
    assert code == 2 and "train.jsonl:2" in err and "field 'spans.h'" in err and "out of range" in err
    assert not (tmp_path / "o" / "train.jsonl").exists()
    code, _, _ = run(
        capsys, "convert", "fake", "--root", str(RAW), "--out", str(tmp_path / "o"), "--skip-bad"
    )
    assert code == 0
    assert [e.id for e in load_examples(tmp_path / "o" / "train.jsonl")] == ["g"]
    reject = json.loads((tmp_path / "o" / "rejects.jsonl").read_text())
    assert (reject["line"], reject["field"]) == (2, "spans.h") and "example 'b'" in reject["reason"]


def test_duplicate_ids_are_rejected(capsys, tmp_path, monkeypatch):
    _fake_converter(monkeypatch, {"train": [Example("a", "x")], "dev": [Example("a", "y")]})
    code, _, err = run(capsys, "convert", "fake", "--root", str(RAW), "--out", str(tmp_path))
    assert code == 2 and "duplicate id 'a'" in err and "dev.jsonl:1" in err


def test_stats_table_and_json(capsys):
    code, out, _ = run(capsys, "stats", "re3d", "--root", str(RAW))
    assert code == 0
    assert "token head 'entities'" in out
    money = next(line for line in out.splitlines() if line.startswith("Money"))
    assert money.split() == ["Money", "0", "1"]
    code, out, _ = run(capsys, "stats", "cameo_class", "--root", str(RAW), "--json")
    stats = json.loads(out)
    assert stats["examples"] == {"train": 5, "dev": 5}
    assert stats["sequence_heads"]["cameo_class"]["labels"]["statement"] == {"train": 1, "dev": 1}
    assert stats["token_heads"] == {}


def test_compute_stats_counts_absent_empty_and_lengths():
    conv = Conversion(
        splits={
            "train": [
                Example("1", "a b c", spans={"ents": [(0, 1, "P"), (2, 3, "P")]}, labels={"t": ["x", "y"]}),
                Example("2", "abcdefgh", spans={"ents": []}),
                Example("3", "z", labels={"t": []}),
            ],
            "dev": [Example("4", "q r", spans={"ents": [(0, 1, "L")]}, labels={"t": ["x"]})],
        }
    )
    stats = compute_stats(conv)
    assert stats["examples"] == {"train": 3, "dev": 1}
    ents = stats["token_heads"]["ents"]
    assert ents["labels"] == {"L": {"train": 0, "dev": 1}, "P": {"train": 2, "dev": 0}}
    assert ents["absent"] == {"train": 1, "dev": 0} and ents["empty"] == {"train": 1, "dev": 0}
    t = stats["sequence_heads"]["t"]
    assert t["labels"] == {"x": {"train": 1, "dev": 1}, "y": {"train": 1, "dev": 0}}
    assert t["absent"] == {"train": 1, "dev": 0} and t["empty"] == {"train": 1, "dev": 0}
    assert stats["text_length"]["train"]["chars"] == {"p50": 5, "p90": 8, "p99": 8, "max": 8}
    assert stats["text_length"]["train"]["tokens"]["max"] == 3


def test_percentiles_are_nearest_rank():
    assert compute_percentiles(list(range(1, 101))) == {"p50": 50, "p90": 90, "p99": 99, "max": 100}
    assert compute_percentiles([]) == {"p50": 0, "p90": 0, "p99": 0, "max": 0}


def test_module_entry_point_in_a_subprocess(tmp_path):
    env = os.environ | {"PYTHONPATH": str(REPO)}
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.data.cli",
            "convert",
            "muc4",
            "--root",
            str(RAW),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads((tmp_path / "manifest.json").read_text())["counts"] == {"train": 3, "dev": 1}
    bad = subprocess.run(
        [sys.executable, "-m", "training.data.cli", "stats", "re3d", "--root", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr


def test_real_re3d_convert(capsys, tmp_path, shared_data):
    code, out, _ = run(capsys, "convert", "re3d", "--root", str(shared_data), "--out", str(tmp_path))
    assert code == 0 and "train 574, dev 191; rejects 0" in out
    assert len((tmp_path / "train.jsonl").read_text().splitlines()) == 574
