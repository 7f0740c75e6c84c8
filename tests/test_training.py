"""Training end to end on the tiny config, plus the pieces it is built from (pool, negatives, sampling, batches)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from safetensors.torch import load_file
from transformers import AutoModel, AutoTokenizer

import inference  # noqa: F401  (registers the model with AutoModel)
from inference.model.configuration import HeadSpec
from training import cli
from training.batching import BatchPlan, shard
from training.config import PROJECT_ROOT, ConfigError, load_config
from training.data.canonical import DataError, Example, save_examples
from training.data.mix import (
    TrainingPool,
    balanced_heads,
    build_training_pool,
    converted_split,
    dev_texts,
    load_dev_sets,
    sampling_weights,
)
from training.targets import collate, encode_examples
from training.trainer import TrainingError, load_tokenizer, plan_batches, prepare_data, train

TINY = PROJECT_ROOT / "configs" / "tiny.yaml"
FAST = ["train.log_every=1"]  # every step's loss in the history: a resumed run must match it step by step
HEADS = ("entities", "roles", "event_type", "sub_event_type")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The tiny model gains nothing from threads, and on a busy 2-core machine they spin: 1 is 10x faster."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def _same_weights(a: Path, b: Path) -> bool:
    wa, wb = _weights(a), _weights(b)
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny-a")
    result = train(load_config(TINY, FAST), out)
    return result


def test_tiny_run_writes_a_complete_model_folder(tiny_run):
    out = tiny_run.output_dir
    for name in (
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "metrics.json",
        "metrics.csv",
        "learning_curve.png",
        "confusion_event_type.png",
        "confusion_sub_event_type.png",
        "train.log",
    ):
        assert (out / name).is_file(), name
    assert not list(out.glob("*.bin"))
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["dev"]["dev"]) == set(HEADS)
    assert set(metrics["zero_shot"]["dev"]) == {
        "event_type",
        "sub_event_type",
    }  # token heads have no zero-shot
    assert metrics["main_metric"] == "sub_event_type/dev/weighted_f1"
    assert metrics["run"]["steps"] == 20 and metrics["run"]["samples_per_s"] > 0
    assert metrics["data"]["train_examples"] == 40 and metrics["data"]["dev_sets"]["dev"]["examples"] == 12
    assert any("eval" in h for h in metrics["history"]) and any("loss" in h for h in metrics["history"])
    rows = (out / "metrics.csv").read_text().splitlines()
    assert rows[0] == "model,dev_set,head,label,metric,value"
    assert any(r.startswith("trained,dev,sub_event_type,Armed clash,f1,") for r in rows)
    assert any(r.startswith("zero_shot,dev,event_type,,accuracy,") for r in rows)
    log = (out / "train.log").read_text()
    assert "training pool: 40 examples" in log and "head sub_event_type:" in log and "[final]" in log


def test_saved_model_loads_with_automodel_and_gives_identical_logits(tiny_run):
    out = tiny_run.output_dir
    loaded = AutoModel.from_pretrained(out).eval()
    tok = AutoTokenizer.from_pretrained(out)
    model = tiny_run.model.eval()
    enc = tok(
        ["rebels attacked the village on monday", "police arrested two men"],
        padding=True,
        return_tensors="pt",
    )
    a, b = model(**enc).logits, loaded(**enc).logits
    assert set(a) == set(HEADS)
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=0, atol=0)
    cfg = loaded.config
    assert cfg.head("sub_event_type").parent_map["Armed clash"] == "Battles"
    assert cfg.head("event_type").descriptions["Battles"].startswith("Two organised armed groups")
    assert cfg.training_config["encoder"] == "tiny-random"
    assert cfg.training_config["heads"]["entities"]["datasets"] == [{"path": "examples/sample/train.jsonl"}]


def test_the_public_phases_prepare_what_train_trained_on(tiny_run):
    """prepare_data and plan_batches, called alone (as bench/training_cost.py does), give train()'s data and steps."""
    loaded = load_config(TINY, FAST)
    _, tokenizer = load_tokenizer(loaded.config.encoder, seed=loaded.config.seed)
    data = prepare_data(loaded, tokenizer)
    metrics = json.loads((tiny_run.output_dir / "metrics.json").read_text())
    assert json.loads(json.dumps(data.summary)) == metrics["data"]
    assert [e.id for e in data.encoded] == [ex.id for ex in data.pool.examples]
    assert {s.name for s in data.specs} == set(HEADS) and [d.name for d in data.dev_sets] == ["dev"]
    plan, total_steps = plan_batches(loaded, data)
    assert total_steps == metrics["run"]["total_steps"] == 20
    assert len(plan.epoch(0)) == 5 and all(
        0 <= i < 40 for b in plan.epoch(0) for i in b
    )  # 4 epochs of 5 steps


