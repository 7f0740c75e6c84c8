"""conflict-eval records: ACLED-like notes tagged with forced labels and spans, best records scored against rows."""

from __future__ import annotations

import json

import pytest
from forcing import force

from inference import Tagger
from training.evaluation.cli import main
from training.evaluation.records_command import (
    acled_notes,
    actor_matches,
    actor_words,
    best_record,
    evaluate_records,
    location_matches,
)

# Fictional notes in ACLED's coder style. Forced: "attacked"/"killed" make a sentence Battles / Armed clash.
NOTES = [
    {
        "id": "n1",
        "text": "On 3 March 2021, rebels attacked the capital and killed five soldiers.",
        "labels": {"event_type": ["Battles"], "sub_event_type": ["Armed clash"]},
        "meta": {
            "event_date": "2021-03-03",
            "fatalities": 5,
            "location": "Capital District",
            "admin1": "North",
            "admin2": None,
            "actor1": "Rebels (Testland)",
        },
    },
    {
        "id": "n2",
        "text": "On 4 March 2021, students held a peaceful rally in the city.",
        "labels": {"event_type": ["Protests"], "sub_event_type": ["Peaceful protest"]},
        "meta": {
            "event_date": "2021-03-04",
            "fatalities": 0,
            "location": "Lakeside",
            "actor1": "Protesters (Testland)",
        },
    },
    {
        "id": "n3",
        "text": "On 5 March 2021, soldiers attacked the village. Two rebels were killed.",
        "labels": {"event_type": ["Battles"], "sub_event_type": ["Armed clash"]},
        "meta": {
            "event_date": "2021-03-05",
            "fatalities": 3,
            "location": "Kalla",
            "admin1": "West",
            "actor1": "Military Forces of Testland (2019-)",
        },
    },
    {
        "id": "n4",
        "text": "On 6 March 2021, gunmen attacked farmers in the village.",
        "labels": {"event_type": ["Violence against civilians"], "sub_event_type": ["Attack"]},
        "meta": {
            "event_date": "2021-03-07",
            "fatalities": 0,
            "location": "Dunes",
            "admin2": "Village",
            "actor1": "Unidentified Armed Group (Testland)",
        },
    },
]
ENTITIES = {
    "rebels": "B-Organisation",
    "soldiers": "B-Organisation",
    "gunmen": "B-Organisation",
    "capital": "B-Location",
    "village": "B-Location",
    "city": "B-Location",
    "students": "B-Organisation",
}
ROLES = {"rebels": "B-S", "soldiers": "B-T", "gunmen": "B-S", "farmers": "B-T"}


@pytest.fixture
def notes_file(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps({"spans": {}, **n}) + "\n" for n in NOTES))
    return path


@pytest.fixture
def tagger(tiny_model, monkeypatch):
    t = Tagger.from_pretrained(tiny_model, device="cpu")
    force(t, monkeypatch, ENTITIES, ROLES)
    return t


def test_comparison_rules():
    assert location_matches(["the capital"], ["Capital District"])  # whole words, either way, "the" ignored
    assert location_matches(["Haifa city"], ["Haifa"]) and location_matches(["Madid"], ["Al-Madid"])
    assert not location_matches(["Madi"], ["Al Madid"])  # part of a word does not
    assert not location_matches(["Al"], ["Al Madid"])  # nor a name shorter than 3 characters
    assert not location_matches([], ["Haifa"]) and not location_matches(["Haifa"], [])
    assert actor_words("Military Forces of Yemen (2016-) Supreme Political Council") == {
        "military",
        "yemen",
        "supreme",
        "political",
        "council",
    }
    assert actor_words("Unidentified Armed Group (Syria)") == set()  # nothing left to match: not scored
    assert actor_matches(["Al shabaab militants"], "Al Shabaab")
    assert not actor_matches(["police"], "Protesters (Kenya)") and not actor_matches(
        ["Kenya"], "Protesters (Kenya)"
    )
    events = [
        {"event_type_score": 0.5, "n": 1},
        {"event_type_score": 0.9, "n": 2},
        {"event_type_score": 0.9, "n": 3},
    ]
    assert best_record(events)["n"] == 2 and best_record([]) is None


