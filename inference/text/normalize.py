"""Article text as it arrives in dumps -> text for the model, with a map back to every original character.

Dumps carry a ``date YYYY-MM-DD`` prefix, lines hard-wrapped at ~70 characters and sometimes a blank line after
every line. The model should read paragraphs, so wrapped lines are joined with one space, whitespace runs become
one space and each paragraph break becomes one ``\\n``. Curly quotes and dashes become ASCII one character for one.
Every kept character remembers its index in the caller's string, so spans found in the normalised text map back
exactly: ``original[start:end]`` is the reported text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DATE_PREFIX = re.compile(r"\A[\s\ufeff]*date[ \t]+(\d{4}-\d{2}-\d{2})(?=\s|\Z)", re.IGNORECASE)

# One character for one, so offsets survive.
_REPLACE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_DROP = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")  # soft hyphen, zero-width characters, BOM
_HYPHENS = frozenset("-\u2010\u2011")

# Share of line gaps that hold a blank line above which blank lines are line spacing, not paragraph breaks.
_DOUBLE_SPACED = 0.75


@dataclass(frozen=True)
class NormalizedText:
    """``text`` for the model; ``offsets[i]`` is the index in the original string of ``text[i]``."""

    text: str
    offsets: tuple[int, ...]
    date: str | None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty range of ``text`` to the range of the original string that covers the same characters."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(
                f"range ({start}, {end}) is not a non-empty range of a {len(self.text)}-character text"
            )
        return self.offsets[start], self.offsets[end - 1] + 1


def parse_date_prefix(text: str) -> tuple[str | None, int]:
    """The ``date YYYY-MM-DD`` prefix of a dump article, if any, and where the article body starts."""
    m = DATE_PREFIX.match(text)
    if m is None:
        return None, 0
    try:
        dt.date.fromisoformat(m.group(1))
    except ValueError:
        return None, 0  # not a real date: leave the text alone
    return m.group(1), m.end()


def _lines(text: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of every line of ``text[start:]`` that holds something other than whitespace, content trimmed."""
    out = []
    for m in re.finditer(r"[^\n]*", text[start:]):
        a, b = m.start() + start, m.end() + start
        while a < b and (text[a].isspace() or text[a] in _DROP):
            a += 1
        while b > a and (text[b - 1].isspace() or text[b - 1] in _DROP):
            b -= 1
        if a < b and (not out or out[-1] != (a, b)):
            out.append((a, b))
    return out


def _paragraph_breaks(text: str, lines: list[tuple[int, int]]) -> list[bool]:
    """For each gap between consecutive lines: is it a paragraph break?"""
    blanks = [
        text.count("\n", prev_end, nxt_start) - 1 for (_, prev_end), (nxt_start, _) in zip(lines, lines[1:])
    ]
    spaced = sum(1 for b in blanks if b >= 1)
    # A blank line after (nearly) every line is line spacing; then only two or more blank lines mark a paragraph.
    need = 2 if len(blanks) >= 3 and spaced / len(blanks) >= _DOUBLE_SPACED else 1
    return [b >= need for b in blanks]


def normalize_text(original: str) -> NormalizedText:
    """Strip the date prefix, join wrapped lines into paragraphs (``\\n`` between them) and collapse whitespace."""
    date, body = parse_date_prefix(original)
    lines = _lines(original, body)
    breaks = _paragraph_breaks(original, lines)
    chars: list[str] = []
    offsets: list[int] = []
    for k, (a, b) in enumerate(lines):
        if k:
            prev_end = lines[k - 1][1]
            newline = original.index("\n", prev_end)  # the joint between two lines maps to its line break
            if breaks[k - 1]:
                chars.append("\n")
                offsets.append(newline)
            elif not (
                original[prev_end - 1] in _HYPHENS
                and prev_end - 2 >= 0
                and original[prev_end - 2].isalpha()
                and original[a].isalpha()
            ):
                chars.append(
                    " "
                )  # a wrapped line; a word broken after its hyphen ("al-\nDeen") joins directly
                offsets.append(newline)
        space = False
        for i in range(a, b):
            c = original[i]
            if c in _DROP:
                continue
            if c.isspace():
                if not space:
                    chars.append(" ")
                    offsets.append(i)
                space = True
                continue
            space = False
            chars.append(c)
            offsets.append(i)
    return NormalizedText("".join(chars).translate(_REPLACE), tuple(offsets), date)
