"""`make demo`: model choice (trained demo model, or tiny without the shared data), labels JSONL, printed tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from inference.batch.tables import entities_by_type, event_row, format_article
from inference.batch.tables import main as print_main
from training.demo import main as demo_main
from training.demo import model_ready

REPO = Path(__file__).resolve().parents[1]
REPO_ARTICLES = REPO / "examples" / "articles"

RECORD = {
    "id": "a1.txt",
    "date": "2021-03-04",
    "entities": [
        {"text": "Rebels", "label": "Organisation", "start": 16, "end": 22},
        {"text": "the\ncapital", "label": "Location", "start": 32, "end": 43},
        {"text": "rebels", "label": "Organisation", "start": 90, "end": 96},
        {"text": "police", "label": "Organisation", "start": 60, "end": 66},
        {"text": "the", "label": "Location", "start": 70, "end": 73},
        {"text": "Nigeria (", "label": "Location", "start": 80, "end": 89},
    ],
    "events": [
        {
            "event_type": "Battles",
            "sub_event_type": "Armed clash",
            "date": "2021-03-01",
            "date_mention": "Monday",
            "actor1": [{"text": "Rebels"}],
            "actor2": [{"text": "soldiers"}, {"text": "police"}, {"text": "army"}],
            "location": [{"text": "the\ncapital"}],
            "fatalities": 8,
            "fatalities_range": None,
        },
        {
            "event_type": "Protests",
            "sub_event_type": None,
            "date": None,
            "date_mention": "last week",
            "actor1": [],
            "actor2": [],
            "location": [],
            "fatalities": None,
            "fatalities_range": [0, 12],
        },
    ],
}


def test_event_rows_and_entity_groups():
    assert event_row(1, RECORD["events"][0]) == [
        "1",
        "Battles / Armed clash",
        "2021-03-01",
        "Rebels -> soldiers, police +1",
        "the capital",
        "8",
    ]
    assert event_row(2, RECORD["events"][1]) == ["2", "Protests", "? (last week)", "? -> ?", "?", "0-12"]
    assert entities_by_type(RECORD["entities"]) == {
        "Organisation": ["Rebels", "police"],
        "Location": ["the capital", "Nigeria ("],
    }
    block = format_article(RECORD).splitlines()
    assert block[0] == "== a1.txt (2021-03-04) ==" and block[1] == "events (2):"
    assert block[2].split() == [
        "#",
        "type",
        "/",
        "sub-type",
        "date",
        "actor1",
        "->",
        "actor2",
        "location",
        "fatalities",
    ]
    assert block[-3:] == [
        "entities:",
        "  Organisation  Rebels; police",
        "  Location      the capital; Nigeria (",
    ]
    empty = format_article({"id": "b", "date": None, "entities": [], "events": []})
    assert empty.splitlines() == ["== b ==", "events: none", "entities: none"]


def test_demo_without_shared_data_trains_tiny_labels_and_prints(tmp_path, capsys):
    articles = tmp_path / "articles"
    articles.mkdir()
    for name in ("borno_checkpoint_attack.txt", "dakar_protest_tear_gas.txt"):
        shutil.copy(REPO_ARTICLES / name, articles / name)
    (articles / "notes.md").write_text("not an article")
    model, out = tmp_path / "tiny-model", tmp_path / "run"
    tiny = tmp_path / "tiny-1.yaml"  # tiny.yaml on one epoch, to keep the test short
    tiny.write_text(
        f"base: {REPO / 'configs' / 'tiny.yaml'}\ntrain: {{epochs: 1, zero_shot_baseline: false}}\n"
    )
    argv = [
        "--data-root",
        str(tmp_path / "no-data"),
        "--tiny-config",
        str(tiny),
        "--tiny-model-dir",
        str(model),
        "--out",
        str(out),
        "--articles",
        str(articles),
        str(tmp_path / "missing-folder"),
    ]
    assert demo_main(argv) == 0
    printed = capsys.readouterr().out
    assert (
        "shared data is not at" in printed and "MEANINGLESS" in printed and "training tiny-1.yaml" in printed
    )
    assert model_ready(model)
    records = [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == ["borno_checkpoint_attack.txt", "dakar_protest_tear_gas.txt"]
    assert [r["date"] for r in records] == ["2023-09-14", "2023-06-03"]
    assert all(isinstance(r["events"], list) for r in records)
    for r in records:
        assert f"== {r['id']} ({r['date']}) ==" in printed
        assert (f"events ({len(r['events'])}):" if r["events"] else "events: none") in printed

    assert demo_main(argv) == 0  # the model is there now: no second training
    again = capsys.readouterr().out
    assert "using the trained model in" in again and "training tiny-1.yaml" not in again
    assert print_main([str(out / "labels.jsonl")]) == 0
    assert capsys.readouterr().out.strip() == again.split("this run)\n", 1)[1].strip()


def test_demo_with_data_uses_the_trained_model_it_finds(tiny_model, tmp_path, capsys):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "one.txt").write_text("date 2021-05-01\nPolice fired tear gas at protesters.\n")
    data = tmp_path / "data"
    data.mkdir()
    assert (
        demo_main(
            [
                "--data-root",
                str(data),
                "--model-dir",
                str(tiny_model),
                "--out",
                str(tmp_path / "run"),
                "--articles",
                str(articles),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "MEANINGLESS" not in printed and f"using the trained model in {tiny_model}" in printed
    assert "== one.txt (2021-05-01) ==" in printed
    assert (
        demo_main(
            [
                "--data-root",
                str(data),
                "--model-dir",
                str(tiny_model),
                "--out",
                str(tmp_path / "run"),
                "--articles",
                str(tmp_path / "none"),
            ]
        )
        == 2
    )
    assert "no .txt articles" in capsys.readouterr().err
