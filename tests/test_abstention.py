"""Abstention: a tuned p(none) threshold for a multi_class head, stored in the model config and applied by the
decoder; and negatives filtered to texts without an ACLED event cue."""

import numpy as np
import pytest
import torch
import yaml

from inference.decode.labels import decode_sequence_heads
from inference.model.configuration import ConflictEventsConfig, HeadSpec
from training.config import PROJECT_ROOT, ConfigError, load_config
from training.data.canonical import Example, save_examples
from training.data.mix import build_training_pool
from training.evaluation.dev_scores import EvalResult
from training.metrics.abstention import decide, tune_none_threshold, weighted_f1

LABELS = ["none", "Battles", "Protests"]
PARENT = {"name": "event_type", "kind": "sequence", "labels": LABELS}
CHILD = {
    "name": "sub_event_type",
    "kind": "sequence",
    "labels": ["none", "Armed clash", "Peaceful protest"],
    "parent": "event_type",
    "parent_map": {"none": "none", "Armed clash": "Battles", "Peaceful protest": "Protests"},
}


def _decode(heads, probs_by_head):
    config = ConflictEventsConfig(encoder={"model_type": "bert"}, heads=heads)
    logits = {h: torch.log(torch.tensor(p, dtype=torch.float32)) for h, p in probs_by_head.items()}
    return decode_sequence_heads(config, logits)


def test_a_none_threshold_decides_none_both_ways():
    rows = [[0.35, 0.40, 0.25], [0.45, 0.30, 0.25], [0.10, 0.85, 0.05]]
    argmax = _decode([PARENT], {"event_type": rows})["event_type"]
    assert [p.labels for p in argmax] == [["Battles"], ["none"], ["Battles"]]
    low = _decode([{**PARENT, "thresholds": {"none": 0.3}}], {"event_type": rows})["event_type"]
    assert [p.labels for p in low] == [["none"], ["none"], ["Battles"]]  # p(none) 0.35 >= 0.3: abstains
    high = _decode([{**PARENT, "thresholds": {"none": 0.5}}], {"event_type": rows})["event_type"]
    assert [p.labels for p in high] == [["Battles"], ["Battles"], ["Battles"]]  # 0.45 < 0.5: best other label


def test_a_child_head_follows_its_parents_abstention():
    parent = [[0.35, 0.40, 0.25]]
    child = [[0.35, 0.40, 0.25]]
    out = _decode(
        [{**PARENT, "thresholds": {"none": 0.3}}, CHILD], {"event_type": parent, "sub_event_type": child}
    )
    assert out["event_type"][0].labels == ["none"] and out["sub_event_type"][0].labels == ["none"]
    out = _decode([PARENT, CHILD], {"event_type": parent, "sub_event_type": child})
    assert out["event_type"][0].labels == ["Battles"] and out["sub_event_type"][0].labels == ["Armed clash"]


def test_a_multi_class_head_takes_a_threshold_only_for_none():
    HeadSpec(name="e", kind="sequence", labels=LABELS, thresholds={"none": 0.4})
    with pytest.raises(ValueError, match="only for 'none'"):
        HeadSpec(name="e", kind="sequence", labels=LABELS, thresholds={"Battles": 0.4})


def test_weighted_f1_weighs_each_gold_label_by_its_count():
    gold = np.array([1, 1, 1, 2])
    pred = np.array([1, 1, 2, 2])
    # Battles: P 1, R 2/3 -> 0.8 (x3); Protests: P 1/2, R 1 -> 2/3 (x1)
    assert weighted_f1(pred, gold, 3) == pytest.approx((3 * 0.8 + 2 / 3) / 4)


def test_tuning_finds_the_threshold_that_trades_typed_news_against_out_of_taxonomy_texts():
    # typed news: events with p(none) <= 0.2; out-of-taxonomy texts: argmax an event but p(none) 0.3-0.4
    news = np.array([[0.1, 0.8, 0.1], [0.2, 0.1, 0.7], [0.15, 0.6, 0.25], [0.9, 0.05, 0.05]])
    news_gold = ["Battles", "Protests", "Battles", "none"]
    ootax = np.array([[0.35, 0.45, 0.2], [0.3, 0.2, 0.5], [0.4, 0.3, 0.3], [0.6, 0.2, 0.2]])
    threshold, table = tune_none_threshold(
        {"news": (news, news_gold), "ootax": (ootax, ["none"] * 4)}, LABELS
    )
    assert table["argmax"] == {"news": 1.0, "ootax": 0.5, "mean": 0.75}
    assert 0.2 < threshold <= 0.3  # every ootax text abstains, no typed news text does
    assert table[f"{threshold:.2f}"]["mean"] == 1.0
    assert list(decide(ootax, LABELS, threshold)) == [0, 0, 0, 0]


