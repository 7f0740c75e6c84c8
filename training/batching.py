"""Which examples go into which batch: a pure function of (seed, epoch), so a resumed run sees the same batches.

An epoch draws examples (a permutation when every sampling weight is equal, else ``epoch_size`` weighted draws
with replacement), groups texts of similar length (sorted within mega-batches, then the batch order shuffled)
and cuts global batches. Each process trains on its own slice of every global batch, so the batches do not
depend on the number of processes. An example's windows always stay together (its sequence heads pool them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


class BatchPlan:
    """The global batches of every epoch, drawn from examples' token lengths and sampling weights with ``seed``."""

    def __init__(
        self,
        lengths: Sequence[int],
        weights: Sequence[float],
        *,
        batch_size: int,
        seed: int,
        epoch_size: int | None = None,
        length_grouping: bool = True,
        mega_batch_factor: int = 50,
        min_batch: int = 1,
    ):
        if len(lengths) != len(weights) or not lengths:
            raise ValueError("lengths and weights must be non-empty and of equal length")
        self.lengths = np.asarray(lengths, dtype=np.int64)
        w = np.asarray(weights, dtype=np.float64)
        if (w <= 0).any() or not np.isfinite(w).all():
            raise ValueError("sampling weights must be finite and > 0")
        self.uniform = bool(np.allclose(w, w[0]))
        self.probs = w / w.sum()
        self.batch_size = batch_size
        self.seed = seed
        self.epoch_size = epoch_size or len(lengths)
        self.length_grouping = length_grouping
        self.mega_batch = batch_size * mega_batch_factor
        # a final batch smaller than this (e.g. the number of processes) is dropped
        self.min_batch = min_batch

    def _rng(self, epoch: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([self.seed, epoch]))

    def epoch(self, epoch: int) -> list[list[int]]:
        """The global batches (lists of example indices) of ``epoch``."""
        rng = self._rng(epoch)
        n = len(self.lengths)
        if self.uniform and self.epoch_size == n:
            order = rng.permutation(n)
        elif self.uniform:
            order = rng.choice(n, size=self.epoch_size, replace=self.epoch_size > n)
        else:
            order = rng.choice(n, size=self.epoch_size, replace=True, p=self.probs)
        if not self.length_grouping:
            batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        else:
            batches = []
            for start in range(0, len(order), self.mega_batch):
                chunk = order[start : start + self.mega_batch]
                chunk = chunk[np.argsort(-self.lengths[chunk], kind="stable")]
                batches.extend(chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size))
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return [b.tolist() for b in batches if len(b) >= self.min_batch]

    def steps_per_epoch(self, grad_accum: int) -> int:
        """Optimizer steps per epoch: the last step of an epoch takes the remaining (fewer) micro-batches."""
        return math.ceil(len(self.epoch(0)) / grad_accum)


def shard(batch: list[int], rank: int, world: int) -> list[int]:
    """This process's slice of a global batch (sorted by length, so the slices are of similar length)."""
    return batch[rank::world]
