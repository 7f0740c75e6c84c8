"""Event records in the tagger's results and in conflict-tag's output: the adapter from ArticleResult to the
events layer, run on the tiny model with forced labels and spans so that the records are known in advance."""

from __future__ import annotations

import csv
import json

import pytest
from forcing import force

from inference import Tagger
from inference.batch.cli import main as tag_main
from inference.batch.output_record import output_columns, output_record
from inference.decode.labels import SequencePrediction
from inference.decode.spans import Span
from inference.events.from_tagging import article_events, clean_mention, mentions
from inference.model.configuration import HeadSpec
from inference.prediction import TextPrediction
from inference.results import ArticleResult, LabelScore, SentenceResult
from inference.text.processor import prepare_text

# A date prefix, hard wraps and curly quotes: offsets must survive all three. 2021-03-04 is a Thursday.
ORIGINAL = (
    "date 2021-03-04\n"
    "Rebels attacked the\ncapital on Monday and killed five soldiers, \u201cpolice\u201d said.\n"
    "Three rebels were also killed in the capital during the fighting.\n"
    "The president will visit the city next week.\n"
)
ENTITIES = {
    "rebels": "B-Organisation",
    "capital": "B-Location",
    "soldiers": "B-Organisation",
    "police": "B-Organisation",
    "city": "B-Location",
    "monday": "B-Temporal",
}
ROLES = {"rebels": "B-S", "soldiers": "B-T"}


def _prediction(text, spans, event_type=None):
    """A TextPrediction of ``text`` with the given spans (normalised offsets) and one event_type per sentence."""
    prep = prepare_text(text)
    labels = {}
    if event_type is not None:
        labels["event_type"] = [SequencePrediction([event_type], {event_type: 0.9}) for _ in prep.sentences]
    return TextPrediction(prep, spans, labels, {}, {})


@pytest.fixture
def tagger(tiny_model, monkeypatch) -> Tagger:
    t = Tagger.from_pretrained(tiny_model, device="cpu")
    force(t, monkeypatch, ENTITIES, ROLES)
    return t


def check_offsets(text: str, record: dict) -> None:
    for key in ("actor1", "actor2", "location", "evidence"):
        for item in record[key]:
            assert text[item["start"] : item["end"]] == item["text"], (key, item)


def test_two_battle_sentences_in_one_place_make_one_record(tagger):
    [res] = tagger([{"id": "a1", "text": ORIGINAL}])
    assert [s.labels["event_type"][0].label for s in res.sentences] == ["Battles", "Battles", "none"]
    [record] = res.events
    assert (record["event_type"], record["sub_event_type"]) == ("Battles", "Armed clash")
    assert record["event_type_score"] > 0.99
    assert (record["date"], record["date_mention"]) == ("2021-03-01", "on Monday")  # before the prefix date
    assert record["fatalities"] == 8  # five soldiers + three rebels "also" killed
    assert [a["text"] for a in record["actor1"]] == ["Rebels"]
    assert [a["text"] for a in record["actor2"]] == ["soldiers"]
    assert [p["text"] for p in record["location"]] == ["capital"]
    assert [e["text"] for e in record["evidence"]] == [
        "Rebels attacked the\ncapital on Monday and killed five soldiers, \u201cpolice\u201d said.",
        "Three rebels were also killed in the capital during the fighting.",
    ]
    check_offsets(ORIGINAL, record)
    assert res.to_dict(4)["events"][0]["fatalities"] == 8


def test_without_a_date_relative_days_stay_unresolved(tagger):
    body = ORIGINAL.split("\n", 1)[1]
    [res] = tagger([{"id": "a1", "text": body}])
    [record] = res.events
    assert (record["date"], record["date_mention"]) == (None, "on Monday")
    [res] = tagger([{"id": "a1", "text": body, "date": "2021-03-10"}])  # a Wednesday: Monday is the 8th
    assert res.events[0]["date"] == "2021-03-08"
    [res] = tagger([{"id": "a1", "text": body, "date": "10 March 2021"}])  # not ISO: ignored, not an error
    assert res.events[0]["date"] is None and res.events[0]["fatalities"] == 8


def test_sentences_without_event_labels_make_no_record(tiny_model, monkeypatch):
    t = Tagger.from_pretrained(tiny_model, device="cpu")
    force(t, monkeypatch, ENTITIES, ROLES, triggers=("zzz",))
    [res] = t([ORIGINAL])
    assert res.events == [] and res.to_dict()["events"] == []


def test_separate_places_make_separate_records_in_text_order(tagger):
    text = (
        "date 2021-03-04\nRebels attacked the capital on Monday and killed five soldiers.\n"
        "In a separate incident, police killed two rebels in the city on Tuesday.\n"
    )
    [res] = tagger([text])
    assert [(r["date"], [p["text"] for p in r["location"]], r["fatalities"]) for r in res.events] == [
        ("2021-03-01", ["capital"], 5),
        ("2021-03-02", ["city"], 2),
    ]
    for record in res.events:
        check_offsets(text, record)


def test_a_model_without_event_heads_gives_no_records(tiny_encoder, tmp_path, monkeypatch):
    from transformers import AutoTokenizer

    from inference import ConflictEventsModel

    heads = [{"name": "entities", "kind": "token", "labels": ["Organisation", "Location", "Temporal"]}]
    ConflictEventsModel.from_encoder(str(tiny_encoder), heads, max_length=64, stride=16).save_pretrained(
        tmp_path
    )
    AutoTokenizer.from_pretrained(tiny_encoder).save_pretrained(tmp_path)
    t = Tagger.from_pretrained(tmp_path, device="cpu")
    force(t, monkeypatch, {"rebels": "B-Organisation", "capital": "B-Location"}, {})
    [res] = t([ORIGINAL])
    assert [s.text for s in res.spans["entities"]] == ["Rebels", "capital", "rebels", "capital"]
    assert res.events == [] and res.to_dict()["events"] == []