def test_same_seed_gives_the_same_metrics_and_weights(tiny_run, tmp_path):
    again = train(load_config(TINY, FAST), tmp_path / "b")
    a = json.loads((tiny_run.output_dir / "metrics.json").read_text())
    b = again.metrics
    for key in ("dev", "zero_shot", "history", "best_step", "main_score"):
        assert json.loads(json.dumps(b[key])) == a[key], key
    assert _same_weights(tiny_run.output_dir, tmp_path / "b")


def test_resume_after_interruption_equals_an_uninterrupted_run(tiny_run, tmp_path):
    out = tmp_path / "c"
    argv = [str(TINY), "--output-dir", str(out), *(x for s in FAST for x in ("--set", s))]
    assert cli.main([*argv, "--stop-after-steps", "7"]) == 0  # mid-epoch (5 steps per epoch)
    assert (out / "checkpoints" / "step-7" / "trainer_state.json").is_file()
    assert not (out / "metrics.json").exists()
    with pytest.raises(ConfigError, match="already holds a run"):
        train(load_config(TINY, FAST), out)
    assert cli.main([*argv, "--resume"]) == 0
    a = json.loads((tiny_run.output_dir / "metrics.json").read_text())
    c = json.loads((out / "metrics.json").read_text())
    for key in ("dev", "zero_shot", "history", "best_step", "main_score"):
        assert c[key] == a[key], key
    assert _same_weights(tiny_run.output_dir, out)
    assert "resumed from" in (out / "train.log").read_text()


def test_non_finite_loss_stops_naming_step_and_examples(tmp_path, monkeypatch):
    import inference.model.modeling as modeling

    real = modeling.head_loss
    calls = {"n": 0}

    def poisoned(spec, logits, target):
        calls["n"] += 1
        loss = real(spec, logits, target)
        return loss * float("nan") if calls["n"] > 8 else loss  # 4 heads per forward: step 3 goes bad

    monkeypatch.setattr(modeling, "head_loss", poisoned)
    loaded = load_config(TINY, ["train.max_steps=5", "train.save_every=1", "train.zero_shot_baseline=false"])
    with pytest.raises(TrainingError) as err:
        train(loaded, tmp_path)
    msg = str(err.value)
    assert "at step 3" in msg and "step-2" in msg
    ids = msg.split("batch example ids: ")[1].split(";")[0].split(", ")
    train_ids = {
        json.loads(line)["id"]
        for line in (PROJECT_ROOT / "examples/sample/train.jsonl").read_text().splitlines()
    }
    assert 1 <= len(ids) <= 8 and set(ids) <= train_ids
    assert (tmp_path / "checkpoints" / "step-2").is_dir() and not (
        tmp_path / "checkpoints" / "step-3"
    ).exists()


