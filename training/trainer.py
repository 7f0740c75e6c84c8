"""The training run, as phases read top to bottom: ``train()`` calls them in order.

    load_tokenizer -> prepare_data -> selection_metric -> build_model -> fit -> finish

``prepare_data`` loads the dev sets and the training pool and encodes it; ``build_model`` puts heads on the
pretrained encoder; ``fit`` is the accelerate loop (optimizer, schedule, steps, evaluation, checkpoints, early
stopping, resume); ``finish`` restores the best weights, tunes thresholds and writes the model folder with
``metrics.json`` and plots. Runs unchanged in one process, under ``accelerate launch`` and under
``torchrun --nproc_per_node N``: every process trains on its slice of each global batch (see
``training.batching``); only the main process logs, evaluates, checkpoints and saves. Checkpoints (see
``training.checkpoints``) hold everything a resumed run needs, so ``resume=True`` continues exactly where the run
stopped.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import Accelerator
from accelerate.utils import broadcast_object_list, set_seed
from safetensors.torch import load_model, save_model
from tqdm.contrib.logging import logging_redirect_tqdm
from transformers import AutoTokenizer, get_scheduler

from inference.model.configuration import MULTI_LABEL, NONE, TOKEN, HeadSpec
from inference.model.modeling import ConflictEventsModel
from inference.progress_bar import progress_bar
from training.batching import BatchPlan, shard
from training.checkpoints import (
    CHECKPOINTS,
    TrainerState,
    best_weights_path,
    list_checkpoints,
    load_last_checkpoint,
    save_checkpoint,
    save_final,
)
from training.config import PROJECT_ROOT, ConfigError, LoadedConfig, TrainConfig
from training.data.mix import (
    DevSet,
    TrainingPool,
    balanced_heads,
    build_training_pool,
    dev_texts,
    fill_none_labels,
    load_dev_sets,
    sampling_weights,
)
from training.evaluation.dev_scores import (
    METRIC_NAMES,
    EvalResult,
    default_metric,
    evaluate,
    gold_matrix,
    summary_lines,
)
from training.evaluation.model_card import write_model_card
from training.evaluation.reporting import csv_rows, git_commit, plot_outputs, write_json, write_metrics_csv
from training.heads import resolve_heads
from training.pretrained import resolve_encoder
from training.targets import EncodedExample, check_example, collate, encode_examples

logger = logging.getLogger(__name__)


class TrainingError(RuntimeError):
    """Training cannot go on (e.g. a non-finite loss); the message says where and what to look at."""


@dataclass
class TrainResult:
    """What ``train`` hands back: the trained model (the best weights, on the main process) and its folder."""

    model: ConflictEventsModel
    tokenizer: Any
    output_dir: Path
    metrics: dict[str, Any] | None  # on the main process of a finished run; None elsewhere
    interrupted: bool = False  # stopped before the end as asked (``stop_after_steps``)


@dataclass
class PreparedData:
    """What the model trains and is selected on: dev sets, the pool and its encoded windows, draw weights."""

    dev_sets: list[DevSet]
    pool: TrainingPool
    specs: list[HeadSpec]  # the heads, their labels resolved from the config and the pool
    encoded: list[EncodedExample]  # pool.examples[i] encoded, with the targets of every head it annotates
    weights: np.ndarray  # pool.examples[i]'s sampling weight
    summary: dict[str, Any]  # examples per origin, labels per head, negatives, dev sets: for metrics.json


@dataclass
class Run:
    """What every phase of one run shares: its config, its output folder and its accelerator."""

    loaded: LoadedConfig
    out: Path
    accelerator: Accelerator

    @property
    def train_config(self) -> TrainConfig:
        return self.loaded.config.train

    @property
    def main(self) -> bool:
        return self.accelerator.is_main_process


@dataclass
class FitResult:
    """Where ``fit`` left the run: the model, the trainer state (history, best step) and the planned steps."""

    model: ConflictEventsModel  # unwrapped from accelerate; the last step's weights
    state: TrainerState
    total_steps: int
    interrupted: bool = False


# ---- the run: train() and its phases, in the order they run ------------------------------------------------


def train(
    loaded: LoadedConfig,
    output_dir: str | os.PathLike,
    *,
    resume: bool = False,
    overwrite: bool = False,
    stop_after_steps: int | None = None,
) -> TrainResult:
    """Train the model a config describes into ``output_dir``; see the module doc."""
    started = time.perf_counter()
    commit = git_commit(PROJECT_ROOT)  # now, not at the end: the code that trains can change meanwhile
    cfg = loaded.config
    out = Path(output_dir)
    check_output_dir(out, resume=resume, overwrite=overwrite)
    run = Run(loaded, out, make_accelerator(cfg.train))
    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        with (
            _log_to_file(out / "train.log", run.main),
            logging_redirect_tqdm() if run.main else contextlib.nullcontext(),
        ):
            _log_setup(run)
            set_seed(cfg.seed)
            encoder_path, tokenizer = load_tokenizer(cfg.encoder, seed=cfg.seed)
            data = prepare_data(loaded, tokenizer, accelerator=run.accelerator)
            main_metric = selection_metric(loaded, data.specs, data.dev_sets)
            model = build_model(loaded, encoder_path, tokenizer, data.specs, device=run.accelerator.device)
            fitted = fit(
                run, model, tokenizer, data, main_metric, resume=resume, stop_after_steps=stop_after_steps
            )
            if fitted.interrupted:
                return TrainResult(fitted.model, tokenizer, out, None, interrupted=True)
            metrics = finish(run, fitted, tokenizer, data, main_metric, started=started, commit=commit)
            return TrainResult(fitted.model, tokenizer, out, metrics)
    finally:
        torch.set_num_threads(threads)


def check_output_dir(out: Path, *, resume: bool, overwrite: bool) -> None:
    """A folder holding a run is continued (``resume``) or emptied of checkpoints (``overwrite``), never mixed."""
    if not resume and list_checkpoints(out):
        if not overwrite:
            raise ConfigError(
                f"output folder {out} already holds a run: pass --resume to continue it or "
                "--overwrite to start again"
            )
        shutil.rmtree(out / CHECKPOINTS)


def make_accelerator(tcfg: TrainConfig) -> Accelerator:
    """The accelerator for this launch: one process, ``accelerate launch`` or ``torchrun`` (CPU or GPU)."""
    # several processes without a GPU (torchrun on CPU): accelerate only sets up gloo when told to use the CPU
    multi_cpu = int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.cuda.is_available()
    # the config's bf16/fp16 wins; "no" leaves it to `accelerate launch --mixed_precision` (default: no)
    precision = tcfg.mixed_precision
    if precision == "no":
        precision = os.environ.get("ACCELERATE_MIXED_PRECISION", "no")
    return Accelerator(mixed_precision=precision, cpu=multi_cpu)


def load_tokenizer(encoder: str, *, seed: int) -> tuple[str, Any]:
    """The encoder's local folder (a ``tiny-random`` one is built on first use) and its tokenizer."""
    encoder_path = resolve_encoder(encoder, seed=seed)
    return encoder_path, AutoTokenizer.from_pretrained(encoder_path)


