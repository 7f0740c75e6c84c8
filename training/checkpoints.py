"""A training run's folder on disk: checkpoints that are complete or absent, and the final model saved whole.

``OUT/checkpoints/step-N`` holds the accelerate state (weights, optimizer, scheduler, RNG) plus
``trainer_state.json`` (step, position in the epoch, history, best score). It is written into a temporary folder
and renamed, ``trainer_state.json`` last: a folder without it is never resumed from, and a resumed run removes it.
``OUT/checkpoints/best/model.safetensors`` holds the weights of the best evaluated step.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from accelerate import Accelerator

from inference.model.modeling import ConflictEventsModel
from inference.model.tokenizer_check import stamp_tokenizer
from training.evaluation.reporting import write_json

logger = logging.getLogger(__name__)

CHECKPOINTS = "checkpoints"
BEST = "best"
STATE_FILE = "trainer_state.json"  # written last into a checkpoint: its completion marker
FINAL_TMP = ".tmp-final"


@dataclass
class TrainerState:
    """Everything besides the accelerate state that a resumed run needs (saved with every checkpoint)."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0  # global batches of `epoch` already trained on
    samples: int = 0
    train_time: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    best_score: float | None = None
    best_step: int | None = None
    evals_without_improvement: int = 0
    stopped_early: bool = False
    window_loss: float = 0.0  # training loss summed since the last logged step
    window_steps: int = 0
    zero_shot: dict[str, Any] | None = None


def best_weights_path(out: Path) -> Path:
    """Where the run in ``out`` keeps the weights of its best evaluated step (written whole, then renamed)."""
    return out / CHECKPOINTS / BEST / "model.safetensors"


def list_checkpoints(out: Path) -> list[tuple[int, Path]]:
    """The complete checkpoints of the run in ``out``, as (step, folder), oldest first."""
    root = out / CHECKPOINTS
    found = []
    if root.is_dir():
        for p in root.iterdir():
            m = re.fullmatch(r"step-(\d+)", p.name)
            if m and (p / STATE_FILE).is_file():
                found.append((int(m.group(1)), p))
    return sorted(found)


def remove_partial_checkpoints(out: Path) -> None:
    """Drop checkpoint folders a killed run left half-written (never trusted: no rename, no state file)."""
    root = out / CHECKPOINTS
    if root.is_dir():
        for p in root.iterdir():
            if p.name.startswith(".tmp-") or (
                re.fullmatch(r"step-\d+", p.name) and not (p / STATE_FILE).is_file()
            ):
                logger.warning("removing %s: a checkpoint that was never completed", p)
                shutil.rmtree(p, ignore_errors=True)
    tmp = out / FINAL_TMP
    if tmp.exists():
        shutil.rmtree(tmp, ignore_errors=True)


def load_last_checkpoint(accelerator: Accelerator, out: Path, resume: bool) -> TrainerState:
    """A fresh state, or (``resume``) the newest complete checkpoint's, loaded into ``accelerator`` too."""
    if resume and accelerator.is_main_process:
        remove_partial_checkpoints(out)
    accelerator.wait_for_everyone()
    found = list_checkpoints(out) if resume else []
    if resume and not found:
        logger.warning("--resume: no checkpoint in %s, starting from the beginning", out / CHECKPOINTS)
    if not found:
        return TrainerState()
    _, path = found[-1]
    accelerator.load_state(str(path))
    state = TrainerState(**json.loads((path / STATE_FILE).read_text(encoding="utf-8")))
    logger.info("resumed from %s (step %d, epoch %d)", path, state.step, state.epoch)
    return state


def save_checkpoint(accelerator: Accelerator, out: Path, state: TrainerState, keep: int) -> Path:
    """accelerate state + trainer state into ``checkpoints/step-N``, via a temporary folder and a rename."""
    root = out / CHECKPOINTS
    final, tmp = root / f"step-{state.step}", root / f".tmp-step-{state.step}"
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        write_json(tmp / STATE_FILE, asdict(state))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        if keep > 0:
            for _, old in list_checkpoints(out)[:-keep]:
                shutil.rmtree(old)
        logger.info("checkpoint: %s", final)
    accelerator.wait_for_everyone()
    return final


def save_final(out: Path, model: ConflictEventsModel, tokenizer) -> None:
    """Model and tokenizer files into a temporary folder, then each renamed into ``out``: never a torn file."""
    tmp = out / FINAL_TMP
    shutil.rmtree(tmp, ignore_errors=True)
    stamp_tokenizer(model.config, tokenizer)  # loading checks the folder's tokenizer against it
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    for p in sorted(tmp.iterdir()):
        os.replace(p, out / p.name)
    tmp.rmdir()
