"""Training cost benchmark: our trainer against a plain HF ``Trainer``, and one multi-head model against one model per head.

    .venv/bin/python bench/training_cost.py [--part a|b|both] [--epochs-a 5] [--rounds 2] [--epochs-b 2]
                                       [--epoch-size-b 2000] [--max-steps N] [--set key=value ...]

(a) ``--config-a`` (default configs/benchmarks/re3d.yaml, one token head) trained twice on the same windows, the
    same epochs, batch size, learning rate, seed and encoder: by ``training.trainer.train`` (length-grouped
    batches, dynamic padding) and by a plain ``transformers.Trainer`` on ``AutoModelForTokenClassification``
    (TrainingArguments defaults apart from epochs, batch size, lr, seed and output dir; random sampling;
    ``DataCollatorForTokenClassification``, which pads each batch to its longest window). Measured per arm:
    training windows/s over the time spent in training steps (batch collation, forward, backward, optimizer),
    the padded-token share (padding positions / all positions of the training batches) and the dev score, both
    arms scored by ``training.evaluation.dev_scores.evaluate`` (the HF weights are copied into a ``ConflictEventsModel``).
    The arms run ``--rounds`` times in alternating order (ABBA...); the speed-up is the median of the rounds'.
(b) ``--config-b`` (default configs/default.yaml, its four heads) trained as one multi-head model, and each head
    alone (a config with that head only, its dev sets, its part of the selection metric, no parent). Each single
    run gets the draws of its head in the multi-head run: the examples annotating the head in the multi-head
    run's batches (computed from the same batch plan, checked against the run), spread over the same epochs.
    The multi-head run sits in the middle of the single runs, so a load drift hits both sides alike.
    Measured: wall time of every run (data, model, training, evaluations, saving) and the dev scores per head.

Epochs, epoch size and a cap on optimizer steps are options, so a full run fits in ~15-20 min on 2 CPU cores.
Ratios are the point: absolute rates move with the machine and its load (recorded). Writes
bench/results/training.json and prints a table.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import logging
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, sys.path starts at bench/: put the repository root before it (``bench.report``, the packages).
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
import yaml  # noqa: E402

import training.trainer as trainer_module  # noqa: E402
from bench.report import cpu_name, write_report  # noqa: E402
from inference.model.configuration import TOKEN  # noqa: E402
from training.config import LoadedConfig, load_config  # noqa: E402
from training.trainer import PreparedData, load_tokenizer, plan_batches, prepare_data  # noqa: E402

logger = logging.getLogger("bench.training_cost")

CONFIG_A = REPO / "configs" / "benchmarks" / "re3d.yaml"
CONFIG_B = REPO / "configs" / "default.yaml"
SCORE_KEYS = ("macro_f1", "weighted_f1", "f1", "accuracy", "example_f1")


# ---- padding and draws, counted on the batches the trainers actually build ----------------------------------
@dataclass
class BatchStats:
    """Counts over training batches: windows, real and padded token positions, examples per head."""

    batches: int = 0
    windows: int = 0
    real_tokens: int = 0
    positions: int = 0
    seconds: float = 0.0  # time spent building the batches
    per_head: Counter = field(default_factory=Counter)

    def add_mask(self, attention_mask: torch.Tensor) -> None:
        self.batches += 1
        self.windows += int(attention_mask.size(0))
        self.real_tokens += int(attention_mask.sum())
        self.positions += int(attention_mask.numel())

    @property
    def padded_share(self) -> float:
        """Padding positions / all positions of the batches (0 when every window fills its batch's width)."""
        return padded_share(self.real_tokens, self.positions)


def padded_share(real_tokens: int, positions: int) -> float:
    return 0.0 if positions == 0 else (positions - real_tokens) / positions


def batch_padded_share(masks: list[torch.Tensor]) -> float:
    """Padded-token share over attention masks ([windows, width] each)."""
    stats = BatchStats()
    for m in masks:
        stats.add_mask(m)
    return stats.padded_share


@contextlib.contextmanager
def counting_trainer_batches(stats: BatchStats):
    """Count every batch ``training.trainer`` collates (its training batches; evaluation collates elsewhere)."""
    inner = trainer_module.collate

    def counted(batch, specs, pad_token_id):
        t0 = time.perf_counter()
        out = inner(batch, specs, pad_token_id)
        stats.seconds += time.perf_counter() - t0
        stats.add_mask(out["attention_mask"])
        for ex in batch:
            stats.per_head.update({*ex.token_tags, *ex.labels})
        return out

    trainer_module.collate = counted
    try:
        yield stats
    finally:
        trainer_module.collate = inner


# ---- the batches the trainer will train on ------------------------------------------------------------------
def planned_draws(loaded: LoadedConfig, data: PreparedData) -> Counter:
    """Examples annotating each head in the batches the trainer will train on (its BatchPlan, its step count)."""
    t = loaded.config.train
    plan, total = plan_batches(loaded, data)
    draws: Counter = Counter()
    steps, epoch = 0, 0
    while steps < total:
        batches = plan.epoch(epoch)
        for start in range(0, len(batches), t.grad_accum):
            for batch in batches[start : start + t.grad_accum]:
                for i in batch:
                    draws.update({*data.encoded[i].token_tags, *data.encoded[i].labels})
            steps += 1
            if steps >= total:
                break
        epoch += 1
    return draws


# ---- runs ----------------------------------------------------------------------------------------------------
def run_ours(loaded: LoadedConfig, out: Path) -> dict[str, Any]:
    """``training.trainer.train`` into ``out``: its metrics plus the counts of its training batches."""
    stats = BatchStats()
    t0 = time.perf_counter()
    with counting_trainer_batches(stats):
        result = trainer_module.train(loaded, out, overwrite=True)
    wall = time.perf_counter() - t0
    m = result.metrics
    evals = [h for h in m["history"] if "eval" in h]
    step_s = m["run"]["train_time_s"]
    return {
        "wall_s": wall,
        "step_s": step_s,
        "steps": m["run"]["steps"],
        "examples": m["run"]["train_samples"],
        **_batch_fields(stats, step_s),
        "draws_per_head": dict(sorted(stats.per_head.items())),
        "dev_selected": _scores(m["dev"]),
        "dev_last_epoch": evals[-1]["eval"] if evals else {},
        "best_step": m["best_step"],
        "main_metric": m["main_metric"],
    }


def _batch_fields(stats: BatchStats, step_s: float) -> dict[str, Any]:
    return {
        "windows": stats.windows,
        "batches": stats.batches,
        "real_tokens": stats.real_tokens,
        "positions": stats.positions,
        "padded_share": stats.padded_share,
        "collate_s": stats.seconds,
        "windows_per_s": stats.windows / step_s if step_s > 0 else 0.0,
        "real_tokens_per_s": stats.real_tokens / step_s if step_s > 0 else 0.0,
    }


def _scores(dev: dict[str, dict[str, dict[str, Any]]]) -> dict[str, float]:
    """``{"head/dev_set/metric": value}`` for the headline metrics of every scored head."""
    return {
        f"{head}/{set_name}/{k}": float(metrics[k])
        for set_name, heads in sorted(dev.items())
        for head, metrics in sorted(heads.items())
        for k in SCORE_KEYS
        if k in metrics
    }


class _StepClock:
    """A ``TrainerCallback`` (built lazily, transformers is heavy) summing on_step_begin -> on_step_end time."""

    def __new__(cls):
        from transformers import TrainerCallback

        class StepClock(TrainerCallback):
            def __init__(self):
                self.seconds, self._t0 = 0.0, 0.0

            def on_step_begin(self, args, state, control, **kwargs):
                self._t0 = time.perf_counter()

            def on_step_end(self, args, state, control, **kwargs):
                self.seconds += time.perf_counter() - self._t0

        return StepClock()


def hf_rows(data: PreparedData, head: str) -> list[dict[str, list[int]]]:
    """One row per window: input ids, token type ids and the BIO ids our encoding gives it (-100 off-text)."""
    rows = []
    for ex in data.encoded:
        for k, w in enumerate(ex.windows):
            row = {"input_ids": list(w.input_ids), "labels": list(ex.token_tags[head][k])}
            if w.token_type_ids is not None:
                row["token_type_ids"] = list(w.token_type_ids)
            rows.append(row)
    return rows


def run_hf(
    loaded: LoadedConfig, encoder_path: str, tokenizer, data: PreparedData, out: Path
) -> dict[str, Any]:
    """A plain ``transformers.Trainer`` on the same windows, scored by ``training.evaluation.dev_scores.evaluate``."""
    from transformers import (
        AutoModelForTokenClassification,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from inference.model.modeling import ConflictEventsModel
    from training.evaluation.dev_scores import evaluate

    cfg, t = loaded.config, loaded.config.train
    (spec,) = data.specs
    t0 = time.perf_counter()
    rows = hf_rows(data, spec.name)
    labels = spec.bio_labels
    set_seed(cfg.seed)
    model = AutoModelForTokenClassification.from_pretrained(
        encoder_path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={x: i for i, x in enumerate(labels)},
    )
    stats = BatchStats()
    collator = DataCollatorForTokenClassification(tokenizer)

    def collate(features):
        c0 = time.perf_counter()
        batch = collator(features)
        stats.seconds += time.perf_counter() - c0
        stats.add_mask(batch["attention_mask"])
        return batch

    args = TrainingArguments(
        output_dir=str(out),
        num_train_epochs=t.epochs,
        max_steps=t.max_steps or -1,
        per_device_train_batch_size=t.batch_size,
        learning_rate=t.lr,
        seed=cfg.seed,
    )
    clock = _StepClock()
    trainer = Trainer(model=model, args=args, train_dataset=rows, data_collator=collate, callbacks=[clock])
    output = trainer.train()
    train_wall = time.perf_counter() - t0
    # collation happens before on_step_begin: add it, as ours counts it in its step time
    step_s = clock.seconds + stats.seconds

    # score with the project's evaluation: the same encoder + Linear layout as ConflictEventsModel's token head
    hf = trainer.model.eval()
    scored = ConflictEventsModel.from_encoder(
        encoder_path,
        data.specs,
        tokenizer=tokenizer,
        max_length=cfg.max_length,
        stride=cfg.stride,
        classifier_dropout=cfg.classifier_dropout,
    )
    missing, unexpected = scored.encoder.load_state_dict(hf.base_model.state_dict(), strict=False)
    if unexpected or any(not k.startswith("pooler.") for k in missing):
        raise RuntimeError(f"HF encoder weights do not fit: missing {missing}, unexpected {unexpected}")
    with torch.no_grad():
        scored.token_heads[spec.name].weight.copy_(hf.classifier.weight)
        scored.token_heads[spec.name].bias.copy_(hf.classifier.bias)
    result = evaluate(scored, tokenizer, data.dev_sets, batch_size=t.eval_batch_size)
    return {
        "wall_s": train_wall,
        "step_s": step_s,
        "steps": output.global_step,
        "examples": len(data.encoded) * t.epochs if not t.max_steps else None,
        **_batch_fields(stats, step_s),
        "dev_selected": _scores(result.scores),  # HF's default: the weights of the last step
        "train_runtime_s": output.metrics.get("train_runtime"),
    }


# ---- part (a) ------------------------------------------------------------------------------------------------
def part_a(config: Path, overrides: list[str], rounds: int, work: Path) -> dict[str, Any]:
    loaded = load_config(config, overrides)
    heads = list(loaded.config.heads.items())
    if len(heads) != 1 or heads[0][1].kind != TOKEN:
        raise SystemExit(f"--config-a must have exactly one token head, {config} has {[h for h, _ in heads]}")
    encoder_path, tokenizer = load_tokenizer(loaded.config.encoder, seed=loaded.config.seed)
    data = prepare_data(loaded, tokenizer)
    runs: list[dict[str, Any]] = []
    for r in range(rounds):
        order = ["ours", "hf"] if r % 2 == 0 else ["hf", "ours"]
        entry: dict[str, Any] = {"order": order, "loadavg_start": os.getloadavg()}
        for arm in order:
            logger.info("(a) round %d/%d: %s", r + 1, rounds, arm)
            folder = work / f"a-{arm}-{r}"
            entry[arm] = (
                run_ours(loaded, folder)
                if arm == "ours"
                else run_hf(loaded, encoder_path, tokenizer, data, folder)
            )
        entry["speedup"] = entry["ours"]["windows_per_s"] / entry["hf"]["windows_per_s"]
        entry["loadavg_end"] = os.getloadavg()
        runs.append(entry)
    ours, hf = runs[0]["ours"], runs[0]["hf"]
    metric = ours["main_metric"]
    return {
        "config": str(config.relative_to(REPO) if config.is_relative_to(REPO) else config),
        "overrides": overrides,
        "epochs": loaded.config.train.epochs,
        "max_steps": loaded.config.train.max_steps,
        "batch_size": loaded.config.train.batch_size,
        "lr": loaded.config.train.lr,
        "train_examples": len(data.encoded),
        "train_windows": sum(len(e.windows) for e in data.encoded),
        "rounds": runs,
        "speedup_windows_per_s": statistics.median(r["speedup"] for r in runs),
        "padded_share": {"ours": ours["padded_share"], "hf": hf["padded_share"]},
        "metric": metric,
        "dev": {
            "ours_selected": ours["dev_selected"].get(metric),
            "ours_last_epoch": ours["dev_last_epoch"].get(metric),
            "hf_last_step": hf["dev_selected"].get(metric),
        },
        "same_scores_every_round": all(
            r[a]["dev_selected"] == runs[0][a]["dev_selected"] for r in runs for a in ("ours", "hf")
        ),
    }


# ---- part (b) ------------------------------------------------------------------------------------------------
def single_head_raw(raw: dict[str, Any], head: str, steps: int, epoch_size: int) -> dict[str, Any]:
    """The merged config with only ``head``: its dev sets, its part of the selection metric, no parent."""
    single = copy.deepcopy(raw)
    spec = dict(single["heads"][head] or {})
    spec.pop("parent", None)
    single["heads"] = {head: spec}
    dev = []
    for ref in single.get("dev") or []:
        if ref.get("heads") is None or head in ref["heads"]:
            dev.append({**ref, "heads": None if ref.get("heads") is None else [head]})
    single["dev"] = dev
    train = single.setdefault("train", {})
    stopping = dict(train.get("early_stopping") or {})
    parts = [p.strip() for p in (stopping.get("metric") or "").split("+") if p.strip()]
    mine = [p for p in parts if p.split("/")[0] == head]
    stopping["metric"] = " + ".join(mine) or None
    train["early_stopping"] = stopping
    train["max_steps"] = steps
    train["epoch_size"] = epoch_size
    return single


def part_b(config: Path, overrides: list[str], work: Path) -> dict[str, Any]:
    loaded = load_config(config, overrides)
    t = loaded.config.train
    _, tokenizer = load_tokenizer(loaded.config.encoder, seed=loaded.config.seed)
    draws = planned_draws(loaded, prepare_data(loaded, tokenizer))
    heads = list(loaded.config.heads)
    singles: dict[str, LoadedConfig] = {}
    raw = {k: v for k, v in loaded.raw.items() if k != "base"}
    for head in heads:
        per_step = t.batch_size * t.grad_accum
        steps = max(1, math.ceil(draws[head] / per_step))
        epoch_size = max(1, math.ceil(draws[head] / t.epochs))
        path = work / f"single-{head}.yaml"
        path.write_text(yaml.safe_dump(single_head_raw(raw, head, steps, epoch_size)), encoding="utf-8")
        singles[head] = load_config(path)
    order = [f"single:{h}" for h in heads]
    order.insert(len(order) // 2, "multi")
    runs: dict[str, dict[str, Any]] = {}
    for name in order:
        logger.info("(b) %s (%d/%d)", name, len(runs) + 1, len(order))
        lc = loaded if name == "multi" else singles[name.split(":", 1)[1]]
        runs[name] = {"loadavg_start": os.getloadavg(), **run_ours(lc, work / name.replace(":", "-"))}
    multi = runs["multi"]
    single_wall = sum(runs[f"single:{h}"]["wall_s"] for h in heads)
    single_steps = sum(runs[f"single:{h}"]["step_s"] for h in heads)
    scores = {}
    for key, value in multi["dev_selected"].items():
        head = key.split("/")[0]
        other = runs[f"single:{head}"]["dev_selected"].get(key)
        if other is not None:
            scores[key] = {
                "multi": value,
                "single": other,
                "multi_minus_single_points": 100 * (value - other),
            }
    return {
        "config": str(config.relative_to(REPO) if config.is_relative_to(REPO) else config),
        "overrides": overrides,
        "epochs": t.epochs,
        "epoch_size": t.epoch_size,
        "max_steps": t.max_steps,
        "order": order,
        "planned_draws_per_head": dict(sorted(draws.items())),
        "draws_match_plan": multi["draws_per_head"] == dict(sorted(draws.items())),
        "runs": runs,
        "wall_s": {"multi": multi["wall_s"], "singles_total": single_wall},
        "step_s": {"multi": multi["step_s"], "singles_total": single_steps},
        "single_over_multi_wall": single_wall / multi["wall_s"],
        "single_over_multi_step_time": single_steps / multi["step_s"] if multi["step_s"] else None,
        "encoder_passes_at_inference": {"multi": 1, "singles": len(heads)},
        "scores": scores,
    }


# ---- main ----------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--part", choices=["a", "b", "both"], default="both")
    p.add_argument("--config-a", type=Path, default=CONFIG_A, help="one token head (default: re3d benchmark)")
    p.add_argument(
        "--config-b", type=Path, default=CONFIG_B, help="multi-head config (default: default.yaml)"
    )
    p.add_argument(
        "--epochs-a", type=int, default=5, help="(a) epochs of both arms (default 5, as re3d.yaml)"
    )
    p.add_argument("--rounds", type=int, default=2, help="(a) rounds, arm order alternating (default 2)")
    p.add_argument("--epochs-b", type=int, default=2, help="(b) epochs of every run (default 2)")
    p.add_argument(
        "--epoch-size-b", type=int, default=2000, help="(b) multi-head draws per epoch (default 2000)"
    )
    p.add_argument("--max-steps", type=int, default=0, help="cap on optimizer steps of (a) and the multi run")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra config override for every run, e.g. --set encoder=tiny-random (repeatable)",
    )
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--work-dir", type=Path, help="keep the runs here (default: a temporary folder)")
    p.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "training.json")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    logging.getLogger("accelerate").setLevel(logging.WARNING)  # one line per checkpoint file otherwise
    torch.set_num_threads(args.threads)
    started, load_start = time.perf_counter(), os.getloadavg()
    common = ["train.zero_shot_baseline=false", *args.overrides]
    steps = [f"train.max_steps={args.max_steps}"] if args.max_steps else []
    report: dict[str, Any] = {
        "command": "bench/training_cost.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    with contextlib.ExitStack() as stack:
        work = args.work_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-train-")))
        work.mkdir(parents=True, exist_ok=True)
        if args.part in ("a", "both"):
            report["a"] = part_a(
                args.config_a, [f"train.epochs={args.epochs_a}", *steps, *common], args.rounds, work / "a"
            )
        if args.part in ("b", "both"):
            (work / "b").mkdir(exist_ok=True)
            report["b"] = part_b(
                args.config_b,
                [f"train.epochs={args.epochs_b}", f"train.epoch_size={args.epoch_size_b}", *steps, *common],
                work / "b",
            )
    report["machine"] = {
        "platform": platform.platform(),
        "processor": cpu_name(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "threads": args.threads,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
    }
    report["total_s"] = time.perf_counter() - started
    write_report(report, args.output, format_table(report))
    return 0


def format_table(report: dict[str, Any]) -> str:
    """The report as plain-text tables."""
    m = report["machine"]
    lines = [
        f"{m['threads']} torch threads on {m['cpus']} CPUs; load {m['loadavg_start'][0]:.2f} -> "
        f"{m['loadavg_end'][0]:.2f}; {report['total_s'] / 60:.1f} min in all"
    ]
    if "a" in report:
        a = report["a"]
        lines += [
            "",
            f"(a) {a['config']}: {a['epochs']} epochs, batch {a['batch_size']}, lr {a['lr']:g}; "
            f"{a['train_windows']} training windows; {len(a['rounds'])} rounds",
            f"{'arm':<30}{'windows/s':>10}{'tokens/s':>10}{'padded':>8}{'step s':>8}{'wall s':>8}  {a['metric']}",
        ]
        for arm, label, score in (
            ("ours", "conflict-train", a["dev"]["ours_selected"]),
            ("hf", "HF Trainer (defaults)", a["dev"]["hf_last_step"]),
        ):
            for i, r in enumerate(a["rounds"]):
                x = r[arm]
                lines.append(
                    f"{label + f' [round {i + 1}]':<30}{x['windows_per_s']:>10.1f}{x['real_tokens_per_s']:>10.0f}"
                    f"{100 * x['padded_share']:>7.1f}%{x['step_s']:>8.1f}{x['wall_s']:>8.1f}  "
                    + (f"{score:.4f}" if score is not None else "-")
                )
        lines.append(
            f"speed-up (median over rounds): {a['speedup_windows_per_s']:.2f}x windows/s (target >= 1.3x); "
            f"ours at its last epoch: {a['dev']['ours_last_epoch']}"
        )
    if "b" in report:
        b = report["b"]
        lines += [
            "",
            f"(b) {b['config']}: multi-head vs one model per head, {b['epochs']} epochs; draws per head "
            f"{b['planned_draws_per_head']} (match the multi run: {b['draws_match_plan']})",
            f"{'run':<24}{'wall s':>8}{'step s':>8}{'windows':>9}{'padded':>8}",
        ]
        for name, r in b["runs"].items():
            lines.append(
                f"{name:<24}{r['wall_s']:>8.1f}{r['step_s']:>8.1f}{r['windows']:>9}{100 * r['padded_share']:>7.1f}%"
            )
        lines.append(
            f"singles total {b['wall_s']['singles_total']:.1f} s vs multi {b['wall_s']['multi']:.1f} s: "
            f"{b['single_over_multi_wall']:.2f}x wall time; inference passes 1 vs {b['encoder_passes_at_inference']['singles']}"
        )
        lines.append(f"{'dev score':<45}{'multi':>8}{'single':>8}{'diff pts':>9}")
        for key, s in b["scores"].items():
            lines.append(
                f"{key:<45}{s['multi']:>8.4f}{s['single']:>8.4f}{s['multi_minus_single_points']:>+9.1f}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
