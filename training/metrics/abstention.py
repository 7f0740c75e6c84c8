"""Abstention for a multi_class head with a ``none`` label: the threshold on p(none) that best trades typed
texts against texts outside the taxonomy, tuned on dev probabilities.

With threshold ``t`` a text is ``none`` when p(none) >= t, else its best other label (``inference.decode.labels``);
without one, the argmax. Each dev set is scored as the tagger's users meet it: a set whose gold is all ``none``
(out of taxonomy) by the share predicted ``none``, any other set by weighted F1 over its gold labels. The
objective is the mean over the sets, so news (typed events and negatives) and out-of-taxonomy texts weigh the
same. The argmax wins ties, so a flat curve keeps the model as trained.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NONE = "none"
GRID: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 ... 0.95


def decide(probs: np.ndarray, labels: Sequence[str], threshold: float | None) -> np.ndarray:
    """Predicted label index per row: argmax, or ``none`` exactly when p(none) >= ``threshold``."""
    probs = np.asarray(probs, dtype=float)
    if threshold is None:
        return probs.argmax(1)
    j = list(labels).index(NONE)
    others = probs.copy()
    others[:, j] = -1.0
    return np.where(probs[:, j] >= threshold, j, others.argmax(1))


def weighted_f1(pred: np.ndarray, gold: np.ndarray, n_labels: int) -> float:
    """F1 per gold label weighted by its gold count (labels never in gold weigh nothing)."""
    support = np.bincount(gold, minlength=n_labels)
    tp = np.bincount(gold[pred == gold], minlength=n_labels)
    fp = np.bincount(pred, minlength=n_labels) - tp
    fn = support - tp
    den = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, den, out=np.zeros(n_labels), where=den > 0)
    return float((f1 * support).sum() / support.sum()) if support.sum() else 0.0


def set_score(pred: np.ndarray, gold: np.ndarray, labels: Sequence[str]) -> float:
    """Share typed ``none`` on an all-``none`` set, weighted F1 otherwise."""
    j = list(labels).index(NONE)
    if (gold == j).all():
        return float((pred == j).mean())
    return weighted_f1(pred, gold, len(labels))


def tune_none_threshold(
    sets: dict[str, tuple[np.ndarray, list[str]]], labels: Sequence[str], grid: Sequence[float] = GRID
) -> tuple[float | None, dict[str, dict[str, float]]]:
    """The best threshold (None: argmax) for ``sets`` = {name: (probs [N, L], gold label per row)}, and every
    candidate's per-set scores and mean (keys ``"argmax"`` and ``"0.35"``-style), for the run's metrics."""
    if NONE not in labels:
        raise ValueError(f"abstention needs a '{NONE}' label; labels are {list(labels)}")
    if not sets:
        raise ValueError("abstention needs at least one dev set")
    index = {label: j for j, label in enumerate(labels)}
    golds = {}
    for name, (probs, gold) in sets.items():
        if np.asarray(probs).shape != (len(gold), len(labels)):
            raise ValueError(
                f"dev set '{name}': probs {np.shape(probs)} for {len(gold)} texts, {len(labels)} labels"
            )
        golds[name] = np.array([index[g] for g in gold], dtype=int)
    table: dict[str, dict[str, float]] = {}
    best, best_key = None, None
    for t in (None, *grid):
        row = {name: set_score(decide(sets[name][0], labels, t), golds[name], labels) for name in sets}
        row["mean"] = sum(row.values()) / len(sets)
        key = "argmax" if t is None else f"{t:.2f}"
        table[key] = row
        if best_key is None or row["mean"] > table[best_key]["mean"] + 1e-12:
            best, best_key = t, key
    return best, table
