"""Decision thresholds for multi-label heads, tuned on dev probabilities to maximise F1.

A label is predicted when its probability is >= its threshold. Ties in F1 go to the threshold closest to 0.5
(then to the larger one), so a flat F1 curve keeps the neutral default. ``tune_thresholds`` maximises each label's
own F1; ``tune_thresholds_for_example_f1`` maximises ConfliBERT's example-based F1 of all labels together, which
per-label tuning can lower (a false positive on a text with no gold label costs that whole text).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT_THRESHOLD = 0.5
DEFAULT_GRID: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05, 0.10, ..., 0.95


def _check_inputs(
    probs: np.ndarray, gold: np.ndarray, grid: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    probs, gold = np.asarray(probs, dtype=float), np.asarray(gold)
    if probs.ndim != 2 or probs.shape != gold.shape:
        raise ValueError(f"probs and gold must both be [N, L]; got {probs.shape} and {gold.shape}")
    if not np.isin(gold, (0, 1)).all():
        raise ValueError("gold must hold only 0 and 1")
    if len(grid) == 0:
        raise ValueError("grid must not be empty")
    return probs, gold.astype(bool)


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    den = 2 * tp + fp + fn
    return np.divide(2 * tp, den, out=np.zeros(den.shape, dtype=float), where=den > 0)


def _counts(probs: np.ndarray, gold: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """Per-label (tp, fp, fn) at one threshold."""
    pred = probs >= threshold
    return ((pred & gold).sum(0), (pred & ~gold).sum(0), (~pred & gold).sum(0))


def _pick(grid: Sequence[float], scores: Sequence[float]) -> float:
    """Grid value with the best score; ties -> closest to 0.5, then the larger threshold."""
    best = max(range(len(grid)), key=lambda i: (scores[i], -round(abs(grid[i] - 0.5), 9), grid[i]))
    return float(grid[best])


def tune_thresholds(
    probs: np.ndarray, gold: np.ndarray, labels: Sequence[str], grid: Sequence[float] = DEFAULT_GRID
) -> dict[str, float]:
    """Per-label threshold maximising that label's F1 on dev; a label with no dev positives keeps 0.5."""
    probs, gold = _check_inputs(probs, gold, grid)
    if len(labels) != probs.shape[1]:
        raise ValueError(f"{len(labels)} labels for {probs.shape[1]} probability columns")
    f1 = np.stack([_f1(*_counts(probs, gold, t)) for t in grid])  # [len(grid), L]
    positives = gold.sum(0)
    return {
        label: _pick(grid, f1[:, j].tolist()) if positives[j] else DEFAULT_THRESHOLD
        for j, label in enumerate(labels)
    }


def example_f1(pred: np.ndarray, gold: np.ndarray) -> float:
    """Example-based F1 of 0/1 matrices [N, L], as ``sequence_classification``: texts with empty predicted and
    gold sets are left out of the mean."""
    pred, gold = np.asarray(pred, dtype=bool), np.asarray(gold, dtype=bool)
    size = pred.sum(1) + gold.sum(1)
    defined = size > 0
    if not defined.any():
        return 0.0
    return float((2 * (pred & gold).sum(1)[defined] / size[defined]).mean())


def tune_thresholds_for_example_f1(
    probs: np.ndarray,
    gold: np.ndarray,
    labels: Sequence[str],
    grid: Sequence[float] = DEFAULT_GRID,
    passes: int = 2,
) -> dict[str, float]:
    """Per-label thresholds maximising example-based F1 on dev by coordinate ascent from 0.5 (one label at a time,
    the others fixed), so the result is never worse on dev than 0.5 everywhere when 0.5 is on the grid."""
    probs, gold = _check_inputs(probs, gold, grid)
    if len(labels) != probs.shape[1]:
        raise ValueError(f"{len(labels)} labels for {probs.shape[1]} probability columns")
    cut = np.full(probs.shape[1], DEFAULT_THRESHOLD)
    for _ in range(passes):
        before = cut.copy()
        for j in range(probs.shape[1]):
            scores = []
            for t in grid:
                cut[j] = t
                scores.append(example_f1(probs >= cut, gold))
            cut[j] = _pick(grid, scores)
        if np.array_equal(before, cut):
            break
    return {label: float(cut[j]) for j, label in enumerate(labels)}
