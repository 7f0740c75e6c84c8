"""Strict span precision / recall / F1 with seqeval semantics: a plain function and a local `evaluate` metric.

A predicted span counts only when its start, end and label all equal those of a reference span in the same
example. Spans are sets per example (a duplicate span counts once, as in seqeval). Averages:

* ``precision`` / ``recall`` / ``f1``: micro, over all spans.
* ``macro_*``: unweighted mean of the per-label scores over every label present in the references OR the
  predictions (seqeval >= 1.0 ``classification_report`` "macro avg"); a label only ever predicted scores 0.
* ``per_label``: ``{label: {precision, recall, f1, support}}``, support = number of reference spans.

Zero division gives 0.0. With ``format="bio"`` each example is a list of tags converted to token spans the way
seqeval's default (non-strict) ``get_entities`` does it: an ``I-X`` after ``O`` or after a different type starts
a new entity, ``B-X`` always starts one; IOBES ``E-``/``S-`` tags follow seqeval's rules too.

This file is self-contained (numpy-free, no project imports) because ``evaluate.load`` copies it into its
modules cache and imports the copy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import datasets
import evaluate

SPAN_FORMATS = ("spans", "bio")
_TAG_PREFIXES = ("B", "I", "E", "S")

_DESCRIPTION = "Strict span P/R/F1 (micro, macro over labels in references or predictions, per label)."
_CITATION = "seqeval: https://github.com/chakki-works/seqeval (semantics followed, code not used)."
_KWARGS_DESCRIPTION = """
Args:
    predictions: one list per example of spans [start, end, label] (or, with format="bio", of tags).
    references: same shape as predictions.
    format: "spans" (default) or "bio".
Returns:
    precision, recall, f1 (micro); macro_precision, macro_recall, macro_f1; per_label.
Example:
    >>> m = load_metric("span_f1")
    >>> m.compute(predictions=[[[0, 5, "PER"]]], references=[[[0, 5, "PER"]]])["f1"]
    1.0
"""


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _split_tag(tag: str, where: str) -> tuple[str, str]:
    """``"B-PER"`` -> ``("B", "PER")``; ``"O"`` -> ``("O", "_")``; a bare ``"B"`` has type ``"_"`` (seqeval)."""
    if not isinstance(tag, str):
        raise ValueError(f"{where}: a tag must be a string, got {tag!r}")
    if tag == "O":
        return "O", "_"
    if tag in _TAG_PREFIXES:
        return tag, "_"
    if len(tag) > 2 and tag[0] in _TAG_PREFIXES and tag[1] == "-":
        return tag[0], tag[2:]
    raise ValueError(f"{where}: invalid tag {tag!r}; expected O, or B-/I-/E-/S- followed by a type")


def _chunk_ends(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    if prev_tag in ("E", "S"):
        return True
    if prev_tag in ("B", "I") and tag in ("B", "S", "O"):
        return True
    return prev_tag != "O" and prev_type != type_


def _chunk_starts(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    if tag in ("B", "S"):
        return True
    if prev_tag in ("E", "S", "O") and tag in ("E", "I"):
        return True
    return tag != "O" and prev_type != type_


def bio_to_spans(tags: Sequence[str], *, where: str = "tags") -> list[tuple[int, int, str]]:
    """Token spans ``(start, end_exclusive, type)`` from one tag sequence, per seqeval's default get_entities."""
    spans: list[tuple[int, int, str]] = []
    prev_tag, prev_type, begin = "O", "", 0
    for i, raw in enumerate([*tags, "O"]):
        tag, type_ = _split_tag(raw, f"{where}[{i}]")
        if _chunk_ends(prev_tag, tag, prev_type, type_):
            spans.append((begin, i, prev_type))
        if _chunk_starts(prev_tag, tag, prev_type, type_):
            begin = i
        prev_tag, prev_type = tag, type_
    return spans


def _check_span(item: Any, where: str) -> tuple[int, int, str]:
    ok = (
        isinstance(item, list | tuple)
        and len(item) == 3
        and all(isinstance(v, int) and not isinstance(v, bool) for v in item[:2])
        and isinstance(item[2], str)
        and item[0] < item[1]
    )
    if not ok:
        raise ValueError(
            f"{where}: expected a span [start:int, end:int, label:str] with start < end, got {item!r}"
        )
    return int(item[0]), int(item[1]), item[2]


