"""ACLED coder-note house style -> plainer text: a seeded training-time rewrite that a config switches on.

ACLED notes share a style that news never has: a leading category ("Looting: ", "Movement of forces: ", which
all but names a Strategic developments sub-type), an opening date phrase ("On 21 March 2020,"), coding remarks
("Fatalities coded as 0 (VoJ reported 3).", "2 fatalities split across 3 events.", "(4 fatalities)"), and
administrative parentheses after places ("in Izombe (Oguta, Imo)"). A model that keys on them learns the note,
not the event. The rewrite runs when the training pool is built (``boilerplate: strip|vary`` on a dataset of a
config head), never at conversion: the converted ``acled`` text stays the coder's note, so ``conflict-eval
records`` (dates, fatalities) and the dev sets are unchanged, and a rewritten example keeps the note in
``meta["note"]``.

- ``strip``: drop all four, every time.
- ``vary``: per example, chosen by a hash of (seed, example id) so a run is reproducible: the note is kept as
  written for 1 in 5 examples; otherwise category, coding remarks and parentheses are dropped and the date
  phrase is dropped or replaced by a news-style one ("On Tuesday,", "Earlier this week,").
"""

from __future__ import annotations

import hashlib
import random
import re

from training.data.canonical import Example, Span

MODES = ("keep", "strip", "vary")
VARY_KEEP_SHARE = 0.2
NEWS_DATE_PHRASES = (
    "On Monday,",
    "On Tuesday,",
    "On Wednesday,",
    "On Thursday,",
    "On Friday,",
    "On Saturday,",
    "On Sunday,",
    "Earlier this week,",
    "Last week,",
    "Late on Saturday,",
    "Early on Monday,",
    "Yesterday,",
)

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DAYS = rf"{_DAY}(?:\s*(?:-|and|to)\s*{_DAY})?"
_DATE = (
    rf"(?:{_DAYS}(?: of)? {_MONTH},?(?: \d{{4}})?|{_MONTH} {_DAYS}(?:,? \d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}})"
)
# "Looting: ", "Movement of forces: ", "Headquarters or base established: " (at most four words)
CATEGORY_PREFIX = re.compile(r"^[A-Z][A-Za-z/-]*(?: [A-Za-z/-]+){0,3}: (?=\S)")
DATE_PHRASE = re.compile(
    rf"(?:(?:On|On or (?:before|around|about)|Around|Overnight on|On the night of|As reported on|Between|By"
    rf"|Since|As of)\s+)?{_DATE}"
    r"(?:\s*\([^)]*\))?\s*,?\s*",
    re.IGNORECASE,
)
# Sentences that only do ACLED bookkeeping: "Fatalities coded as 0 (VoJ reported 3).", "2 fatalities split ..."
CODING_SENTENCE = re.compile(
    r"\bfatalit(?:y|ies)\b.*\b(?:coded|split)\b|\b(?:coded|split)\b.*\bfatalit(?:y|ies)\b|\bVoJ\b"
    r"|^(?:Total |At least )?(?:\d+|one|two|three|four|five) fatalit(?:y|ies)(?: reported)?\.?$",
    re.IGNORECASE,
)
CODED_CLAUSE = re.compile(r",?\s*\b[Cc]oded (?:t?to|at|in|separately|as (?=[A-Z]))[^,.;()]*(?:\([^)]*\))?")
FATALITY_PARENS = re.compile(r"\s*\(\d+ fatalit(?:y|ies)[^)]*\)", re.IGNORECASE)
# "(Oguta, Imo)", "(Arrondissement 1, Bangui, Bangui)": at least one comma, every part capitalised
ADMIN_PARENS = re.compile(r"\s*\((?:[A-Z0-9][^(),]*)(?:, [A-Z0-9][^(),]*)+\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _drop_coding(text: str) -> str:
    """Drop coding sentences, coded-to clauses and fatality/admin parentheses; the first sentence is never dropped."""
    text = FATALITY_PARENS.sub("", CODED_CLAUSE.sub("", text))
    text = ADMIN_PARENS.sub("", text)
    sentences = _SENTENCE_END.split(text)
    kept = sentences[:1] + [s for s in sentences[1:] if not CODING_SENTENCE.search(s)]
    return " ".join(" ".join(kept).split())


def split_date_phrase(text: str) -> tuple[str, str]:
    """(leading category + date phrase, rest of the note); ("", text) when the note opens with neither."""
    prefix = CATEGORY_PREFIX.match(text)
    start = prefix.end() if prefix else 0
    date = DATE_PHRASE.match(text, start)
    end = date.end() if date and date.end() > start else start
    if end == 0 or end >= len(text):
        return "", text
    return text[:end], text[end:]


def strip_boilerplate(text: str) -> str:
    """The note without category prefix, opening date phrase, coding remarks and admin parentheses."""
    _, rest = split_date_phrase(text)
    out = _capitalise(_drop_coding(rest))
    return out or text


def vary_boilerplate(text: str, rng: random.Random) -> str:
    """Keep the note (1 in 5), or strip it and drop or replace its opening date phrase with a news-style one."""
    if rng.random() < VARY_KEEP_SHARE:
        return text
    lead, rest = split_date_phrase(text)
    body = _drop_coding(rest)
    if not body:
        return text
    if lead and rng.random() < 0.5:
        return f"{rng.choice(NEWS_DATE_PHRASES)} {body}"  # the note's own case: "On 3 May 2020, police ..."
    return _capitalise(body)


def rewrite_examples(examples: list[Example], mode: str, seed: int) -> list[Example]:
    """New examples with rewritten text (``mode`` in :data:`MODES`), the note kept in ``meta["note"]``."""
    if mode not in MODES:
        raise ValueError(f"boilerplate mode must be one of {MODES}, got {mode!r}")
    if mode == "keep":
        return examples
    out = []
    for ex in examples:
        if mode == "strip":
            text = strip_boilerplate(ex.text)
        else:
            digest = hashlib.sha256(f"{seed}:boilerplate:{ex.id}".encode()).digest()
            text = vary_boilerplate(ex.text, random.Random(int.from_bytes(digest[:8], "big")))
        meta = {**ex.meta, "note": ex.text, "boilerplate": mode} if text != ex.text else ex.meta
        spans = _moved_spans(ex.text, text, ex.spans) if text != ex.text else ex.spans
        out.append(Example(id=ex.id, text=text, spans=spans, labels=ex.labels, meta=meta))
    return out


def _moved_spans(old: str, new: str, spans: dict[str, list[Span]]) -> dict[str, list[Span]]:
    """Each span found again, in order, in the rewritten text; a span whose words were rewritten away (a place
    in a dropped "(Oguta, Imo)") is left out."""
    moved: dict[str, list[Span]] = {}
    for head, head_spans in spans.items():
        kept, cursor = [], 0
        for start, end, label in sorted(head_spans):
            at = new.find(old[start:end], cursor)
            if at >= 0:
                kept.append((at, at + end - start, label))
                cursor = at + end - start
        moved[head] = kept
    return moved