def test_scores_against_the_rows(tagger, notes_file):
    from training.data.canonical import load_examples

    summary, scores = evaluate_records(tagger, load_examples(notes_file))
    assert [s.has_record for s in scores] == [True, False, True, True]
    n1, n2, n3, n4 = scores
    assert n1.detail["predicted"] == {
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "date": "2021-03-03",
        "fatalities": 5,
        "location": ["capital"],
        "actor1": ["rebels"],
        "inter1": None,  # the tiny model has no inter1 / inter2 heads
        "inter2": None,
        "interaction": None,
    }
    assert (n1.fatalities_exact, n1.date_match, n1.location_match, n1.actor1_match) == (
        True,
        True,
        True,
        True,
    )
    assert (n3.fatalities_exact, n3.fatalities_within_1) == (False, True)  # 2 killed vs 3 in the row
    assert (n3.location_match, n3.actor1_match) == (
        False,
        False,
    )  # "village" vs Kalla; rebels (S) vs the army
    assert (n4.event_type, n4.date_match, n4.location_match, n4.actor1_match) == (False, False, True, None)
    assert summary["counts"] == {
        "notes": 4,
        "with_record": 3,
        "with_location": 3,
        "with_actor1": 2,
        "with_fatalities": 3,
        "with_date": 3,
        "with_coordinates": 0,  # these notes carry no coordinates or country
        "with_country": 0,
        "with_admin1": 2,
        "with_inter1": 0,  # no actor-category heads: nothing scored, the rates are null
        "with_inter2": 0,
        "with_interaction": 0,
    }
    m = summary["metrics"]
    assert (m["inter1_accuracy"], m["inter2_accuracy"], m["interaction_accuracy"]) == (None, None, None)
    assert (m["event_type_accuracy"], m["sub_event_type_accuracy"], m["no_record_rate"]) == (0.5, 0.5, 0.25)
    assert m["event_type_accuracy_given_record"] == 0.6667
    assert (m["fatalities_exact"], m["fatalities_within_1"]) == (0.6667, 1.0)
    assert (m["date_match"], m["location_match"], m["actor1_match"]) == (0.6667, 0.6667, 0.5)


def test_actor_category_accuracies():
    from training.data.canonical import Example
    from training.evaluation.records_command import score_note, summarize

    def note(i, inter1, inter2):
        labels = {"event_type": ["Battles"], "inter1": [inter1]} | ({"inter2": [inter2]} if inter2 else {})
        return Example(f"n{i}", "t", labels=labels)

    def record(inter1, inter2, interaction):
        return {"event_type": "Battles", "event_type_score": 0.9, "inter1": inter1, "inter2": inter2,
                "interaction": interaction}  # fmt: skip

    scores = [
        score_note(note(1, "State forces", "Rebel group"), [record("Rebel group", "State forces", 12)]),
        score_note(note(2, "Protesters", "No actor2"), [record("Protesters", "No actor2", 60)]),
        score_note(
            note(3, "State forces", None), [record("State forces", "Civilians", 17)]
        ),  # inter2 unknown
        score_note(note(4, "Civilians", "State forces"), []),  # no record: not scored
        score_note(
            Example("n5", "t", meta={"inter1": "Rioters"}), [record("Rioters", None, None)]
        ),  # meta gold
    ]
    assert scores[0].actor_types == {
        "inter1": False,
        "inter2": False,
        "interaction": True,
    }  # the pair, swapped
    assert scores[2].actor_types == {"inter1": True, "inter2": None, "interaction": None}
    summary = summarize(scores)
    m, counts = summary["metrics"], summary["counts"]
    assert (counts["with_inter1"], counts["with_inter2"], counts["with_interaction"]) == (4, 2, 2)
    assert (m["inter1_accuracy"], m["inter2_accuracy"], m["interaction_accuracy"]) == (0.75, 0.5, 1.0)


