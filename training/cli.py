"""``conflict-train CONFIG [--output-dir DIR] [--set key=value ...] [--resume]``: train a model from a config."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from training.config import ConfigError, load_config
from training.data.canonical import DataError
from training.output_dir import OutputDirError, check_config_path, check_output_dir


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="conflict-train",
        description="Train a conflict-events model from a YAML config.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="several processes: torchrun --nproc_per_node 2 -m training CONFIG ...\n"
        "                  accelerate launch --multi_gpu --num_processes 2 -m training CONFIG ...\n"
        "                  (on CPU too: gloo; `accelerate launch --cpu` starts one process without MPI)",
    )
    p.add_argument(
        "config",
        help="YAML config, e.g. configs/default.yaml (merged over base.yaml), or a packaged one by name: tiny, "
        "default, demo",
    )
    p.add_argument(
        "--output-dir", "-o", help="where the model, checkpoints and metrics go (default: runs/<config name>)"
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config key, e.g. --set train.lr=3e-5 (repeatable; value read as YAML)",
    )
    p.add_argument(
        "--resume", action="store_true", help="continue from the last checkpoint in the output folder"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="start again in an output folder that holds a run"
    )
    p.add_argument(
        "--stop-after-steps", type=int, default=None, help=argparse.SUPPRESS
    )  # tests: simulate a crash
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.output_dir) if args.output_dir else Path("runs") / Path(args.config).stem
    try:
        check_config_path(args.config)
        loaded = load_config(args.config, args.overrides)
        check_output_dir(out, overwrite=args.overwrite)
        from training.trainer import TrainingError, train  # heavy imports only once the config is good

        try:
            result = train(
                loaded,
                out,
                resume=args.resume,
                overwrite=args.overwrite,
                stop_after_steps=args.stop_after_steps,
            )
        except TrainingError as e:
            print(f"conflict-train: error: {e}", file=sys.stderr)
            return 1
    except OutputDirError as e:
        print(f"conflict-train: error: {e}", file=sys.stderr)
        return 2
    except (ConfigError, DataError, FileNotFoundError) as e:
        kind = "config error" if isinstance(e, ConfigError) else "data error"
        print(f"conflict-train: {kind}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"conflict-train: interrupted; continue with --resume --output-dir {out}", file=sys.stderr)
        return 130
    if result.interrupted:
        print(f"stopped after step {args.stop_after_steps} as asked; checkpoints in {out / 'checkpoints'}")
        return 0
    if result.metrics is None:  # not the main process
        return 0
    m = result.metrics
    print(f"model: {out}")
    if m["main_metric"]:
        print(f"{m['main_metric']} = {m['main_score']:.4f} (best step {m['best_step']})")
    print(f"steps {m['run']['steps']}, {m['run']['samples_per_s']} samples/s, {m['run']['wall_time_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
