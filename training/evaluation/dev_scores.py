"""Score a model on dev sets: predict exactly as the Tagger does (``inference.prediction``), then compute each
head's metrics.

Token heads: strict span P/R/F1, micro and macro, per label, on the spans the Tagger would output. Sequence
heads: the text's labels the Tagger would output (``text_labels``: the pooled text's label plus labels a
sentence is sure of) scored with accuracy and micro/macro/weighted F1 (+ example-based F1 for multi-label
heads). Each head is scored only on the examples of the set that annotate it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.model.configuration import MULTI_LABEL, TOKEN, HeadSpec
from training.data.canonical import Example
from training.data.mix import DevSet

logger = logging.getLogger(__name__)

DEFAULT_METRIC = {"token": "macro_f1", "multi_class": "macro_f1", "multi_label": "example_f1"}
_LABEL_BASED = {
    "micro_precision",
    "micro_recall",
    "micro_f1",
    "macro_precision",
    "macro_recall",
    "macro_f1",
    "weighted_f1",
}
METRIC_NAMES = {  # scalar metrics per head kind, for checking a configured metric name before training
    "token": {"precision", "recall", "f1", "macro_precision", "macro_recall", "macro_f1"},
    "multi_class": {"accuracy", *_LABEL_BASED},
    "multi_label": {
        "subset_accuracy",
        "example_f1",
        "example_precision",
        "example_recall",
        "example_jaccard",
        *_LABEL_BASED,
    },
}


def default_metric(spec: HeadSpec) -> str:
    return DEFAULT_METRIC[TOKEN if spec.kind == TOKEN else spec.problem_type]


@dataclass
class Predictions:
    """Per head, one prediction per example: spans [(start, end, label)] or a label list; plus probabilities."""

    spans: dict[str, list[list[tuple[int, int, str]]]] = field(default_factory=dict)
    labels: dict[str, list[list[str]]] = field(default_factory=dict)
    probs: dict[str, np.ndarray] = field(default_factory=dict)  # sequence heads: [N, L]


@dataclass
class EvalResult:
    """``scores[dev_set][head]`` = metrics dict (with ``per_label``); ``probs``/``gold`` for threshold tuning."""

    scores: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    probs: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    gold: dict[tuple[str, str], list[list[str]]] = field(default_factory=dict)
    predicted: dict[tuple[str, str], list[list[str]]] = field(default_factory=dict)

    def flat(self) -> dict[str, float]:
        """``{"head/dev_set/metric": value}`` for every scalar metric."""
        out = {}
        for set_name, heads in self.scores.items():
            for head, metrics in heads.items():
                for key, value in metrics.items():
                    if isinstance(value, int | float) and not isinstance(value, bool) and key != "n":
                        out[f"{head}/{set_name}/{key}"] = float(value)
        return out

    def score(self, metric: str) -> float:
        """One metric ``head/dev_set/name``, or the mean of several joined by ``+``."""
        flat = self.flat()
        parts = [m.strip() for m in metric.split("+")]
        for m in parts:
            if m not in flat:
                raise KeyError(f"metric '{m}' was not computed; available: {', '.join(sorted(flat))}")
        return sum(flat[m] for m in parts) / len(parts)


def predict(model, tokenizer, examples: list[Example], *, batch_size: int = 32) -> Predictions:
    """Read the examples' texts as the Tagger reads articles (``inference.prediction.Predictor``: the same
    normalising, sentences, windows, pooling and decoding) and keep each head's spans (original offsets) and the
    text's labels and probabilities."""
    from inference.prediction import Predictor, as_probabilities

    predictor = Predictor(model, tokenizer)
    preds = predictor.predict([ex.text for ex in examples], batch_size)
    out = Predictions()
    for head in predictor.token_heads:
        out.spans[head.name] = [
            [(*p.prepared.to_original(s.start, s.end), s.label) for s in p.spans[head.name]] for p in preds
        ]
    for head in predictor.sequence_heads:
        # a text with no sentence (empty) has no labels; a multi_class head still needs one to score
        empty = [] if head.problem_type == MULTI_LABEL else ["none"]
        out.labels[head.name] = [[x.label for x in p.labels[head.name]] or empty for p in preds]
        out.probs[head.name] = as_probabilities(preds, head.name, head.labels)
    return out


def score_head(spec: HeadSpec, predicted: list, gold: list) -> dict[str, Any]:
    """Metrics of one head over aligned predictions and references."""
    from training.metrics import compute_classification, compute_multilabel, compute_span_f1

    if spec.kind == TOKEN:
        result = compute_span_f1(
            [[list(s) for s in p] for p in predicted], [[list(s) for s in g] for g in gold]
        )
    elif spec.problem_type == MULTI_LABEL:
        result = compute_multilabel(predicted, gold)
    else:
        result = compute_classification([p[0] for p in predicted], [g[0] for g in gold])
    return {"n": len(gold), **result}


def evaluate(model, tokenizer, dev_sets: list[DevSet], *, batch_size: int = 32) -> EvalResult:
    """Predict every dev set once and score each head on the examples that annotate it."""
    specs = {s.name: s for s in model.config.head_specs}
    result = EvalResult()
    for dev in dev_sets:
        preds = predict(model, tokenizer, dev.examples, batch_size=batch_size)
        result.scores[dev.name] = {}
        for head in dev.heads:
            spec = specs.get(head)
            if spec is None:
                continue
            if spec.kind == TOKEN:
                idx = [i for i, ex in enumerate(dev.examples) if head in ex.spans]
                gold = [dev.examples[i].spans[head] for i in idx]
                predicted = [preds.spans[head][i] for i in idx]
            else:
                idx = [i for i, ex in enumerate(dev.examples) if head in ex.labels]
                gold = [dev.examples[i].labels[head] for i in idx]
                predicted = [preds.labels[head][i] for i in idx]
                result.probs[(dev.name, head)] = preds.probs[head][idx]
                result.gold[(dev.name, head)] = gold
                result.predicted[(dev.name, head)] = predicted
            if idx:
                result.scores[dev.name][head] = score_head(spec, predicted, gold)
    return result


def gold_matrix(spec: HeadSpec, gold: list[list[str]]) -> np.ndarray:
    """Multi-label gold label lists -> [N, L] 0/1 (labels the head does not know are left out)."""
    index = {label: j for j, label in enumerate(spec.labels)}
    out = np.zeros((len(gold), len(spec.labels)), dtype=np.int64)
    for i, labels in enumerate(gold):
        for label in labels:
            if label in index:
                out[i, index[label]] = 1
    return out


def summary_lines(result: EvalResult, specs: list[HeadSpec]) -> list[str]:
    """One readable line per (dev set, head) for the log."""
    lines = []
    for set_name, heads in result.scores.items():
        for head, m in heads.items():
            spec = next(s for s in specs if s.name == head)
            if spec.kind == TOKEN:
                text = f"span P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} macro F1 {m['macro_f1']:.3f}"
            elif spec.problem_type == MULTI_LABEL:
                text = (
                    f"example F1 {m['example_f1']:.3f} micro F1 {m['micro_f1']:.3f} "
                    f"macro F1 {m['macro_f1']:.3f}"
                )
            else:
                text = (
                    f"acc {m['accuracy']:.3f} macro F1 {m['macro_f1']:.3f} weighted F1 {m['weighted_f1']:.3f}"
                )
            lines.append(f"{head} on {set_name} (n={m['n']}): {text}")
    return lines
