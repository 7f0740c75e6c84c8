"""GPU readiness check: the test suite on CUDA, Tagger throughput bf16 autocast vs fp32, the pipelined labeller
(conflict-tag with events, fp32 and bf16, --workers 0 and the default) with GPU utilisation sampled, the stage
costs of bench/pipeline.py on this host, and 1-epoch training speed.

    .venv/bin/python bench/gpu_check.py [--model DIR] [--articles 2000] [--pipeline-articles 4000] [--skip-tests]
    .venv/bin/python bench/gpu_check.py --dry-run --output /tmp/x.json     # CPU, tiny model, seconds

Run through bench/gpu_check.sh. The model is --model, else runs/default, else the MiniLM encoder with random
heads (speed does not depend on the heads' training). Throughput arms run interleaved (fp32, bf16, fp32, ...)
on the same articles; rates are medians over the rounds. The pipelined labeller runs ``conflict-tag`` in this
process on a JSONL of --pipeline-articles generated articles with event records, once per arm, while a thread
samples GPU utilisation (``torch.cuda.utilization``, else ``nvidia-smi``) every 0.2 s; its rate is the one
conflict-tag prints (model loading excluded, worker start-up included). Training: ``conflict-train configs/tiny.yaml`` with
the MiniLM encoder for one epoch of --train-examples draws from the sample data, fp32 and bf16, samples/s from
its metrics.json. Writes bench/results/gpu_<gpu name>.json. Exit status 2 when no CUDA GPU is found.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HEADS = [
    {
        "name": "entities",
        "kind": "token",
        "labels": ["Organisation", "Person", "Location", "Temporal", "Weapon"],
    },
    {"name": "roles", "kind": "token", "labels": ["S", "T", "R"]},
    {"name": "event_type", "kind": "sequence", "labels": ["none", "Battles", "Protests", "Riots"]},
]


class NoGPU(RuntimeError):
    """No CUDA device: the check cannot run (use --dry-run to exercise it on CPU)."""


def gpu_name() -> str:
    import torch

    if not torch.cuda.is_available():
        raise NoGPU(
            "no CUDA GPU found (torch.cuda.is_available() is False; torch "
            f"{torch.__version__}, CUDA build {torch.version.cuda}): run on a machine with an NVIDIA GPU "
            "and a CUDA build of torch, or pass --dry-run for the CPU dry run"
        )
    return torch.cuda.get_device_name(0)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def default_model(work: Path, dry_run: bool) -> tuple[Path, str]:
    """``(folder, description)`` of the model to time."""
    trained = REPO / "runs" / "default"
    if not dry_run and (trained / "config.json").is_file():
        return trained, "runs/default (trained)"
    import torch
    from transformers import AutoTokenizer

    from inference import ConflictEventsModel
    from training.pretrained import build_tiny_encoder, minilm_dir

    encoder = build_tiny_encoder(work / "tiny-encoder") if dry_run else minilm_dir()
    torch.manual_seed(0)
    model = ConflictEventsModel.from_encoder(
        str(encoder), HEADS, max_length=128 if not dry_run else 64, stride=32
    )
    out = work / "model"
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(encoder).save_pretrained(out)
    what = "tiny random encoder (dry run)" if dry_run else "MiniLM-L6 encoder, random heads"
    return out, what


def throughput(
    model: Path, device: str, n: int, rounds: int, batch_size: int, dry_run: bool
) -> dict[str, Any]:
    """Articles/s of fp32 weights vs bf16 autocast (the Tagger's CUDA default), interleaved on one device."""
    import torch

    from bench.articles import make_articles
    from inference import Tagger

    arms = {"fp32": "float32", "bf16_autocast": None}
    taggers = {k: Tagger.from_pretrained(model, device=device, dtype=v) for k, v in arms.items()}
    if dry_run:  # CPU: autocast only happens on CUDA, so ask for it to exercise the same path
        taggers["bf16_autocast"].autocast_dtype = torch.bfloat16
    tok = taggers["fp32"].tokenizer
    texts = make_articles(n, lambda s: len(tok(s, add_special_tokens=False)["input_ids"]), seed=0)
    tokens = sum(len(tok(t, add_special_tokens=False)["input_ids"]) for t in texts)
    for t in taggers.values():  # warm-up: kernels, allocator
        t(texts[: min(8, n)], batch_size, events=False)
    rates: dict[str, list[float]] = {k: [] for k in arms}
    labels: dict[str, list] = {}
    for _ in range(rounds):
        for name, tagger in taggers.items():
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            results = tagger(texts, batch_size, events=False)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            rates[name].append(n / (time.perf_counter() - t0))
            labels[name] = [[s.label for s in r.labels.get("event_type", [])][:1] for r in results]
    agree = sum(a == b for a, b in zip(labels["fp32"], labels["bf16_autocast"])) / n
    med = {k: statistics.median(v) for k, v in rates.items()}
    return {
        "articles": n,
        "tokens_per_article": round(tokens / n, 1),
        "batch_size": batch_size,
        "rounds": rounds,
        "articles_per_s": {k: round(v, 2) for k, v in med.items()},
        "tokens_per_s": {k: round(v * tokens / n, 1) for k, v in med.items()},
        "bf16_speedup": round(med["bf16_autocast"] / med["fp32"], 3),
        "event_type_top_label_agreement": round(agree, 4),
    }


class GpuSampler:
    """GPU utilisation (percent busy) sampled every ``interval`` s in a thread; no samples without a GPU."""

    def __init__(self, interval: float = 0.2):
        import threading

        self.interval, self.samples = interval, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def read() -> float | None:
        import torch

        if not torch.cuda.is_available():
            return None
        try:
            return float(torch.cuda.utilization())
        except Exception:  # noqa: BLE001 - no pynvml: ask nvidia-smi
            try:
                out = subprocess.run(
                    ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "-i", "0"],
                    capture_output=True,
                    text=True,
                    timeout=5,
                )
                return float(out.stdout.strip().splitlines()[0])
            except (OSError, ValueError, IndexError, subprocess.SubprocessError):
                return None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            value = self.read()
            if value is not None:
                self.samples.append(value)

    def __enter__(self) -> GpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, Any]:
        if not self.samples:
            return {"gpu_busy_percent_mean": None, "gpu_busy_percent_median": None, "samples": 0}
        return {
            "gpu_busy_percent_mean": round(statistics.fmean(self.samples), 1),
            "gpu_busy_percent_median": statistics.median(self.samples),
            "samples": len(self.samples),
        }


