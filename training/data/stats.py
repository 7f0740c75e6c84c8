"""Counts that describe a conversion: examples per split, labels per head and split, text lengths."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from training.data.canonical import Example
from training.data.registry import Conversion

PERCENTILES = (50, 90, 99)


def compute_percentiles(values: Sequence[int]) -> dict[str, int]:
    """Nearest-rank p50/p90/p99 and max (integers, so reports are stable); zeros for no values."""
    if not values:
        return {**{f"p{p}": 0 for p in PERCENTILES}, "max": 0}
    ordered = sorted(values)
    out = {f"p{p}": ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] for p in PERCENTILES}
    out["max"] = ordered[-1]
    return out


def _head_counts(splits: dict[str, list[Example]], kind: str) -> dict[str, dict[str, Any]]:
    """Per head: label -> split -> count, plus examples where the head is absent or an empty list."""
    heads = sorted({h for exs in splits.values() for ex in exs for h in getattr(ex, kind)})
    out: dict[str, dict[str, Any]] = {}
    for head in heads:
        labels: dict[str, dict[str, int]] = {}
        absent = dict.fromkeys(splits, 0)
        empty = dict.fromkeys(splits, 0)
        for split, exs in splits.items():
            for ex in exs:
                items = getattr(ex, kind).get(head)
                if items is None:
                    absent[split] += 1
                    continue
                if not items:
                    empty[split] += 1
                for item in items:
                    label = item[2] if kind == "spans" else item
                    labels.setdefault(label, dict.fromkeys(splits, 0))[split] += 1
        out[head] = {"labels": dict(sorted(labels.items())), "absent": absent, "empty": empty}
    return out


def compute_stats(conversion: Conversion) -> dict[str, Any]:
    """Plain-JSON summary of a conversion.

    ``token_heads`` count spans per label, ``sequence_heads`` examples per label; ``absent`` = examples without
    the head (unknown), ``empty`` = examples with an empty list (known none).  Text lengths are in characters
    and whitespace-separated tokens.
    """
    splits = conversion.splits
    return {
        "examples": {split: len(exs) for split, exs in splits.items()},
        "rejects": len(conversion.rejects),
        "token_heads": _head_counts(splits, "spans"),
        "sequence_heads": _head_counts(splits, "labels"),
        "text_length": {
            split: {
                "chars": compute_percentiles([len(ex.text) for ex in exs]),
                "tokens": compute_percentiles([len(ex.text.split()) for ex in exs]),
            }
            for split, exs in splits.items()
        },
    }