def prepare_data(loaded: LoadedConfig, tokenizer, *, accelerator: Accelerator | None = None) -> PreparedData:
    """Dev sets, then the training pool without their texts, head labels, encoded windows and draw weights.

    Dev sets come first, so training texts that are also dev texts can be dropped from the pool. With several
    processes the main one converts (and caches) the datasets first.
    """
    cfg = loaded.config
    with accelerator.main_process_first() if accelerator else contextlib.nullcontext():
        dev_sets = load_dev_sets(loaded, list(cfg.heads))
        pool = build_training_pool(loaded, dev_texts(dev_sets))
    specs = resolve_heads(loaded, pool.examples)
    by_name = {s.name: s for s in specs}
    fill_none_labels(pool.examples, specs)
    unknown = sorted(set(cfg.train.tune_abstention_on) - {d.name for d in dev_sets})
    if unknown:
        raise ConfigError(
            f"not a dev set of this run: {unknown} (dev sets: {sorted(d.name for d in dev_sets)})",
            key="train.tune_abstention_on",
            file=loaded.files[-1],
        )
    for dev in dev_sets:
        fill_none_labels(dev.examples, specs)
        for ex in dev.examples:
            check_example(ex, by_name, dev.origin)
    encoded = _encode_pool(
        pool, tokenizer, specs, cfg.max_length, cfg.stride, cfg.case_features, cfg.sentence_windows
    )
    weights = sampling_weights(pool, specs, balanced_heads(loaded, specs), cfg.train.balance_power)
    summary = _log_data(pool, specs, dev_sets, weights)
    return PreparedData(dev_sets, pool, specs, encoded, weights, summary)