def test_geo_scores_measure_distance_country_and_admin1():
    from training.evaluation.geo_scores import geo_scores, same_place_name

    meta = {"latitude": "35.1318", "longitude": "36.7578", "country": "Syria", "admin1": "Idleb"}
    hama = {"latitude": 35.13179, "longitude": 36.75783, "country": "Syria", "admin1": "Idlib"}
    assert geo_scores(hama, meta) == {
        "has_coordinates": True,
        "within_10km": True,
        "within_50km": True,
        "country_match": True,
        "admin1_match": True,  # ACLED's "Idleb" is GeoNames' "Idlib"
    }
    far = {"latitude": 35.6, "longitude": 36.75, "country": "Lebanon", "admin1": "Hama"}  # ~52 km north
    got = geo_scores(far, meta)
    assert (got["within_10km"], got["within_50km"], got["country_match"], got["admin1_match"]) == (False,) * 4
    none = geo_scores({"country": "Syria"}, meta)
    assert (none["has_coordinates"], none["within_50km"], none["country_match"]) == (False, False, True)
    assert geo_scores(hama, {})["within_10km"] is None  # a row without coordinates is not scored
    assert same_place_name("Democratic Republic of Congo", "Democratic Republic of the Congo")
    assert not same_place_name("Niger", "Nigeria") and not same_place_name("", "")


def test_cli_prints_a_table_and_writes_json(tagger, tiny_model, notes_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(Tagger, "from_pretrained", classmethod(lambda cls, *a, **k: tagger))
    out, details = tmp_path / "m" / "metrics.json", tmp_path / "details.jsonl"
    assert (
        main(
            [
                "records",
                "--model",
                str(tiny_model),
                "--data",
                str(notes_file),
                "--limit",
                "2",
                "--out",
                str(out),
                "--details",
                str(details),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert f"2 notes from {notes_file}" in printed
    assert "event_type_accuracy                   0.500  2" in printed and "actor1_match" in printed
    saved = json.loads(out.read_text())
    assert saved["counts"]["notes"] == 2 and saved["metrics"]["no_record_rate"] == 0.5
    assert saved["model"]["sha256"] == tagger.model_info["sha256"]
    rows = [json.loads(line) for line in details.read_text().splitlines()]
    assert [(r["id"], r["records"], r["matches"]["event_type"]) for r in rows] == [
        ("n1", 1, True),
        ("n2", 0, False),
    ]


def test_cli_errors_exit_2(tiny_model, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    assert main(["records", "--model", str(tiny_model), "--data", str(bad)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err
    assert main(["records", "--model", str(tmp_path), "--data", str(bad)]) == 2
    assert main(["records", "--model", str(tiny_model), "--root", str(tmp_path / "nowhere")]) == 2
    assert "conflict-eval: error" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["records", "--model", str(tiny_model)])  # --root or --data is required


def test_acled_dev_notes_carry_what_the_scores_need(shared_data):
    notes, rejected = acled_notes(shared_data)
    assert len(notes) == 3091 and rejected == 5  # acled dev: >= 20 per sub-type, <= 300
    assert all(
        n.meta.get("event_date") and "fatalities" in n.meta and n.labels.get("event_type") for n in notes
    )


def test_acled_crowd_names_match_a_crowd_word_but_not_the_police():
    assert actor_matches(["hundreds of demonstrators"], "Protesters (India)")
    assert actor_matches(["a mob"], "Rioters (Brazil)")
    assert not actor_matches(["police officers"], "Rioters (Brazil)")
    assert not actor_matches(["demonstrators"], "Military Forces of Kenya (2013-2022)")
