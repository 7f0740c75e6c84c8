"""Evaluation decodes a model's outputs as inference does and scores them: a stub model with fixed rules."""

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from inference.model.configuration import ConflictEventsConfig
from inference.model.modeling import ConflictEventsOutput, mean_pool
from training.data.canonical import DataError, Example
from training.data.mix import DevSet
from training.evaluation.dev_scores import EvalResult, evaluate, predict
from training.trainer import _tune_thresholds

HEADS = [
    {"name": "entities", "kind": "token", "labels": ["Organisation", "Location"]},
    {"name": "event_type", "kind": "sequence", "labels": ["none", "Battles", "Protests"]},
    {
        "name": "sub_event_type",
        "kind": "sequence",
        "labels": ["none", "Armed clash", "Peaceful protest"],
        "parent": "event_type",
        "parent_map": {"none": "none", "Armed clash": "Battles", "Peaceful protest": "Protests"},
    },
    {"name": "topics", "kind": "sequence", "problem_type": "multi_label", "labels": ["violence", "politics"]},
]


class RuleModel(torch.nn.Module):
    """Tags 'rebels'/'police' as Organisation and 'village'/'capital' as Location (B on every word);
    says Protests when the text has 'protest', else Battles; topic probabilities fixed per rule."""

    def __init__(self, tokenizer, max_length=64, stride=16):
        super().__init__()
        self.config = ConflictEventsConfig(
            encoder={"model_type": "bert"}, heads=HEADS, max_length=max_length, stride=stride
        )
        self.dummy = torch.nn.Parameter(torch.zeros(1))
        ids = lambda w: tokenizer.convert_tokens_to_ids(w)  # noqa: E731
        bio = self.config.head("entities").bio_labels
        self.tag_of = {
            ids("rebels"): bio.index("B-Organisation"),
            ids("police"): bio.index("B-Organisation"),
            ids("village"): bio.index("B-Location"),
            ids("capital"): bio.index("B-Location"),
        }
        self.n_bio = len(bio)
        self.protest = ids("protest")

    def forward(self, input_ids, attention_mask, window_example, pool_mask=None, token_type_ids=None, **kw):
        w, t = input_ids.shape
        tags = torch.zeros(w, t, dtype=torch.long)
        for tok, tag in self.tag_of.items():
            tags[input_ids == tok] = tag
        token_logits = torch.nn.functional.one_hot(tags, self.n_bio).float() * 10
        # one hidden feature per token, "is the word protest", pooled like the real model pools
        hidden = (input_ids == self.protest).float()[..., None]
        n = int(window_example.max()) + 1
        pooled = mean_pool(hidden, attention_mask if pool_mask is None else pool_mask, window_example, n)
        return ConflictEventsOutput(
            logits={"entities": token_logits, **self.sequence_logits(pooled)}, pooled=pooled
        )

    def sequence_logits(self, pooled):
        protest = pooled[:, 0] > 0
        ev = torch.where(protest[:, None], torch.tensor([0.0, 0.0, 5.0]), torch.tensor([0.0, 5.0, 0.0]))
        topics = torch.where(protest[:, None], torch.tensor([0.2, 0.7]), torch.tensor([0.7, 0.35])).logit()
        return {"event_type": ev, "sub_event_type": ev.clone(), "topics": topics}


@pytest.fixture(scope="module")
def tok(tiny_encoder):
    return AutoTokenizer.from_pretrained(tiny_encoder)


def _span(text, word, label):
    s = text.index(word)
    return [s, s + len(word), label]


LONG = "rebels attacked the village " + "and the army said the fighting went on " * 6 + "near the capital"
DEV = [
    Example(
        "a",
        "rebels attacked the village",
        spans={
            "entities": [
                _span("rebels attacked the village", "rebels", "Organisation"),
                _span("rebels attacked the village", "village", "Location"),
            ]
        },
        labels={"event_type": ["Battles"], "sub_event_type": ["Armed clash"], "topics": ["violence"]},
    ),
    Example(
        "b",
        "students protest in the capital",
        spans={
            "entities": [
                _span("students protest in the capital", "students", "Organisation"),
                _span("students protest in the capital", "capital", "Location"),
            ]
        },
        labels={"event_type": ["Protests"], "topics": ["politics"]},
    ),
    Example(
        "c", "police attacked rioters", labels={"event_type": ["none"], "topics": ["violence", "politics"]}
    ),
    Example(
        "d",
        LONG,
        spans={
            "entities": [
                _span(LONG, "rebels", "Organisation"),
                _span(LONG, "village", "Location"),
                _span(LONG, "capital", "Location"),
            ]
        },
    ),
]