def selection_metric(loaded: LoadedConfig, specs: list[HeadSpec], dev_sets: list[DevSet]) -> str | None:
    """The metric that picks the best step and stops early, checked against the heads and dev sets; by default
    the first head's default metric on the first dev set that scores it, None without dev sets."""
    metric = loaded.config.train.early_stopping.metric
    if metric is None:
        metric = next(
            (f"{s.name}/{d.name}/{default_metric(s)}" for s in specs for d in dev_sets if s.name in d.heads),
            None,
        )
    else:
        key, file = "train.early_stopping.metric", loaded.origin("train.early_stopping.metric")
        by_name = {s.name: s for s in specs}
        parts = [m.strip() for m in metric.split("+")]
        for part in parts:
            _check_metric(part, by_name, dev_sets, key, file)
        metric = " + ".join(parts)
    logger.info(
        "model selection on %s (%s)",
        metric or "(no dev set: the last step)",
        loaded.config.train.early_stopping.mode,
    )
    return metric


def build_model(
    loaded: LoadedConfig, encoder_path: str, tokenizer, specs: list[HeadSpec], *, device: torch.device | str
) -> ConflictEventsModel:
    """The pretrained encoder + heads whose label vectors start at their descriptions' embeddings, on ``device``."""
    cfg = loaded.config
    model = ConflictEventsModel.from_encoder(
        encoder_path,
        specs,
        tokenizer=tokenizer,
        max_length=cfg.max_length,
        stride=cfg.stride,
        classifier_dropout=cfg.classifier_dropout,
        anchor_weight=cfg.anchor_weight,
        case_features=cfg.case_features,
    )
    model.config.encoder_name = cfg.encoder
    model.config.training_config = loaded.to_saved_dict()
    model.to(device)
    logger.info(
        "encoder %s (%s): %.1fM parameters; heads: %s",
        cfg.encoder,
        encoder_path,
        sum(p.numel() for p in model.parameters()) / 1e6,
        ", ".join(f"{s.name} ({s.kind}, {len(s.labels)} labels)" for s in specs),
    )
    return model


def plan_batches(loaded: LoadedConfig, data: PreparedData, processes: int = 1) -> tuple[BatchPlan, int]:
    """Which examples each global batch holds, epoch by epoch, and how many optimizer steps the run takes."""
    cfg, tcfg = loaded.config, loaded.config.train
    plan = BatchPlan(
        [e.num_tokens for e in data.encoded],
        data.weights,
        batch_size=tcfg.batch_size,
        seed=cfg.seed,
        epoch_size=tcfg.epoch_size,
        length_grouping=tcfg.length_grouping,
        mega_batch_factor=tcfg.mega_batch_factor,
        min_batch=processes,
    )
    return plan, tcfg.max_steps or tcfg.epochs * plan.steps_per_epoch(tcfg.grad_accum)


