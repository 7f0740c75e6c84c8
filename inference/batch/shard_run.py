"""A conflict-tag run under a launcher with several processes: each tags its shard, process 0 merges.

    torchrun --nproc_per_node 4 -m inference INPUT... --model DIR -o OUT
    accelerate launch --num_processes 4 -m inference INPUT... --model DIR -o OUT

Every process checks the arguments and loads the model; if any fails, all stop with its message. Each then
reads only its shard (inference/batch/sharding.py) and writes its own resumable part under ``OUT.shards/``; after all
are done, process 0 merges the parts into OUT and OUT.errors.jsonl (inference/batch/shard_merge.py), identical to what
one process writes, and removes the parts. A killed run continues with ``--resume`` and the same number of
processes: each part resumes where it stopped.
"""

from __future__ import annotations

import argparse
import logging
import time

from inference.batch.job import (
    EXIT_FAILED_RECORDS,
    EXIT_OK,
    EXIT_USAGE,
    Job,
    UsageError,
    open_part,
    prepare,
    sidecar_paths,
    summary,
    tag_part,
)
from inference.batch.output_lock import OutputLock, OutputLockedError
from inference.batch.readers import InputError
from inference.batch.shard_merge import Ledger, Part, merge_parts, remove_parts, shards_dir
from inference.batch.sharding import ProcessGroup, iter_shard_records, lines_before, plan_shards
from inference.batch.writers import Progress, ResumeError, check_complete
from inference.tagger import ModelLoadError

logger = logging.getLogger("conflict-tag")
EXPECTED = (UsageError, InputError, ModelLoadError, ResumeError)


class ShardedRunError(UsageError):
    """A check failed in one or more processes; every process stops with the same message."""


def _agree(group: ProcessGroup, error: str | None) -> None:
    """Go on only if every process got this far without an error; otherwise all raise the same one."""
    errors = group.all_gather(error)
    bad = [(r, e) for r, e in enumerate(errors) if e is not None]
    if not bad:
        return
    messages = list(dict.fromkeys(e for _, e in bad))
    if len(messages) == 1 and len(bad) == group.world:
        raise ShardedRunError(messages[0])
    raise ShardedRunError("; ".join(f"process {r}: {e}" for r, e in bad))


def _check_final(job: Job) -> Progress | None:
    """The merged output's progress record when it says the run is complete (and may be resumed), else None."""
    args, out = job.args, job.out
    errors_path, progress_path = sidecar_paths(out)
    final = Progress.load(progress_path)
    if args.resume and final is not None:
        if final.fingerprint != job.fingerprint:
            raise ResumeError(
                f"cannot resume {out}: its inputs, model or options changed since the interrupted run: "
                "start again with --overwrite"
            )
        if final.complete:
            check_complete(final, out, errors_path, job.fmt)
        return final if final.complete else None
    leftovers = [p for p in (out, errors_path, progress_path, shards_dir(out)) if p.exists()]
    if not args.resume and leftovers and not args.overwrite:
        raise UsageError(
            f"{out} or its sidecar files exist: pass --resume to continue that run or --overwrite to replace it"
        )
    return None


def run_sharded(args: argparse.Namespace, group: ProcessGroup) -> int:
    """Process 0 holds OUT's lock (inference/batch/output_lock.py) while all processes run."""
    lock, error = None, None
    if group.rank == 0:
        try:
            lock = OutputLock(args.output).acquire()
        except OutputLockedError as e:
            error = str(e)
    _agree(group, error)
    try:
        return _run_sharded(args, group)
    finally:
        if lock is not None:
            lock.release()


def _run_sharded(args: argparse.Namespace, group: ProcessGroup) -> int:
    """Tag this process's shard into its part; process 0 then merges the parts into OUT."""
    rank, world = group.rank, group.world
    device = str(group.device) if args.device == "auto" and hasattr(group, "device") else None
    job, final, error = None, None, None
    try:
        job = prepare(args, device)
        final = _check_final(job)
    except EXPECTED as e:
        error = str(e)
    _agree(group, error)
    out = job.out
    errors_path, progress_path = sidecar_paths(out)
    if final is not None:
        if rank == 0:
            print(f"{out}: already complete: {final.tagged} articles tagged, {final.failed} failed")
        return EXIT_FAILED_RECORDS if final.failed else EXIT_OK
    if rank == 0 and not args.resume:
        for p in (out, errors_path, progress_path):
            p.unlink(missing_ok=True)
        remove_parts(out)
    group.barrier()

    plan = plan_shards(job.files, world)
    before = lines_before(job.files, plan, group)
    part = Part.of(out, rank, world, job.fmt)
    fingerprint = job.fingerprint | {"shard": [rank, world], "pieces": [p.describe() for p in plan[rank]]}
    progress = sink = errors = None
    try:
        part.output.parent.mkdir(parents=True, exist_ok=True)
        progress, sink, errors = open_part(job, part.output, fingerprint, leftovers_extra=[part.ledger])
    except EXPECTED as e:
        error = str(e)
    _agree(group, error)
    logger.info("process %d of %d: %d pieces of the inputs -> %s", rank, world, len(plan[rank]), part.output)

    t0 = time.perf_counter()
    done_before = group.all_gather(progress.tagged)
    if not progress.complete:
        tag_part(
            job,
            part.output,
            progress,
            sink,
            errors,
            lambda: iter_shard_records(job.files, plan[rank], job.fields, before),
            ledger=Ledger(part.ledger),
            quiet=args.quiet or rank != 0,
        )
    group.barrier()

    code, message = EXIT_USAGE, None
    if rank == 0:
        try:
            parts = [Part.of(out, r, world, job.fmt) for r in range(world)]
            counts = merge_parts(parts, job.fmt, out, errors_path, job.columns)
            merged = Progress(job.fingerprint, counts.consumed, counts.tagged, counts.failed, complete=True)
            merged.output = out.stat().st_size
            merged.errors = errors_path.stat().st_size
            merged.save(progress_path)
            remove_parts(out)
            elapsed = time.perf_counter() - t0
            message = summary(merged, out, errors_path, merged.tagged - sum(done_before), elapsed)
            message += f" [{world} processes]"
            code = EXIT_FAILED_RECORDS if merged.failed else EXIT_OK
        except (OSError, ValueError, KeyError, StopIteration) as e:
            message = f"merging the parts in {shards_dir(out)} failed ({type(e).__name__}: {e})"
    code, message = group.all_gather((code, message))[0]
    if rank == 0:
        if code == EXIT_USAGE:
            raise ShardedRunError(message)
        print(message)
    return code
