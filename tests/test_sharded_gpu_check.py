"""bench/gpu_check: fails clearly without a GPU; its CPU dry run writes the JSON the README quotes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench import gpu_check  # noqa: E402


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_without_a_gpu_it_stops_with_exit_2_and_says_why(tmp_path, capsys):
    assert gpu_check.main(["--skip-tests", "--output", str(tmp_path / "x.json")]) == 2
    assert "no CUDA GPU found" in capsys.readouterr().err and not (tmp_path / "x.json").exists()
    shell = subprocess.run([str(REPO / "bench" / "gpu_check.sh")], capture_output=True, text=True, timeout=60)
    assert shell.returncode == 2 and "no NVIDIA GPU found" in shell.stderr


def test_dry_run_writes_both_throughput_arms(tmp_path):
    out = tmp_path / "gpu.json"
    assert gpu_check.main(["--dry-run", "--skip-train", "--output", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["gpu"] == "cpu-dry-run" and result["dry_run"] is True
    rates = result["throughput"]["articles_per_s"]
    assert set(rates) == {"fp32", "bf16_autocast"} and all(v > 0 for v in rates.values())
    assert result["throughput"]["bf16_speedup"] == pytest.approx(
        rates["bf16_autocast"] / rates["fp32"], rel=0.01
    )
    assert gpu_check.slug("NVIDIA H100 80GB HBM3") == "nvidia_h100_80gb_hbm3"
    # the pipelined labeller: fp32 and bf16, no workers and (in a dry run) one, same bytes either way
    piped = result["pipelined"]
    for arm in ("fp32_workers0", "fp32_workers1", "bf16_workers0", "bf16_workers1"):
        assert piped[arm]["exit"] == 0 and piped[arm]["articles_per_s"] > 0, arm
        assert piped[arm]["samples"] == 0 and piped[arm]["gpu_busy_percent_mean"] is None  # no GPU here
    assert piped["fp32_workers_output_identical"] and piped["bf16_workers_output_identical"]
    stages = result["stages"]
    assert stages["host_ms_per_article"] > 0 and stages["forward_ms_per_article"] > 0
