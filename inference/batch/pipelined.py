"""conflict-tag --workers N: host work in N worker processes while this process keeps the model busy.

Per chunk, a worker prepares the texts (``Predictor.prepare``: normalise, sentences, windows); this process runs
the model on them (``Predictor.encode``); a worker then decodes and builds the output records
(``Predictor.finish``, ``results_of``, ``output_record``) and, for JSONL and CSV output, encodes them and their
event rows as the output files' sinks would (``EncodedRecords``), so this process only writes bytes. Chunks are
prepared ahead and finished behind, and come out in input order, so writing, --resume, the errors file and
sharding see what the plain loop gives them. A chunk whose steps raise what the plain loop catches is tagged
again in this process by the plain loop's ``tag_chunk`` (one by one if it fails again), so failures land where
they would without workers.

Workers are spawned, not forked (a CUDA process must not fork), and get the predictor without its model. A worker
that dies (killed, out of memory) breaks the pool: this process then tags the chunks still open and the rest of
the input itself, with a warning, so the output is the same and nothing waits on a result that will never come.
A worker whose parent dies exits at once.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Any

import torch

from inference.batch.event_rows import event_rows
from inference.batch.output_record import output_record
from inference.batch.writers import EncodedRecords
from inference.results import Article
from inference.tagger import Tagger, results_of

# What a chunk's tagging may raise that the plain loop answers by tagging its articles one by one (job._tag).
# BrokenProcessPool is a RuntimeError: a chunk whose worker died is tagged again here, like a failed one.
CHUNK_ERRORS = (RuntimeError, ValueError, TypeError, IndexError)

logger = logging.getLogger(__name__)

_HOST: dict[str, Any] = {}  # in a worker: the predictor without its model, the model info, the heads


def default_workers(device: torch.device, cores: int | None = None) -> int:
    """0 on CPU (the model is ~87% of the time there and wants every core) and on machines with <= 4 cores;
    on an accelerator, every core but two (one for this process, one for the system), at most 8."""
    if cores is None:
        cores = os.cpu_count() or 1
    if device.type == "cpu" or cores <= 4:
        return 0
    return min(8, cores - 2)


def _exit_with_parent() -> None:
    """End this worker when the process that spawned it dies (killed, out of memory): an orphaned worker would
    wait for work forever and hold the job's stdout/stderr open, so whoever waits on those would hang too."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _init_worker(predictor, model_info: dict[str, str], heads, encoders=None) -> None:
    _exit_with_parent()
    torch.set_num_threads(1)
    _HOST.update(predictor=predictor, model_info=model_info, heads=heads, encoders=encoders)
    gc.freeze()  # as conflict-tag's own process does once its model is loaded (job._load_tagger)


def _prepare(texts: list[str]):
    return _HOST["predictor"].prepare(texts)


def _finish(
    articles: list[Article], prepared, encoded, all_scores: bool, events: bool
) -> list[dict] | EncodedRecords:
    predictions = _HOST["predictor"].finish(prepared, encoded)
    results = results_of(articles, predictions, _HOST["model_info"], all_scores=all_scores, events=events)
    records = [output_record(r, _HOST["heads"]) for r in results]
    sink, events_sink = _HOST.get("encoders") or (None, None)
    if sink is None:
        return records
    out = EncodedRecords(len(records), sink.encode(records))
    if events_sink is not None:
        rows = event_rows(records)
        out.events, out.event_rows = events_sink.encode(rows), len(rows)
    return out


class HostWorkers:
    """A pool of ``n`` spawned worker processes holding ``tagger``'s host side; a context manager.

    ``encoders``: ``(output sink, events sink or None)`` encoders (``AppendSink.encoder()``): the workers then
    return each chunk's records encoded (``EncodedRecords``) instead of the records."""

    def __init__(self, tagger: Tagger, n: int, encoders: tuple | None = None):
        if n < 1:
            raise ValueError("HostWorkers needs at least one worker")
        self.tagger, self.n = tagger, n
        self.broken = False  # a worker died: no more work goes to the pool
        self.pool = ProcessPoolExecutor(
            n,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(tagger.predictor.without_model(), tagger.model_info, tagger.heads, encoders),
        )

    def __enter__(self) -> HostWorkers:
        return self

    def __exit__(self, exc_type, *_) -> None:
        self.pool.shutdown(wait=exc_type is None, cancel_futures=exc_type is not None)

    def _submit(self, fn: Callable, *args) -> Future | None:
        """The job's future, or None once the pool is broken (the caller tags the chunk itself)."""
        if self.broken:
            return None
        try:
            return self.pool.submit(fn, *args)
        except BrokenProcessPool as e:
            self._broke(e)
            return None

    def _result(self, future: Future):
        try:
            return future.result()
        except BrokenProcessPool as e:
            self._broke(e)
            raise

    def _broke(self, e: BaseException) -> None:
        if not self.broken:
            self.broken = True
            logger.warning(
                "a host worker process died (%s); this process tags the rest of the input without workers", e
            )

    def tag_chunks(
        self,
        items: Iterable[tuple[Any, list[Article]]],
        tag_chunk: Callable[[Any], tuple[list[dict], list]],
        *,
        batch_size: int,
        all_scores: bool,
        events: bool,
    ) -> Iterator[tuple[Any, list[dict], list]]:
        """``(item, articles)`` in -> ``(item, records, failed)`` out, in input order; ``failed`` is empty
        unless ``tag_chunk(item)`` (the plain loop's, run here for a chunk that raised) reports failures."""
        predictor = self.tagger.predictor
        ahead = self.n + 1  # chunks being prepared
        behind = 2 * self.n  # chunks being finished
        preparing: deque = deque()
        finishing: deque = deque()
        source = iter(items)
        more = True

        def fill() -> None:
            nonlocal more
            while more and len(preparing) < ahead:
                nxt = next(source, None)
                if nxt is None:
                    more = False
                    return
                item, articles = nxt
                job = self._submit(_prepare, [a.text for a in articles]) if articles else None
                preparing.append((item, articles, job))

        while True:
            fill()
            if not preparing and not finishing:
                return
            if preparing:
                item, articles, job = preparing.popleft()
                fill()
                finish = None
                if articles and job is not None:
                    try:
                        prepared = self._result(job)
                        encoded = predictor.encode(prepared, batch_size)
                        finish = self._submit(
                            _finish, articles, replace(prepared, windows=[]), encoded, all_scores, events
                        )
                    except CHUNK_ERRORS:
                        finish = None  # tagged again below by the plain loop
                finishing.append((item, articles, finish))
            while finishing and (
                not preparing or len(finishing) > behind or finishing[0][2] is None or finishing[0][2].done()
            ):
                item, articles, finish = finishing.popleft()
                yield (item, *self._collect(item, articles, finish, tag_chunk))

    def _collect(self, item, articles, finish: Future | None, tag_chunk) -> tuple[list[dict], list]:
        if not articles:
            return [], []
        if finish is not None:
            try:
                return self._result(finish), []
            except CHUNK_ERRORS:
                pass
        return tag_chunk(item)
