"""Sequence-head logits -> probabilities and labels, consistent with each head's parent.

For a multi_class child head (ACLED sub_event_type) with a multi_class parent (event_type), the joint score of a
child label is p(child) * p(parent of child); the parent's probabilities become the sums of their children's joint
scores, the parent label is the most probable parent, and the child label is the best child *of that parent*, so
predictions never contradict the parent map. A multi_class head may carry one threshold, for ``none``
(abstention, tuned on dev): the text is ``none`` when p(none) reaches it, else its best other label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from inference.model.configuration import MULTI_CLASS, MULTI_LABEL, NONE, ConflictEventsConfig, HeadSpec


@dataclass
class SequencePrediction:
    """One example's labels for one head, best first, with every label's probability."""

    labels: list[str]
    scores: dict[str, float]


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
        preds = []
        rows = probs[spec.name]
        everything = np.ones(len(spec.labels), dtype=bool)
        none_at = (
            spec.labels.index(NONE) if spec.problem_type == MULTI_CLASS and NONE in spec.thresholds else None
        )
        allowed_by_parent: dict[
            tuple[str, ...], np.ndarray
        ] = {}  # the parent's labels -> allowed child labels
        for i, (row, values) in enumerate(zip(rows, rows.tolist())):
            allowed = everything
            if spec.parent and spec.parent in out:
                key = tuple(out[spec.parent][i].labels)
                allowed = allowed_by_parent.get(key)
                if allowed is None:
                    parent_labels = set(key)
                    allowed = np.array([spec.parent_map[c] in parent_labels for c in spec.labels])
                    allowed_by_parent[key] = allowed
            scores = dict(zip(spec.labels, values))  # Python floats, as float(p) gives
            if spec.problem_type == MULTI_CLASS:
                masked = np.where(allowed, row, -1.0)
                if none_at is not None and allowed[none_at] and (masked > -1.0).sum() > 1:
                    # abstention: ``none`` exactly when its probability reaches the tuned threshold
                    if row[none_at] >= spec.thresholds[NONE]:
                        masked = np.where(np.arange(len(row)) == none_at, 1.0, -1.0)
                    else:
                        masked[none_at] = -1.0
                labels = [spec.labels[int(masked.argmax())]]
            else:
                keep = [
                    j
                    for j in np.argsort(-row, kind="stable")
                    if allowed[j] and row[j] >= spec.threshold(spec.labels[j])
                ]
                labels = [spec.labels[j] for j in keep]
            preds.append(SequencePrediction(labels=labels, scores=scores))
        out[spec.name] = preds
    return out