def _as_span_sets(batch: Sequence[Any], fmt: str, name: str) -> list[set[tuple[int, int, str]]]:
    out = []
    for i, example in enumerate(batch):
        if isinstance(example, str) or not isinstance(example, Iterable):
            raise ValueError(
                f"{name}[{i}]: expected a list of {'tags' if fmt == 'bio' else 'spans'}, got {example!r}"
            )
        if fmt == "bio":
            out.append(set(bio_to_spans(list(example), where=f"{name}[{i}]")))
        else:
            out.append({_check_span(s, f"{name}[{i}][{j}]") for j, s in enumerate(example)})
    return out


def compute_span_f1(predictions: Sequence[Any], references: Sequence[Any], *, format: str = "spans") -> dict:
    """Strict span P/R/F1: micro, macro (labels in references or predictions) and per label; see module doc."""
    if format not in SPAN_FORMATS:
        raise ValueError(f"format must be one of {SPAN_FORMATS}, got {format!r}")
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    pred_sets = _as_span_sets(predictions, format, "predictions")
    gold_sets = _as_span_sets(references, format, "references")
    if format == "bio":
        for i, (p, g) in enumerate(zip(predictions, references, strict=True)):
            if len(p) != len(g):
                raise ValueError(f"example {i}: {len(p)} predicted tags but {len(g)} reference tags")

    n_pred: dict[str, int] = defaultdict(int)
    n_gold: dict[str, int] = defaultdict(int)
    n_correct: dict[str, int] = defaultdict(int)
    for pred, gold in zip(pred_sets, gold_sets, strict=True):
        for *_, label in pred:
            n_pred[label] += 1
        for *_, label in gold:
            n_gold[label] += 1
        for *_, label in pred & gold:
            n_correct[label] += 1

    per_label = {}
    for label in sorted(set(n_pred) | set(n_gold)):
        p = _ratio(n_correct[label], n_pred[label])
        r = _ratio(n_correct[label], n_gold[label])
        per_label[label] = {"precision": p, "recall": r, "f1": _f1(p, r), "support": n_gold[label]}

    tp, n_p, n_g = sum(n_correct.values()), sum(n_pred.values()), sum(n_gold.values())
    precision, recall = _ratio(tp, n_p), _ratio(tp, n_g)

    def macro(key: str) -> float:
        return sum(s[key] for s in per_label.values()) / len(per_label) if per_label else 0.0

    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "macro_precision": macro("precision"),
        "macro_recall": macro("recall"),
        "macro_f1": macro("f1"),
        "per_label": per_label,
    }


def _encode_span(item: Any) -> Any:
    # Arrow can't store a mixed [int, int, str] list, so a span travels as "start:end:label".
    if isinstance(item, list | tuple) and len(item) == 3 and isinstance(item[2], str):
        return f"{item[0]}:{item[1]}:{item[2]}"
    return item


def _decode_span(item: str, where: str) -> Any:
    start, sep1, rest = item.partition(":")
    end, sep2, label = rest.partition(":")
    try:
        if sep1 and sep2:
            return [int(start), int(end), label]
    except ValueError:
        pass
    raise ValueError(f"{where}: expected a span [start, end, label], got {item!r}")


def _encode_example(example: Any) -> Any:
    return None if example is None else [_encode_span(s) for s in example]


def _encode_batch(batch: Any) -> Any:
    return None if batch is None else [_encode_example(example) for example in batch]


class SpanF1(evaluate.Metric):
    """`evaluate` wrapper of :func:`compute_span_f1`; spans are serialised to strings, which callers never see."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.List(datasets.Value("string")),
                    "references": datasets.List(datasets.Value("string")),
                }
            ),
        )

    def add_batch(self, *, predictions=None, references=None, **kwargs) -> None:
        """Add a batch of examples (each a list of spans, or of tags for format="bio")."""
        evaluate.Metric.add_batch(
            self, predictions=_encode_batch(predictions), references=_encode_batch(references), **kwargs
        )

    def add(self, *, prediction=None, reference=None, **kwargs) -> None:
        """Add one example (a list of spans, or of tags for format="bio")."""
        evaluate.Metric.add(
            self, prediction=_encode_example(prediction), reference=_encode_example(reference), **kwargs
        )

    def _compute(self, predictions, references, format: str = "spans") -> dict:
        if format == "spans":
            predictions = [
                [_decode_span(s, f"predictions[{i}]") for s in ex] for i, ex in enumerate(predictions)
            ]
            references = [
                [_decode_span(s, f"references[{i}]") for s in ex] for i, ex in enumerate(references)
            ]
        return compute_span_f1(predictions, references, format=format)
