"""One conflict-tag job: prepare it (inputs, model, output columns, run identity), open its part of the output
for appending or resuming, and tag the inputs into it chunk by chunk. ``cli.run`` runs one job; ``shard_run`` runs
one part per process and merges them.
"""

from __future__ import annotations

import argparse
import gc
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from inference.batch.event_rows import event_rows, events_format, make_events_sink
from inference.batch.output_lock import lock_path
from inference.batch.output_record import output_columns, output_record
from inference.batch.readers import (
    Fields,
    InputFile,
    InputRecord,
    check_fields,
    discover_inputs,
)
from inference.batch.run_identity import changed_keys, run_fingerprint
from inference.batch.shard_merge import (
    FAILED,
    REJECTED,
    TAGGED,
    Ledger,
    duplicate_reason,
    shards_dir,
)
from inference.batch.writers import (
    AppendSink,
    EncodedRecords,
    JsonlSink,
    ParquetSink,
    Progress,
    ResumeError,
    make_sink,
)
from inference.progress_bar import progress_bar
from inference.results import Article
from inference.tagger import Tagger

logger = logging.getLogger("conflict-tag")

EXIT_OK, EXIT_FAILED_RECORDS, EXIT_USAGE = 0, 1, 2


class UsageError(ValueError):
    """Arguments that cannot work together; the message says what to change."""


def _output_format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower()
    return {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "jsonl")


def sidecar_paths(out: Path) -> tuple[Path, Path]:
    """``(errors, progress)`` files that go with an output file."""
    return out.with_name(out.name + ".errors.jsonl"), out.with_name(out.name + ".progress.json")


def _fingerprint(args, files, tagger: Tagger, fmt: str) -> dict:
    return run_fingerprint(args, [f.path for f in files], tagger.model_info, tagger.max_length, fmt)


def _load_tagger(args: argparse.Namespace, device: str | None = None) -> Tagger:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # our own bar is the one that matters
    dtype = None if args.dtype == "auto" else args.dtype
    try:
        tagger = Tagger.from_pretrained(
            args.model,
            device=device or args.device,
            dtype=dtype,
            quantize=args.quantize,
            max_length=args.max_length,
        )
    except ValueError as e:
        raise UsageError(str(e)) from e
    # The model, tokenizer and imports live as long as the job: out of the collector's view, its full
    # collections stop re-scanning them while per-article objects come and go (result building timed alone:
    # 1.01 -> 0.27 ms per article; bench/pipeline.py shows no difference: README, "Where the host time goes")
    gc.freeze()
    return tagger


def _chunks(records: Iterator[InputRecord], size: int) -> Iterator[list[InputRecord]]:
    chunk: list[InputRecord] = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _tag(
    tagger: Tagger, records: list[InputRecord], args, events: bool = True
) -> tuple[list, list[tuple[InputRecord, str]]]:
    """Tag a chunk; if the chunk fails, tag its articles one by one so that one bad article fails alone."""
    articles = [Article(r.id, r.text, r.date) for r in records]
    options = {"all_scores": args.all_scores, "events": events}
    try:
        return tagger.tag_articles(articles, args.batch_size, **options), []
    except (RuntimeError, ValueError, TypeError, IndexError) as e:
        logger.warning("a chunk failed (%s: %s); tagging its articles one by one", type(e).__name__, e)
    results, failed = [], []
    for rec, article in zip(records, articles):
        try:
            results.extend(tagger.tag_articles([article], args.batch_size, **options))
        except (RuntimeError, ValueError, TypeError, IndexError) as e:
            failed.append((rec, f"tagging failed ({type(e).__name__}: {e})"))
    return results, failed


def _screened(records: Iterator[InputRecord], args, seen: set[str]) -> Iterator[tuple]:
    """Chunks of records with, per chunk, why records are not tagged (position -> reason: unreadable or a
    duplicate id) and the records to tag; ``seen`` collects ids in input order."""
    for chunk in _chunks(records, args.chunk_size):
        reasons: dict[int, str] = {}  # position in the chunk -> why that record is not tagged
        todo: list[InputRecord] = []
        for k, rec in enumerate(chunk):
            if rec.error is not None:
                reasons[k] = rec.error
            elif rec.id in seen:
                reasons[k] = duplicate_reason(rec.id)
            else:
                seen.add(rec.id)
                todo.append(rec)
        yield chunk, reasons, todo


def _tag_records(job: Job, todo: list[InputRecord]) -> tuple[list[dict], list[tuple[InputRecord, str]]]:
    """The plain loop's step: output records of the tagged ones among ``todo``, and the failed ones."""
    results, failed = _tag(job.tagger, todo, job.args, job.events) if todo else ([], [])
    return [output_record(r, job.tagger.heads) for r in results], failed