def test_cli_errors_are_one_line_with_exit_code_2(tmp_path, capsys):
    assert cli.main([str(TINY), "-o", str(tmp_path), "--set", "train.lrr=1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "config error" in err and "did you mean 'lr'" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": 3}\n')
    assert cli.main([str(TINY), "-o", str(tmp_path / "o"), "--set", f"dev=[{{path: {bad}}}]"]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]  # after the run's log lines
    assert last.startswith("conflict-train: data error") and "bad.jsonl:1: field 'text'" in last


# ---- the pieces -----------------------------------------------------------------------------------------------


def _jsonl(path: Path, examples: list[Example]) -> str:
    save_examples(path, examples)
    return str(path)


def _config(tmp_path: Path, data: dict, overrides=()):
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_config(path, list(overrides))


def test_pool_merges_heads_of_one_dataset_and_masks_the_rest(tmp_path):
    a = _jsonl(
        tmp_path / "a.jsonl",
        [
            Example(
                "a1",
                "rebels attacked",
                spans={"ent": [(0, 6, "Org")]},
                labels={"ev": ["Battles"], "other": ["x"]},
            ),
            Example("a2", "a market report", labels={"ev": ["none"]}),
        ],
    )
    b = _jsonl(
        tmp_path / "b.jsonl",
        [Example("b1", "police in the city", spans={"ent": [(0, 6, "Org")]}, labels={"ev": ["Protests"]})],
    )
    loaded = _config(
        tmp_path,
        {
            "heads": {
                "ent": {"kind": "token", "datasets": [{"path": a}, {"path": b}]},
                "ev": {"datasets": [{"path": a, "weight": 2.0}]},
            }
        },
    )
    pool = build_training_pool(loaded)
    by_id = {ex.id: (ex, w) for ex, w in zip(pool.examples, pool.weights)}
    assert set(by_id) == {"a1", "a2", "b1"}
    a1, w = by_id["a1"]
    assert a1.spans == {"ent": [(0, 6, "Org")]} and a1.labels == {"ev": ["Battles"]} and w == 2.0
    b1, w = by_id["b1"]
    assert b1.labels == {} and w == 1.0  # b is not an `ev` dataset: its ev label is not trained on
    assert by_id["a2"][0].spans == {}  # a2 has no entity annotation: absent, not empty


def test_negatives_are_selected_by_labels_bounded_relabelled_and_dev_texts_dropped(tmp_path):
    pos = _jsonl(
        tmp_path / "pos.jsonl",
        [Example(f"p{i}", f"rebels attacked town {i}", labels={"ev": ["Battles"]}) for i in range(3)],
    )
    neg = _jsonl(
        tmp_path / "neg.jsonl",
        [Example(f"n{i}", f"sentence {i}", labels={"police": ["KILL"] if i < 2 else []}) for i in range(10)],
    )
    dev = _jsonl(
        tmp_path / "dev.jsonl", [Example("d0", "Rebels  attacked town 0", labels={"ev": ["Battles"]})]
    )
    data = {
        "heads": {
            "ev": {
                "labels": ["none", "Battles"],
                "datasets": [{"path": pos}],
                "negatives": [{"path": neg, "where": {"police": []}, "max": 3}],
            }
        },
        "dev": [{"path": dev}],
        "auto_dev": False,
    }
    loaded = _config(tmp_path, data)
    dev_sets = load_dev_sets(loaded, ["ev"])
    pool = build_training_pool(loaded, dev_texts(dev_sets))
    negs = [ex for ex in pool.examples if ex.id.startswith("n")]
    assert len(negs) == 3 and all(ex.labels == {"ev": ["none"]} for ex in negs)
    assert all(int(ex.id[1:]) >= 2 for ex in negs)  # n0, n1 carry a police action: not negatives
    assert [ex.id for ex in negs] == [
        ex.id for ex in build_training_pool(loaded, dev_texts(dev_sets)).examples if ex.id.startswith("n")
    ]  # the same choice every time
    assert "p0" not in {ex.id for ex in pool.examples}  # its text (normalised) is a dev text
    assert sum(pool.dropped_for_dev.values()) == 1
    assert dev_sets[0].name == "dev" and dev_sets[0].heads == ["ev"]


def test_converted_datasets_are_cached_and_give_automatic_dev_sets(tmp_path, monkeypatch):
    from training.data import registry

    calls = []

    def convert(folder, *, skip_bad=False):
        calls.append(folder)
        return registry.Conversion(
            splits={
                "train": [
                    Example("t1", "rebels attacked", labels={"fake_head": ["a"]}),
                    Example("t2", "police fired", labels={"fake_head": ["b"]}),
                ],
                "dev": [Example("d1", "troops clashed", labels={"fake_head": ["a"]})],
            }
        )

    (tmp_path / "data" / "fake").mkdir(parents=True)
    monkeypatch.setitem(registry._MODULES, "fake", "training.data.registry")
    monkeypatch.setitem(
        registry._REGISTRY, "fake", registry.Converter("fake", "test", ("fake_head",), "fake", convert)
    )
    loaded = _config(
        tmp_path,
        {
            "data_root": str(tmp_path / "data"),
            "cache_dir": str(tmp_path / "cache"),
            "heads": {"fake_head": {"datasets": [{"name": "fake"}]}},
        },
    )
    pool = build_training_pool(loaded)
    assert [ex.id for ex in pool.examples] == ["t1", "t2"] and pool.origins == ["fake:train", "fake:train"]
    dev_sets = load_dev_sets(loaded, ["fake_head"])
    assert [(d.name, [e.id for e in d.examples]) for d in dev_sets] == [("fake", ["d1"])]
    assert converted_split("fake", "test", loaded) is None
    assert len(calls) == 1  # converted once, read from the cache after
    assert len(list((tmp_path / "cache").glob("fake-*/train.jsonl"))) == 1


def test_unannotating_dataset_is_a_data_error(tmp_path):
    a = _jsonl(tmp_path / "a.jsonl", [Example("a1", "text", labels={"other": ["x"]})])
    loaded = _config(tmp_path, {"heads": {"ev": {"labels": ["none", "x"], "datasets": [{"path": a}]}}})
    with pytest.raises(DataError, match="annotates head 'ev'"):
        build_training_pool(loaded)


def test_class_balanced_weights_favour_rare_labels():
    exs = [Example(str(i), "t", labels={"ev": ["common" if i < 9 else "rare"]}) for i in range(10)]
    exs.append(Example("x", "t", spans={"ent": []}))  # not in the balanced head: keeps its dataset weight
    pool = TrainingPool(examples=exs, weights=[1.0] * 11, origins=["o"] * 11)
    specs = [HeadSpec(name="ev", kind="sequence", labels=["common", "rare"])]
    w = sampling_weights(pool, specs, ["ev"], power=0.5)
    assert w[9] / w[0] == pytest.approx(3.0)  # sqrt(9 / 1)
    assert w[:10].mean() == pytest.approx(1.0) and w[10] == 1.0
    assert np.allclose(sampling_weights(pool, specs, [], power=0.5), 1.0)


def test_class_balanced_token_head_weighs_an_example_by_its_rarest_span_label():
    spans = [[[0, 1, "Org"]]] * 8 + [[[0, 1, "Org"], [2, 3, "Money"]], []]  # 9 Org, 1 Money, 1 with none
    exs = [Example(str(i), "t t t", spans={"ent": s}) for i, s in enumerate(spans)]
    exs.append(Example("x", "t", labels={"ev": ["a"]}))  # does not annotate the token head
    pool = TrainingPool(examples=exs, weights=[1.0] * 11, origins=["o"] * 11)
    specs = [HeadSpec(name="ent", kind="token", labels=["Org", "Money"])]
    w = sampling_weights(pool, specs, ["ent"], power=0.5)
    assert w[8] / w[0] == pytest.approx(3.0)  # the Money sentence counts as Money (1), not Org (9)
    assert w[9] / w[0] == pytest.approx(3.0)  # "(no label)" seen once
    assert w[:10].mean() == pytest.approx(1.0) and w[10] == 1.0


def test_batch_plan_is_a_pure_function_of_seed_and_epoch():
    lengths = list(range(1, 101))
    plan = BatchPlan(lengths, [1.0] * 100, batch_size=8, seed=3, mega_batch_factor=4)
    e0 = plan.epoch(0)
    assert e0 == BatchPlan(lengths, [1.0] * 100, batch_size=8, seed=3, mega_batch_factor=4).epoch(0)
    assert e0 != plan.epoch(1)
    assert sorted(i for b in e0 for i in b) == list(range(100))  # uniform weights: every example once
    assert all(b == sorted(b, key=lambda i: -lengths[i]) for b in e0)  # length-grouped within a batch
    assert shard(e0[0], 0, 2) + shard(e0[0], 1, 2) == sorted(e0[0], key=e0[0].index)[0::2] + e0[0][1::2]
    weighted = BatchPlan(lengths, [10.0] + [1.0] * 99, batch_size=10, seed=0, epoch_size=10_000)
    counts = np.bincount([i for b in weighted.epoch(0) for i in b], minlength=100)
    assert 700 < counts[0] < 1300 and counts[1:].mean() < 120  # example 0 drawn ~10x as often
    assert plan.steps_per_epoch(grad_accum=3) == 5  # 13 batches -> 5 optimizer steps


def test_windows_of_one_example_stay_together_and_separately_encoded_examples_apart(tiny_encoder):
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    heads = [HeadSpec(name="ev", kind="sequence", labels=["none", "Battles"])]
    long = encode_examples(
        [Example("l", "rebels attacked the village " * 10, labels={"ev": ["Battles"]})],
        tok,
        heads,
        max_length=16,
        stride=4,
    )
    short = encode_examples(
        [Example("s", "police fired", labels={"ev": ["none"]})], tok, heads, max_length=16, stride=4
    )
    assert len(long[0].windows) > 2
    batch = collate(long + short, heads, tok.pad_token_id)
    n = len(long[0].windows)
    assert batch["window_example"].tolist() == [0] * n + [1]
    assert batch["labels"]["ev"].tolist() == [1, 0]
    # two examples from separate encode calls (both numbered 0 there) stay two examples
    assert collate(short + short, heads, tok.pad_token_id)["window_example"].tolist() == [0, 1]


@pytest.mark.slow
def test_two_processes_with_torchrun_match_one_process(tmp_path):
    """torchrun --nproc_per_node 2 (gloo, CPU): same global batches, so close to the one-process run."""
    overrides = ["--set", "train.log_every=1"]
    single, double = tmp_path / "one", tmp_path / "two"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "training", str(TINY), *overrides]
    subprocess.run([*cmd, "-o", str(single)], check=True, cwd=PROJECT_ROOT, env=env, capture_output=True)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            "2",
            "-m",
            "training",
            str(TINY),
            *overrides,
            "-o",
            str(double),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    a = json.loads((single / "metrics.json").read_text())
    b = json.loads((double / "metrics.json").read_text())
    assert b["run"]["num_processes"] == 2 and a["run"]["num_processes"] == 1
    la = [h["loss"] for h in a["history"] if "loss" in h]
    lb = [h["loss"] for h in b["history"] if "loss" in h]
    assert len(la) == len(lb) == 20
    np.testing.assert_allclose(lb, la, rtol=0.02)  # per-process loss means and dropout differ slightly
    for head in HEADS:
        for metric, value in a["dev"]["dev"][head].items():
            if isinstance(value, float):
                assert abs(b["dev"]["dev"][head][metric] - value) <= 0.1, (head, metric)


