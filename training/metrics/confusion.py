"""Confusion matrices and training plots, written as PNGs (matplotlib Agg, no display needed)."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

# Fixed PNG metadata so the same input gives byte-identical files across runs.
_PNG_METADATA = {"Software": None}


def confusion_matrix(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Counts [len(labels), len(labels)]: row = gold label, column = predicted label, in ``labels`` order."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    index = {label: i for i, label in enumerate(labels)}
    if len(index) != len(labels):
        raise ValueError("labels must not repeat")
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for n, (g, p) in enumerate(zip(gold, pred, strict=True)):
        for name, value in (("gold", g), ("pred", p)):
            if value not in index:
                raise ValueError(f"{name}[{n}]: label {value!r} is not in labels")
        matrix[index[g], index[p]] += 1
    return matrix


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata=_PNG_METADATA)
    logger.info("wrote %s", path)
    return path


def plot_confusion(
    matrix: np.ndarray, labels: Sequence[str], path: str | os.PathLike, title: str = "Confusion matrix"
) -> Path:
    """PNG heat map: colours are row-normalised (share of each gold label), cells show raw counts."""
    matrix = np.asarray(matrix)
    n = len(labels)
    if matrix.shape != (n, n):
        raise ValueError(f"matrix shape {matrix.shape} does not match {n} labels")
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros(matrix.shape, dtype=float), where=rows > 0)

    side = max(6.0, 0.45 * n + 3.0)
    fig = _figure(side + 1.5, side)
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of gold row")
    tick_size = 10 if n <= 12 else max(5, 10 - (n - 12) // 6)
    ax.set_xticks(
        range(n), labels=list(labels), rotation=60, ha="right", rotation_mode="anchor", fontsize=tick_size
    )
    ax.set_yticks(range(n), labels=list(labels), fontsize=tick_size)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    cell_size = max(4, tick_size - 1)
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                ax.text(
                    j,
                    i,
                    str(int(matrix[i, j])),
                    ha="center",
                    va="center",
                    fontsize=cell_size,
                    color="white" if share[i, j] > 0.5 else "black",
                )
    fig.tight_layout()
    return _save(fig, path)


def _numeric_items(metrics: dict[str, Any]) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    }


def plot_learning_curve(
    history: Sequence[dict[str, Any]],
    path: str | os.PathLike,
    metrics: Sequence[str] | None = None,
    title: str = "Training",
) -> Path:
    """Two panels: training loss per step, and dev metrics per evaluation (``{"step", "eval": {...}}`` entries).

    ``metrics`` picks the eval keys to draw (default: every numeric one).
    """
    loss_steps, losses = [], []
    curves: dict[str, tuple[list[float], list[float]]] = {}
    for entry in history:
        if "loss" in entry and entry["loss"] is not None:
            loss_steps.append(entry["step"])
            losses.append(float(entry["loss"]))
        if isinstance(entry.get("eval"), dict):
            for key, value in _numeric_items(entry["eval"]).items():
                if metrics is None or key in metrics:
                    steps, values = curves.setdefault(key, ([], []))
                    steps.append(entry["step"])
                    values.append(value)

    fig = _figure(10.0, 4.5)
    ax_loss, ax_eval = fig.subplots(1, 2)
    ax_loss.plot(loss_steps, losses, color="tab:red", linewidth=1.2)
    ax_loss.set_title("training loss")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    ax_loss.grid(alpha=0.3)
    for key in sorted(curves):
        steps, values = curves[key]
        ax_eval.plot(steps, values, marker="o", markersize=3, linewidth=1.2, label=key)
    if curves:
        ax_eval.legend(fontsize=7, loc="best")
    else:
        ax_eval.text(0.5, 0.5, "no evaluations", ha="center", va="center", transform=ax_eval.transAxes)
    ax_eval.set_title("dev metrics")
    ax_eval.set_xlabel("step")
    ax_eval.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)
