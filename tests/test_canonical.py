import json

import pytest

from training.data.canonical import DataError, Example, iter_examples, load_examples, save_examples


def test_round_trip_preserves_absent_vs_empty(tmp_path):
    exs = [
        Example(
            "a",
            "Rebels attacked Goma.",
            spans={"entities": [(0, 6, "Organisation"), (16, 20, "Location")]},
            labels={"event_type": ["Battles"]},
            meta={"source": "t"},
        ),
        Example("b", "Nothing happened.", spans={"entities": []}, labels={}),
    ]
    path = tmp_path / "x.jsonl"
    assert save_examples(path, exs) == 2
    back = load_examples(path)
    assert back == exs
    assert "event_type" not in back[1].labels  # absent stays absent (unknown)
    assert back[1].spans == {"entities": []}  # empty stays empty (known none)


def test_save_is_byte_identical_twice(tmp_path):
    ex = Example("a", "Ünïcode – text", labels={"x": ["y"]})
    save_examples(tmp_path / "1.jsonl", [ex])
    save_examples(tmp_path / "2.jsonl", [ex])
    assert (tmp_path / "1.jsonl").read_bytes() == (tmp_path / "2.jsonl").read_bytes()


@pytest.mark.parametrize(
    "obj, field, fragment",
    [
        ({"id": "a", "text": "abc", "spans": {"entities": [[0, 9, "X"]]}}, "spans.entities", "out of range"),
        ({"id": "a", "text": "abc", "spans": {"entities": [[0, "1", "X"]]}}, "spans.entities", "item 0"),
        ({"id": "", "text": "abc"}, "id", "non-empty"),
        ({"id": "a", "text": 3}, "text", "string"),
        ({"id": "a", "text": "abc", "labels": {"t": "Battles"}}, "labels.t", "list of strings"),
    ],
)
def test_bad_records_name_file_line_and_field(tmp_path, obj, field, fragment):
    path = tmp_path / "bad.jsonl"
    good = {"id": "g", "text": "fine"}
    path.write_text(json.dumps(good) + "\n" + json.dumps(obj) + "\n" + json.dumps(good | {"id": "h"}) + "\n")
    with pytest.raises(DataError) as err:
        load_examples(path)
    assert err.value.line == 2 and err.value.field == field and fragment in str(err.value)
    assert str(path) in str(err.value)
    rejects: list[DataError] = []
    kept = list(iter_examples(path, skip_bad=True, rejects=rejects))
    assert [e.id for e in kept] == ["g", "h"] and len(rejects) == 1


def test_undecodable_bytes_are_located(tmp_path):
    path = tmp_path / "bin.jsonl"
    path.write_bytes(b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "\xff"}\n')
    with pytest.raises(DataError, match="line|:2") as err:
        load_examples(path)
    assert err.value.line == 2 and "UTF-8" in str(err.value)


def test_tiny_encoder_builds_offline(tiny_encoder):
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    model = AutoModel.from_pretrained(tiny_encoder)
    enc = tok("Rebels attacked the village", return_offsets_mapping=True)
    assert tok.unk_token_id not in enc["input_ids"]
    assert model.config.hidden_size == 32
