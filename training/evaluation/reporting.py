"""Run outputs besides the model: ``metrics.json``, a flat ``metrics.csv``, the learning curve and confusion plots."""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from inference.model.configuration import MULTI_CLASS, SEQUENCE, HeadSpec
from training.evaluation.dev_scores import EvalResult

logger = logging.getLogger(__name__)


def _clean(value: Any) -> Any:
    """JSON-safe: non-finite floats -> null, tuples -> lists, keys -> strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _clean(value.item())
    return value


def write_json(path: Path, obj: Any) -> None:
    """Atomic, sorted, indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(_clean(obj), fh, ensure_ascii=False, indent=2, sort_keys=True)
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def git_commit(root: Path) -> str | None:
    """``HEAD`` of the project checkout (suffixed ``-dirty`` with local changes), if git is there."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def csv_rows(results: dict[str, EvalResult]) -> list[dict[str, Any]]:
    """Flat rows ``model, dev_set, head, label, metric, value``; label is empty for whole-head scores."""
    rows = []
    for model_name, result in results.items():
        for set_name, heads in result.scores.items():
            for head, metrics in heads.items():
                for metric, value in metrics.items():
                    if metric == "per_label":
                        for label, scores in value.items():
                            for k, v in scores.items():
                                rows.append(
                                    {
                                        "model": model_name,
                                        "dev_set": set_name,
                                        "head": head,
                                        "label": label,
                                        "metric": k,
                                        "value": v,
                                    }
                                )
                    elif isinstance(value, int | float):
                        rows.append(
                            {
                                "model": model_name,
                                "dev_set": set_name,
                                "head": head,
                                "label": "",
                                "metric": metric,
                                "value": value,
                            }
                        )
    rows.sort(key=lambda r: (r["model"], r["dev_set"], r["head"], r["label"], r["metric"]))
    return rows


def write_metrics_csv(path: Path, results: dict[str, EvalResult]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["model", "dev_set", "head", "label", "metric", "value"], lineterminator="\n"
        )
        writer.writeheader()
        for row in csv_rows(results):
            value = row["value"]
            row["value"] = f"{value:.6f}" if isinstance(value, float) else value
            writer.writerow(row)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def plot_outputs(
    out_dir: Path, history: list[dict], result: EvalResult, specs: list[HeadSpec], main_metric: str | None
) -> list[Path]:
    """``learning_curve.png`` and ``confusion_<head>.png`` for every multi-class sequence head."""
    from training.evaluation.dev_scores import default_metric
    from training.metrics.confusion import confusion_matrix, plot_confusion, plot_learning_curve

    written = []
    curve_keys = sorted(
        {
            k
            for e in history
            for k in (e.get("eval") or {})
            if k == main_metric
            or any(k.startswith(f"{s.name}/") and k.endswith(f"/{default_metric(s)}") for s in specs)
        }
    )
    written.append(
        plot_learning_curve(
            history,
            out_dir / "learning_curve.png",
            metrics=curve_keys or None,
            title="conflict-events training",
        )
    )
    main_set = main_metric.split("/")[1] if main_metric else None
    for spec in specs:
        if spec.kind != SEQUENCE or spec.problem_type != MULTI_CLASS:
            continue
        sets = [s for (s, h) in result.predicted if h == spec.name]
        if not sets:
            continue
        set_name = main_set if main_set in sets else sets[0]
        gold = [g[0] for g in result.gold[(set_name, spec.name)]]
        pred = [p[0] for p in result.predicted[(set_name, spec.name)]]
        labels = list(spec.labels) + sorted({x for x in gold if x not in spec.labels})
        matrix = confusion_matrix(gold, pred, labels)
        written.append(
            plot_confusion(
                matrix,
                labels,
                out_dir / f"confusion_{spec.name}.png",
                title=f"{spec.name} on {set_name} (rows: gold)",
            )
        )
    return written
