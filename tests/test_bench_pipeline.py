"""bench/pipeline.py --quick: the stage table, the JSON and the last line, on the tiny model in seconds."""

import importlib.util
import json
import re
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "bench_pipeline", Path(__file__).resolve().parents[1] / "bench" / "pipeline.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_quick_run_prints_every_stage_and_the_last_line(tiny_model, tmp_path, capsys):
    out = tmp_path / "pipeline.json"
    argv = ["--quick", "--model", str(tiny_model), "--n", "6", "--tokens", "120", "--output", str(out)]
    assert bench.main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()

    last = re.fullmatch(r"host_ms_per_article=(\d+\.\d+) forward_ms_per_article=(\d+\.\d+)", lines[-1])
    assert last, lines[-1]
    split = next(k for k, line in enumerate(lines) if line.startswith("main process under --workers"))
    rows, main_rows = {}, {}
    for k, line in enumerate(lines):
        m = re.match(r"\| (\w[\w ]*?)\s+\|\s+(\d+\.\d+) \|", line)
        if m:
            (rows if k < split else main_rows)[m.group(1)] = float(m.group(2))
    assert list(rows) == [*bench.STAGES, "host total"]
    assert all(v > 0 for v in rows.values()), rows
    assert list(main_rows) == [*bench.MAIN_STEPS, "main total"]
    assert all(v > 0 for v in main_rows.values()), main_rows

    report = json.loads(out.read_text())
    ms = report["ms_per_article"]
    assert set(ms) == set(bench.STAGES) and all(v > 0 for v in ms.values())
    host = sum(v for k, v in ms.items() if k != "forward")
    assert abs(report["host_ms_per_article"] - host) < 1e-9
    assert abs(float(last.group(1)) - report["host_ms_per_article"]) <= 0.0006
    assert abs(float(last.group(2)) - ms["forward"]) <= 0.0006
    assert report["one_host_core_articles_per_s"] == 1000.0 / report["host_ms_per_article"]
    main = report["main_process_ms_per_article"]
    assert (
        abs(report["main_process_host_ms_per_article"] - sum(v for k, v in main.items() if k != "forward"))
        < 1e-9
    )
    assert abs(main_rows["main total"] - report["main_process_host_ms_per_article"]) <= 0.0006
    assert report["articles"] == 6 and report["rounds"] == 2 and not report["no_events"]
    import gc

    assert (
        gc.get_freeze_count() == 0
    )  # it froze the model while it measured, as conflict-tag does, then undid it


def test_pipeline_vs_takes_each_sides_best_run_and_the_ratio_of_this_to_the_baseline():
    spec = importlib.util.spec_from_file_location(
        "bench_pipeline_vs", Path(__file__).resolve().parents[1] / "bench" / "pipeline_vs.py"
    )
    vs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vs)

    def run(decode, events):
        return {
            "ms_per_article": {"decode_spans": decode, "event_records": events},
            "host_ms_per_article": decode + events,
        }

    base, this = vs.best([run(2.0, 5.0), run(1.5, 6.0)]), vs.best([run(0.6, 4.2), run(0.5, 4.0)])
    assert base == {"decode_spans": 1.5, "event_records": 5.0, "host": 7.0}
    assert this == {"decode_spans": 0.5, "event_records": 4.0, "host": 4.5}
    report = {
        "baseline": "abc123",
        "model": "m",
        "articles": 6,
        "rounds": 1,
        "repeats": 2,
        "baseline_ms": base,
        "this_ms": this,
    }
    text = vs.table(report)
    assert "| decode_spans    |       1.500 |    0.500 |   0.33 |" in text
    assert "| host            |       7.000 |    4.500 |   0.64 |" in text
