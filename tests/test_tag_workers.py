"""conflict-tag --workers N: host work in worker processes writes the same bytes as the plain loop, resumes exactly
once after SIGKILL, and fails the same articles when a chunk fails."""

from __future__ import annotations

import torch
from test_kill_tag import _inputs, check_killed_and_resumed

from inference.batch.cli import main
from inference.batch.pipelined import default_workers
from inference.prediction import Predictor


def _common(src, model, *extra):
    return [str(src), "--model", str(model), "--chunk-size", "7", "--batch-size", "4", "-q", *extra]


def test_two_workers_write_the_bytes_no_workers_write(tiny_model, tmp_path):
    src = _inputs(tmp_path)  # a bad line, a duplicate id and an empty article among 90
    outs = {}
    for n in (0, 2):  # each worker starts a Python with torch: seconds on a shared machine
        out, events = tmp_path / f"w{n}.csv", tmp_path / f"events{n}.csv"
        argv = [*_common(src, tiny_model, "--workers", str(n)), "-o", str(out), "--events-out", str(events)]
        assert main(argv) == 1
        outs[n] = (
            out.read_bytes(),
            out.with_name(out.name + ".errors.jsonl").read_bytes(),
            events.read_bytes(),
        )
    # with workers the records and event rows come encoded from the workers (EncodedRecords): the same bytes
    assert outs[0] == outs[2] and outs[0][0] and len(outs[0][1].splitlines()) == 3
    assert len(outs[0][2].splitlines()) > 1  # a header and event rows


def test_a_failing_chunk_fails_the_same_articles_with_workers(tiny_model, tmp_path, monkeypatch):
    src = _inputs(tmp_path)
    real = Predictor.encode

    def encode(self, prepared, *a, **k):  # runs in this process with or without workers
        if any("Kabul" in p.original and "village" not in p.original for p in prepared.texts):
            raise RuntimeError("CUDA out of memory (simulated)")
        return real(self, prepared, *a, **k)

    monkeypatch.setattr(Predictor, "encode", encode)
    outs = {}
    for n in (0, 2):
        out = tmp_path / f"w{n}.jsonl"
        assert main([*_common(src, tiny_model, "--workers", str(n)), "-o", str(out)]) == 1
        outs[n] = (out.read_bytes(), out.with_name(out.name + ".errors.jsonl").read_text())
    assert outs[0] == outs[2]
    assert "simulated" in outs[0][1] and len(outs[0][1].splitlines()) > 3


def test_sigkill_with_workers_then_resume_equals_an_uninterrupted_run(tiny_model, tmp_path):
    check_killed_and_resumed(tmp_path, tiny_model, "jsonl", ["torn-append:3"], extra=("--workers", "2"))


def test_workers_default_to_none_on_cpu_and_small_machines():
    assert default_workers(torch.device("cpu"), cores=64) == 0
    assert default_workers(torch.device("cuda"), cores=4) == 0
    assert default_workers(torch.device("cuda"), cores=6) == 4
    assert default_workers(torch.device("cuda"), cores=16) == 8


def test_a_worker_that_dies_leaves_this_process_to_tag_the_rest(tiny_model, caplog):
    """A killed worker (SIGKILL, out of memory) must not hang the run: the chunks it held and the rest of the
    input are tagged in this process, in order, to the same records."""
    import multiprocessing
    import os
    import signal

    from inference import Tagger
    from inference.batch.output_record import output_record
    from inference.batch.pipelined import HostWorkers
    from inference.results import Article

    tagger = Tagger.from_pretrained(str(tiny_model))
    chunks = [
        (
            k,
            [
                Article(f"{k}-{i}", f"Gunmen attacked the village of Kot {k} on Monday, {i} said.", None)
                for i in (1, 2)
            ],
        )
        for k in range(12)
    ]

    def tag_chunk(item):
        return [output_record(r, tagger.heads) for r in tagger.tag_articles(dict(chunks)[item], 4)], []

    expected = [tag_chunk(k)[0] for k, _ in chunks]
    with HostWorkers(tagger, 1) as pool:
        tagged = pool.tag_chunks(iter(chunks), tag_chunk, batch_size=4, all_scores=False, events=True)
        first = next(tagged)
        for worker in multiprocessing.active_children():
            os.kill(worker.pid, signal.SIGKILL)
        rest = list(tagged)
    assert [k for k, _, _ in [first, *rest]] == list(range(12))
    assert [records for _, records, _ in [first, *rest]] == expected
    assert pool.broken and "host worker process died" in caplog.text