def test_empty_label_lists_become_none_for_multi_class_heads():
    from training.data.mix import fill_none_labels

    specs = [
        HeadSpec(name="ev", kind="sequence", labels=["none", "Battles"]),
        HeadSpec(name="topics", kind="sequence", problem_type="multi_label", labels=["a"]),
    ]
    exs = [Example("a", "t", labels={"ev": [], "topics": []}), Example("b", "t", labels={"ev": ["Battles"]})]
    assert fill_none_labels(exs, specs) == 1
    assert exs[0].labels == {"ev": ["none"], "topics": []} and exs[1].labels == {"ev": ["Battles"]}


@pytest.mark.parametrize(
    "metric, fragment",
    [
        ("sub_event_type/nope/weighted_f1", "no dev set 'nope' scores head 'sub_event_type'"),
        ("sub_event_type/dev/example_f1", "'example_f1' is not a multi_class metric"),
        ("topics/dev/f1", "'topics' is not a head"),
    ],
)
def test_bad_selection_metric_fails_before_training(tmp_path, metric, fragment):
    loaded = load_config(TINY, [f"train.early_stopping.metric={metric}"])
    with pytest.raises(ConfigError) as err:
        train(loaded, tmp_path)
    assert fragment in str(err.value) and err.value.key == "train.early_stopping.metric"
    assert not (tmp_path / "checkpoints").exists()