def fit(
    run: Run,
    model: ConflictEventsModel,
    tokenizer,
    data: PreparedData,
    main_metric: str | None,
    *,
    resume: bool = False,
    stop_after_steps: int | None = None,
) -> FitResult:
    """The accelerate loop: optimizer steps over the planned batches, evaluations that keep the best weights and
    stop early, checkpoints to resume from. One iteration = one optimizer step over grad_accum global batches."""
    accelerator, tcfg = run.accelerator, run.train_config
    plan, total_steps = plan_batches(run.loaded, data, accelerator.num_processes)
    optimizer, scheduler = make_optimizer(model, tcfg, total_steps)
    logger.info(
        "%d steps (%d per epoch) of %d examples x %d accumulation, lr %g (heads %g), %s schedule",
        total_steps,
        plan.steps_per_epoch(tcfg.grad_accum),
        tcfg.batch_size,
        tcfg.grad_accum,
        tcfg.lr,
        tcfg.head_lr,
        tcfg.scheduler,
    )
    model, optimizer = accelerator.prepare(model, optimizer)
    accelerator.register_for_checkpointing(scheduler)
    raw_model: ConflictEventsModel = accelerator.unwrap_model(model)

    state = load_last_checkpoint(accelerator, run.out, resume)
    if tcfg.zero_shot_baseline and state.step == 0 and state.zero_shot is None:
        result = _evaluate(run, raw_model, tokenizer, data, "zero-shot")
        if result is not None:
            by_name = {s.name: s for s in data.specs}
            state.zero_shot = {
                s: {h: m for h, m in heads.items() if by_name[h].kind != TOKEN}
                for s, heads in result.scores.items()
            }

    save_every = tcfg.eval_every if tcfg.save_every is None else tcfg.save_every
    with progress_bar(total=total_steps, initial=state.step, desc="train", disable=not run.main) as progress:
        model.train()
        epoch_batches: dict[int, list[list[int]]] = {}
        while state.step < total_steps:
            if state.epoch not in epoch_batches:
                epoch_batches = {state.epoch: plan.epoch(state.epoch)}
            batches = epoch_batches[state.epoch]
            group = batches[state.batch_in_epoch : state.batch_in_epoch + tcfg.grad_accum]
            t0 = time.perf_counter()
            loss = _optimizer_step(
                run, model, optimizer, scheduler, group, data, tokenizer.pad_token_id, state
            )
            state.train_time += time.perf_counter() - t0
            state.step += 1
            state.batch_in_epoch += len(group)
            state.samples += sum(len(b) for b in group)
            state.window_loss, state.window_steps = state.window_loss + loss, state.window_steps + 1
            progress.update(1)
            progress.set_postfix(loss=f"{loss:.4f}", epoch=state.epoch, refresh=False)
            if state.step % tcfg.log_every == 0 or state.step == total_steps:
                _log_loss(state, scheduler.get_last_lr()[0], total_steps)

            epoch_end = state.batch_in_epoch >= len(batches)
            if epoch_end:
                state.epoch, state.batch_in_epoch = state.epoch + 1, 0
            last_step = state.step == total_steps
            evaluating = (tcfg.eval_every and state.step % tcfg.eval_every == 0) or epoch_end or last_step
            stop = False
            if evaluating and data.dev_sets:
                stop = _evaluate_and_select(run, raw_model, tokenizer, data, main_metric, state, last_step)
            interrupt = stop_after_steps is not None and state.step >= stop_after_steps
            if (save_every and state.step % save_every == 0) or epoch_end or interrupt or stop or last_step:
                save_checkpoint(accelerator, run.out, state, tcfg.save_total_limit)
            if interrupt:
                logger.info("stopped after step %d as asked; continue with --resume", state.step)
                return FitResult(raw_model, state, total_steps, interrupted=True)
            if stop:
                break
    return FitResult(raw_model, state, total_steps)


def finish(
    run: Run,
    fitted: FitResult,
    tokenizer,
    data: PreparedData,
    main_metric: str | None,
    *,
    started: float,
    commit: str | None,
) -> dict[str, Any] | None:
    """The final model: the best evaluated weights, multi-label thresholds tuned on dev, scored once more, saved
    with ``metrics.json``, ``metrics.csv`` and plots. Its metrics on the main process, None elsewhere."""
    metrics = None
    if run.main:
        model, state, tcfg = fitted.model, fitted.state, run.train_config
        best_path = best_weights_path(run.out)
        if state.best_step is not None and best_path.is_file():
            load_model(model, str(best_path))
            logger.info(
                "final model: the weights of step %d (%s = %.4f)",
                state.best_step,
                main_metric,
                state.best_score,
            )
        thresholds: dict[str, Any] = {}
        untuned = None
        final = (
            _evaluate(run, model, tokenizer, data, "final", barrier=False) if data.dev_sets else EvalResult()
        )
        if data.dev_sets and tcfg.tune_thresholds and any(s.problem_type == MULTI_LABEL for s in data.specs):
            thresholds = _tune_thresholds(model, final, main_metric)
        if data.dev_sets and tcfg.tune_abstention_on:
            thresholds.update(_tune_abstention(model, final, tcfg.tune_abstention_on))
        if thresholds:  # tuned and scored on the same dev sets: keep the untuned scores too
            tuned_heads = set(thresholds) | {
                s.name for s in model.config.head_specs if s.parent and s.parent in thresholds
            }
            untuned = {
                s: {h: m for h, m in heads.items() if h in tuned_heads} for s, heads in final.scores.items()
            }
            final = _evaluate(run, model, tokenizer, data, "final, tuned thresholds", barrier=False)
        model.eval()
        save_final(run.out, model, tokenizer)
        wall = time.perf_counter() - started
        zero_shot = EvalResult(scores=state.zero_shot or {})
        metrics = {
            "main_metric": main_metric,
            "main_score": final.score(main_metric) if main_metric else None,
            "best_step": state.best_step,
            "dev": final.scores,
            "zero_shot": zero_shot.scores,
            "thresholds": thresholds,
            "dev_default_thresholds": untuned,
            "data": data.summary,
            "history": state.history,
            "run": _run_summary(run, fitted, wall, commit),
        }
        write_metrics_csv(run.out / "metrics.csv", {"trained": final, "zero_shot": zero_shot})
        plot_outputs(run.out, state.history, final, model.config.head_specs, main_metric)
        write_model_card(run.out, metrics, model.config, tokenizer)  # README.md: the numbers of metrics.json
        write_json(run.out / "metrics.json", metrics)  # last: a run folder with metrics.json is complete
        logger.info(
            "wrote %s (%d metric rows); %s = %s",
            run.out,
            len(csv_rows({"trained": final})),
            main_metric,
            metrics["main_score"],
        )
    run.accelerator.wait_for_everyone()
    return metrics


