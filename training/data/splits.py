"""Deterministic dev carving for datasets published without a dev split."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence

from training.data.canonical import Example

DEFAULT_SEED = 13
DEFAULT_DEV_FRACTION = 0.15


def _rank(seed: int, key: str) -> str:
    # Hash-based order: stable across Python versions and independent of input order.
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def carve_dev(
    examples: Sequence[Example],
    *,
    seed: int = DEFAULT_SEED,
    dev_fraction: float = DEFAULT_DEV_FRACTION,
    stratify: Callable[[Example], str] | None = None,
    dev_size: Callable[[int], int] | None = None,
    cluster: Callable[[Example], str] | None = None,
) -> tuple[list[Example], list[Example]]:
    """Split ``examples`` into (train, dev), keeping input order within each; stratified by ``stratify(ex)``.

    A stratum of n examples gives dev ``dev_size(n)`` of them (default: ``round(n * dev_fraction)``); every
    stratum with at least two examples gives dev at least one; a singleton stays in train. Examples with the
    same ``cluster(ex)`` key (near-duplicate notes) are drawn together, so they rarely straddle the split.
    """
    if not 0 < dev_fraction < 1:
        raise ValueError(f"dev_fraction must be in (0, 1), got {dev_fraction}")
    groups: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        groups[stratify(ex) if stratify else ""].append(ex)
    dev_ids: set[str] = set()
    for members in groups.values():
        n_dev = dev_size(len(members)) if dev_size else round(len(members) * dev_fraction)
        if len(members) >= 2:
            n_dev = max(1, n_dev)
        if cluster:
            ordered = sorted(members, key=lambda e: (_rank(seed, cluster(e)), _rank(seed, e.id)))
        else:
            ordered = sorted(members, key=lambda e: _rank(seed, e.id))
        dev_ids.update(e.id for e in ordered[:n_dev])
    train = [e for e in examples if e.id not in dev_ids]
    dev = [e for e in examples if e.id in dev_ids]
    for ex in dev:
        ex.meta.setdefault("split", {"carved_from": "train", "seed": seed, "dev_fraction": dev_fraction})
    return train, dev
