"""``make demo``: train the demo model once, label the example articles with conflict-tag, print what it found.

    python -m training.demo [--data-root ../shared/data] [--retrain]

1. Model: ``models/demo`` (configs/demo.yaml: default.yaml on a reduced budget, ~10 min on 2 CPU cores) is trained
   when it holds no finished model. Without the shared data the demo says so and trains ``configs/tiny.yaml``
   into ``models/demo-tiny`` instead (seconds; a random tiny encoder, so its labels mean nothing).
2. Labels: ``examples/articles/*.txt`` and, when present, ``../shared/examples/*.txt`` go through conflict-tag
   into ``runs/demo/labels.jsonl``.
3. Tables: per article, its event records and entities (``inference.batch.tables``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from inference.batch.cli import main as tag_main
from inference.batch.tables import format_records, read_records
from training.config import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared"


def model_ready(folder: Path) -> bool:
    """Does ``folder`` hold a finished model (config and weights, as training writes them last)?"""
    return (folder / "config.json").is_file() and (folder / "model.safetensors").is_file()


def train_model(config: Path, out: Path, data_root: Path | None) -> int:
    """conflict-train ``config`` into ``out`` (continuing an interrupted run there); its exit status."""
    from training.cli import main as train_main

    argv = [str(config), "--output-dir", str(out)]
    if data_root is not None:
        argv += ["--set", f"data_root={data_root}"]
    if (out / "checkpoints").is_dir():
        argv.append("--resume")
    logging.getLogger("training.trainer").setLevel(logging.INFO)  # progress: steps, samples/s, scores
    return train_main(argv)


def demo_inputs(folders: list[Path]) -> list[Path]:
    """The ``.txt`` articles of the folders that exist, sorted by name within each folder."""
    return [p for folder in folders if folder.is_dir() for p in sorted(folder.glob("*.txt"))]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m training.demo",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data-root", type=Path, default=SHARED / "data", help="the shared datasets (default: %(default)s)"
    )
    p.add_argument("--config", type=Path, default=PROJECT_ROOT / "configs" / "demo.yaml")
    p.add_argument("--model-dir", type=Path, default=PROJECT_ROOT / "models" / "demo")
    p.add_argument("--tiny-config", type=Path, default=PROJECT_ROOT / "configs" / "tiny.yaml")
    p.add_argument("--tiny-model-dir", type=Path, default=PROJECT_ROOT / "models" / "demo-tiny")
    p.add_argument(
        "--articles",
        type=Path,
        nargs="+",
        default=[PROJECT_ROOT / "examples" / "articles", SHARED / "examples"],
        help="folders of .txt articles to label (missing ones are skipped)",
    )
    p.add_argument("--out", type=Path, default=PROJECT_ROOT / "runs" / "demo", help="where labels.jsonl goes")
    p.add_argument("--retrain", action="store_true", help="train again even if the model exists")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.data_root.is_dir():
        config, model_dir, data_root = args.config, args.model_dir, args.data_root
    else:
        print(
            f"demo: the shared data is not at {args.data_root} (pass --data-root PATH): training the TINY model "
            f"({args.tiny_config.name}: a random 2-layer encoder on the project's 40 fictional sample reports) "
            "instead. Its labels and events are MEANINGLESS; they only show the pipeline end to end."
        )
        config, model_dir, data_root = args.tiny_config, args.tiny_model_dir, None
    if args.retrain or not model_ready(model_dir):
        print(f"demo: training {config.name} into {model_dir} ...", flush=True)
        code = train_model(config, model_dir, data_root)
        if code != 0 or not model_ready(model_dir):
            print(f"demo: training failed (exit {code}); see the messages above", file=sys.stderr)
            return code or 1
    else:
        print(f"demo: using the trained model in {model_dir} (--retrain to train it again)")

    inputs = demo_inputs(args.articles)
    if not inputs:
        print(f"demo: no .txt articles in {', '.join(map(str, args.articles))}", file=sys.stderr)
        return 2
    labels = args.out / "labels.jsonl"
    code = tag_main([*map(str, inputs), "--model", str(model_dir), "-o", str(labels), "--overwrite", "-q"])
    if code != 0:
        return code
    print()
    print(format_records(read_records([labels])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