def pipelined(model: Path, device: str, n: int, batch_size: int, work: Path, dry_run: bool) -> dict[str, Any]:
    """conflict-tag (events on) articles/s and GPU utilisation: fp32 and bf16, --workers 0 and the default."""
    import contextlib
    import io

    import torch

    from bench.articles import make_articles
    from inference import Tagger
    from inference.batch.cli import main as tag_main
    from inference.batch.pipelined import default_workers
    from inference.batch.writers import json_line

    tok = Tagger.from_pretrained(model, device="cpu").tokenizer
    texts = make_articles(n, lambda s: len(tok(s, add_special_tokens=False)["input_ids"]), seed=1)
    src = work / "pipeline-in.jsonl"
    src.write_bytes(b"".join(json_line({"id": f"p{i}", "text": t}) for i, t in enumerate(texts)))
    default = 1 if dry_run else default_workers(torch.device(device))  # a dry run exercises one worker
    dtypes = {"fp32": "float32", "bf16": "bfloat16" if dry_run else "auto"}  # auto: bf16 autocast on CUDA
    arms: dict[str, Any] = {"articles": n, "default_workers": default, "cores": os.cpu_count()}
    outputs = {}
    for precision, dtype in dtypes.items():
        for workers in dict.fromkeys((0, default)):
            name = f"{precision}_workers{workers}"
            out = work / f"pipeline-{name}.jsonl"
            argv = [str(src), "-o", str(out), "--model", str(model), "--device", device, "--dtype", dtype]
            argv += ["--batch-size", str(batch_size), "--chunk-size", "256", "--workers", str(workers)]
            printed = io.StringIO()
            with GpuSampler() as sampler, contextlib.redirect_stdout(printed):
                t0 = time.perf_counter()
                code = tag_main([*argv, "-q", "--overwrite"])
                wall = time.perf_counter() - t0
            rate = re.search(r"([\d.]+) articles/s this run", printed.getvalue())
            arms[name] = {
                "exit": code,
                "articles_per_s": float(rate.group(1)) if rate else None,
                "wall_s_with_model_load": round(wall, 2),
                **sampler.summary(),
            }
            outputs[name] = out.read_bytes()
            print(f"pipelined {name}: {json.dumps(arms[name])}", flush=True)
    for precision in dtypes:  # workers change where the work runs, not what is written
        same = {outputs[k] for k in outputs if k.startswith(precision)}
        arms[f"{precision}_workers_output_identical"] = len(same) == 1
    return arms


def stage_costs(model: Path, device: str, n: int, dry_run: bool) -> dict[str, Any]:
    """bench/pipeline.py's ms per article per stage on this host and device (fp32 weights)."""
    import argparse as _argparse

    from bench import pipeline as bench_pipeline
    from bench.articles import make_articles
    from inference import Tagger

    tagger = Tagger.from_pretrained(model, device=device, dtype="float32")
    tok = tagger.tokenizer
    texts = make_articles(n, lambda s: len(tok(s, add_special_tokens=False)["input_ids"]), seed=2)
    args = _argparse.Namespace(rounds=1 if dry_run else 3, chunk_size=256, batch_size=128, no_events=False)
    return bench_pipeline.measure(tagger, texts, args)