def _tagged_chunks(job: Job, screened: Iterator[tuple], sinks: tuple = (None, None)) -> Iterator[tuple]:
    """``(chunk, reasons, todo), records, failed`` per screened chunk, in order: in this process, or with
    ``--workers`` N > 0 host work in N worker processes (``inference.batch.pipelined``). ``sinks``: the output's
    and the events file's; where both encode appended batches, the workers' chunks come as ``EncodedRecords``."""
    workers = job.workers
    if workers == 0:
        for item in screened:
            yield (item, *_tag_records(job, item[2]))
        return
    from inference.batch.pipelined import HostWorkers

    sink, events_sink = sinks
    encoders = None
    if isinstance(sink, AppendSink) and (events_sink is None or isinstance(events_sink, AppendSink)):
        encoders = (sink.encoder(), None if events_sink is None else events_sink.encoder())
    items = ((item, [Article(r.id, r.text, r.date) for r in item[2]]) for item in screened)
    with HostWorkers(job.tagger, workers, encoders) as pool:
        yield from pool.tag_chunks(
            items,
            lambda item: _tag_records(job, item[2]),
            batch_size=job.args.batch_size,
            all_scores=job.args.all_scores,
            events=job.events,
        )


@dataclass
class Job:
    """What every part of a run shares: arguments, inputs, the loaded tagger and the output's columns."""

    args: argparse.Namespace
    out: Path
    fmt: str
    fields: Fields
    files: list[InputFile]
    tagger: Tagger
    columns: list[str]
    fingerprint: dict

    @property
    def events_out(self) -> Path | None:
        """The --events-out file (one row per event record), if asked for."""
        path = getattr(self.args, "events_out", None)
        return Path(path) if path else None

    @property
    def events(self) -> bool:
        return not self.args.no_events

    @property
    def workers(self) -> int:
        """Host worker processes (--workers; by default ``default_workers`` of the device and cores)."""
        n = getattr(self.args, "workers", None)
        if n is None:
            from inference.batch.pipelined import default_workers

            return default_workers(self.tagger.device)
        return n


def _use_places(args: argparse.Namespace) -> None:
    """Read ``--places`` now (a bad file is a usage error before any model is loaded) and record its hash in the
    run's identity; worker processes inherit it."""
    places = getattr(args, "places", None)
    if not places:
        return
    if args.no_events:
        raise UsageError("--places locates the event records, --no-events skips them: pass one of them")
    from inference.geo.gazetteer import default_gazetteer, use_places
    from inference.geo.place_table import PlaceTableError
    from inference.geo.sources import SourceError

    try:
        use_places(places)
    except (PlaceTableError, SourceError) as e:
        raise UsageError(f"--places: {e}") from e
    args.places_sha256 = default_gazetteer().places.sha256


def prepare(args: argparse.Namespace, device: str | None = None) -> Job:
    """Check the arguments and inputs, load the model: everything before the first record is read."""
    if args.batch_size < 1 or args.chunk_size < 1:
        raise UsageError("--batch-size and --chunk-size must be at least 1")
    if getattr(args, "workers", None) is not None and args.workers < 0:
        raise UsageError("--workers must be 0 (no worker processes) or more")
    if args.resume and args.overwrite:
        raise UsageError("--resume continues OUT, --overwrite replaces it: pass one of them")
    out = Path(args.output)
    events_out = Path(args.events_out) if getattr(args, "events_out", None) else None
    if events_out is not None:
        if args.no_events:
            raise UsageError(
                "--events-out writes the event records, --no-events skips them: pass one of them"
            )
        try:
            events_format(events_out)
        except ValueError as e:
            raise UsageError(str(e)) from e
        if events_out.resolve() == out.resolve() or events_out.is_dir():
            raise UsageError(f"--events-out {events_out} must be a file other than the output {out}")
    _use_places(args)
    fmt = _output_format(args)
    errors_path, progress_path = sidecar_paths(out)
    fields = Fields(args.id_field, args.text_field, args.date_field)
    if out.is_dir():
        raise UsageError(f"output {out} is a folder: name a file in it, e.g. {out / 'tags.jsonl'}")
    own = (
        out,
        *([events_out, events_out.with_name(events_out.name + ".parts")] if events_out else []),
        errors_path,
        progress_path,
        lock_path(out),
        out.with_name(out.name + ".parts"),
        shards_dir(out),
    )
    files = discover_inputs(args.inputs, exclude=own)  # our own files inside an input folder are not inputs
    owned = {p.resolve() for p in (out, errors_path, progress_path, *([events_out] if events_out else []))}
    if any(f.path.resolve() in owned or shards_dir(out).resolve() in f.path.resolve().parents for f in files):
        raise UsageError(f"the output {out} (or its sidecar files) is also an input: write somewhere else")
    check_fields(files, fields)
    tagger = _load_tagger(args, device)
    try:
        columns = output_columns(tagger.heads, args.all_scores, events=not args.no_events)
    except ValueError as e:
        raise UsageError(str(e)) from e
    fingerprint = _fingerprint(args, files, tagger, fmt)
    return Job(args, out, fmt, fields, files, tagger, columns, fingerprint)


