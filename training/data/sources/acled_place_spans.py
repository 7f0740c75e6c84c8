"""Where an ACLED note names its event's place: ``Location`` spans for a ``places`` token head.

ACLED rows carry the event's place as ``location``, ``admin2`` and ``admin1`` strings, and most notes name one of
them ("... clashed in Kondele", "(Dadaab, Garissa)"). Marking each occurrence gives 34k notes of place spans, where
re3d has 574 sentences; a head trained on them tags the place an event happened in. Other places a note names
(where the victims were taken, where a group is based) stay unmarked: the head learns the event's place, which is
what a record needs. ACLED's compound names ("Mogadishu - Wadajir", "Athens-Central Athens") are also looked for
by their parts.
"""

from __future__ import annotations

import re

from training.data.canonical import Span

LABEL = "Location"
PLACE_COLUMNS = ("location", "admin2", "admin1")
_PARTS = re.compile(r"\s+-\s+|-(?=[A-Z])")  # "Mogadishu - Wadajir", "Athens-Central Athens", "Al-Hasakeh"


def _names(meta: dict) -> list[str]:
    out: list[str] = []
    for col in PLACE_COLUMNS:
        value = str(meta.get(col) or "").strip()
        for name in [value, *_PARTS.split(value)]:
            name = name.strip()
            if len(name) >= 3 and name not in out:  # not the "Al" of "Al-Hasakeh"
                out.append(name)
    return sorted(out, key=len, reverse=True)  # the longest first, so "Central Athens" is not cut to "Athens"


def place_spans(text: str, meta: dict) -> list[Span]:
    """``(start, end, "Location")`` for every occurrence of the row's place names in ``text`` (whole words, as
    written; case kept, since a lowercase "bay" or "centre" is not the place), non-overlapping, in text order."""
    taken: list[tuple[int, int]] = []
    for name in _names(meta):
        for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            if not any(m.start() < e and s < m.end() for s, e in taken):
                taken.append((m.start(), m.end()))
    return [(s, e, LABEL) for s, e in sorted(taken)]
