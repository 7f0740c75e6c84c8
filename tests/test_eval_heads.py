"""conflict-eval heads: a saved model's heads scored on labelled data, with forced predictions of known scores."""

import json

import pytest
from forcing import force

from inference import Tagger
from training.evaluation.cli import main

ENTITIES = {"rebels": "B-Organisation", "village": "B-Location"}
DATA = [
    {  # both entities found; Battles (trigger word) right
        "id": "e1",
        "text": "rebels attacked the village",
        "spans": {"entities": [[0, 6, "Organisation"], [20, 27, "Location"]]},
        "labels": {"event_type": ["Battles"]},
    },
    {  # both entities missed; no event ([] = none) right
        "id": "e2",
        "text": "the army entered the capital",
        "spans": {"entities": [[4, 8, "Organisation"], [21, 28, "Location"]]},
        "labels": {"event_type": []},
    },
    {  # entities not annotated here (absent: not scored); Protests predicted as Battles
        "id": "e3",
        "text": "rebels killed two men",
        "labels": {"event_type": ["Protests"]},
    },
]


@pytest.fixture
def forced(tiny_model, monkeypatch):
    tagger = Tagger.from_pretrained(tiny_model, device="cpu")
    force(tagger, monkeypatch, ENTITIES, {})
    monkeypatch.setattr(Tagger, "from_pretrained", classmethod(lambda cls, *a, **k: tagger))
    return tagger


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_scores_every_annotated_head_and_only_the_examples_that_annotate_it(
    forced, tiny_model, tmp_path, capsys
):
    data, out = _write(tmp_path / "dev.jsonl", DATA), tmp_path / "scores.json"
    assert main(["heads", "--model", str(tiny_model), "--data", str(data), "--out", str(out)]) == 0
    saved = json.loads(out.read_text())
    scores = saved["scores"]
    assert set(scores) == {"entities", "event_type"}  # roles and sub_event_type: not in the data
    ent = scores["entities"]
    assert ent["n"] == 2 and ent["precision"] == 1.0 and ent["recall"] == pytest.approx(0.5)
    assert ent["per_label"]["Location"]["support"] == 2 and ent["per_label"]["Location"]["recall"] == 0.5
    ev = scores["event_type"]
    assert ev["n"] == 3 and ev["accuracy"] == pytest.approx(2 / 3)
    assert saved["model"]["sha256"] == forced.model_info["sha256"] and saved["examples"] == 3
    printed = capsys.readouterr().out
    assert "entities (n=2): span P 1.000 R 0.500" in printed and "event_type (n=3): acc 0.667" in printed
    assert main(["heads", "--model", str(tiny_model), "--data", str(data), "--heads", "event_type"]) == 0
    printed = capsys.readouterr().out
    assert "event_type (n=3)" in printed and "entities" not in printed


def test_errors_name_the_file_field_and_fix(forced, tiny_model, tmp_path, capsys):
    wrong = _write(tmp_path / "wrong.jsonl", [{**DATA[0], "labels": {"event_type": ["Riots"]}}])
    assert main(["heads", "--model", str(tiny_model), "--data", str(wrong)]) == 2
    err = capsys.readouterr().err
    assert "wrong.jsonl: field 'labels.event_type'" in err and "label 'Riots'" in err
    other = _write(tmp_path / "other.jsonl", [{"id": "x", "text": "t", "labels": {"topic": ["a"]}}])
    assert main(["heads", "--model", str(tiny_model), "--data", str(other)]) == 2
    assert "annotates none of the heads" in capsys.readouterr().err
    data = _write(tmp_path / "dev.jsonl", DATA)
    assert main(["heads", "--model", str(tiny_model), "--data", str(data), "--heads", "actors"]) == 2
    assert "not heads of" in capsys.readouterr().err
    assert main(["heads", "--model", str(tiny_model), "--dataset", "re3d", "--root", str(tmp_path)]) == 2
    assert "conflict-eval: error" in capsys.readouterr().err


def test_where_scores_only_the_examples_of_the_named_meta_values(forced, tiny_model, tmp_path, capsys):
    rows = [{**r, "meta": {"source": s}} for r, s in zip(DATA, ["satp", "ceha", "glocon"])]
    data, out = _write(tmp_path / "dev.jsonl", rows), tmp_path / "scores.json"
    base = ["heads", "--model", str(tiny_model), "--data", str(data), "--heads", "event_type"]
    assert main([*base, "--where", "source=ceha,glocon", "--out", str(out)]) == 0
    saved = json.loads(out.read_text())
    # e2 (right) and e3 (wrong) only: e1, the other right one, is left out
    assert saved["examples"] == 2 and saved["scores"]["event_type"]["accuracy"] == pytest.approx(0.5)
    assert "where source in ['ceha', 'glocon']" in saved["data"]
    assert main([*base, "--where", "source=bbc"]) == 2
    err = capsys.readouterr().err
    assert "no example" in err and "'satp'" in err  # it names the values the data has
    assert main([*base, "--where", "source"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