def open_part(
    job: Job, out: Path, fingerprint: dict, *, leftovers_extra: list[Path] = ()
) -> tuple[Progress, AppendSink | ParquetSink, JsonlSink]:
    """Check OUT against its progress record (--resume / --overwrite); return the progress, output and errors."""
    args = job.args
    errors_path, progress_path = sidecar_paths(out)
    sink = make_sink(job.fmt, out, job.columns)
    errors = JsonlSink(errors_path)
    progress = Progress.load(progress_path)
    leftovers = [
        p
        for p in (out, errors_path, getattr(sink, "parts", None), *leftovers_extra)
        if p is not None and p.exists()
    ]
    if args.resume and progress is None and leftovers:
        raise ResumeError(
            f"no progress record {progress_path}, so what {out} holds is unknown: "
            "start again with --overwrite"
        )
    if args.resume and progress is not None and progress.fingerprint != fingerprint:
        changed = changed_keys(progress.fingerprint, fingerprint)
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
    return progress, sink, errors


def open_events(job: Job, progress: Progress):
    """The --events-out sink of a part opened by ``open_part`` (None without --events-out): emptied for a new run,
    kept up to the progress record's state for --resume. Call it right after ``open_part``."""
    if job.events_out is None:
        return None
    sink = make_events_sink(job.events_out)
    leftover = job.events_out.exists() or getattr(sink, "parts", Path("/nonexistent")).exists()
    if progress.consumed == 0 and not progress.complete:
        if leftover and not (job.args.resume or job.args.overwrite):
            raise UsageError(
                f"{job.events_out} exists: pass --resume to continue that run or --overwrite to replace it"
            )
        sink.remove()
    return sink


def tag_part(
    job: Job,
    out: Path,
    progress: Progress,
    sink: AppendSink | ParquetSink,
    errors: JsonlSink,
    records: Callable[[], Iterator[InputRecord]],
    *,
    ledger: Ledger | None = None,
    quiet: bool = False,
    events_sink=None,
) -> None:
    """Tag what is left of ``records`` into ``sink``/``errors`` (and ``events_sink``: one row per event record)
    and mark the part complete."""
    progress_path = sidecar_paths(out)[1]
    sink.start(progress.output)
    errors.start(progress.errors)
    if events_sink is not None:
        events_sink.start(progress.events_output)
    if ledger is not None:
        ledger.start_at_records(progress.consumed)
    try:
        _tag_stream(job, records(), sink, errors, progress, progress_path, ledger, quiet, events_sink)
        sink.finish()
        errors.finish()
        if events_sink is not None:
            events_sink.finish()
    finally:
        sink.close()
        errors.close()
        if events_sink is not None:
            events_sink.close()
        if ledger is not None:
            ledger.close()
    progress.complete = True
    progress.save(progress_path)


def summary(progress: Progress, out: Path, errors_path: Path, tagged_now: int, elapsed: float) -> str:
    """The closing line: how many articles were tagged and failed, where they went, how fast."""
    rate = tagged_now / elapsed if elapsed > 0 else 0.0
    failed = f", {progress.failed} failed (see {errors_path})" if progress.failed else ", 0 failed"
    return f"{progress.tagged} articles tagged{failed} -> {out} ({elapsed:.1f} s, {rate:.1f} articles/s this run)"


def _tag_stream(job, records, sink, errors, progress, progress_path, ledger, quiet, events_sink=None) -> None:
    """Skip what earlier runs settled, then tag, write and record progress chunk by chunk."""
    args = job.args
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
    # the total is unknown (a stream): in a log file, one line every 30 s
    bar = progress_bar(
        unit="article", desc="tagging", disable=quiet, initial=progress.consumed, interval_s=30.0
    )
    try:
        for (chunk, reasons, _todo), records_out, failed in _tagged_chunks(
            job, _screened(records, args, seen), (sink, events_sink)
        ):
            failed_ids = {id(rec): reason for rec, reason in failed}
            status = []
            for k, rec in enumerate(chunk):
                if k in reasons:
                    status.append(REJECTED)
                elif id(rec) in failed_ids:
                    reasons[k] = failed_ids[id(rec)]
                    status.append(FAILED)
                else:
                    status.append(TAGGED)
            encoded = isinstance(records_out, EncodedRecords)  # from a worker (--workers), else the records
            if encoded:
                sink.append_encoded(records_out.data)
            else:
                sink.append(records_out)
            errors.append(  # in input order
                [
                    {"location": chunk[k].location, "id": chunk[k].id, "reason": reasons[k]}
                    for k in sorted(reasons)
                ]
            )
            if ledger is not None:
                ledger.append([[s, rec.location, rec.id] for s, rec in zip(status, chunk)])
            if events_sink is not None:
                if encoded:
                    events_sink.append_encoded(records_out.events)
                    n_rows = records_out.event_rows
                else:
                    rows = event_rows(records_out)
                    events_sink.append(rows)
                    n_rows = len(rows)
                progress.events_output, progress.events_rows = (
                    events_sink.state(),
                    progress.events_rows + n_rows,
                )
            progress.consumed += len(chunk)
            progress.tagged += len(records_out)
            progress.failed += len(reasons)
            progress.output, progress.errors = sink.state(), errors.state()
            progress.save(progress_path)
            bar.update(len(chunk))
    finally:
        bar.close()
