"""A fingerprint of everything ``conflict-tag`` writes for a fixed set of texts: run it before and after a change
that must not change any output (a speed-up), and compare the two hashes.

    .venv/bin/python bench/output_hash.py [--root ../shared/data] [--model DIR] [--n 100] [--save FILE]

Texts: ``--n`` generated articles (bench/articles.py) and, with ``--root``, the first 50 InsightCrime and 50 SATP
dev articles, 150 ACLED notes and ``--root``'s sibling ``examples/*.txt``; every second text gets an article date.
Model: ``--model``, else bench/pipeline.py's untrained MiniLM with its O logits raised (many spans, most sentences
called events: most event rules run). Each text's whole output record (events on, ``output_record``), the model
folder's name left out, is written as one sorted JSON line; the last line printed is
``output_sha1=<hash of those lines> records=<event records> texts=<texts>``. ``--save`` keeps the lines for a diff.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.articles import make_articles  # noqa: E402
from bench.pipeline import raise_o_logit  # noqa: E402
from inference import Tagger  # noqa: E402
from inference.batch.output_record import output_record  # noqa: E402
from inference.results import Article  # noqa: E402


def real_texts(root: Path) -> list[str]:
    """News and notes from the shared datasets under ``root`` (those present): the first of each file."""
    texts = []
    for name in ("conflibert_insightCrime", "conflibert_satp_relevant"):
        path = root / name / "dev.tsv"
        if path.is_file():
            with open(path, encoding="utf-8") as f:
                texts += [line.split("\t")[0].strip('"') for _, line in zip(range(50), f)]
    acled = root / "acled_global_2020_RPanlilio" / "acled.csv"
    if acled.is_file():
        with open(acled, newline="", encoding="utf-8") as f:
            texts += [r["notes"] for _, r in zip(range(150), csv.DictReader(f)) if r.get("notes")]
    texts += [p.read_text(encoding="utf-8") for p in sorted((root.parent / "examples").glob("*.txt"))]
    return texts


def output_lines(tagger: Tagger, texts: list[str]) -> list[str]:
    """Each text's output record as a sorted JSON line (the model folder's name left out)."""
    articles = [Article(f"t{i}", t, "2020-06-08" if i % 2 else None) for i, t in enumerate(texts)]
    lines = []
    for result in tagger.tag_articles(articles, 32, events=True):
        record = output_record(result, tagger.heads)
        record.get("model", {}).pop("name", None)
        lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False))
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--root", type=Path, help="the shared datasets folder (e.g. ../shared/data): adds real texts"
    )
    p.add_argument("--model", type=Path, help="model folder (default: untrained MiniLM, four default heads)")
    p.add_argument("--n", type=int, default=100, help="generated articles (default 100)")
    p.add_argument("--o-bias", type=float, default=0.35, help="as bench/pipeline.py (untrained model only)")
    p.add_argument("--save", type=Path, help="write the JSON lines here")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-hash-") as tmp:
        if args.model is None:
            from bench.tagging_speed import build_default_model

            folder = build_default_model(Path(tmp))
        else:
            folder = args.model
        tagger = Tagger.from_pretrained(folder, device="cpu")
    if args.model is None:
        raise_o_logit(tagger, args.o_bias)
    tok = tagger.tokenizer
    texts = make_articles(args.n, lambda t: len(tok(t, add_special_tokens=False)["input_ids"]), seed=0)
    texts += real_texts(args.root) if args.root else []
    lines = output_lines(tagger, texts)
    if args.save:
        args.save.write_text("\n".join(lines) + "\n", encoding="utf-8")
    digest = hashlib.sha1("\n".join(lines).encode("utf-8")).hexdigest()
    events = sum(len(json.loads(line).get("events") or []) for line in lines)
    print(f"output_sha1={digest} records={events} texts={len(texts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
