"""Sequence-classification metrics (single-label and multi-label): plain functions and a local `evaluate` metric.

Labels are strings or integer ids (one kind per call). Which labels each average covers, when ``labels`` is not
given (``labels`` given: every average covers exactly ``labels`` minus ``ignore_labels``):

* ``per_label``: every label seen in references or predictions, ``ignore_labels`` included (support = number
  of references carrying the label).
* ``micro_*``: labels seen in references or predictions, minus ``ignore_labels`` (so a wrong prediction of a
  label absent from the references still costs precision).
* ``macro_*`` and ``weighted_f1``: labels present in the REFERENCES, minus ``ignore_labels``; macro is the
  unweighted mean of per-label scores, weighted_f1 weighs F1 by support. (sklearn's default macro also averages
  labels only predicted, each scoring 0; pass ``labels`` to reproduce that.)
* ``accuracy`` (single-label) and ``subset_accuracy`` / ``example_*`` (multi-label) use every example and label;
  ``ignore_labels`` does not touch them.

Multi-label example-based scores follow ConfliBERT's ``example_based.py`` (eventdata/ConfliBERT): per example
``2|P∩G| / (|P|+|G|)`` (F1), ``|P∩G|/|P|`` (precision), ``|P∩G|/|G|`` (recall), ``|P∩G|/|P∪G|`` (Jaccard, their
"acc"), each averaged over the examples where its denominator is non-zero, i.e. an example with empty predicted
and gold sets is LEFT OUT of the mean (not counted as 1.0); no example left -> 0.0. Zero division elsewhere -> 0.0.

This file is self-contained (no project imports) because ``evaluate.load`` copies it into its modules cache.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from numbers import Integral
from typing import Any

import datasets
import evaluate

CONFIGS = ("multiclass", "multilabel")

_DESCRIPTION = (
    "Accuracy and micro/macro/weighted/per-label F1; multi-label adds subset accuracy and example F1."
)
_CITATION = "Example-based scores: ConfliBERT, https://github.com/eventdata/ConfliBERT (example_based.py)."
_KWARGS_DESCRIPTION = """
Args:
    predictions: one label per example (config "multiclass") or one list of labels per example ("multilabel").
    references: same shape as predictions. Labels are strings or integer ids.
    labels: optional list fixing the labels every average covers.
    ignore_labels: labels left out of micro/macro/weighted averages (e.g. ["none"]).
Returns:
    multiclass: accuracy, micro_*, macro_*, weighted_f1, per_label.
    multilabel: subset_accuracy, micro_*, macro_*, weighted_f1, per_label, example_f1, example_precision,
    example_recall, example_jaccard.
Example:
    >>> m = load_metric("sequence_classification")
    >>> m.compute(predictions=["Battles", "Riots"], references=["Battles", "Protests"])["accuracy"]
    0.5
"""


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _check_label(value: Any, where: str) -> str | int:
    if isinstance(value, str):
        return value
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    raise ValueError(f"{where}: a label must be a string or an integer id, got {value!r}")


def _check_one_kind(labels: Iterable[str | int]) -> None:
    kinds = {type(label).__name__ for label in labels}
    if len(kinds) > 1:
        raise ValueError(f"labels mix strings and integer ids ({sorted(kinds)}); use one kind per call")


def _label_based(
    tp: Counter, n_pred: Counter, n_gold: Counter, *, labels: Sequence | None, ignore_labels: Iterable
) -> dict:
    """Per-label, micro, macro and weighted scores from per-label counts (see module doc for the label sets)."""
    ignored = set(ignore_labels)
    seen = set(n_pred) | set(n_gold)
    if labels is not None:
        labels = [_check_label(label, "labels") for label in labels]
        _check_one_kind([*seen, *labels])
        micro_set = macro_set = [label for label in labels if label not in ignored]
        report = sorted(seen | set(labels))
    else:
        _check_one_kind(seen)
        report = sorted(seen)
        micro_set = [label for label in report if label not in ignored]
        macro_set = [label for label in sorted(n_gold) if label not in ignored]

    per_label = {}
    for label in report:
        p, r = _ratio(tp[label], n_pred[label]), _ratio(tp[label], n_gold[label])
        per_label[label] = {"precision": p, "recall": r, "f1": _f1(p, r), "support": n_gold[label]}

    def score(label: Any) -> dict:
        # A label in ``labels`` that never occurs has no per_label row but counts in the averages as 0.
        return per_label.get(label, {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0})

    micro_p = _ratio(sum(tp[x] for x in micro_set), sum(n_pred[x] for x in micro_set))
    micro_r = _ratio(sum(tp[x] for x in micro_set), sum(n_gold[x] for x in micro_set))
    total_support = sum(score(x)["support"] for x in macro_set)
    return {
        "micro_precision": micro_p,
        "micro_recall": micro_r,
        "micro_f1": _f1(micro_p, micro_r),
        "macro_precision": _ratio(sum(score(x)["precision"] for x in macro_set), len(macro_set)),
        "macro_recall": _ratio(sum(score(x)["recall"] for x in macro_set), len(macro_set)),
        "macro_f1": _ratio(sum(score(x)["f1"] for x in macro_set), len(macro_set)),
        "weighted_f1": _ratio(sum(score(x)["f1"] * score(x)["support"] for x in macro_set), total_support),
        "per_label": per_label,
    }


def compute_classification(
    predictions: Sequence[Any],
    references: Sequence[Any],
    *,
    labels: Sequence[str | int] | None = None,
    ignore_labels: Iterable[str | int] = (),
) -> dict:
    """Single-label scores: accuracy, micro/macro/weighted F1 and per-label P/R/F1 (label sets: module doc)."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    preds = [_check_label(v, f"predictions[{i}]") for i, v in enumerate(predictions)]
    golds = [_check_label(v, f"references[{i}]") for i, v in enumerate(references)]
    tp, n_pred, n_gold = Counter(), Counter(preds), Counter(golds)
    for p, g in zip(preds, golds, strict=True):
        if p == g:
            tp[g] += 1
    correct = sum(tp.values())
    return {
        "accuracy": _ratio(correct, len(golds)),
        **_label_based(tp, n_pred, n_gold, labels=labels, ignore_labels=ignore_labels),
    }


