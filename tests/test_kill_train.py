"""``conflict-train configs/tiny.yaml`` killed with SIGKILL at seeded points and resumed with ``--resume``: the final
metrics and weights equal an uninterrupted run with the same seed.

The child SIGKILLs itself at a chosen call of: a training step's forward pass, the accelerate state write of a
checkpoint (the temporary folder holds weights but no ``trainer_state.json``), the rename of a finished
checkpoint folder, the write of the best weights (half a file on disk), the final model save, and the
``metrics.json`` write. Each resumed run must ignore the half-written pieces. A subprocess training run costs
~10 s of CPU, so the five-point test is ``slow``; the default run kills once, mid-checkpoint.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from kill_points import ARM
from safetensors.torch import load_file

from training import cli
from training.config import PROJECT_ROOT

TINY = PROJECT_ROOT / "configs" / "tiny.yaml"
SETS = ["--set", "train.log_every=1", "--set", "train.zero_shot_baseline=false"]
COMPARED = ("dev", "history", "best_step", "main_score", "thresholds")
# Call ranges per site, for the tiny config (20 steps, 4 epochs, a checkpoint and an evaluation per epoch; the
# best weights are written once, at step 5): small enough that every armed run is killed before it ends.
SITES = {"forward": (2, 4), "save-state": (1, 2), "checkpoint-rename": (1, 2)}

CHILD = (
    ARM
    + r"""

import accelerate
import training.trainer as tr
from inference.model.modeling import ConflictEventsModel

def tear(path):  # leave the file half written, then die: a crash in the middle of writing it
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    die()

if site == "forward":
    real_forward = ConflictEventsModel.forward
    def forward(self, *a, **k):
        if self.training and hit():
            die()
        return real_forward(self, *a, **k)
    ConflictEventsModel.forward = forward
elif site == "save-state":
    real_save_state = accelerate.Accelerator.save_state
    def save_state(self, *a, **k):
        out = real_save_state(self, *a, **k)
        if hit():
            die()  # weights and optimizer written, trainer_state.json not yet
        return out
    accelerate.Accelerator.save_state = save_state
elif site == "checkpoint-rename":
    real_replace = os.replace
    def replace(src, dst, *a, **k):
        if re.fullmatch(r"step-\d+", os.path.basename(str(dst))) and hit():
            die()
        return real_replace(src, dst, *a, **k)
    os.replace = replace
elif site == "best-weights":
    real_save_model = tr.save_model
    def save_model(model, path, *a, **k):
        real_save_model(model, path, *a, **k)
        if hit():
            tear(path)
    tr.save_model = save_model
elif site == "final-save":
    real_save_pretrained = ConflictEventsModel.save_pretrained
    def save_pretrained(self, folder, *a, **k):
        real_save_pretrained(self, folder, *a, **k)
        if hit():
            tear(os.path.join(folder, "model.safetensors"))
    ConflictEventsModel.save_pretrained = save_pretrained
elif site == "metrics":
    real_write_json = tr.write_json
    def write_json(path, obj):
        if str(path).endswith("metrics.json") and hit():
            die()
        return real_write_json(path, obj)
    tr.write_json = write_json

from training.cli import main
sys.exit(main(sys.argv[1:]))
"""
)


def _child(out: Path, kill_at: str, resume: bool) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "KILL_AT": kill_at, "OMP_NUM_THREADS": "1"}
    argv = [str(TINY), "--output-dir", str(out), *SETS, *(["--resume"] if resume else [])]
    return subprocess.run(
        [sys.executable, "-c", CHILD, *argv], env=env, capture_output=True, timeout=600, cwd=PROJECT_ROOT
    )


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uninterrupted")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert cli.main([str(TINY), "--output-dir", str(out), *SETS]) == 0
    finally:
        torch.set_num_threads(before)
    return out


def check_killed_and_resumed(reference: Path, out: Path, points: list[str]) -> None:
    for k, point in enumerate(points):
        proc = _child(out, point, resume=k > 0)
        assert proc.returncode == -signal.SIGKILL, (
            f"{point}: exit {proc.returncode}: {proc.stderr.decode()[-3000:]}"
        )
        assert not (out / "metrics.json").exists()
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert cli.main([str(TINY), "--output-dir", str(out), *SETS, "--resume"]) == 0
    finally:
        torch.set_num_threads(before)
    a = json.loads((reference / "metrics.json").read_text())
    b = json.loads((out / "metrics.json").read_text())
    for key in COMPARED:
        assert b[key] == a[key], key
    wa, wb = _weights(reference), _weights(out)
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    leftovers = [p.name for p in (out / "checkpoints").iterdir() if p.name.startswith(".tmp")]
    assert not leftovers and not (out / ".tmp-final").exists()


def test_sigkill_mid_checkpoint_then_resume_equals_an_uninterrupted_run(reference, tmp_path):
    check_killed_and_resumed(reference, tmp_path / "run", ["save-state:2"])


@pytest.mark.slow
def test_sigkill_at_five_seeded_points_then_resume_equals_an_uninterrupted_run(reference, tmp_path):
    rng = random.Random(3)
    # the best weights are written only at step 5 of a fresh run: that kill comes first; the final save and the
    # metrics write come after the last step: those come last
    mid = rng.sample(sorted(SITES), len(SITES))
    points = ["best-weights:1", *(f"{s}:{rng.randint(*SITES[s])}" for s in mid), "final-save:1", "metrics:1"]
    check_killed_and_resumed(reference, tmp_path / "run", points)
