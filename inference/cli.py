"""``conflict-tag``: label article dumps in batch, streaming, resumable.

    conflict-tag --model DIR INPUT... --output OUT [--format jsonl|csv|parquet] [--resume]

Inputs (JSONL, CSV, Parquet, .txt, folders of them, gzip) are read as streams; every ``--chunk-size`` records are
tagged and appended to OUT, then a progress record (OUT.progress.json) is written, so a killed run continues with
``--resume``. Records that cannot be tagged go to OUT.errors.jsonl with their location and the reason.
Exit status: 0 all tagged, 1 some records failed, 2 usage, input or model errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from inference.event_adapter import events_columns, with_events
from inference.readers import Fields, InputError, InputRecord, check_fields, discover_inputs, iter_records
from inference.results import Article
from inference.tagger import ModelLoadError, Tagger
from inference.writers import (
    FORMATS,
    SCORE_DIGITS,
    JsonlSink,
    Progress,
    ResumeError,
    make_sink,
    output_columns,
    output_record,
)

logger = logging.getLogger("conflict-tag")

EXIT_OK, EXIT_FAILED_RECORDS, EXIT_USAGE = 0, 1, 2


class UsageError(ValueError):
    """Arguments that cannot work together; the message says what to change."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="conflict-tag",
        description="Label articles (entities, actor roles, event types) with a trained conflict-events model.",
        epilog="Exit status: 0 all records tagged, 1 some records failed (see OUT.errors.jsonl), "
        "2 usage, input or model errors.",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="JSONL, CSV, Parquet or .txt files, or folders of them (optionally .gz)",
    )
    p.add_argument("--model", required=True, help="model folder written by training (save_pretrained)")
    p.add_argument("-o", "--output", required=True, help="output file")
    p.add_argument("--format", choices=FORMATS, help="output format (default: from OUT's suffix, else jsonl)")
    p.add_argument("--id-field", default="id", help="field/column with the article id (default: id)")
    p.add_argument("--text-field", default="text", help="field/column with the article text (default: text)")
    p.add_argument("--date-field", default="date", help="field/column with the article date (default: date)")
    p.add_argument("--all-scores", action="store_true", help="also write every label's probability")
    p.add_argument("--batch-size", type=int, default=32, help="token windows per forward pass (default: 32)")
    p.add_argument(
        "--chunk-size",
        type=int,
        default=256,
        help="input records per written batch; also the unit of --resume (default: 256)",
    )
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    p.add_argument(
        "--dtype",
        default="auto",
        choices=["auto", "float32", "bfloat16", "float16"],
        help="weights dtype; auto: float32 weights, bfloat16 autocast on CUDA",
    )
    p.add_argument("--max-length", type=int, help="tokens per window (default: the model's)")
    p.add_argument("--quantize", choices=["int8"], help="dynamic int8 Linear layers (CPU)")
    p.add_argument(
        "--resume", action="store_true", help="continue an interrupted run writing to the same OUT"
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT (and its sidecar files)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    return p


def _output_format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower()
    return {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "jsonl")


def sidecar_paths(out: Path) -> tuple[Path, Path]:
    """``(errors, progress)`` files that go with an output file."""
    return out.with_name(out.name + ".errors.jsonl"), out.with_name(out.name + ".progress.json")


def _fingerprint(args, files, tagger: Tagger, fmt: str) -> dict:
    return {
        "inputs": [[str(f.path.resolve()), f.path.stat().st_size] for f in files],
        "fields": [args.id_field, args.text_field, args.date_field],
        "format": fmt,
        "all_scores": bool(args.all_scores),
        "model_sha256": tagger.model_info["sha256"],
        "max_length": tagger.max_length,
    }


def _load_tagger(args: argparse.Namespace) -> Tagger:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # our own bar is the one that matters
    dtype = None if args.dtype == "auto" else args.dtype
    try:
        return Tagger.from_pretrained(
            args.model, device=args.device, dtype=dtype, quantize=args.quantize, max_length=args.max_length
        )
    except ValueError as e:
        raise UsageError(str(e)) from e


def _chunks(records: Iterator[InputRecord], size: int) -> Iterator[list[InputRecord]]:
    chunk: list[InputRecord] = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _tag(tagger: Tagger, records: list[InputRecord], args) -> tuple[list, list[tuple[InputRecord, str]]]:
    """Tag a chunk; if the chunk fails, tag its articles one by one so that one bad article fails alone."""
    articles = [Article(r.id, r.text, r.date) for r in records]
    try:
        return tagger.tag_articles(articles, args.batch_size, all_scores=args.all_scores), []
    except (RuntimeError, ValueError, TypeError, IndexError) as e:
        logger.warning("a chunk failed (%s: %s); tagging its articles one by one", type(e).__name__, e)
    results, failed = [], []
    for rec, article in zip(records, articles):
        try:
            results.extend(tagger.tag_articles([article], args.batch_size, all_scores=args.all_scores))
        except (RuntimeError, ValueError, TypeError, IndexError) as e:
            failed.append((rec, f"tagging failed ({type(e).__name__}: {e})"))
    return results, failed


def run(args: argparse.Namespace) -> int:
    if args.batch_size < 1 or args.chunk_size < 1:
        raise UsageError("--batch-size and --chunk-size must be at least 1")
    if args.resume and args.overwrite:
        raise UsageError("--resume continues OUT, --overwrite replaces it: pass one of them")
    out = Path(args.output)
    fmt = _output_format(args)
    errors_path, progress_path = sidecar_paths(out)
    fields = Fields(args.id_field, args.text_field, args.date_field)
    files = discover_inputs(args.inputs)
    owned = {p.resolve() for p in (out, errors_path, progress_path)}
    if any(f.path.resolve() in owned for f in files):
        raise UsageError(f"the output {out} (or its sidecar files) is also an input: write somewhere else")
    check_fields(files, fields)
    tagger = _load_tagger(args)
    heads = tagger.heads
    try:
        columns = events_columns(output_columns(heads, args.all_scores))
    except ValueError as e:
        raise UsageError(str(e)) from e
    sink = make_sink(fmt, out, columns)
    errors = JsonlSink(errors_path)
    fingerprint = _fingerprint(args, files, tagger, fmt)

    progress = Progress.load(progress_path)
    leftovers = [p for p in (out, errors_path, getattr(sink, "parts", None)) if p is not None and p.exists()]
    if args.resume and progress is None and leftovers:
        raise ResumeError(
            f"no progress record {progress_path}, so what {out} holds is unknown: "
            "start again with --overwrite"
        )
    if args.resume and progress is not None and progress.fingerprint != fingerprint:
        changed = sorted(k for k in fingerprint if progress.fingerprint.get(k) != fingerprint.get(k))
        raise ResumeError(
            f"cannot resume {out}: {', '.join(changed)} changed since the interrupted run "
            "(inputs must be the same files, unchanged): start again with --overwrite"
        )
    if not args.resume:
        if (leftovers or progress is not None) and not args.overwrite:
            raise UsageError(
                f"{out} or its sidecar files exist: pass --resume to continue that run or --overwrite "
                "to replace it"
            )
        sink.remove()
        errors.remove()
        progress = None
    if progress is None:
        progress = Progress(fingerprint)
        out.parent.mkdir(parents=True, exist_ok=True)
        progress.save(progress_path)

    if progress.complete:
        print(f"{out}: already complete: {progress.tagged} articles tagged, {progress.failed} failed")
        return EXIT_FAILED_RECORDS if progress.failed else EXIT_OK

    sink.start(progress.output)
    errors.start(progress.errors)
    t0 = time.perf_counter()
    done_before = progress.tagged
    try:
        _tag_stream(args, tagger, heads, files, fields, sink, errors, progress, progress_path)
        sink.finish()
        errors.finish()
    finally:
        sink.close()
        errors.close()
    progress.complete = True
    progress.save(progress_path)

    elapsed = time.perf_counter() - t0
    rate = (progress.tagged - done_before) / elapsed if elapsed > 0 else 0.0
    failed = f", {progress.failed} failed (see {errors_path})" if progress.failed else ", 0 failed"
    print(
        f"{progress.tagged} articles tagged{failed} -> {out} ({elapsed:.1f} s, {rate:.1f} articles/s this run)"
    )
    return EXIT_FAILED_RECORDS if progress.failed else EXIT_OK


def _tag_stream(args, tagger, heads, files, fields, sink, errors, progress, progress_path) -> None:
    """Skip what earlier runs settled, then tag, write and record progress chunk by chunk."""
    from tqdm import tqdm

    records = iter_records(files, fields)
    seen: set[str] = set()
    for _ in range(progress.consumed):  # already settled: only their ids matter (duplicate detection)
        rec = next(records, None)
        if rec is None:
            raise ResumeError(
                "the inputs hold fewer records than the progress record says were read: "
                "start again with --overwrite"
            )
        if rec.error is None:
            seen.add(rec.id)
    bar = tqdm(
        unit="article",
        desc="tagging",
        disable=True if args.quiet else None,
        initial=progress.consumed,
        dynamic_ncols=True,
        mininterval=1.0,
    )
    try:
        for chunk in _chunks(records, args.chunk_size):
            todo, rejected = [], []
            for rec in chunk:
                if rec.error is not None:
                    rejected.append((rec, rec.error))
                elif rec.id in seen:
                    rejected.append(
                        (rec, f"duplicate id {rec.id!r}: an earlier record has it; this one is skipped")
                    )
                else:
                    seen.add(rec.id)
                    todo.append(rec)
            results, failed = _tag(tagger, todo, args) if todo else ([], [])
            rejected.extend(failed)
            sink.append([with_events(output_record(r, heads), r, SCORE_DIGITS) for r in results])
            errors.append(
                [{"location": rec.location, "id": rec.id, "reason": reason} for rec, reason in rejected]
            )
            progress.consumed += len(chunk)
            progress.tagged += len(results)
            progress.failed += len(rejected)
            progress.output, progress.errors = sink.state(), errors.state()
            progress.save(progress_path)
            bar.update(len(chunk))
    finally:
        bar.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return run(args)
    except (UsageError, InputError, ModelLoadError, ResumeError) as e:
        print(f"conflict-tag: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"conflict-tag: interrupted; rerun with --resume to continue {args.output}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