def test_tuning_keeps_the_argmax_when_no_threshold_beats_it():
    probs = np.array([[0.1, 0.8, 0.1], [0.9, 0.05, 0.05]])
    threshold, table = tune_none_threshold({"news": (probs, ["Battles", "none"])}, LABELS)
    assert threshold is None and table["argmax"]["mean"] == 1.0


def test_tuning_refuses_a_head_without_none_and_misshaped_probabilities():
    with pytest.raises(ValueError, match="'none' label"):
        tune_none_threshold({"a": (np.ones((1, 2)), ["x"])}, ["x", "y"])
    with pytest.raises(ValueError, match="dev set 'a'"):
        tune_none_threshold({"a": (np.ones((2, 3)), ["none"])}, LABELS)


def test_the_trainer_stores_a_tuned_threshold_in_the_model_config(tiny_model):
    from inference import ConflictEventsModel
    from training.trainer import _tune_abstention

    model = ConflictEventsModel.from_pretrained(tiny_model)
    labels = next(s for s in model.config.head_specs if s.name == "event_type").labels
    ootax = np.array([[0.4, 0.5, 0.05, 0.05]] * 3)
    news = np.array([[0.1, 0.8, 0.05, 0.05]] * 3)
    result = EvalResult(
        probs={("news", "event_type"): news, ("ootax", "event_type"): ootax},
        gold={("news", "event_type"): [["Battles"]] * 3, ("ootax", "event_type"): [["none"]] * 3},
    )
    tuned = _tune_abstention(model, result, ["news", "ootax"])
    assert labels[0] == "none" and set(tuned) == {"event_type"}  # the child head is not tuned itself
    t = tuned["event_type"]["thresholds"]["none"]
    assert 0.1 < t <= 0.4
    assert next(s for s in model.config.head_specs if s.name == "event_type").thresholds == {"none": t}
    with pytest.raises(ConfigError, match="do not score head 'event_type'"):
        _tune_abstention(model, result, ["news", "elsewhere"])


def test_a_config_that_tunes_abstention_on_an_unknown_dev_set_fails_before_training():
    from training.trainer import load_tokenizer, prepare_data

    loaded = load_config(PROJECT_ROOT / "configs" / "tiny.yaml", ["train.tune_abstention_on=[dev, news]"])
    _, tokenizer = load_tokenizer(loaded.config.encoder, seed=loaded.config.seed)
    with pytest.raises(ConfigError, match=r"train.tune_abstention_on: not a dev set of this run: \['news'\]"):
        prepare_data(loaded, tokenizer)


def test_negatives_with_no_event_cues_keep_only_texts_without_an_acled_event_cue(tmp_path):
    pos = tmp_path / "pos.jsonl"
    save_examples(pos, [Example("p0", "rebels attacked the town", labels={"ev": ["Battles"]})])
    neg = tmp_path / "neg.jsonl"
    texts = [
        "The minister said talks on the budget would resume next week in the capital.",
        "Police arrested three protesters outside parliament on Monday.",
        "Gunmen shot dead a trader in the market.",
        "The two leaders discussed trade and climate policy over lunch.",
    ]
    negs = [Example(f"n{i}", t, labels={"cls": ["statement"]}) for i, t in enumerate(texts)]
    negs.append(Example("n4", "The envoy praised the new trade agreement.", labels={"cls": ["cooperation"]}))
    save_examples(neg, negs)
    data = {
        "heads": {
            "ev": {
                "labels": ["none", "Battles"],
                "datasets": [{"path": str(pos)}],
                "negatives": [
                    {"path": str(neg), "where": {"cls": ["statement"]}, "no_event_cues": True},
                    {"path": str(neg), "where": {"cls": ["cooperation"]}, "no_event_cues": True},
                ],
            }
        },
        "auto_dev": False,
    }
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(data))
    pool = build_training_pool(load_config(path))
    assert sorted(ex.id for ex in pool.examples if ex.id.startswith("n")) == ["n0", "n3", "n4"]
    assert sum(pool.negatives.values()) == 3  # both references to the one file are counted
    data["heads"]["ev"]["negatives"][0]["no_event_cues"] = False
    path.write_text(yaml.safe_dump(data))
    assert sum(ex.id.startswith("n") for ex in build_training_pool(load_config(path)).examples) == 5
