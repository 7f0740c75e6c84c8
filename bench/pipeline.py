"""Stage-cost benchmark of the batch labeller: milliseconds per article of every host stage and of the forward pass.

    .venv/bin/python bench/pipeline.py [--n 200] [--rounds 5] [--model DIR] [--threads 2] [--no-events]
    .venv/bin/python bench/pipeline.py --quick          # under a minute: fewer articles, the same table

Generated ~317-token articles (bench/articles.py) are written to a JSONL file, then read (``iter_records``),
tagged with ``Tagger.tag_articles`` (the one prediction path, timed step by step through ``StageTimes``, so the
benchmark runs the code users run) and serialised as ``conflict-tag`` does (``output_record`` + the JSONL sink's
encoding), chunk by chunk. Each stage's time is its median over rounds. "host" is every stage but the forward
pass: the work one host core must do per article, so ``1000 / host ms`` is the articles/s one core can feed a
device with. The model is --model, else MiniLM with the four default heads, untrained: random token heads tag
about every other word, so their "O" logit is raised by ``--o-bias`` (default 0.35: ~65 entity and ~30 role spans
per article, about what these entity-dense articles hold); the untrained event_type head still calls nearly
every sentence an event, the costliest case for the event records. The JSON says how many spans and event
sentences the model found.
A second table times what the main process does per article under ``conflict-tag --workers N`` (workers
prepare and finish; this process unpickles the prepared chunk, collates, copies, runs the model, turns logits into
probabilities and sequence logits, pickles the chunk for the worker that finishes it and unpickles the records the
worker encoded for the output file): with a GPU that process is the one the device waits on, so ``1000 / main ms``
bounds the articles/s however many workers there are (the forward pass apart).
Writes bench/results/pipeline.json; the last line printed is ``host_ms_per_article=X forward_ms_per_article=Y``.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import pickle
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


import torch  # noqa: E402

from bench.articles import make_articles  # noqa: E402
from bench.report import cpu_name, write_report  # noqa: E402
from inference import Tagger  # noqa: E402
from inference.batch.output_record import output_record  # noqa: E402
from inference.batch.pipelined import _HOST, _finish, _prepare  # noqa: E402
from inference.batch.readers import Fields, discover_inputs, iter_records  # noqa: E402
from inference.batch.writers import JsonlSink, json_line  # noqa: E402
from inference.results import Article  # noqa: E402
from inference.stage_times import StageTimes  # noqa: E402

# Table order; every stage but FORWARD is host work.
STAGES = (
    "read",
    "normalise",
    "sentence_split",
    "tokenise",
    "collate",
    "device_copy",
    "forward",
    "token_probs",
    "article_labels",
    "decode_spans",
    "results",
    "event_records",
    "serialise",
)
FORWARD = "forward"
DESCRIPTIONS = {
    "read": "read + parse the JSONL input (iter_records)",
    "normalise": "date prefix, wraps, quotes (normalize_text)",
    "sentence_split": "sentence ranges (split_sentences)",
    "tokenise": "tokenise into windows (tokenize_windows)",
    "collate": "pad windows into passes (collate_windows)",
    "device_copy": "batch to the model's device",
    "forward": "model.forward (encoder + token heads + pooling)",
    "token_probs": "softmax, per-window rows, pooled sums",
    "article_labels": "sequence heads, sentence + article labels",
    "decode_spans": "merge windows, BIO decode (decode_spans)",
    "results": "ArticleResult, offsets to the original (article_result)",
    "event_records": "event records (add_events)",
    "serialise": "output_record + JSONL line",
}

# The --workers main process, in order; MAIN_FORWARD is timed but not host work.
MAIN_STEPS = (
    "unpickle_prepared",
    "collate",
    "device_copy",
    "forward",
    "token_probs",
    "sequence_labels",
    "pickle_finish_job",
    "unpickle_output",
)
MAIN_DESCRIPTIONS = {
    "unpickle_prepared": "a worker's prepared chunk (texts, sentences, windows) read back",
    "collate": "pad windows into passes (collate_windows)",
    "device_copy": "batch to the model's device",
    "forward": "model.forward (not host work)",
    "token_probs": "softmax, per-window rows, pooled sums",
    "sequence_labels": "sequence heads on pooled vectors (Predictor._sequence_logits)",
    "pickle_finish_job": "articles, prepared texts and encoded chunk sent to a worker",
    "unpickle_output": "the worker's records, encoded for the output file (EncodedRecords), read back",
}


def write_input(texts: list[str], path: Path) -> Path:
    """The articles as a conflict-tag JSONL input (``id``, ``text``)."""
    with open(path, "wb") as f:
        for i, text in enumerate(texts):
            f.write(json_line({"id": f"a{i}", "text": text}))
    return path


def one_round(tagger: Tagger, path: Path, args: argparse.Namespace, sync=None) -> dict[str, float]:
    """Seconds per stage of reading, tagging and serialising every article of ``path`` once."""
    times = StageTimes(sync)
    heads, sink = tagger.heads, JsonlSink(path.with_suffix(".out.jsonl"))
    with times.stage("read"):
        records = list(iter_records(discover_inputs([path]), Fields()))
    for i in range(0, len(records), args.chunk_size):
        chunk = [Article(r.id, r.text, r.date) for r in records[i : i + args.chunk_size]]
        results = tagger.tag_articles(chunk, args.batch_size, events=not args.no_events, times=times)
        with times.stage("serialise"):
            sink.encode([output_record(r, heads) for r in results])
    return times.seconds


def main_process_round(
    tagger: Tagger, texts: list[str], args: argparse.Namespace, sync=None
) -> dict[str, float]:
    """Seconds per step of the --workers main process over every chunk of ``texts``: the workers' steps run here
    too (untimed), with the pickling between processes that ``inference.batch.pipelined`` does."""
    host, seconds = tagger.predictor.without_model(), {}
    encoders = (JsonlSink(os.devnull).encoder(), None)
    _HOST.update(predictor=host, model_info=tagger.model_info, heads=tagger.heads, encoders=encoders)

    def timed(step: str, fn, *a):
        t0 = time.perf_counter()
        out = fn(*a)
        seconds[step] = seconds.get(step, 0.0) + time.perf_counter() - t0
        return out

    for i in range(0, len(texts), args.chunk_size):
        articles = [Article(f"a{i + k}", t) for k, t in enumerate(texts[i : i + args.chunk_size])]
        shipped = pickle.dumps(_prepare([a.text for a in articles]), pickle.HIGHEST_PROTOCOL)  # worker
        prepared = timed("unpickle_prepared", pickle.loads, shipped)
        times = StageTimes(sync)
        encoded = tagger.predictor.encode(prepared, args.batch_size, times=times)
        for stage, sec in times.seconds.items():
            step = "sequence_labels" if stage == "article_labels" else stage
            seconds[step] = seconds.get(step, 0.0) + sec
        job = (articles, replace(prepared, windows=[]), encoded, False, not args.no_events)
        shipped = timed("pickle_finish_job", pickle.dumps, job, pickle.HIGHEST_PROTOCOL)
        output = pickle.dumps(_finish(*pickle.loads(shipped)), pickle.HIGHEST_PROTOCOL)  # worker
        timed("unpickle_output", pickle.loads, output)
    return seconds


def measure(tagger: Tagger, texts: list[str], args: argparse.Namespace) -> dict:
    """Median ms per article per stage over ``args.rounds`` rounds, host total and one core's ceiling."""
    sync = torch.cuda.synchronize if tagger.device.type == "cuda" else None
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        path = write_input(texts, Path(tmp) / "articles.jsonl")
        warm = write_input(texts[: min(8, len(texts))], Path(tmp) / "warm.jsonl")
        one_round(tagger, warm, args, sync)
        rounds, walls = [], []
        for r in range(args.rounds):
            t0 = time.perf_counter()
            rounds.append(one_round(tagger, path, args, sync))
            walls.append(time.perf_counter() - t0)
            logging.info("round %d/%d: %.1f s", r + 1, args.rounds, walls[-1])
        mains = [main_process_round(tagger, texts, args, sync) for _ in range(args.rounds)]
    n = len(texts)
    ms = {s: 1000.0 * statistics.median(r.get(s, 0.0) for r in rounds) / n for s in STAGES}
    host = sum(v for s, v in ms.items() if s != FORWARD)
    main_ms = {s: 1000.0 * statistics.median(r.get(s, 0.0) for r in mains) / n for s in MAIN_STEPS}
    main_host = sum(v for s, v in main_ms.items() if s != FORWARD)
    return {
        "main_process_ms_per_article": main_ms,
        "main_process_host_ms_per_article": main_host,
        "main_process_articles_per_s": 1000.0 / main_host if main_host > 0 else None,
        "ms_per_article": ms,
        "host_ms_per_article": host,
        "forward_ms_per_article": ms[FORWARD],
        "one_host_core_articles_per_s": 1000.0 / host if host > 0 else None,
        "end_to_end_articles_per_s": n / statistics.median(walls),
    }