def train_speed(work: Path, precision: str, examples: int, dry_run: bool) -> dict[str, Any]:
    """One epoch of configs/tiny.yaml with the MiniLM encoder (tiny in a dry run); samples/s from metrics.json."""
    out = work / f"train-{precision}"
    sets = {
        "encoder": "tiny-random" if dry_run else "minilm",
        "max_length": 64 if dry_run else 128,
        "threads": 1 if dry_run else None,
        "train.epochs": 1,
        "train.epoch_size": examples,
        "train.batch_size": 32,
        "train.mixed_precision": precision,
        "train.zero_shot_baseline": False,
    }
    cmd = [sys.executable, "-m", "training", str(REPO / "configs" / "tiny.yaml"), "-o", str(out)]
    for k, v in sets.items():
        cmd += ["--set", f"{k}={json.dumps(v)}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"training failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")
    run = json.loads((out / "metrics.json").read_text())["run"]
    keys = (
        "samples_per_s",
        "train_time_s",
        "train_samples",
        "steps",
        "device",
        "mixed_precision",
        "max_length",
    )
    return {k: run.get(k) for k in keys}


def run_tests() -> dict[str, Any]:
    """The default test suite with CUDA visible (tests that tag use the Tagger's "auto" device: CUDA)."""
    env = {**os.environ, "CONFLICT_EVENTS_DEVICE": "cuda"}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    return {
        "returncode": proc.returncode,
        "summary": lines[-1] if lines else "",
        "wall_s": round(time.perf_counter() - t0),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--dry-run", action="store_true", help="CPU, tiny model, few articles: checks the script only"
    )
    p.add_argument(
        "--model", type=Path, help="model folder (default: runs/default, else MiniLM + random heads)"
    )
    p.add_argument("--articles", type=int, default=2000, help="articles per throughput round (default 2000)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds per arm (default 3)")
    p.add_argument(
        "--pipeline-articles",
        type=int,
        default=4000,
        help="articles per pipelined conflict-tag arm (default 4000)",
    )
    p.add_argument("--skip-pipeline", action="store_true", help="do not time the pipelined labeller")
    p.add_argument("--batch-size", type=int, default=128, help="windows per forward pass (default 128)")
    p.add_argument(
        "--train-examples", type=int, default=20000, help="draws in the training epoch (default 20000)"
    )
    p.add_argument("--skip-tests", action="store_true", help="do not run the test suite")
    p.add_argument("--skip-train", action="store_true", help="do not time training")
    p.add_argument("--output", type=Path, help="JSON to write (default: bench/results/gpu_<gpu name>.json)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.dry_run:
        args.articles, args.rounds, args.batch_size = min(args.articles, 6), 1, 8
        args.train_examples, args.skip_tests = min(args.train_examples, 64), True
        args.pipeline_articles = min(args.pipeline_articles, 6)
        name, device = "cpu-dry-run", "cpu"
    else:
        try:
            name, device = gpu_name(), "cuda"
        except NoGPU as e:
            print(f"gpu_check: error: {e}", file=sys.stderr)
            return 2
    import torch

    result: dict[str, Any] = {
        "gpu": name,
        "dry_run": args.dry_run,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        work = Path(tmp)
        model, what = (args.model, str(args.model)) if args.model else default_model(work, args.dry_run)
        result["model"] = what
        result["throughput"] = throughput(
            model, device, args.articles, args.rounds, args.batch_size, args.dry_run
        )
        print(f"throughput: {json.dumps(result['throughput']['articles_per_s'])} articles/s", flush=True)
        if not args.skip_pipeline:
            result["stages"] = stage_costs(model, device, min(args.pipeline_articles, 400), args.dry_run)
            print(f"stages: {json.dumps(result['stages'])}", flush=True)
            result["pipelined"] = pipelined(
                model, device, args.pipeline_articles, args.batch_size, work, args.dry_run
            )
        if not args.skip_train:
            result["training_1_epoch"] = {
                p: train_speed(work, p, args.train_examples, args.dry_run) for p in ("no", "bf16")
            }
            print(f"training: {json.dumps(result['training_1_epoch'])}", flush=True)
    if not args.skip_tests:
        result["tests"] = run_tests()
        print(f"tests: {result['tests']['summary']}", flush=True)
    out = args.output or REPO / "bench" / "results" / f"gpu_{slug(name)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    tests_ok = result.get("tests", {}).get("returncode", 0) == 0
    return 0 if tests_ok else 1


if __name__ == "__main__":
    sys.exit(main())