def _card_rows(card: str, section: str) -> dict[tuple[str, str, str], str]:
    """``(dev set, head, metric) -> printed value`` from the whole-head table of one section of a model card."""
    body = card.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| (\w+) \| ([^|]+) \|$", body, flags=re.M)
    return {(s, h, m): v.strip() for s, h, m, v in rows}


def test_model_card_is_written_and_its_numbers_are_metrics_json(tiny_run):
    out = tiny_run.output_dir
    card = (out / "README.md").read_text()
    metrics = json.loads((out / "metrics.json").read_text())
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["language"] == ["en"] and "conflict-events" in front["tags"]
    assert "examples/sample/train.jsonl" in front["datasets"] and "f1" in front["metrics"]
    assert "Tagger.from_pretrained" in card and "Uncased encoder" in card and "Rare labels" in card
    for section, scores in (("Dev metrics", metrics["dev"]), ("Zero-shot baseline", metrics["zero_shot"])):
        rows = _card_rows(card, section)
        expected = {
            (s, h, m): str(v) if isinstance(v, int) else f"{v:.4f}"
            for s, heads in scores.items()
            for h, ms in heads.items()
            for m, v in ms.items()
            if m in ("n", "f1", "precision", "recall", "macro_f1", "accuracy", "weighted_f1", "micro_f1")
        }
        assert rows == expected, section
    assert f"= {metrics['main_score']:.4f} (step {metrics['best_step']})" in card


