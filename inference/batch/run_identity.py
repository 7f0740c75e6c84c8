"""What a ``conflict-tag`` run is: its inputs, options and model numerics. ``--resume`` needs all of them equal.

Saved in the progress record (OUT.progress.json). An input is known by its path, size, modification time and a
hash of its first and last blocks, so an input edited in place at the same size is not resumed over. The model
is known by its weights' SHA-256 and its numerics (device class, dtype, quantization: "cpu float32", "cpu int8"),
which change scores and labels. The batch size is not part: windows are padded and masked, so labels and spans
are the same for every batch size and scores agree within float rounding (1e-5 in
tests/test_tagger.py::test_batched_equals_one_at_a_time; rarely, the 4th written decimal).
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

EDGE_BLOCK = 1 << 16  # bytes hashed at each end of an input


def input_fingerprint(path: Path) -> list[Any]:
    """``[absolute path, size, mtime in ns, sha256 of the first and last 64 KiB]`` of one input file."""
    st = path.stat()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read(EDGE_BLOCK))
        if st.st_size > EDGE_BLOCK:
            f.seek(max(EDGE_BLOCK, st.st_size - EDGE_BLOCK))
            h.update(f.read(EDGE_BLOCK))
    return [str(path.resolve()), st.st_size, st.st_mtime_ns, h.hexdigest()]


def run_fingerprint(
    args: argparse.Namespace, paths: list[Path], model_info: dict, max_length: int, fmt: str
) -> dict:
    """Everything that must be unchanged for ``--resume`` to continue a run's output."""
    extra = {"events": False} if args.no_events else {}  # runs with events keep their earlier fingerprint
    events_out = getattr(args, "events_out", None)
    if events_out:  # only when set: runs without it keep their earlier fingerprint
        extra["events_out"] = str(Path(events_out).resolve())
    if getattr(args, "places_sha256", None):  # a place list changes the records' places
        extra["places_sha256"] = args.places_sha256
    return extra | {
        "inputs": [input_fingerprint(p) for p in paths],
        "fields": [args.id_field, args.text_field, args.date_field],
        "format": fmt,
        "all_scores": bool(args.all_scores),
        "model_sha256": model_info["sha256"],
        "numerics": model_info.get("numerics"),
        "max_length": max_length,
    }


def changed_keys(saved: dict, now: dict) -> list[str]:
    """The keys whose values differ between two fingerprints, sorted."""
    return sorted(k for k in {*saved, *now} if saved.get(k) != now.get(k))
