"""Training under a launcher: a 2-process run (torchrun, gloo, CPU) resumes from its checkpoint, logs once, and
ends where one process ends; mixed precision comes from the config or from accelerate's environment."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from training.config import PROJECT_ROOT, load_config
from training.trainer import train

TINY = PROJECT_ROOT / "configs" / "tiny.yaml"
FAST = ["train.log_every=1"]


def _train_cmd(out, *extra, processes=1):
    launch = [sys.executable]
    if processes > 1:
        launch += ["-m", "torch.distributed.run", "--nproc_per_node", str(processes)]
    sets = [x for s in FAST for x in ("--set", s)]
    return [*launch, "-m", "training", str(TINY), *sets, "-o", str(out), *extra]


def _run(cmd, **env):
    proc = subprocess.run(
        cmd,
        cwd=PROJECT_ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_mixed_precision_from_accelerate_environment_or_config(tmp_path):
    out = tmp_path / "bf16"
    _run(_train_cmd(out, "--set", "train.max_steps=2"), ACCELERATE_MIXED_PRECISION="bf16")
    run = json.loads((out / "metrics.json").read_text())["run"]
    assert run["mixed_precision"] == "bf16" and run["steps"] == 2
    assert "mixed precision: bf16" in (out / "train.log").read_text()


@pytest.mark.slow
def test_two_processes_resume_and_match_one_process(tmp_path):
    one = train(load_config(TINY, FAST), tmp_path / "one").metrics
    two = tmp_path / "two"
    _run(_train_cmd(two, "--stop-after-steps", "7", processes=2))
    assert (two / "checkpoints" / "step-7" / "trainer_state.json").is_file()
    assert not (two / "metrics.json").exists()
    _run(_train_cmd(two, "--resume", processes=2))
    b = json.loads((two / "metrics.json").read_text())
    assert b["run"]["num_processes"] == 2 and b["run"]["steps"] == one["run"]["steps"]
    log = (two / "train.log").read_text()
    assert log.count("resumed from") == 1  # the main process logs; the other one does not
    la = [h["loss"] for h in one["history"] if "loss" in h]
    lb = [h["loss"] for h in b["history"] if "loss" in h]
    assert [h["step"] for h in b["history"] if "loss" in h] == list(range(1, len(la) + 1))
    np.testing.assert_allclose(lb, la, rtol=0.02)
    for head, metrics in one["dev"]["dev"].items():
        for metric, value in metrics.items():
            if isinstance(value, float):
                assert abs(b["dev"]["dev"][head][metric] - value) <= 0.1, (head, metric)
