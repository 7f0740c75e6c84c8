"""Metrics: strict span F1, classification scores, thresholds, confusion plots, and the local `evaluate` path."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys

import numpy as np
import pytest

from training.metrics import (
    bio_to_spans,
    compute_classification,
    compute_multilabel,
    compute_span_f1,
    load_metric,
)
from training.metrics.confusion import confusion_matrix, plot_confusion, plot_learning_curve
from training.metrics.thresholds import (
    example_f1,
    tune_thresholds,
    tune_thresholds_for_example_f1,
)

APPROX = pytest.approx


# --- span_f1 -------------------------------------------------------------------------------------------------

GOLD_3 = [[[0, 5, "PER"], [10, 15, "LOC"], [20, 25, "ORG"]]]
PRED_2 = [[[0, 5, "PER"], [10, 14, "LOC"]]]  # one exact, one wrong boundary


def test_span_f1_strict_boundaries():
    # 1 correct of 2 predicted, 1 found of 3 gold: P = 1/2, R = 1/3, F1 = 2*(1/2)(1/3)/(5/6) = 0.4
    r = compute_span_f1(PRED_2, GOLD_3)
    assert (r["precision"], r["recall"], r["f1"]) == APPROX((0.5, 1 / 3, 0.4))
    # per label: PER 1/1/1, LOC 0/0/0, ORG 0 (no prediction) -> macro F1 = 1/3, unlike micro 0.4
    assert r["per_label"]["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert r["per_label"]["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert r["per_label"]["ORG"]["support"] == 1
    assert (r["macro_precision"], r["macro_recall"], r["macro_f1"]) == APPROX((1 / 3, 1 / 3, 1 / 3))


def test_span_f1_label_must_match_and_spans_stay_in_their_example():
    gold = [[[0, 5, "PER"]], []]
    pred = [[[0, 5, "ORG"]], [[0, 5, "PER"]]]  # right offsets, wrong label; right label, wrong example
    r = compute_span_f1(pred, gold)
    assert r["precision"] == 0.0 and r["recall"] == 0.0 and r["f1"] == 0.0


def test_span_f1_macro_covers_labels_only_predicted():
    # MISC is never gold: micro P = 1/2, R = 1, F1 = 2/3; macro over {MISC, PER} = (0 + 1) / 2 = 0.5
    r = compute_span_f1([[[0, 5, "PER"], [6, 9, "MISC"]]], [[[0, 5, "PER"]]])
    assert r["f1"] == APPROX(2 / 3)
    assert r["macro_f1"] == APPROX(0.5) and r["macro_recall"] == APPROX(0.5)
    assert list(r["per_label"]) == ["MISC", "PER"] and r["per_label"]["MISC"]["support"] == 0


def test_span_f1_duplicates_count_once_and_empty_input_scores_zero():
    r = compute_span_f1([[[0, 5, "PER"], (0, 5, "PER")]], [[[0, 5, "PER"]]])
    assert r["precision"] == 1.0
    empty = compute_span_f1([[]], [[]])
    assert empty["f1"] == 0.0 and empty["macro_f1"] == 0.0 and empty["per_label"] == {}


@pytest.mark.parametrize("bad", [[[0, 5]], [[5, 5, "PER"]], [["0", 5, "PER"]], "PER"])
def test_span_f1_rejects_malformed_spans(bad):
    with pytest.raises(ValueError, match=r"predictions\[0\]"):
        compute_span_f1([bad], [[]])


def test_span_f1_rejects_length_mismatch_and_unknown_format():
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        compute_span_f1([[], []], [[]])
    with pytest.raises(ValueError, match="format"):
        compute_span_f1([[]], [[]], format="iob3")


def test_bio_to_spans_follows_seqeval_default_mode():
    # I- after O starts an entity; B- always starts one; I- of another type starts a new one (end exclusive)
    tags = ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]
    assert bio_to_spans(tags) == [(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC"), (5, 6, "ORG")]
    assert bio_to_spans(["B-PER", "I-LOC", "O"]) == [(0, 1, "PER"), (1, 2, "LOC")]
    assert bio_to_spans(["S-PER", "B-LOC", "E-LOC"]) == [(0, 1, "PER"), (1, 3, "LOC")]
    with pytest.raises(ValueError, match=r"tags\[1\].*'PER'"):
        bio_to_spans(["O", "PER"])


SEQEVAL_TRUE = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
SEQEVAL_PRED = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]


def test_span_f1_bio_matches_seqeval_docstring_example():
    # seqeval's own example: MISC boundary wrong, PER right -> P = R = F1 = 0.5; macro (0 + 1) / 2 = 0.5
    r = compute_span_f1(SEQEVAL_PRED, SEQEVAL_TRUE, format="bio")
    assert (r["precision"], r["recall"], r["f1"], r["macro_f1"]) == APPROX((0.5, 0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="example 1: 2 predicted tags but 3 reference tags"):
        compute_span_f1([SEQEVAL_TRUE[0], ["B-PER", "O"]], SEQEVAL_TRUE, format="bio")


# --- sequence classification ---------------------------------------------------------------------------------

REFS = ["Battles", "Battles", "Battles", "Riots", "Protests", "none"]
PREDS = ["Battles", "Battles", "Riots", "Riots", "Battles", "none"]
# Battles: tp 2, predicted 3, gold 3 -> P = R = F1 = 2/3;  Riots: tp 1, pred 2, gold 1 -> 1/2, 1, 2/3
# Protests: never predicted -> 0;  none: 1/1 -> 1.  Accuracy 4/6.


def test_classification_scores():
    r = compute_classification(PREDS, REFS)
    assert r["accuracy"] == APPROX(4 / 6)
    assert r["micro_f1"] == APPROX(4 / 6)  # single-label micro over all labels == accuracy
    assert r["macro_f1"] == APPROX((2 / 3 + 2 / 3 + 0 + 1) / 4)  # 7/12
    assert r["weighted_f1"] == APPROX((3 * 2 / 3 + 2 / 3 + 0 + 1) / 6)  # 11/18
    assert r["per_label"]["Riots"] == APPROX({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})


def test_classification_ignore_labels_changes_averages_not_accuracy():
    r = compute_classification(PREDS, REFS, ignore_labels=["none"])
    assert r["accuracy"] == APPROX(4 / 6)
    # micro over Battles/Riots/Protests: tp 3, predicted 5, gold 5 -> 0.6
    assert (r["micro_precision"], r["micro_recall"], r["micro_f1"]) == APPROX((0.6, 0.6, 0.6))
    assert r["macro_f1"] == APPROX((2 / 3 + 2 / 3 + 0) / 3)  # 4/9
    assert r["weighted_f1"] == APPROX((3 * 2 / 3 + 2 / 3) / 5)  # 8/15
    assert "none" in r["per_label"]


def test_classification_macro_uses_reference_labels_unless_labels_given():
    # gold {a}: a has P 1, R 1/2, F1 2/3; b is only predicted
    r = compute_classification(["a", "b"], ["a", "a"])
    assert r["macro_f1"] == APPROX(2 / 3) and r["per_label"]["b"]["support"] == 0
    assert compute_classification(["a", "b"], ["a", "a"], labels=["a", "b"])["macro_f1"] == APPROX(1 / 3)


def test_classification_accepts_ids_and_rejects_mixed_kinds():
    r = compute_classification(np.array([0, 1, 1]), [0, 1, 0])
    assert r["accuracy"] == APPROX(2 / 3) and set(r["per_label"]) == {0, 1}
    with pytest.raises(ValueError, match="mix strings and integer ids"):
        compute_classification(["a", 1], ["a", "a"])
    with pytest.raises(ValueError, match=r"predictions\[0\]"):
        compute_classification([1.5], [1])


ML_REFS = [["A", "B"], ["A"], [], [], ["C"]]
ML_PREDS = [["A"], ["A", "C"], [], ["B"], []]


def test_multilabel_example_f1_follows_conflibert_and_skips_both_empty():
    r = compute_multilabel(ML_PREDS, ML_REFS)
    # per example 2|P&G|/(|P|+|G|): 2/3, 2/3, (both empty: left out), 0, 0 -> mean 1/3 (not 7/15)
    assert r["example_f1"] == APPROX(1 / 3)
    assert r["example_precision"] == APPROX((1 + 1 / 2 + 0) / 3)  # examples with |P| > 0
    assert r["example_recall"] == APPROX((1 / 2 + 1 + 0) / 3)  # examples with |G| > 0
    assert r["example_jaccard"] == APPROX((1 / 2 + 1 / 2 + 0 + 0) / 4)
    assert r["subset_accuracy"] == APPROX(1 / 5)  # only the empty == empty example
    # label-based: A 2/2/2 -> F1 1; B and C 0 -> micro tp 2 / pred 4 / gold 4 = 0.5; macro 1/3; weighted 2/4
    assert (r["micro_f1"], r["macro_f1"], r["weighted_f1"]) == APPROX((0.5, 1 / 3, 0.5))


def test_multilabel_all_empty():
    r = compute_multilabel([[], []], [[], []])
    assert r["subset_accuracy"] == 1.0 and r["example_f1"] == 0.0 and r["micro_f1"] == 0.0
    with pytest.raises(ValueError, match=r"references\[0\]: expected a list of labels"):
        compute_multilabel([[]], ["A"])


# --- the evaluate path ---------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection or DNS lookup fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_load_metric_span_f1_equals_plain_function(no_network):
    metric = load_metric("span_f1")
    assert metric.compute(predictions=PRED_2, references=GOLD_3) == compute_span_f1(PRED_2, GOLD_3)
    bio = metric.compute(predictions=SEQEVAL_PRED, references=SEQEVAL_TRUE, format="bio")
    assert bio == compute_span_f1(SEQEVAL_PRED, SEQEVAL_TRUE, format="bio")
    # incremental batches, one empty example first
    metric.add_batch(predictions=[[]], references=[[]])
    metric.add_batch(predictions=PRED_2, references=GOLD_3)
    metric.add(prediction=[(1, 2, "PER")], reference=[(1, 2, "PER")])
    assert metric.compute() == compute_span_f1([[], *PRED_2, [(1, 2, "PER")]], [[], *GOLD_3, [(1, 2, "PER")]])
    with pytest.raises(ValueError, match=r"predictions\[0\]: expected a span"):
        metric.compute(predictions=[["B-PER"]], references=[["B-PER"]])  # tags without format="bio"


def test_load_metric_sequence_classification_equals_plain_functions(no_network):
    metric = load_metric("sequence_classification")
    expected = compute_classification(PREDS, REFS, ignore_labels=["none"])
    assert metric.compute(predictions=PREDS, references=REFS, ignore_labels=["none"]) == expected
    assert metric.compute(predictions=[0, 1, 1], references=[0, 1, 0]) == compute_classification(
        [0, 1, 1], [0, 1, 0]
    )

    multilabel = load_metric("sequence_classification", "multilabel")
    assert multilabel.compute(predictions=ML_PREDS, references=ML_REFS) == compute_multilabel(
        ML_PREDS, ML_REFS
    )
    # integer ids after an empty first example stay integers (evaluate alone would guess strings)
    ids_pred, ids_ref = [[], [1, 2]], [[], [2]]
    got = multilabel.compute(predictions=ids_pred, references=ids_ref)
    assert got == compute_multilabel(ids_pred, ids_ref) and set(got["per_label"]) == {1, 2}


def test_load_metric_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown metric 'seqeval'"):
        load_metric("seqeval")
    with pytest.raises(ValueError, match="config_name"):
        load_metric("sequence_classification", "multi_label")


def test_thresholds_and_confusion_do_not_import_evaluate():
    code = (
        "import sys, training.metrics.thresholds, training.metrics.confusion;"
        "sys.exit('evaluate' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


# --- thresholds ----------------------------------------------------------------------------------------------

# Label X: positives at 0.92, 0.37, 0.43; negatives at 0.28, 0.12, 0.61. F1 by threshold:
#   0.05-0.10: 2/3   0.15-0.25: 3/4   0.30-0.35: 6/7 (best)   0.40: 2/3   0.45-0.60: 0.4   0.65-0.90: 0.5
# -> tie between 0.30 and 0.35, the one closer to 0.5 wins: 0.35.
# Label Y: no positives -> 0.5.  Label Z: perfect at every grid value -> 0.5.
PROBS = np.array(
    [
        [0.92, 0.2, 0.99],
        [0.37, 0.2, 0.01],
        [0.28, 0.2, 0.01],
        [0.12, 0.2, 0.01],
        [0.43, 0.2, 0.01],
        [0.61, 0.2, 0.01],
    ]
)
GOLD = np.array([[1, 0, 1], [1, 0, 0], [0, 0, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0]])


def test_tune_thresholds_per_label():
    assert tune_thresholds(PROBS, GOLD, ["X", "Y", "Z"]) == {"X": 0.35, "Y": 0.5, "Z": 0.5}
    # equal F1 and equally far from 0.5 -> the larger threshold
    assert tune_thresholds(np.array([[0.9], [0.1]]), np.array([[1], [0]]), ["X"], grid=[0.4, 0.6]) == {
        "X": 0.6
    }


def _apply(probs, thresholds, labels):
    return (probs >= np.array([thresholds[x] for x in labels])).astype(int)


def test_example_f1_matches_the_metric_module():
    rng = np.random.default_rng(0)
    for _ in range(20):
        pred, gold = rng.random((8, 3)) < 0.4, rng.random((8, 3)) < 0.4
        as_sets = (
            [[j for j in range(3) if row[j]] for row in pred],
            [[j for j in range(3) if row[j]] for row in gold],
        )
        assert example_f1(pred, gold) == pytest.approx(compute_multilabel(*as_sets)["example_f1"])


def test_thresholds_tuned_for_example_f1_where_per_label_tuning_lowers_it():
    # label b has one gold text, at probability 0.1: its own F1 is best at 0.1, which predicts b on every text
    gold = np.array([[1, 1], [1, 0], [1, 0], [0, 0], [1, 0], [0, 0]])
    probs = np.array([[0.8, 0.1], [0.7, 0.2], [0.8, 0.4], [0.1, 0.9], [0.7, 0.7], [0.1, 0.4]])
    labels = ["a", "b"]

    def score(thresholds):
        return example_f1(_apply(probs, thresholds, labels), gold)

    per_label = tune_thresholds(probs, gold, labels)
    joint = tune_thresholds_for_example_f1(probs, gold, labels)
    assert per_label == {"a": 0.5, "b": 0.1} and joint == {"a": 0.5, "b": 0.95}
    assert score(per_label) == pytest.approx(0.5)  # below 0.5 everywhere (2/3)
    assert score({"a": 0.5, "b": 0.5}) == pytest.approx(2 / 3)
    assert score(joint) == pytest.approx(11 / 12)


@pytest.mark.parametrize("seed", range(10))
def test_thresholds_tuned_for_example_f1_never_lose_to_the_default(seed):
    rng = np.random.default_rng(seed)
    probs, gold = rng.random((30, 4)), (rng.random((30, 4)) < 0.3).astype(int)
    labels = list("wxyz")
    joint = tune_thresholds_for_example_f1(probs, gold, labels)
    default = dict.fromkeys(labels, 0.5)
    assert example_f1(_apply(probs, joint, labels), gold) >= example_f1(_apply(probs, default, labels), gold)


# --- confusion matrix and plots ------------------------------------------------------------------------------


def test_confusion_matrix_counts():
    m = confusion_matrix(["a", "a", "b", "c", "c", "c"], ["a", "b", "b", "c", "a", "c"], ["a", "b", "c"])
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]  # rows gold, columns predicted
    with pytest.raises(ValueError, match=r"pred\[0\]: label 'z'"):
        confusion_matrix(["a"], ["z"], ["a", "b"])


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plot_confusion_writes_png_that_grows_with_labels(tmp_path):
    labels = [f"Sub-event type number {i}" for i in range(30)]
    rng = np.random.default_rng(0)
    gold = [labels[i] for i in rng.integers(0, 30, 300)]
    pred = [labels[i] if i % 3 else labels[0] for i in rng.integers(0, 30, 300)]
    big = plot_confusion(
        confusion_matrix(gold, pred, labels), labels, tmp_path / "cm" / "big.png", "30 labels"
    )
    small = plot_confusion(np.array([[2, 1], [0, 3]]), ["a", "b"], tmp_path / "small.png", "2 labels")
    assert big.stat().st_size > 10_000
    assert _png_size(big)[0] > _png_size(small)[0]
    again = plot_confusion(np.array([[2, 1], [0, 3]]), ["a", "b"], tmp_path / "again.png", "2 labels")
    assert again.read_bytes() == small.read_bytes()  # deterministic
    with pytest.raises(ValueError, match="does not match 3 labels"):
        plot_confusion(np.eye(2), ["a", "b", "c"], tmp_path / "bad.png", "bad")


def test_plot_learning_curve(tmp_path):
    history = [{"step": s, "loss": 1.0 / s} for s in range(1, 60)]
    history += [
        {"step": 25, "eval": {"event_type/macro_f1": 0.3, "per_label": {}}},
        {"step": 50, "eval": {"event_type/macro_f1": 0.4}},
    ]
    path = plot_learning_curve(history, tmp_path / "curve.png")
    assert path.stat().st_size > 5_000 and _png_size(path)[0] == 1000
    no_eval = plot_learning_curve(history[:5], tmp_path / "no_eval.png")
    assert no_eval.stat().st_size > 0 and no_eval.read_bytes() != path.read_bytes()
