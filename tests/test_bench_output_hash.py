"""bench/output_hash.py: the same texts and model give the same fingerprint, other output another."""

import importlib.util
import json
import re
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "bench_output_hash", Path(__file__).resolve().parents[1] / "bench" / "output_hash.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _run(capsys, *argv) -> tuple[str, int, int]:
    assert bench.main(list(argv)) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    m = re.fullmatch(r"output_sha1=([0-9a-f]{40}) records=(\d+) texts=(\d+)", last)
    assert m, last
    return m.group(1), int(m.group(2)), int(m.group(3))


def test_the_fingerprint_is_the_whole_output_and_repeats(tiny_model, tmp_path, capsys):
    saved = tmp_path / "lines.jsonl"
    first = _run(capsys, "--model", str(tiny_model), "--n", "3", "--save", str(saved))
    assert first == _run(capsys, "--model", str(tiny_model), "--n", "3")
    assert first[2] == 3
    lines = saved.read_text().splitlines()
    assert len(lines) == 3 and all("name" not in json.loads(line)["model"] for line in lines)
    assert _run(capsys, "--model", str(tiny_model), "--n", "4")[0] != first[0]
