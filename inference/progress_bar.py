"""tqdm bars that stay readable when stderr is a file: a whole line every few percent, not a redraw per step."""

from __future__ import annotations

import math
import sys
from typing import IO, Any

from tqdm import tqdm


class _Lines:
    """A stream that writes tqdm's carriage-return redraws as whole lines."""

    def __init__(self, stream: IO[str]):
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text:
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(
    *,
    total: int | None = None,
    file: IO[str] | None = None,
    step_percent: float = 2.0,
    interval_s: float = 60.0,
    **kwargs: Any,
) -> tqdm:
    """A tqdm bar: redrawn in place on a terminal; elsewhere one line per ``step_percent`` of ``total`` (or per
    ``interval_s`` seconds when the total is unknown), so a log file shows progress without megabytes of redraws.
    Callers that set a postfix should pass ``refresh=False`` to ``set_postfix``."""
    stream = file if file is not None else sys.stderr
    if getattr(stream, "isatty", lambda: False)():
        return tqdm(total=total, file=stream, dynamic_ncols=True, **kwargs)
    if total:
        every = {"miniters": max(1, math.ceil(total * step_percent / 100)), "mininterval": 0.0}
    else:
        every = {"miniters": 1, "mininterval": interval_s}
    # maxinterval=inf: tqdm's monitor thread would otherwise drop miniters to 1 after 10 s without a line
    return tqdm(total=total, file=_Lines(stream), ncols=100, maxinterval=math.inf, **every, **kwargs)
