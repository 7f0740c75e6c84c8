"""Evaluation metrics: local `evaluate` modules (span_f1, sequence_classification), thresholds, confusion plots.

``evaluate.load`` on a hub name fails offline, so each metric is a local module folder loaded by path. The plain
functions are re-exported here lazily: importing `evaluate` costs seconds (it pulls in transformers pipelines),
and ``training.metrics.thresholds`` / ``.confusion`` should not pay for it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import evaluate

METRICS_DIR = Path(__file__).resolve().parent
METRIC_NAMES = ("span_f1", "sequence_classification")

_EXPORTS = {
    "compute_span_f1": "training.metrics.span_f1.span_f1",
    "bio_to_spans": "training.metrics.span_f1.span_f1",
    "compute_classification": "training.metrics.sequence_classification.sequence_classification",
    "compute_multilabel": "training.metrics.sequence_classification.sequence_classification",
    "tune_thresholds": "training.metrics.thresholds",
    "confusion_matrix": "training.metrics.confusion",
    "plot_confusion": "training.metrics.confusion",
    "plot_learning_curve": "training.metrics.confusion",
}

__all__ = ["METRICS_DIR", "METRIC_NAMES", "load_metric", *_EXPORTS]


def load_metric(name: str, config_name: str | None = None, **kwargs: Any) -> evaluate.EvaluationModule:
    """The local `evaluate` module ``name`` (span_f1, or sequence_classification with config multiclass/multilabel).

    Loaded by path, so no network; predictions stay in memory (``keep_in_memory=True`` unless overridden)
    instead of arrow files under the metrics cache.
    """
    if name not in METRIC_NAMES:
        raise ValueError(f"unknown metric {name!r}; available: {', '.join(METRIC_NAMES)}")
    import evaluate

    kwargs.setdefault("keep_in_memory", True)
    return evaluate.load(str(METRICS_DIR / name), config_name, **kwargs)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
