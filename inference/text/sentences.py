"""A rule-based sentence splitter for news text (no downloads, no models): character ranges, never copies.

A sentence ends at ``.``, ``!`` or ``?`` (with any closing quotes or brackets after it) when the next word starts
a sentence (an upper-case letter, a digit or an opening quote), unless the word before the period is a title or
month abbreviation (Mr., Gen., Jan.), an initial (J. Smith) or a dotted acronym (U.S., U.N.) not followed by a
typical sentence opener. A newline is a paragraph break and always ends a sentence.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    """
mr mrs ms dr prof gen lt col maj capt cpt sgt cpl pvt adm cmdr cdr brig gov sen rep rev hon pres supt insp
st jr sr mt ft no nos vol art fig inc ltd co corp bros dept univ assn est approx ca cf vs
jan feb mar apr jun jul aug sep sept oct nov dec
""".split()
)

# Words that open a sentence after a dotted acronym ("... in the U.S. The talks ...").
SENTENCE_OPENERS = frozenset(
    """
the a an he she it they we i you this that these those there his her its their our my but and or so yet
in on at by for from with after before during while when where why how what who which some many most all
both each one two three several no none if as
""".split()
)

_TERMINATOR = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*")
_OPENING = "\"'\u201c\u2018(["
_DOTTED_ACRONYM = re.compile(r"(?:[A-Za-z]\.){2,}\Z")


def _is_boundary(text: str, term_start: int, term_end: int, next_start: int) -> bool:
    """Does the terminator ``text[term_start:term_end]`` end a sentence, given the next word at ``next_start``?"""
    k = next_start
    while k < len(text) and text[k] in _OPENING:
        k += 1
    first = text[k] if k < len(text) else ""
    if not (first.isupper() or first.isdigit()):
        return False  # lower case (or punctuation) continues the sentence: "e.g. rebels", "U.S. forces"
    punct = text[term_start:term_end]
    if "!" in punct or "?" in punct or punct.startswith(".."):
        return True
    if len(punct) > 1 and punct[1] != ".":
        return True  # `said." He` : a closing quote or bracket after the period
    w0 = term_start
    while w0 > 0 and not text[w0 - 1].isspace():
        w0 -= 1
    word = text[w0:term_start].lstrip(_OPENING)
    if not word:
        return True
    if _DOTTED_ACRONYM.match(word + "."):
        nxt_word = re.match(r"[\w']*", text[k:]).group(0).lower()
        return nxt_word in SENTENCE_OPENERS
    if word.lower() in ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: "Abdel R. Rahman"
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character ranges ``(start, end)`` of the sentences of ``text``, in order, trimmed of surrounding spaces."""
    out: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        start = para.start()
        for m in _TERMINATOR.finditer(text, para.start(), para.end()):
            nxt = m.end()
            while nxt < para.end() and text[nxt] in " \t":
                nxt += 1
            if nxt == m.end() or nxt >= para.end():
                continue  # "3.5", "U.S.-led", or the paragraph's end (handled below)
            if _is_boundary(text, m.start(), m.end(), nxt):
                out.append((start, m.end()))
                start = nxt
        out.append((start, para.end()))
    return trim_ranges(text, out)


def trim_ranges(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ranges without their leading and trailing whitespace; those of nothing but whitespace left out."""
    trimmed = []
    for a, b in ranges:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            trimmed.append((a, b))
    return trimmed