# ---- what the phases are made of -----------------------------------------------------------------------------


def make_optimizer(
    model: torch.nn.Module, tcfg: TrainConfig, total_steps: int
) -> tuple[torch.optim.Optimizer, Any]:
    """AdamW over ``_param_groups`` and the configured learning-rate schedule (with warmup) over ``total_steps``."""
    optimizer = torch.optim.AdamW(_param_groups(model, tcfg.lr, tcfg.head_lr, tcfg.weight_decay))
    scheduler = get_scheduler(
        tcfg.scheduler,
        optimizer,
        num_warmup_steps=math.ceil(tcfg.warmup_ratio * total_steps),
        num_training_steps=total_steps,
    )
    return optimizer, scheduler


def _optimizer_step(
    run: Run,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler,
    group: list[list[int]],
    data: PreparedData,
    pad_token_id: int,
    state: TrainerState,
) -> float:
    """Forward and backward over this process's slice of each global batch in ``group``, then one optimizer step;
    the loss averaged over processes. A non-finite loss stops the run, naming the batch's examples."""
    accelerator = run.accelerator
    rank, world = accelerator.process_index, accelerator.num_processes
    step_loss = torch.zeros((), device=accelerator.device)
    bad_ids: list[str] = []
    for i, global_batch in enumerate(group):
        local = shard(global_batch, rank, world)
        inputs = collate([data.encoded[j] for j in local], data.specs, pad_token_id)
        inputs = {
            k: (
                {h: t.to(accelerator.device) for h, t in v.items()}
                if k == "labels"
                else v.to(accelerator.device)
            )
            for k, v in inputs.items()
        }
        sync = i == len(group) - 1  # gradients are all-reduced once per optimizer step
        with contextlib.nullcontext() if sync else accelerator.no_sync(model):
            loss = model(**inputs).loss / len(group)
            accelerator.backward(loss)
        if not torch.isfinite(loss.detach()):
            bad_ids.extend(data.pool.examples[j].id for j in local)
        step_loss += loss.detach()
    grad_norm = accelerator.clip_grad_norm_(model.parameters(), run.train_config.max_grad_norm)
    step_loss = accelerator.reduce(step_loss, reduction="mean")
    # an fp16 gradient overflow is routine (the grad scaler skips that step); a non-finite loss never is
    bad_grad = accelerator.scaler is None and not torch.isfinite(torch.as_tensor(grad_norm))
    if not torch.isfinite(step_loss) or bad_grad:
        ids = bad_ids or [data.pool.examples[j].id for b in group for j in b]
        last = list_checkpoints(run.out)
        raise TrainingError(
            f"non-finite loss ({step_loss.item()}) or gradient norm at step {state.step + 1} (epoch "
            f"{state.epoch}); batch example ids: {', '.join(ids)}; the last good checkpoint is "
            f"{last[-1][1] if last else 'none (no checkpoint yet)'}"
        )
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return step_loss.item()


def _log_loss(state: TrainerState, lr: float, total_steps: int) -> None:
    """The mean training loss since the last logged step, into the history and the log."""
    mean_loss = state.window_loss / state.window_steps
    state.history.append({"step": state.step, "epoch": state.epoch, "loss": mean_loss, "lr": lr})
    logger.info(
        "step %d/%d epoch %d loss %.4f lr %.3g (%.1f samples/s)",
        state.step,
        total_steps,
        state.epoch,
        mean_loss,
        lr,
        state.samples / max(state.train_time, 1e-9),
    )
    state.window_loss, state.window_steps = 0.0, 0


