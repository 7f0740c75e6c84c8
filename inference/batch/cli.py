"""``conflict-tag``: label article dumps in batch, streaming, resumable.

    conflict-tag --model DIR INPUT... --output OUT [--format jsonl|csv|parquet] [--resume]

Inputs (JSONL, CSV, Parquet, .txt, folders of them, gzip) are read as streams; every ``--chunk-size`` records are
tagged and appended to OUT, then a progress record (OUT.progress.json) is written, so a killed run continues with
``--resume``. Records that cannot be tagged go to OUT.errors.jsonl with their location and the reason.
Under ``torchrun`` or ``accelerate launch`` with several processes, each tags its own share of the inputs and
process 0 merges the parts into the same OUT (inference/batch/shard_run.py).
Exit status: 0 all tagged, 1 some records failed, 2 usage, input or model errors.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time

from inference.batch.job import (
    EXIT_FAILED_RECORDS,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    open_events,
    open_part,
    prepare,
    sidecar_paths,
    summary,
    tag_part,
)
from inference.batch.output_lock import OutputLock, OutputLockedError
from inference.batch.readers import InputError, iter_records
from inference.batch.shard_merge import remove_parts, shards_dir
from inference.batch.sharding import ProcessGroup, process_group
from inference.batch.writers import FORMATS, ResumeError, check_complete, check_events_complete
from inference.model.folder import ModelLoadError


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
    p.add_argument(
        "--no-events", action="store_true", help="no ACLED-style event records (no 'events' column; faster)"
    )
    p.add_argument(
        "--events-out",
        metavar="FILE",
        help="also write one row per event record in ACLED's columns (.csv, .parquet or .jsonl, by suffix)",
    )
    p.add_argument(
        "--places",
        metavar="CSV",
        help="a place list beside GeoNames for the records' places: an ACLED export, or `conflict-data places` "
        "(columns location, country, latitude, longitude[, admin1, admin2, geo_precision])",
    )
    p.add_argument("--batch-size", type=int, default=32, help="token windows per forward pass (default: 32)")
    p.add_argument(
        "--chunk-size",
        type=int,
        default=256,
        help="input records per written batch; also the unit of --resume (default: 256)",
    )
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    p.add_argument(
        "--workers",
        type=int,
        help="processes that read, tokenise, decode and build records while this one runs the model "
        "(default: 0 on CPU or <= 4 cores, else cores - 2, at most 8)",
    )
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


def run(args: argparse.Namespace, group: ProcessGroup | None = None) -> int:
    """Tag the inputs into OUT; under a launcher with several processes, each tags a shard (shard_run.py)."""
    own_group = group is None
    group = group or process_group(args.device)
    if group.world > 1:
        if getattr(args, "events_out", None):
            raise UsageError(
                "--events-out is not supported with several processes yet: run one process, or write the "
                "events from OUT afterwards"
            )
        from inference.batch.shard_run import run_sharded

        try:
            return run_sharded(args, group)
        finally:
            if own_group:
                group.close()
    with OutputLock(args.output):
        return _run_locked(args)


def _run_locked(args: argparse.Namespace) -> int:
    """One process's run while it holds OUT's lock."""
    job = prepare(args)
    out = job.out
    errors_path, progress_path = sidecar_paths(out)
    parts = sorted(shards_dir(out).glob("part-*")) if shards_dir(out).is_dir() else []
    if args.resume and parts and not progress_path.exists():
        raise UsageError(
            f"{out} was being written by several processes (parts in {shards_dir(out)}, e.g. {parts[0].name}): "
            "resume it under the same launcher with the same number of processes, or start again with --overwrite"
        )
    progress, sink, errors = open_part(job, out, job.fingerprint, leftovers_extra=[shards_dir(out)])
    events_sink = open_events(job, progress)
    if not args.resume:
        remove_parts(out)
    if progress.complete:
        check_complete(progress, out, errors_path, job.fmt)
        if job.events_out is not None:
            check_events_complete(progress, job.events_out)
        print(f"{out}: already complete: {progress.tagged} articles tagged, {progress.failed} failed")
        return EXIT_FAILED_RECORDS if progress.failed else EXIT_OK

    t0 = time.perf_counter()
    done_before = progress.tagged
    tag_part(
        job,
        out,
        progress,
        sink,
        errors,
        lambda: iter_records(job.files, job.fields),
        quiet=args.quiet,
        events_sink=events_sink,
    )
    print(summary(progress, out, errors_path, progress.tagged - done_before, time.perf_counter() - t0))
    if job.events_out is not None:
        print(f"{progress.events_rows} event rows -> {job.events_out}")
    return EXIT_FAILED_RECORDS if progress.failed else EXIT_OK


def main(argv: list[str] | None = None, group: ProcessGroup | None = None) -> int:
    """The ``conflict-tag`` command; ``group``: the processes of a sharded run (default: from the launcher)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return run(args, group)
    except (UsageError, InputError, ModelLoadError, ResumeError, OutputLockedError) as e:
        print(f"conflict-tag: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"conflict-tag: interrupted; rerun with --resume to continue {args.output}", file=sys.stderr)
        return 130
    finally:
        gc.unfreeze()  # the job froze its loaded model (job._load_tagger): a caller that goes on gets it back


if __name__ == "__main__":
    sys.exit(main())
