"""Issue 16: broken model folders, mixed resumes, concurrent runs and clobbered folders each fail in one line."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inference.batch.cli import main as tag_main
from inference.batch.writers import Progress

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "configs" / "tiny.yaml"


def _articles(n):
    return [
        {"id": f"a{i}", "text": "Rebels attacked the village on Monday.", "date": "2023-01-02"}
        for i in range(n)
    ]


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _copy_model(src: Path, dst: Path, *, without=()) -> Path:
    shutil.copytree(src, dst)
    for name in without:
        (dst / name).unlink()
    return dst


def _tag(tmp_path, model, *extra, out=None, src=None):
    src = src or _jsonl(tmp_path / "in.jsonl", _articles(3))
    out = out or tmp_path / "out.jsonl"
    return tag_main([str(src), "--model", str(model), "-o", str(out), "-q", *extra])


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


# ---- bug 1 and 2: the tokenizer must be the one the model was trained with ------------------------------------
def test_model_folder_without_tokenizer_json_is_one_load_error(tiny_model, tmp_path, capsys):
    model = _copy_model(tiny_model, tmp_path / "m", without=["tokenizer.json"])
    assert _tag(tmp_path, model) == 2
    assert "tokenizer.json" in _one_line_error(capsys)
    assert not (tmp_path / "out.jsonl").exists()


def test_model_folder_without_tokenizer_config_is_one_load_error_naming_it(tiny_model, tmp_path, capsys):
    model = _copy_model(tiny_model, tmp_path / "m", without=["tokenizer_config.json"])
    assert _tag(tmp_path, model) == 2
    assert "tokenizer_config.json" in _one_line_error(capsys)


def _other_tokenizer(vocab: list[str], folder: Path) -> None:
    from transformers import BertTokenizerFast

    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        (folder / name).unlink(missing_ok=True)
    BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=True).save_pretrained(folder)


def test_another_models_tokenizer_is_refused_by_vocabulary_size(tiny_model, tmp_path, capsys):
    from training.pretrained import tiny_vocab

    model = _copy_model(tiny_model, tmp_path / "m")
    _other_tokenizer(tiny_vocab()[:300], model)  # an old folder (no fingerprint): the size check alone
    assert _tag(tmp_path, model) == 2
    err = _one_line_error(capsys)
    assert "300" in err and "344" in err and "tokenizer" in err


def test_a_tokenizer_with_the_same_size_but_other_words_is_refused_by_its_fingerprint(tiny_encoder, tmp_path):
    from conftest import TINY_HEADS
    from transformers import AutoTokenizer

    from inference import ConflictEventsModel
    from inference.tagger import ModelLoadError, Tagger
    from training.checkpoints import save_final
    from training.pretrained import tiny_vocab

    out = tmp_path / "run"
    out.mkdir()
    model = ConflictEventsModel.from_encoder(str(tiny_encoder), TINY_HEADS, max_length=64, stride=16)
    save_final(out, model, AutoTokenizer.from_pretrained(tiny_encoder))
    assert json.loads((out / "config.json").read_text())["tokenizer_fingerprint"]
    Tagger.from_pretrained(out, device="cpu")  # its own tokenizer: fine
    vocab = tiny_vocab()
    _other_tokenizer(vocab[:5] + vocab[5:][::-1], out)  # same size, the words in another order
    with pytest.raises(ModelLoadError, match="not the tokenizer this model was trained with"):
        Tagger.from_pretrained(out, device="cpu")


# ---- bug 3: numerics are part of a run's identity ---------------------------------------------------------------
def _interrupted_run(tmp_path, model, monkeypatch, *extra):
    src = _jsonl(tmp_path / "in.jsonl", _articles(6))
    real_save, saves = Progress.save, {"n": 0}

    class Crash(Exception):
        pass

    def crashing_save(self, path):
        saves["n"] += 1
        if saves["n"] == 3:
            raise Crash
        real_save(self, path)

    monkeypatch.setattr(Progress, "save", crashing_save)
    with pytest.raises(Crash):
        _tag(tmp_path, model, "--chunk-size", "2", *extra, src=src)
    monkeypatch.setattr(Progress, "save", real_save)
    return src


def test_resume_with_other_numerics_is_refused_and_outputs_say_their_numerics(
    tiny_model, tmp_path, monkeypatch, capsys
):
    src = _interrupted_run(tmp_path, tiny_model, monkeypatch, "--device", "cpu")
    code = _tag(
        tmp_path,
        tiny_model,
        "--chunk-size",
        "2",
        "--device",
        "cpu",
        "--quantize",
        "int8",
        "--resume",
        src=src,
    )
    assert code == 2
    assert "numerics" in _one_line_error(capsys)
    assert _tag(tmp_path, tiny_model, "--chunk-size", "2", "--device", "cpu", "--resume", src=src) == 0
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(records) == 6 and {r["model"]["numerics"] for r in records} == {"cpu float32"}
    int8 = tmp_path / "int8.jsonl"
    assert _tag(tmp_path, tiny_model, "--device", "cpu", "--quantize", "int8", out=int8, src=src) == 0
    assert json.loads(int8.read_text().splitlines()[0])["model"]["numerics"] == "cpu int8"


# ---- bug 4: one writer per output; a 'complete' output must still be whole -----------------------------------
def test_a_second_run_on_a_locked_output_is_refused_naming_the_pid(tiny_model, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom inference.batch.output_lock import OutputLock\n"
            "with OutputLock(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(60)\n",
            str(out),
        ],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert _tag(tmp_path, tiny_model, "--overwrite", out=out) == 2
        err = _one_line_error(capsys)
        assert str(holder.pid) in err and "being written" in err
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    # the holder died without cleaning up: its lock file is stale and the next run takes it over
    assert (tmp_path / "out.jsonl.lock").exists()
    assert _tag(tmp_path, tiny_model, "--overwrite", out=out) == 0
    assert not (tmp_path / "out.jsonl.lock").exists()


def test_resume_of_a_complete_run_whose_output_was_truncated_is_refused(tiny_model, tmp_path, capsys):
    out, src = tmp_path / "out.jsonl", _jsonl(tmp_path / "in.jsonl", _articles(3))
    assert _tag(tmp_path, tiny_model, out=out, src=src) == 0
    with open(out, "r+b") as f:
        f.truncate(100)
    assert _tag(tmp_path, tiny_model, "--resume", out=out, src=src) == 2
    err = _one_line_error(capsys)
    assert "100 bytes" in err and "--overwrite" in err


# ---- bug 5: unwritable or folder outputs ------------------------------------------------------------------------
def test_output_that_is_a_folder_is_one_line_exit_2(tiny_model, tmp_path, capsys):
    (tmp_path / "out.jsonl").mkdir()
    for extra in ((), ("--overwrite",)):
        assert _tag(tmp_path, tiny_model, *extra) == 2
        assert "is a folder" in _one_line_error(capsys)


def test_output_in_a_read_only_folder_is_one_line_exit_2(tiny_model, tmp_path, capsys):
    if os.geteuid() == 0:  # root writes anywhere chmod forbids; /sys refuses new files even to root
        ro = Path("/sys")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
    assert _tag(tmp_path, tiny_model, out=ro / "out.jsonl") == 2
    assert "cannot write" in _one_line_error(capsys)


# ---- bugs 6 and 7: training and conversion outputs ------------------------------------------------------------
def test_conflict_train_refuses_a_folder_that_is_not_a_run(tmp_path, capsys):
    from training import cli

    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_text("my notes")
    (out / "config.json").write_text('{"mine": true}')
    assert cli.main([str(TINY), "-o", str(out)]) == 2
    err = _one_line_error(capsys)
    assert "not a conflict-train run" in err and "--overwrite" in err
    assert (out / "config.json").read_text() == '{"mine": true}'


def test_conflict_train_output_naming_a_file_is_one_line_exit_2(tmp_path, capsys):
    from training import cli

    afile = tmp_path / "afile"
    afile.write_text("x")
    assert cli.main([str(TINY), "-o", str(afile)]) == 2
    assert "is a file" in _one_line_error(capsys)


def test_conflict_data_convert_out_naming_a_file_is_one_line_exit_2(tmp_path, capsys):
    from training.data.cli import main

    afile = tmp_path / "afile"
    afile.write_text("x")
    raw = Path(__file__).parent / "data" / "raw"
    assert main(["convert", "re3d", "--root", str(raw), "--out", str(afile)]) == 2
    assert "is a file" in _one_line_error(capsys)
    assert afile.read_text() == "x"


# ---- weak spots ---------------------------------------------------------------------------------------------------
def test_folder_input_says_what_it_skipped(tmp_path, caplog):
    from inference.batch.readers import discover_inputs

    folder = tmp_path / "dump"
    folder.mkdir()
    for name in ("a.jsonl", "b.json", "c.tsv", "README.md", "d.jsonl.bz2", "e.tsv"):
        (folder / name).write_text("{}\n")
    with caplog.at_level("WARNING"):
        files = discover_inputs([folder])
    assert [f.path.name for f in files] == ["a.jsonl"]
    lines = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(lines) == 1
    assert "5 files" in lines[0] and ".tsv (2)" in lines[0] and ".json (1)" in lines[0] and ".bz2" in lines[0]


def test_output_inside_the_input_folder_can_be_resumed(tiny_model, tmp_path, monkeypatch):
    folder = tmp_path / "dump"
    folder.mkdir()
    _jsonl(folder / "in.jsonl", _articles(6))
    out = folder / "out.jsonl"
    real_save, saves = Progress.save, {"n": 0}

    class Crash(Exception):
        pass

    def crashing_save(self, path):
        saves["n"] += 1
        if saves["n"] == 3:
            raise Crash
        real_save(self, path)

    monkeypatch.setattr(Progress, "save", crashing_save)
    args = [str(folder), "--model", str(tiny_model), "-o", str(out), "-q", "--chunk-size", "2"]
    with pytest.raises(Crash):
        tag_main(args)
    monkeypatch.setattr(Progress, "save", real_save)
    assert tag_main([*args, "--resume"]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [f"a{i}" for i in range(6)]


def test_an_input_edited_in_place_at_the_same_size_is_not_resumed(tiny_model, tmp_path, monkeypatch, capsys):
    src = _interrupted_run(tmp_path, tiny_model, monkeypatch)
    data = src.read_bytes()
    time.sleep(0.01)
    src.write_bytes(data.replace(b"a5", b"b5"))  # same size, other content
    assert _tag(tmp_path, tiny_model, "--chunk-size", "2", "--resume", src=src) == 2
    assert "inputs changed" in _one_line_error(capsys)


def test_input_fingerprint_sees_same_size_same_mtime_edits(tmp_path):
    from inference.batch.run_identity import input_fingerprint

    path = tmp_path / "x.jsonl"
    path.write_bytes(b"a" * 100_000)
    st = path.stat()
    before = input_fingerprint(path)
    path.write_bytes(b"a" * 99_999 + b"b")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert input_fingerprint(path) != before


def test_text_null_says_null(tmp_path):
    from inference.batch.readers import Fields, make_record

    rec = make_record("f:1", {"id": "x", "text": None}, Fields())
    assert "'text' is null" in rec.error


def test_json_line_cut_mid_string_says_so():
    from inference.batch.readers import Fields, jsonl_record

    rec = jsonl_record("f:1", b'{"id": "x", "text": "Rebels attac\n', Fields())
    assert "cut off" in rec.error and "Invalid control character" not in rec.error
    rec = jsonl_record("f:2", b'{"id": "x", "text": "Rebels attac', Fields())
    assert "cut off" in rec.error


def test_conflict_data_root_pointing_at_a_file_says_so(tmp_path, capsys):
    from training.data.cli import main

    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["convert", "re3d", "--root", str(afile), "--out", str(tmp_path / "o")]) == 2
    err = _one_line_error(capsys)
    assert "is a file, not a folder" in err and "does not exist" not in err


def test_conflict_train_given_a_folder_says_so(tmp_path, capsys):
    from training import cli

    assert cli.main([str(tmp_path), "-o", str(tmp_path / "o")]) == 2
    err = _one_line_error(capsys)
    assert "is a folder" in err and "not found" not in err