def _evaluate(
    run: Run, model: ConflictEventsModel, tokenizer, data: PreparedData, tag: str, *, barrier: bool = True
) -> EvalResult | None:
    """Main process evaluates on the dev sets (None elsewhere); with ``barrier`` the others wait for it."""
    result = None
    if run.main and data.dev_sets:
        result = evaluate(model, tokenizer, data.dev_sets, batch_size=run.train_config.eval_batch_size)
        for line in summary_lines(result, data.specs):
            logger.info("[%s] %s", tag, line)
    if barrier:
        run.accelerator.wait_for_everyone()
    return result


def _evaluate_and_select(
    run: Run,
    model: ConflictEventsModel,
    tokenizer,
    data: PreparedData,
    main_metric: str | None,
    state: TrainerState,
    last_step: bool,
) -> bool:
    """Score this step on dev; better weights than any before go to ``checkpoints/best``. Whether to stop early,
    as the main process decides it (patience evaluations without improvement), on every process."""
    tcfg = run.train_config
    result = _evaluate(run, model, tokenizer, data, f"step {state.step}")
    decision = [False]
    if run.main:
        score = result.score(main_metric)
        better = _improved(score, state.best_score, tcfg.early_stopping.mode)
        state.history.append({"step": state.step, "epoch": state.epoch, "eval": result.flat(), "main": score})
        if better:
            state.best_score, state.best_step, state.evals_without_improvement = score, state.step, 0
            best_path = best_weights_path(run.out)
            best_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = best_path.with_suffix(".tmp")
            save_model(model, str(tmp))
            os.replace(tmp, best_path)
        else:
            state.evals_without_improvement += 1
        logger.info(
            "step %d: %s = %.4f (best %.4f at step %d)",
            state.step,
            main_metric,
            score,
            state.best_score,
            state.best_step,
        )
        patience = tcfg.early_stopping.patience
        decision = [bool(patience and state.evals_without_improvement >= patience) and not last_step]
    stop = broadcast_object_list(decision)[0]  # every process takes the main process's decision
    if stop:
        state.stopped_early = True
        logger.info(
            "early stopping: no improvement of %s in %d evaluations",
            main_metric,
            tcfg.early_stopping.patience,
        )
    return stop


def _run_summary(run: Run, fitted: FitResult, wall: float, commit: str | None) -> dict[str, Any]:
    """metrics.json's ``run``: how long, how far, on what, with which settings."""
    cfg, tcfg, state, accelerator = run.loaded.config, run.train_config, fitted.state, run.accelerator
    return {
        "seed": cfg.seed,
        "steps": state.step,
        "total_steps": fitted.total_steps,
        "epochs_started": state.epoch,
        "stopped_early": state.stopped_early,
        "wall_time_s": round(wall, 2),
        "train_time_s": round(state.train_time, 2),
        "train_samples": state.samples,
        "samples_per_s": round(state.samples / max(state.train_time, 1e-9), 2),
        "encoder": cfg.encoder,
        "config_files": run.loaded.files,
        "overrides": run.loaded.overrides,
        "git_commit": commit,
        "num_processes": accelerator.num_processes,
        "device": str(accelerator.device),
        "mixed_precision": accelerator.mixed_precision,
        "torch": torch.__version__,
        "max_length": cfg.max_length,
        "case_features": cfg.case_features,
        "batch_size": tcfg.batch_size,
        "grad_accum": tcfg.grad_accum,
    }


def _log_setup(run: Run) -> None:
    """The run's first log lines: the config files and overrides, the processes and precision."""
    loaded, accelerator = run.loaded, run.accelerator
    logger.info(
        "config %s%s",
        " <- ".join(reversed(loaded.files)),
        f" with --set {' '.join(loaded.overrides)}" if loaded.overrides else "",
    )
    logger.info(
        "processes: %d (%s), mixed precision: %s",
        accelerator.num_processes,
        accelerator.device,
        accelerator.mixed_precision,
    )