def test_heads_sharing_a_dataset_share_its_draws(tmp_path):
    """The ACLED actor-type heads (inter1 / inter2) ride on the notes the event heads already draw: adding them
    unbalanced leaves the pool and every example's draw weight as they were; balanced, they would shift them."""
    labels = [("Battles", "State forces"), ("Battles", "Rebel group"), ("Protests", "Protesters")] * 3
    labels += [("Riots", "Rioters")]
    notes = _jsonl(
        tmp_path / "notes.jsonl",
        [
            Example(f"n{i}", f"note {i}", labels={"ev": [ev], "inter1": [who]})
            for i, (ev, who) in enumerate(labels)
        ],
    )
    other = _jsonl(
        tmp_path / "other.jsonl",
        [Example(f"o{i}", f"o {i}", labels={"x": ["a" if i else "b"]}) for i in range(4)],
    )
    heads = {"ev": {"datasets": [{"path": notes}]}, "x": {"datasets": [{"path": other}]}}

    def draws(extra: dict) -> tuple[list[str], np.ndarray]:
        loaded = _config(tmp_path, {"heads": {**heads, **extra}})
        pool = build_training_pool(loaded)
        specs = [
            HeadSpec(
                name=h,
                kind="sequence",
                labels=sorted({y for x in pool.examples for y in x.labels.get(h, [])}),
            )
            for h in loaded.config.heads
        ]
        return [e.id for e in pool.examples], sampling_weights(
            pool, specs, balanced_heads(loaded, specs), 0.5
        )

    ids, base = draws({})
    inter = {"inter1": {"datasets": [{"path": notes}], "class_balanced": False}}
    ids_with, with_inter = draws(inter)
    assert ids_with == ids and np.allclose(with_inter, base)
    _, balanced = draws({"inter1": {"datasets": [{"path": notes}]}})
    assert not np.allclose(balanced, base)  # what the shipped configs avoid


def test_shipped_actor_type_heads_are_not_class_balanced():
    for name in ("default.yaml", "demo.yaml"):
        heads = load_config(PROJECT_ROOT / "configs" / name).config.heads
        assert heads["inter1"].class_balanced is False and heads["inter2"].class_balanced is False, name
        # the ACLED notes the event heads train on (not the hand-written chemical-attack seeds: no actor categories)
        assert [r.name for r in heads["inter1"].datasets] == ["acled"]
        assert "acled" in [r.name for r in heads["event_type"].datasets]


def test_converted_data_cache_key_changes_when_converter_code_changes(tmp_path, monkeypatch):
    """The cache key hashes the converters' code (it once hashed an empty folder: edited converters kept their
    stale caches and a new head found no labels)."""
    import shutil

    from training.data import mix

    assert (mix.DATA_PACKAGE / "sources" / "acled.py").is_file()
    copy = tmp_path / "data"
    shutil.copytree(mix.DATA_PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(mix, "DATA_PACKAGE", copy)
    before = mix._converter_code_hash()
    with open(copy / "sources" / "acled.py", "a") as fh:
        fh.write("\n# changed\n")
    assert mix._converter_code_hash() != before