def raise_o_logit(tagger: Tagger, bias: float) -> None:
    """Add ``bias`` to every token head's "O" logit (an untrained head's spans down to a trained head's density)."""
    with torch.no_grad():
        for head in tagger.model.token_heads.values():
            head.bias[0] += bias


def what_the_model_found(tagger: Tagger, texts: list[str], batch_size: int) -> dict[str, float]:
    """Spans per article per token head and the share of sentences whose best event_type label is not "none"."""
    preds = tagger.predictor.predict(texts, batch_size)
    out = {f"{h}_spans_per_article": sum(len(p.spans[h]) for p in preds) / len(preds) for h in preds[0].spans}
    events = [s.labels[0] for p in preds for s in p.sentence_labels.get("event_type", []) if s.labels]
    out["event_sentence_share"] = sum(x != "none" for x in events) / max(1, len(events))
    return out


def table(report: dict) -> str:
    ms = report["ms_per_article"]
    host = report["host_ms_per_article"]
    lines = [
        f"{report['articles']} articles x {report['rounds']} rounds, {report['tokens_per_article']:.0f} tokens "
        f"each, events {'off' if report['no_events'] else 'on'}, {report['device']}, {report['threads']} threads",
        "model found: " + ", ".join(f"{k} {v:.2f}" for k, v in report["found"].items()),
        "",
        f"| {'stage':<15} | {'ms/article':>10} | {'share of host':>13} | what",
        f"|{'-' * 17}|{'-' * 12}|{'-' * 15}|------",
    ]
    for s in STAGES:
        share = "" if s == FORWARD else f"{100 * ms[s] / host:.1f}%" if host else ""
        lines.append(f"| {s:<15} | {ms[s]:>10.3f} | {share:>13} | {DESCRIPTIONS[s]}")
    lines += [
        f"| {'host total':<15} | {host:>10.3f} | {'100.0%':>13} | every stage but forward",
        "",
        f"one host core can feed {report['one_host_core_articles_per_s']:.0f} articles/s; "
        f"end to end here {report['end_to_end_articles_per_s']:.1f} articles/s",
        "",
        "main process under --workers (what a GPU waits on; the workers' prepare and finish not counted):",
        "",
        f"| {'main step':<17} | {'ms/article':>10} | what",
        f"|{'-' * 19}|{'-' * 12}|------",
    ]
    main_ms = report["main_process_ms_per_article"]
    for s in MAIN_STEPS:
        lines.append(f"| {s:<17} | {main_ms[s]:>10.3f} | {MAIN_DESCRIPTIONS[s]}")
    lines += [
        f"| {'main total':<17} | {report['main_process_host_ms_per_article']:>10.3f} | every step but forward",
        "",
        f"the main process can feed at most {report['main_process_articles_per_s']:.0f} articles/s "
        "(plus the forward pass), however many workers",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="under a minute: --n 20 --rounds 2 (unless given)")
    p.add_argument("--n", type=int, help="articles (default 200; 20 with --quick)")
    p.add_argument("--rounds", type=int, help="rounds; each stage's time is its median (default 5; 2 quick)")
    p.add_argument("--model", type=Path, help="model folder (default: MiniLM + the four default heads)")
    p.add_argument("--tokens", type=int, default=317, help="tokens per generated article (default 317)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda, ...")
    p.add_argument("--dtype", default=None, help="as Tagger.from_pretrained (default: float32 weights)")
    p.add_argument("--batch-size", type=int, default=32, help="as conflict-tag (default 32)")
    p.add_argument("--chunk-size", type=int, default=256, help="as conflict-tag (default 256)")
    p.add_argument("--no-events", action="store_true", help="leave the event records out")
    p.add_argument(
        "--o-bias", type=float, default=0.35, help="added to the untrained model's O logits (default 0.35)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the generated articles")
    p.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "pipeline.json")
    args = p.parse_args(argv)
    args.n = args.n or (20 if args.quick else 200)
    args.rounds = args.rounds or (2 if args.quick else 5)
    if args.n < 1 or args.rounds < 1:
        p.error("--n and --rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="bench-model-") as tmp:
        if args.model is None:
            from bench.tagging_speed import build_default_model

            folder, what = build_default_model(Path(tmp)), "MiniLM-L6, four default heads (untrained)"
        else:
            folder, what = args.model, str(args.model)
        tagger = Tagger.from_pretrained(folder, device=args.device, dtype=args.dtype)
    if args.model is None:
        raise_o_logit(tagger, args.o_bias)
    gc.freeze()  # as conflict-tag does once its model is loaded (inference.batch.job._load_tagger) ...
    try:
        report = _report(tagger, what, args, argv)
    finally:
        gc.unfreeze()  # ... and undoes when it returns
    write_report(report, args.output, table(report))
    print(
        f"host_ms_per_article={report['host_ms_per_article']:.3f} "
        f"forward_ms_per_article={report['forward_ms_per_article']:.3f}"
    )
    return 0


def _report(tagger: Tagger, what: str, args: argparse.Namespace, argv: list[str] | None) -> dict:
    tok = tagger.tokenizer

    def count(text: str) -> int:
        return len(tok(text, add_special_tokens=False)["input_ids"])

    texts = make_articles(args.n, count, target_tokens=args.tokens, seed=args.seed)
    return {
        "articles": args.n,
        "rounds": args.rounds,
        "tokens_per_article": sum(count(t) for t in texts) / len(texts),
        "no_events": args.no_events,
        "model": what,
        "device": str(tagger.device) + (f" {args.dtype}" if args.dtype else ""),
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "threads": args.threads,
        "batch_size": args.batch_size,
        "chunk_size": args.chunk_size,
        "found": what_the_model_found(tagger, texts[: 5 if args.quick else 20], args.batch_size),
        "o_bias": None if args.model else args.o_bias,
        "command": "bench/pipeline.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        **measure(tagger, texts, args),
    }


if __name__ == "__main__":
    sys.exit(main())
