"""The inter1 / inter2 heads end to end: a tiny model trained with them on the sample reports gives records whose
actor categories are its own sentence predictions, voted as sub_event_type is; a model without them gives nulls."""

from __future__ import annotations

import json

import pytest
import torch

from inference import Tagger
from inference.events.actor_types import INTER_CODES, NO_ACTOR2, interaction_code
from inference.events.records import vote
from training.config import PROJECT_ROOT, load_config
from training.data.canonical import load_examples, save_examples
from training.trainer import train

SAMPLE = PROJECT_ROOT / "examples" / "sample"
# Made-up actor categories for the sample reports, by event type (the sample data carry none).
INTER_BY_EVENT = {
    "Battles": ("State forces", "Rebel group"),
    "Explosions/Remote violence": ("Rebel group", "Civilians"),
    "Violence against civilians": ("Political militia", "Civilians"),
    "Protests": ("Protesters", NO_ACTOR2),
    "Riots": ("Rioters", "State forces"),
    "Strategic developments": ("State forces", NO_ACTOR2),
}


def _with_inter(src, dst):
    examples = load_examples(src)
    for ex in examples:
        pair = INTER_BY_EVENT.get(ex.labels["event_type"][0])
        if pair:  # "none" notes: both heads unknown
            ex.labels["inter1"], ex.labels["inter2"] = [pair[0]], [pair[1]]
    save_examples(dst, examples)
    return examples


@pytest.fixture(scope="module")
def inter_model(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inter-data")
    _with_inter(SAMPLE / "train.jsonl", tmp / "train.jsonl")
    _with_inter(SAMPLE / "dev.jsonl", tmp / "dev.jsonl")
    head = f"{{schema: configs/schemas/acled.yaml, datasets: [{{path: {tmp / 'train.jsonl'}}}], class_balanced: false}}"
    overrides = [
        f"heads.entities.datasets=[{{path: {tmp / 'train.jsonl'}}}]",
        f"heads.roles.datasets=[{{path: {tmp / 'train.jsonl'}}}]",
        f"heads.event_type.datasets=[{{path: {tmp / 'train.jsonl'}}}]",
        f"heads.sub_event_type.datasets=[{{path: {tmp / 'train.jsonl'}}}]",
        f"heads.inter1={head}",
        f"heads.inter2={head}",
        f"dev=[{{path: {tmp / 'dev.jsonl'}}}]",
        "train.zero_shot_baseline=false",
    ]
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = train(
            load_config(PROJECT_ROOT / "configs" / "tiny.yaml", overrides), tmp_path_factory.mktemp("m")
        )
    finally:
        torch.set_num_threads(before)
    return result.output_dir


def test_heads_take_the_schema_labels(inter_model):
    config = json.loads((inter_model / "config.json").read_text())
    heads = {h["name"]: h for h in config["heads"]}
    assert heads["inter1"]["labels"] == list(INTER_CODES)
    assert heads["inter2"]["labels"] == [*INTER_CODES, NO_ACTOR2]


def test_records_carry_the_heads_own_sentence_predictions(inter_model):
    tagger = Tagger.from_pretrained(inter_model, device="cpu")
    texts = [ex.text for ex in load_examples(SAMPLE / "train.jsonl")]
    results = list(tagger.iter_tag([{"id": str(i), "text": t} for i, t in enumerate(texts)]))
    records = [(r, e) for r in results for e in r.events]
    assert records, "the tiny model gave no event records: the test checks nothing"
    for result, event in records:
        evidence = {(e["start"], e["end"]) for e in event["evidence"]}
        voters = [
            s
            for s in result.sentences
            if (s.start, s.end) in evidence and s.labels["event_type"][0].label == event["event_type"]
        ]
        for head in ("inter1", "inter2"):
            top = [(s.labels[head][0].label, s.labels[head][0].score, k) for k, s in enumerate(voters)]
            expected = vote(top)
            assert event[head] == (expected[0] if expected else None), (result.id, head)
        assert event["interaction"] == interaction_code(event["inter1"], event["inter2"])
    assert all(e["inter1"] in INTER_CODES for _, e in records)


def test_a_model_without_the_heads_gives_null_actor_categories(tiny_model):
    tagger = Tagger.from_pretrained(tiny_model, device="cpu")
    texts = [ex.text for ex in load_examples(SAMPLE / "train.jsonl")][:12]
    events = [
        e for r in tagger.iter_tag([{"id": str(i), "text": t} for i, t in enumerate(texts)]) for e in r.events
    ]
    assert events, "the tiny model gave no event records: the test checks nothing"
    assert all((e["inter1"], e["inter2"], e["interaction"]) == (None, None, None) for e in events)
