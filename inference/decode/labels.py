"""Sequence-head logits -> probabilities and labels, consistent with each head's parent.

For a multi_class child head (ACLED sub_event_type) with a multi_class parent (event_type), the joint score of a
child label is p(child) * p(parent of child); the parent's probabilities become the sums of their children's joint
scores, the parent label is the most probable parent, and the child label is the best child *of that parent*, so
predictions never contradict the parent map. A multi_class head may carry one threshold, for ``none``
(abstention, tuned on dev): the text is ``none`` when p(none) reaches it, else its best other label.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import torch

from inference.model.configuration import MULTI_CLASS, MULTI_LABEL, NONE, ConflictEventsConfig, HeadSpec


@dataclass
class SequencePrediction:
    """One example's labels for one head, best first, with every label's probability."""

    labels: list[str]
    scores: Mapping[str, float]


def head_probabilities(
    config: ConflictEventsConfig, logits: dict[str, torch.Tensor]
) -> dict[str, np.ndarray]:
    """Softmax / sigmoid per sequence head, then the parent-child joint adjustment for multi_class pairs."""
    specs = {s.name: s for s in config.head_specs if s.kind == "sequence" and s.name in logits}
    probs: dict[str, np.ndarray] = {}
    for name, spec in specs.items():
        x = logits[name].detach().float()
        p = torch.sigmoid(x) if spec.problem_type == MULTI_LABEL else torch.softmax(x, dim=-1)
        probs[name] = p.cpu().numpy()
    for name, spec in specs.items():
        parent = specs.get(spec.parent) if spec.parent else None
        if parent is None or spec.problem_type != MULTI_CLASS or parent.problem_type != MULTI_CLASS:
            continue
        to_parent = np.array([parent.labels.index(spec.parent_map[c]) for c in spec.labels])
        joint = probs[name] * probs[parent.name][:, to_parent]
        joint /= joint.sum(axis=1, keepdims=True).clip(min=1e-12)
        marginal = np.zeros_like(probs[parent.name])
        for j, pj in enumerate(to_parent):
            marginal[:, pj] += joint[:, j]
        probs[name], probs[parent.name] = joint, marginal
    return probs


def parents_first(specs: list[HeadSpec]) -> list[HeadSpec]:
    """Heads reordered so that a child comes after its parent (otherwise in config order); a parent cycle, which
    no valid config holds, keeps the rest in config order instead of looping."""
    done: list[HeadSpec] = []
    names = {s.name for s in specs}
    pending = list(specs)
    while pending:
        placed = {d.name for d in done}
        ready = [s for s in pending if not s.parent or s.parent not in names or s.parent in placed]
        if not ready:
            return done + pending
        done.extend(ready)
        pending = [s for s in pending if s not in ready]
    return done


def decode_sequence_heads(
    config: ConflictEventsConfig, logits: dict[str, torch.Tensor]
) -> dict[str, list[SequencePrediction]]:
    """Labels per head per example: argmax for multi_class (``none`` by its own threshold when one is tuned),
    per-label thresholds for multi_label."""
    probs = head_probabilities(config, logits)
    specs = parents_first([s for s in config.head_specs if s.name in probs])
    out: dict[str, list[SequencePrediction]] = {}
    for spec in specs:
        rows = probs[spec.name]
        allowed = _allowed_by_parent(spec, out.get(spec.parent) if spec.parent else None, len(rows))
        index = {x: j for j, x in enumerate(spec.labels)}
        scores = [LabelScores(index, values) for values in rows.tolist()]  # Python floats, as float(p) gives
        if spec.problem_type == MULTI_CLASS:
            best = _multi_class_best(spec, rows, allowed).tolist()
            out[spec.name] = [SequencePrediction([spec.labels[b]], sc) for b, sc in zip(best, scores)]
            continue
        preds = []
        for i, row in enumerate(rows):
            keep = [
                j
                for j in np.argsort(-row, kind="stable")
                if allowed[i, j] and row[j] >= spec.threshold(spec.labels[j])
            ]
            preds.append(SequencePrediction([spec.labels[j] for j in keep], scores[i]))
        out[spec.name] = preds
    return out


def _allowed_by_parent(spec: HeadSpec, parent: list[SequencePrediction] | None, n: int) -> np.ndarray:
    """[n, labels] which of the head's labels each example may take: the children of its parent head's labels
    (every label without a parent head), one mask per distinct set of parent labels."""
    if parent is None or n == 0:
        return np.ones((n, len(spec.labels)), dtype=bool)
    masks: dict[tuple[str, ...], np.ndarray] = {}
    rows = []
    for p in parent:
        key = tuple(p.labels)
        mask = masks.get(key)
        if mask is None:
            chosen = set(key)
            mask = masks[key] = np.array([spec.parent_map[c] in chosen for c in spec.labels], dtype=bool)
        rows.append(mask)
    return np.stack(rows).reshape(n, len(spec.labels))


def _multi_class_best(spec: HeadSpec, rows: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Index of each row's label: its most probable allowed label; with a tuned ``none`` threshold, ``none``
    exactly when its probability reaches it (and another label is allowed), never otherwise."""
    masked = np.where(allowed, rows, -1.0)
    if NONE in spec.thresholds:
        none_at = spec.labels.index(NONE)
        choice = allowed[:, none_at] & ((masked > -1.0).sum(axis=1) > 1)
        abstain = choice & (rows[:, none_at] >= spec.thresholds[NONE])
        masked[choice, none_at] = -1.0
        masked[abstain] = -1.0
        masked[abstain, none_at] = 1.0
    return masked.argmax(axis=1)


class LabelScores(Mapping):
    """Every label's probability for one example: a read-only mapping over one row of probabilities, built
    without a dict per example (a head of 40 labels over every sentence of a dump)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: list[float]):
        self._index = index
        self._values = values

    def __getitem__(self, label: str) -> float:
        return self._values[self._index[label]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))