def test_predict_decodes_spans_across_windows_and_keeps_parents_consistent(tok):
    model = RuleModel(tok, max_length=16, stride=4)
    preds = predict(model, tok, DEV, batch_size=3)
    assert [(s, e, lab) for s, e, lab in preds.spans["entities"][3]] == [
        tuple(x) for x in DEV[3].spans["entities"]
    ]
    assert [p[0] for p in preds.labels["event_type"]] == ["Battles", "Protests", "Battles", "Battles"]
    parent = model.config.head("sub_event_type").parent_map
    for ev, sub in zip(preds.labels["event_type"], preds.labels["sub_event_type"]):
        assert parent[sub[0]] == ev[0]
    assert preds.probs["topics"].shape == (4, 2)
    # the input order is kept although batches are sorted by length
    np.testing.assert_allclose(preds.probs["topics"][1], [0.2, 0.7], rtol=1e-5)


def test_evaluate_scores_each_head_on_the_examples_that_annotate_it(tok):
    model = RuleModel(tok, max_length=16, stride=4)
    result = evaluate(
        model,
        tok,
        [DevSet("news", DEV, ["entities", "event_type", "sub_event_type", "topics"], "x")],
        batch_size=2,
    )
    ent = result.scores["news"]["entities"]
    # 7 gold spans (a: 2, b: 2, d: 3); predicted 6, all right: 'students' is missed
    assert ent["n"] == 3 and ent["precision"] == 1.0 and ent["recall"] == pytest.approx(6 / 7)
    assert ent["per_label"]["Organisation"]["recall"] == pytest.approx(2 / 3)
    ev = result.scores["news"]["event_type"]
    assert ev["n"] == 3 and ev["accuracy"] == pytest.approx(2 / 3)  # c: gold none, predicted Battles
    assert result.scores["news"]["sub_event_type"]["n"] == 1
    topics = result.scores["news"]["topics"]
    # thresholds 0.5: a -> [violence] (right), b -> [politics] (right), c -> [violence] (half right)
    assert topics["n"] == 3 and topics["example_f1"] == pytest.approx((1 + 1 + 2 / 3) / 3)
    flat = result.flat()
    assert flat["event_type/news/accuracy"] == pytest.approx(2 / 3) and "event_type/news/n" not in flat
    with pytest.raises(KeyError, match="available"):
        result.score("event_type/news/f2")


def test_tuned_thresholds_go_into_the_model_config_and_change_decoding(tok):
    model = RuleModel(tok)
    dev = [DevSet("news", DEV[:3], ["topics"], "x")]
    before = evaluate(model, tok, dev)
    # selected on example F1: politics at <= 0.35 would fix c but add a wrong label to a, the same example F1
    # (8/9 either way), so the thresholds stay at 0.5
    joint = _tune_thresholds(RuleModel(tok), before, "topics/news/example_f1")["topics"]
    assert joint["objective"] == "example_f1" and joint["thresholds"] == {"violence": 0.5, "politics": 0.5}
    tuned = _tune_thresholds(model, before, "topics/news/micro_f1")
    th = tuned["topics"]["thresholds"]
    # c (gold: violence + politics) has politics at 0.35: a threshold <= 0.35 for politics recovers it
    assert tuned["topics"]["objective"] == "label_f1"
    assert tuned["topics"]["tuned_on"] == "news" and th["politics"] <= 0.35
    assert model.config.head("topics").thresholds == th
    after = evaluate(model, tok, dev)
    # a (gold: violence) now also gets politics: 2/3; b and c are exact
    assert after.scores["news"]["topics"]["example_f1"] == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert after.predicted[("news", "topics")] == [
        ["violence", "politics"],
        ["politics"],
        ["violence", "politics"],
    ]
    assert after.score("topics/news/micro_f1") > before.score("topics/news/micro_f1")
    assert isinstance(after, EvalResult)


def test_selection_metric_can_be_the_mean_of_several():
    from training.evaluation.dev_scores import EvalResult

    result = EvalResult(
        scores={"dev": {"entities": {"macro_f1": 0.4, "n": 9}, "event_type": {"weighted_f1": 0.8}}}
    )
    assert result.score("entities/dev/macro_f1") == 0.4
    assert abs(result.score("event_type/dev/weighted_f1 + entities/dev/macro_f1") - 0.6) < 1e-12
    with pytest.raises(KeyError, match="roles/dev/macro_f1"):
        result.score("event_type/dev/weighted_f1 + roles/dev/macro_f1")


def test_scoring_a_saved_model_refuses_data_with_a_label_the_model_does_not_know(tok):
    from training.evaluation.heads_command import score_heads

    model = RuleModel(tok)
    odd = Example("z", "rebels shelled the town", labels={"event_type": ["Coup"]})
    with pytest.raises(DataError, match=r"dev\.jsonl.*'z'.*label 'Coup' is not a label of head 'event_type'"):
        score_heads(model, tok, DEV[:2] + [odd], ["event_type"], "dev.jsonl", "runs/x")
    # a head that is not scored is not checked
    assert score_heads(model, tok, DEV[:2] + [odd], ["topics"], "dev.jsonl", "runs/x")["topics"]["n"] == 2