def test_mentions_are_trimmed_and_function_word_spans_dropped():
    text = "the \u201cpro-government\u201d forces and It"
    assert clean_mention(text, 0, 3) is None
    assert clean_mention(text, 4, 20) == (5, 19)  # the quotes go
    assert clean_mention(text, 8, 19) == (9, 19)  # "-government" -> "government"
    assert clean_mention(text, len(text) - 2, len(text)) is None
    pred = _prediction(
        text,
        {
            "entities": [Span(0, 3, "Location", 0.9), Span(8, 19, "Organisation", 0.8)],
            "roles": [Span(4, 27, "S", 0.7)],
            "other": [Span(0, 3, "X", 0.9)],
        },
    )
    got = [(m.head, m.label, m.text, m.start) for m in mentions(pred)]
    assert got == [  # read in the normalised text, where curly quotes are ASCII
        ("entities", "Organisation", "government", 9),
        ("roles", "S", 'pro-government" forces', 5),
    ]


def test_a_places_head_adds_its_spans_as_locations_once():
    text = "Rebels attacked Kondele and Kisumu town."
    pred = _prediction(
        text,
        {
            "entities": [Span(28, 34, "Location", 0.9), Span(16, 23, "Person", 0.6)],
            "places": [
                Span(16, 23, "Location", 0.8),
                Span(28, 34, "Location", 0.7),
                Span(35, 39, "Location", 0.5),
            ],
        },
    )
    got = [(m.head, m.label, m.text) for m in mentions(pred)]
    # Kisumu is already an entities Location; "town" alone is a function-word-free span and is kept
    assert got == [
        ("entities", "Location", "Kisumu"),
        ("entities", "Person", "Kondele"),
        ("entities", "Location", "Kondele"),
        ("entities", "Location", "town"),
    ]
    assert [m.score for m in mentions(pred) if m.text == "Kondele" and m.label == "Location"] == [0.8]


def test_output_records_put_events_after_sentences_with_rounded_scores():
    event = {
        "event_type": "Battles",
        "event_type_score": 0.123456,
        "sub_event_type": None,
        "sub_event_type_score": None,
        "actor1": [{"text": "a", "start": 0, "end": 1}],
    }
    res = ArticleResult(
        id="x",
        date=None,
        spans={},
        labels={"event_type": [LabelScore("Battles", 0.9)]},
        sentences=[SentenceResult(0, 1, "a", {})],
        model={},
        events=[event],
    )
    heads = [HeadSpec("event_type", "sequence", ["none", "Battles"])]
    record = output_record(res, heads, ndigits=4)
    assert list(record) == ["id", "event_type", "sentences", "events", "date", "model"]
    assert list(record) == output_columns(heads, events=True)
    assert record["events"][0]["event_type_score"] == 0.1235
    record["events"][0]["actor1"].append("changed")
    assert res.events[0]["actor1"] == [{"text": "a", "start": 0, "end": 1}]  # a copy, not the result's own
    res.events = None  # skipped by the caller: no events key at all
    assert (
        list(output_record(res, heads))
        == output_columns(heads)
        == ["id", "event_type", "sentences", "date", "model"]
    )
    with pytest.raises(ValueError, match="clash with output keys"):
        output_columns([HeadSpec("events", "sequence", ["a", "b"])])


def test_conflict_tag_writes_events_in_every_format(tagger, tiny_model, tmp_path, monkeypatch):
    monkeypatch.setattr(Tagger, "from_pretrained", classmethod(lambda cls, *a, **k: tagger))
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": "a1", "text": ORIGINAL})
        + "\n"
        + json.dumps({"id": "a2", "text": "The president visited the city."})
        + "\n"
    )
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"out.{fmt}"
        assert tag_main([str(src), "--model", str(tiny_model), "-o", str(out), "-q"]) == 0
        if fmt == "jsonl":
            rows = [json.loads(line) for line in out.read_text().splitlines()]
        else:
            with open(out, newline="") as f:
                rows = [{**r, "events": json.loads(r["events"])} for r in csv.DictReader(f)]
        assert [list(r).index("events") for r in rows] == [list(rows[0]).index("sentences") + 1] * 2
        assert [len(r["events"]) for r in rows] == [1, 0]
        assert rows[0]["events"][0]["fatalities"] == 8 and rows[0]["events"][0]["date"] == "2021-03-01"
        check_offsets(ORIGINAL, rows[0]["events"][0])


def test_temporal_fragments_of_a_date_give_way_to_the_whole_date():
    text = "On 9 May 2020, rebels clashed with troops on Monday in the capital."
    spans = [
        Span(3, 4, "Temporal", 0.9),
        Span(9, 13, "Temporal", 0.9),
        Span(42, 51, "Temporal", 0.9),
        Span(15, 21, "Organisation", 0.9),
    ]
    pred = _prediction(text, {"entities": spans}, event_type="Battles")
    res = ArticleResult(
        id="x", date="2020-05-12", spans={}, labels={"event_type": []}, sentences=[], model={}
    )
    assert [m.text for m in mentions(pred)] == ["on Monday", "rebels"]  # covers the finder's "Monday"
    [record] = article_events(res, pred)
    assert (record["date"], record["date_mention"]) == ("2020-05-09", "9 May 2020")
