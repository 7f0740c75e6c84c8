"""Where ``conflict-train`` may write: a new or empty folder, a run of ours, or any folder with ``--overwrite``.

A non-empty folder that holds no sign of a run (``checkpoints/``, ``train.log``, ``metrics.json`` or a
conflict-events ``config.json``) is someone else's: training into it would overwrite their ``config.json`` and
mix our files with theirs, so it is refused unless ``--overwrite`` says to go ahead.
"""

from __future__ import annotations

import json
from pathlib import Path

RUN_MARKERS = ("checkpoints", "train.log", "metrics.json")


class OutputDirError(ValueError):
    """An output folder that training must not write into; the message names the fix."""


def is_run_folder(folder: Path) -> bool:
    """Does ``folder`` hold a conflict-train run (finished or not)?"""
    if any((folder / name).exists() for name in RUN_MARKERS):
        return True
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(config, dict) and config.get("model_type") == "conflict_events"


def check_output_dir(out: Path, *, overwrite: bool) -> None:
    """Raise OutputDirError when ``out`` is a file, or a non-empty folder that is not a run (without overwrite)."""
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"output {out} is a file: name a folder for the model, checkpoints and metrics")
    if out.is_dir() and not overwrite and any(out.iterdir()) and not is_run_folder(out):
        shown = ", ".join(sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir())[:5])
        raise OutputDirError(
            f"output folder {out} is not empty ({shown}) and is not a conflict-train run: name a new folder, "
            "or pass --overwrite to write the model into it anyway"
        )


def check_config_path(path: str) -> None:
    """A folder given where the YAML config belongs: say so (not 'config file not found')."""
    if Path(path).is_dir():
        raise OutputDirError(
            f"{path} is a folder, not a YAML config: pass a config file such as configs/default.yaml "
            "(and --output-dir for where the run goes)"
        )
