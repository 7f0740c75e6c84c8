"""bench/training_cost.py: the padded-share arithmetic, the single-head configs of part (b), and a smoke run of both parts
on the tiny random encoder whose JSON must hold sane numbers."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_training_cost", REPO / "bench" / "training_cost.py")
    module = importlib.util.module_from_spec(spec)
    path = list(sys.path)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path  # the script puts the repository root first; leave the test's path as it was
    yield module
    sys.modules.pop(spec.name, None)


def test_padded_share_of_hand_made_batches(bench):
    a = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])  # 3 padded of 8
    b = torch.tensor([[1, 1]])  # no padding
    assert bench.batch_padded_share([a, b]) == pytest.approx(3 / 10)
    assert bench.batch_padded_share([b]) == 0.0
    assert bench.batch_padded_share([]) == 0.0
    stats = bench.BatchStats()
    stats.add_mask(a)
    stats.add_mask(b)
    assert (stats.batches, stats.windows, stats.real_tokens, stats.positions) == (2, 3, 7, 10)


def test_single_head_config_keeps_only_its_head(bench):
    raw = {
        "heads": {
            "entities": {"kind": "token"},
            "event_type": {"schema": "s.yaml"},
            "sub_event_type": {"schema": "s.yaml", "parent": "event_type"},
        },
        "dev": [{"name": "news_dev", "heads": ["event_type", "sub_event_type"]}, {"path": "d.jsonl"}],
        "train": {
            "epochs": 2,
            "early_stopping": {"metric": "sub_event_type/news_dev/weighted_f1 + entities/re3d/macro_f1"},
        },
    }
    sub = bench.single_head_raw(raw, "sub_event_type", steps=7, epoch_size=50)
    assert sub["heads"] == {"sub_event_type": {"schema": "s.yaml"}}  # no parent without its parent head
    assert sub["dev"] == [
        {"name": "news_dev", "heads": ["sub_event_type"]},
        {"path": "d.jsonl", "heads": None},
    ]
    assert sub["train"]["early_stopping"]["metric"] == "sub_event_type/news_dev/weighted_f1"
    assert (sub["train"]["max_steps"], sub["train"]["epoch_size"], sub["train"]["epochs"]) == (7, 50, 2)
    ent = bench.single_head_raw(raw, "entities", steps=1, epoch_size=1)
    assert [d.get("name") or d["path"] for d in ent["dev"]] == ["d.jsonl"]
    assert bench.single_head_raw(raw, "event_type", 1, 1)["train"]["early_stopping"]["metric"] is None
    assert raw["heads"]["sub_event_type"]["parent"] == "event_type"  # the multi-head config is left alone


TINY_A = """
encoder: tiny-random
max_length: 32
stride: 8
auto_dev: false
threads: 1
heads:
  entities:
    kind: token
    labels: [Organisation, Person, Location, Temporal, Quantity, Weapon, MilitaryPlatform, Nationality,
             DocumentReference, Money]
    datasets: [{path: examples/sample/train.jsonl}]
dev:
  - {path: examples/sample/dev.jsonl}
train:
  batch_size: 8
  eval_batch_size: 16
  lr: 1.0e-3
"""


def _run(bench, tmp_path, *args: str) -> dict:
    out = tmp_path / "training.json"
    assert bench.main([*args, "--threads", "1", "--output", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_smoke_part_a_ours_vs_hf_trainer(bench, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    config_a = tmp_path / "tiny_a.yaml"
    config_a.write_text(TINY_A, encoding="utf-8")
    report = _run(
        bench, tmp_path, "--part", "a", "--config-a", str(config_a), "--epochs-a", "1", "--rounds", "1"
    )
    assert "b" not in report
    a = report["a"]
    (rnd,) = a["rounds"]
    for arm in ("ours", "hf"):
        run = rnd[arm]
        assert run["windows"] == a["train_windows"]  # one epoch: every window once, in both arms
        assert run["real_tokens"] == rnd["ours"]["real_tokens"]  # the same data
        assert run["windows_per_s"] > 0 and run["real_tokens_per_s"] > 0 and run["step_s"] > 0
        assert 0.0 <= run["padded_share"] < 1.0
        assert run["positions"] >= run["real_tokens"]
    assert rnd["speedup"] == pytest.approx(rnd["ours"]["windows_per_s"] / rnd["hf"]["windows_per_s"])
    assert a["speedup_windows_per_s"] == rnd["speedup"]
    assert a["metric"] == "entities/dev/macro_f1"
    for score in a["dev"].values():
        assert 0.0 <= score <= 1.0


def test_smoke_part_b_multi_vs_single_heads(bench, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    report = _run(
        bench,
        tmp_path,
        "--part",
        "b",
        "--config-b",
        "configs/tiny.yaml",
        "--epochs-b",
        "1",
        "--epoch-size-b",
        "24",
    )
    assert "a" not in report
    b = report["b"]
    assert b["draws_match_plan"]
    assert b["order"][2] == "multi" and len(b["order"]) == 5
    # every tiny example annotates all four heads: each single run gets the multi run's 24 draws
    assert b["planned_draws_per_head"] == {
        h: 24 for h in ("entities", "event_type", "roles", "sub_event_type")
    }
    for name, run in b["runs"].items():
        assert run["wall_s"] > 0 and run["step_s"] > 0, name
        assert 0.0 <= run["padded_share"] < 1.0
        if name.startswith("single:"):
            assert run["draws_per_head"] == {name.split(":")[1]: 24}  # only its own head, as many draws
    assert b["wall_s"]["singles_total"] == pytest.approx(
        sum(b["runs"][f"single:{h}"]["wall_s"] for h in b["planned_draws_per_head"])
    )
    assert b["single_over_multi_wall"] > 0
    heads = {key.split("/")[0] for key in b["scores"]}
    assert heads == {"entities", "roles", "event_type", "sub_event_type"}
    for s in b["scores"].values():
        assert 0.0 <= s["multi"] <= 1.0 and 0.0 <= s["single"] <= 1.0
