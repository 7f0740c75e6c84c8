"""Ignore-case regexes made cheap on ASCII text, shared by the event rules (dates, incident cues, actor cues,
fatalities): on ASCII text ignore-case matching is plain lower-casing, so a pattern can run case-sensitive on the
lower-cased text (``lower_twin``), and skip a text that lacks every word one of which each match holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache


def has_any(low: str, words: tuple[str, ...]) -> bool:
    """Is one of ``words`` in ``low``? A plain loop: cheaper than ``any()`` over a generator, per sentence."""
    for w in words:
        if w in low:
            return True
    return False


# what may make a pattern case-sensitive: an upper-case letter outside escapes and group names, a flag turned off
_CASED_PART = re.compile(r"[A-Z]|\(\?[a-zA-Z]*-")
_NOT_CASED = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)")


@lru_cache(maxsize=64)
def lower_twin(source: str, flags: int) -> re.Pattern:
    """An ignore-case pattern (``source``, ``flags``) compiled case-sensitive: on lower-cased ASCII text it finds
    the same spans as the pattern finds on the text (there, ignore-case matching is plain lower-casing), about
    twice as fast (no case folding per character). Only for patterns whose letters are all lower case.
    """
    if not flags & re.IGNORECASE:
        raise ValueError(f"not an ignore-case pattern: {source[:60]!r}")
    if _CASED_PART.search(_NOT_CASED.sub("", source)):
        raise ValueError(f"not a lower-case pattern: {source[:60]!r}")
    return re.compile(source, flags & ~re.IGNORECASE)


def ascii_finditer(pattern: re.Pattern, text: str, low: str | None) -> Iterator[re.Match]:
    """``pattern.finditer(text)``'s spans; for ASCII text (``low``: it lower-cased, else None) an ignore-case
    pattern runs as its ``lower_twin`` on ``low`` (the matches' groups are then lower case).
    """
    if low is not None and pattern.flags & re.IGNORECASE:
        return lower_twin(pattern.pattern, pattern.flags).finditer(low)
    return pattern.finditer(text)


class QuickPattern:
    """An ignore-case pattern's ``search`` made cheap on ASCII text (given lower-cased): a text holding none of
    ``words`` (lower case; one of them is in every match) is not scanned, others are scanned by the pattern's
    ``lower_twin``. Other text gets the plain search.
    """

    __slots__ = ("pattern", "words", "twin")

    def __init__(self, pattern: re.Pattern, words: tuple[str, ...] = ()) -> None:
        self.pattern, self.words = pattern, words
        self.twin = lower_twin(pattern.pattern, pattern.flags)

    def found(self, text: str, low: str | None) -> bool:
        """Does the pattern find something in ``text``? ``low``: the text lower-cased when ASCII, else None."""
        if low is None:
            return self.pattern.search(text) is not None
        if self.words and not has_any(low, self.words):
            return False
        return self.twin.search(low) is not None


def lower_ascii(text: str) -> str | None:
    """The text lower-cased when it is ASCII (where ignore-case matching is plain lower-casing), else None."""
    return text.lower() if text.isascii() else None
