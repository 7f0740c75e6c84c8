"""Wall-clock seconds per named step of the prediction path, for ``bench/pipeline.py``.

``Predictor.predict(texts, times=StageTimes())`` adds each step's seconds under its name; without ``times`` the
steps run untimed (``NO_TIMES``), so the benchmark times the same code users run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class StageTimes:
    """Seconds per stage, summed over calls. ``sync`` (e.g. ``torch.cuda.synchronize``) runs at each stage's
    start and end so asynchronous device work is charged to the stage that queued it."""

    def __init__(self, sync: Callable[[], None] | None = None):
        self.seconds: dict[str, float] = {}
        self.sync = sync

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the seconds the ``with`` body takes to ``name``."""
        if self.sync is not None:
            self.sync()
        t0 = time.perf_counter()
        try:
            yield
        finally:
            if self.sync is not None:
                self.sync()
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0


class _NoTimes:
    """The untimed default: ``stage`` costs one generator-free context manager."""

    class _Null:
        def __enter__(self):
            return None

        def __exit__(self, *exc):
            return False

    _null = _Null()

    def stage(self, name: str) -> _Null:
        return self._null


NO_TIMES = _NoTimes()
