"""Clean Location spans into place names a coder would write, before they are ranked.

A token-level tagger cuts and pads place names: "villages in" (a generic noun and a preposition), "villages of
Al-" + "Fatatra and Al-Manara" (one list cut inside a name), "Nihm (Sanaa", "the area of Spartak, Donetsk".
``clean_places`` fixes such spans in four steps, keeping offsets into the article:

1. join: Location spans with nothing, a hyphen or one space between them are one name ("Al-" + "Fatatra",
   "Wadi al" + "Rabi", "Zibane Koira" + "Tegui");
2. split at commas, brackets, semicolons and " and " / " or " between names ("Al-Fatatra and Al-Manara" ->
   two places; "Nihm (Sanaa" -> "Nihm", "Sanaa"), except a few names that hold "and" ("Jammu and Kashmir");
3. strip a leading run of lowercase words up to a linking preposition before the name ("the villages of",
   "the central province of", "in"), a leading "the", and trailing function words ("villages in" -> "villages");
4. drop what is left with only function words ("near", "the"), and a lone nationality adjective ("Syrian" of
   "the Syrian Observatory", "Lebanese", "Kurdish": one capitalised word of 6+ letters ending -ian, -ese or
   -ish), which a tagger often marks as a place; ``is_generic_place`` tells a span of only generic place nouns ("villages", "region", "positions", "the city"): ``rank_places`` keeps those only when
   the incident names no real place.
The words stripped stay in the article, so ``place_level`` still reads "villages of" before "Al-Fatatra" as a
village. Known failures: two names with only a space between them and no comma become one ("Aleppo Idlib"); the
rare place that looks like a nationality adjective ("Dalian") is dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from inference.events.inputs import Mention

LOCATION = "Location"
_JOIN_GAPS = {"", "-", "\u2010", "\u2011", " "}
_SPLIT = re.compile(r"\s*[,;()\[\]]\s*|\s+(?:and|or|&)\s+")
_NAMES_WITH_AND = frozenset(
    """
jammu and kashmir|bosnia and herzegovina|trinidad and tobago|antigua and barbuda|sao tome and principe
saint kitts and nevis|turks and caicos|andaman and nicobar|dadra and nagar haveli|heard and mcdonald
""".replace("\n", "|")
    .strip("|")
    .split("|")
)
_LINKERS = frozenset("of in near at outside around across from to within into towards toward on".split())
FUNCTION_WORDS = frozenset(
    """a an the of in on at to by for from with and or near outside around across within into towards toward
    between along inside off over close this that these those its their his her""".split()
)
GENERIC_PLACE_WORDS = frozenset(
    """
village villages town towns city cities neighbourhood neighborhood neighbourhoods neighborhoods suburb suburbs
camp camps market markets hamlet hamlets settlement settlements locality localities base bases airport
checkpoint checkpoints outpost outposts district districts province provinces region regions governorate
governorates state states county counties department departments prefecture prefectures valley valleys plain
plains countryside oblast territory territories zone zones area areas municipality municipalities division
divisions road roads highway street streets square positions position front frontline frontlines border
borders outskirts vicinity centre center port country countries part parts site sites building
buildings house houses home homes office offices property farm farms field fields mosque church school
hospital prison station post posts headquarters compound bridge line lines locations location place places
spot entrance capital capitals university universities hotel hotels east west north south central northern southern eastern western northeast northwest southeast
southwest north-east north-west south-east south-west upper lower local nearby several two three some many
""".split()
)
_GENERIC_OR_FUNCTION = FUNCTION_WORDS | GENERIC_PLACE_WORDS
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_NATIONALITY = re.compile(r"[A-Z][a-z]{2,}(?:ian|ese|ish)")


def is_nationality_adjective(name: str) -> bool:
    """One capitalised word like "Syrian", "Lebanese", "Kurdish": a people's adjective, not a place."""
    return _NATIONALITY.fullmatch(name) is not None


def _join(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start >= out[-1][1] and text[out[-1][1] : start] in _JOIN_GAPS:
            out[-1] = (out[-1][0], end)
        elif out and start < out[-1][1]:  # overlapping spans: one name
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _split(text: str, start: int, end: int) -> list[tuple[int, int]]:
    name = text[start:end]
    if " ".join(name.casefold().split()).removeprefix("the ") in _NAMES_WITH_AND:
        return [(start, end)]
    parts, at = [], 0
    for sep in _SPLIT.finditer(name):
        parts.append((start + at, start + sep.start()))
        at = sep.end()
    parts.append((start + at, end))
    return [(s, e) for s, e in parts if e > s]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    words = list(_WORD.finditer(text, start, end))
    if not words:
        return None
    # a leading run of lowercase words up to its last linking preposition, before a capitalised name
    first_cap = next((i for i, w in enumerate(words) if w[0][0].isupper()), None)
    cut = 0
    if first_cap is not None:
        for i in range(first_cap):
            if words[i][0].casefold() in _LINKERS:
                cut = i + 1
    while cut < len(words) - 1 and words[cut][0].casefold() in ("the", "a", "an", *_LINKERS):
        cut += 1
    last = len(words)
    while last > cut + 1 and words[last - 1][0].casefold() in FUNCTION_WORDS:
        last -= 1
    kept = words[cut:last]
    if all(w[0].casefold() in FUNCTION_WORDS for w in kept):
        return None
    return kept[0].start(), kept[-1].end()


@functools.lru_cache(maxsize=4096)
def is_generic_place(name: str) -> bool:
    """A place named only by generic nouns ("villages", "the region", "positions", "the city")."""
    return all(w.casefold() in _GENERIC_OR_FUNCTION for w in _WORD.findall(name))


def clean_places(text: str, mentions: Sequence[Mention]) -> list[Mention]:
    """Location mentions as place names (see the module docstring), in text order; other mentions are ignored.
    Each cleaned place keeps the best score of the spans it came from.
    """
    locs = sorted((m for m in mentions if m.label == LOCATION), key=lambda m: (m.start, m.end))
    out: list[Mention] = []
    for start, end in _join(text, [(m.start, m.end) for m in locs]):
        score = max(m.score for m in locs if start <= m.start and m.end <= end)
        head = next(m.head for m in locs if start <= m.start and m.end <= end)
        for s, e in _split(text, start, end):
            kept = _trim(text, s, e)
            if kept is not None and not is_nationality_adjective(text[kept[0] : kept[1]]):
                out.append(Mention(kept[0], kept[1], LOCATION, text[kept[0] : kept[1]], score, head))
    return out