@contextlib.contextmanager
def _log_to_file(path: Path, enabled: bool):
    """Send the project's log records to ``path`` (and stderr) for the duration of a run."""
    loggers = [logging.getLogger("training"), logging.getLogger("inference")]
    handlers: list[logging.Handler] = []
    old_levels = [lg.level for lg in loggers]
    if enabled:
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
        handlers.append(logging.FileHandler(path, encoding="utf-8"))
        if not logging.getLogger().handlers:  # the CLI configures the console; a library caller may not
            handlers.append(logging.StreamHandler(sys.stderr))
        for h in handlers:
            h.setFormatter(fmt)
    for lg in loggers:
        lg.setLevel(logging.INFO if enabled else logging.WARNING)
        for h in handlers:
            lg.addHandler(h)
    try:
        yield
    finally:
        for lg, level in zip(loggers, old_levels):
            lg.setLevel(level)
            for h in handlers:
                lg.removeHandler(h)
        for h in handlers:
            h.close()


def _param_groups(model: torch.nn.Module, lr: float, head_lr: float, weight_decay: float) -> list[dict]:
    """AdamW groups: heads learn at ``head_lr``; no decay on biases, LayerNorm and the description heads."""
    groups: dict[tuple[float, float], list] = defaultdict(list)
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        is_head = name.startswith(("token_heads.", "sequence_heads."))
        no_decay = p.ndim < 2 or "LayerNorm" in name or name.startswith("sequence_heads.")
        groups[(head_lr if is_head else lr, 0.0 if no_decay else weight_decay)].append(p)
    return [{"params": ps, "lr": g_lr, "weight_decay": wd} for (g_lr, wd), ps in groups.items()]


def _encode_pool(
    pool: TrainingPool,
    tokenizer,
    specs: list[HeadSpec],
    max_length: int,
    stride: int,
    case_features: bool = False,
    sentence_windows: bool = False,
) -> list[EncodedExample]:
    """Encode the pool one origin at a time, so a bad label names the file it came from."""
    by_origin: dict[str, list[int]] = defaultdict(list)
    for i, origin in enumerate(pool.origins):
        by_origin[origin].append(i)
    encoded: list[EncodedExample | None] = [None] * len(pool.examples)
    for origin, idx in by_origin.items():
        for i, enc in zip(
            idx,
            encode_examples(
                [pool.examples[i] for i in idx],
                tokenizer,
                specs,
                max_length=max_length,
                stride=stride,
                case_features=case_features,
                sentence_windows=sentence_windows,
                source=origin,
            ),
        ):
            encoded[i] = enc
    return encoded


def _check_metric(metric: str, by_name: dict[str, HeadSpec], dev_sets: list[DevSet], key: str, file) -> None:
    head, set_name, name = metric.split("/")
    if head not in by_name:
        raise ConfigError(f"'{head}' is not a head (heads: {list(by_name)})", key=key, file=file)
    sets = [d.name for d in dev_sets if head in d.heads]
    if set_name not in sets:
        raise ConfigError(
            f"no dev set '{set_name}' scores head '{head}' (dev sets that do: {sets})", key=key, file=file
        )
    spec = by_name[head]
    kind = TOKEN if spec.kind == TOKEN else spec.problem_type
    if name not in METRIC_NAMES[kind]:
        raise ConfigError(
            f"'{name}' is not a {kind} metric (one of {sorted(METRIC_NAMES[kind])})", key=key, file=file
        )


def _improved(score: float, best: float | None, mode: str) -> bool:
    return best is None or (score > best if mode == "max" else score < best)


def _log_data(pool: TrainingPool, specs: list[HeadSpec], dev_sets: list[DevSet], weights) -> dict[str, Any]:
    """Log and return the data summary: examples per origin, labels per head, negatives, dev sets."""
    per_origin: dict[str, int] = defaultdict(int)
    share: dict[str, float] = defaultdict(float)
    for origin, w in zip(pool.origins, weights):
        per_origin[origin] += 1
        share[origin] += float(w)
    total = sum(share.values())
    logger.info("training pool: %d examples", len(pool.examples))
    for origin in sorted(per_origin):
        logger.info(
            "  %-40s %7d examples, %5.1f%% of draws", origin, per_origin[origin], 100 * share[origin] / total
        )
    counts = pool.label_counts(specs)
    for spec in specs:
        items = sorted(counts[spec.name].items(), key=lambda kv: (-kv[1], kv[0]))
        logger.info("  head %s: %s", spec.name, ", ".join(f"{k} {v}" for k, v in items) or "(no examples)")
    for what, n in sorted(pool.negatives.items()):
        logger.info("  negatives %s: %d", what, n)
    for origin, n in sorted(pool.dropped_for_dev.items()):
        logger.warning("  dropped %d training examples of %s whose text is also in a dev set", n, origin)
    for dev in dev_sets:
        logger.info(
            "dev set %s (%s): %d examples, heads %s", dev.name, dev.origin, len(dev.examples), dev.heads
        )
    return {
        "train_examples": len(pool.examples),
        "per_origin": dict(sorted(per_origin.items())),
        "draw_share": {k: share[k] / total for k in sorted(share)},
        "labels": {h: dict(sorted(c.items())) for h, c in counts.items()},
        "negatives": dict(sorted(pool.negatives.items())),
        "dropped_for_dev": dict(sorted(pool.dropped_for_dev.items())),
        "dev_sets": {
            d.name: {"examples": len(d.examples), "heads": d.heads, "origin": d.origin} for d in dev_sets
        },
    }