def _as_label_set(value: Any, where: str) -> frozenset:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"{where}: expected a list of labels, got {value!r}")
    return frozenset(_check_label(v, f"{where}[{j}]") for j, v in enumerate(value))


def _mean_defined(pairs: Iterable[tuple[float, float]]) -> float:
    """Mean of num/den over the pairs whose den > 0 (ConfliBERT drops the others); 0.0 when none remain."""
    values = [num / den for num, den in pairs if den > 0]
    return sum(values) / len(values) if values else 0.0


def compute_multilabel(
    predictions: Sequence[Iterable[Any]],
    references: Sequence[Iterable[Any]],
    *,
    labels: Sequence[str | int] | None = None,
    ignore_labels: Iterable[str | int] = (),
) -> dict:
    """Multi-label scores: label-based micro/macro/weighted F1, subset accuracy, ConfliBERT example-based scores."""
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    preds = [_as_label_set(v, f"predictions[{i}]") for i, v in enumerate(predictions)]
    golds = [_as_label_set(v, f"references[{i}]") for i, v in enumerate(references)]
    tp, n_pred, n_gold = Counter(), Counter(), Counter()
    for p, g in zip(preds, golds, strict=True):
        n_pred.update(p)
        n_gold.update(g)
        tp.update(p & g)
    pairs = list(zip(preds, golds, strict=True))
    return {
        "subset_accuracy": _ratio(sum(p == g for p, g in pairs), len(pairs)),
        **_label_based(tp, n_pred, n_gold, labels=labels, ignore_labels=ignore_labels),
        "example_f1": _mean_defined((2 * len(p & g), len(p) + len(g)) for p, g in pairs),
        "example_precision": _mean_defined((len(p & g), len(p)) for p, g in pairs),
        "example_recall": _mean_defined((len(p & g), len(g)) for p, g in pairs),
        "example_jaccard": _mean_defined((len(p & g), len(p | g)) for p, g in pairs),
    }


def _features(config_name: str) -> list[datasets.Features]:
    def feature(kind: str) -> Any:
        value = datasets.Value(kind)
        return datasets.List(value) if config_name == "multilabel" else value

    return [
        datasets.Features({"predictions": feature(kind), "references": feature(kind)})
        for kind in ("string", "int64")
    ]


class SequenceClassification(evaluate.Metric):
    """`evaluate` wrapper: config "multiclass" (default) -> compute_classification, "multilabel" -> compute_multilabel."""

    def _info(self) -> evaluate.MetricInfo:
        config = "multiclass" if self.config_name == "default" else self.config_name
        if config not in CONFIGS:
            raise ValueError(f"config_name must be one of {CONFIGS}, got {self.config_name!r}")
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=_features(config),
        )

    def _infer_feature_from_batch(self, batch: dict) -> datasets.Features:
        # evaluate picks strings vs ids from the first example only; an empty label set fits both, so pick the
        # first example that holds a label.
        n = len(batch["predictions"])
        if n == 0:
            return self.features[0]
        for i in range(n):
            example = {k: v[i] for k, v in batch.items()}
            if self.config_name != "multilabel" or any(len(v) for v in example.values()):
                return self._infer_feature_from_example(example)
        return super()._infer_feature_from_batch(batch)

    def _compute(self, predictions, references, labels=None, ignore_labels=()) -> dict:
        compute = compute_multilabel if self.config_name == "multilabel" else compute_classification
        return compute(predictions, references, labels=labels, ignore_labels=ignore_labels)