def _tune_abstention(model: ConflictEventsModel, result: EvalResult, dev_sets: list[str]) -> dict[str, Any]:
    """A ``none`` threshold for every top-level multi_class head with a ``none`` label, tuned on ``dev_sets``
    (``training.metrics.abstention``); stored in the model config when it beats the argmax. A child head (ACLED
    sub_event_type) follows its parent's ``none``."""
    from training.metrics.abstention import tune_none_threshold

    tuned: dict[str, Any] = {}
    for spec in model.config.head_specs:
        if spec.kind == TOKEN or spec.problem_type == MULTI_LABEL or spec.parent or NONE not in spec.labels:
            continue
        missing = [s for s in dev_sets if (s, spec.name) not in result.probs]
        if missing:
            raise ConfigError(
                f"tune_abstention_on names dev sets that do not score head '{spec.name}': {missing} "
                f"(dev sets that do: {sorted(s for s, h in result.probs if h == spec.name)})",
                key="train.tune_abstention_on",
            )
        sets = {
            s: (result.probs[(s, spec.name)], [g[0] for g in result.gold[(s, spec.name)]]) for s in dev_sets
        }
        threshold, table = tune_none_threshold(sets, spec.labels)
        logger.info(
            "abstention for %s on %s: %s (mean score %.4f; argmax %.4f)",
            spec.name,
            "+".join(dev_sets),
            "argmax" if threshold is None else f"none when p(none) >= {threshold:.2f}",
            table["argmax" if threshold is None else f"{threshold:.2f}"]["mean"],
            table["argmax"]["mean"],
        )
        if threshold is not None:
            model.config.set_thresholds(spec.name, {NONE: threshold})
            tuned[spec.name] = {
                "tuned_on": list(dev_sets),
                "objective": "mean of none share (all-none sets) and weighted F1 (others)",
                "thresholds": {NONE: threshold},
                "candidates": table,
            }
    return tuned


def _tune_thresholds(
    model: ConflictEventsModel, result: EvalResult, main_metric: str | None
) -> dict[str, Any]:
    """Per-label thresholds for every multi-label head, tuned on its (main) dev set for the metric it is selected
    on (example-based F1 jointly, else each label's F1); stored in the model config."""
    from training.metrics.thresholds import tune_thresholds, tune_thresholds_for_example_f1

    tuned: dict[str, Any] = {}
    main_parts = [m.strip().split("/") for m in main_metric.split("+")] if main_metric else []
    main_set = main_parts[0][1] if main_parts else None
    for spec in model.config.head_specs:
        if spec.kind == TOKEN or spec.problem_type != MULTI_LABEL:
            continue
        sets = [s for (s, h) in result.probs if h == spec.name]
        if not sets:
            continue
        set_name = main_set if main_set in sets else sets[0]
        metric = next((p[2] for p in main_parts if p[0] == spec.name), default_metric(spec))
        objective = "example_f1" if metric.startswith("example_") else "label_f1"
        tune = tune_thresholds_for_example_f1 if objective == "example_f1" else tune_thresholds
        thresholds = tune(
            result.probs[(set_name, spec.name)],
            gold_matrix(spec, result.gold[(set_name, spec.name)]),
            spec.labels,
        )
        model.config.set_thresholds(spec.name, thresholds)
        tuned[spec.name] = {"tuned_on": set_name, "objective": objective, "thresholds": thresholds}
        logger.info("thresholds for %s (tuned on %s for %s): %s", spec.name, set_name, objective, thresholds)
    return tuned


__all__ = [
    "ConfigError",
    "PreparedData",
    "TrainResult",
    "TrainingError",
    "build_model",
    "finish",
    "fit",
    "load_tokenizer",
    "prepare_data",
    "selection_metric",
    "train",
]
