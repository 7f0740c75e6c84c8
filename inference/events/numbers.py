"""Counts written in news English -> numbers or ranges: "19", "1,200", "twenty-two", "at least 12", "dozens".

A :class:`Quantity` keeps the number the writer stated (``value``) and the range it implies
(``low``..``high``, ``high=None`` when open-ended). Vague amounts have no ``value``, only a range. The ranges
of plural unit words follow one rule: at least two of the unit and fewer than the next named unit.

============================  =========  ================  ============
phrase                        value      low..high         qualifier
============================  =========  ================  ============
"19", "nineteen", "a total    19         19..19            exact
of 19"
"at least 12", "no fewer      12         12..None          at_least
than 12"
"more than 20", "over 20"     20         21..None          more_than
"some 30", "about 40",        30, 40     30..30            approx
"nearly 60", "a dozen" (12)
"up to 10", "as many as 10"   10         0..10             at_most
"fewer than 10"               None       0..9              at_most
"a couple of"                 2          2..2              approx
"a few", "a handful of"       None       2..9              vague
"several"                     None       3..9              vague
"many", "a number of"         None       2..None           vague
"dozens"                      None       24..99            vague
"scores"                      None       40..99            vague
"hundreds"                    None       200..999          vague
"thousands"                   None       2000..9999        vague
"tens of thousands"           None       20000..99999      vague
"several dozen" (etc.)        None       3*12..9*12        vague
============================  =========  ================  ============

Not counts: years (a bare 1800-2100 with no qualifier before it), day numbers beside a month name, times
("10:30"), ordinals ("8th"), ages and measures written with a hyphen ("19-year-old") and percentages. "a" /
"an" / "another" / "a single" count as one only when asked (``articles=True``): the caller decides whether the
noun after them is a person who was killed ("a soldier was killed").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from inference.events.month_names import MONTH_NAMES

EXACT, AT_LEAST, MORE_THAN, APPROX = "exact", "at_least", "more_than", "approx"
AT_MOST, VAGUE = "at_most", "vague"

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}

# phrase (lower-case words) -> qualifier; the longest phrase wins.
QUALIFIERS = {
    ("at", "least"): AT_LEAST,
    ("no", "fewer", "than"): AT_LEAST,
    ("no", "less", "than"): AT_LEAST,
    ("not", "less", "than"): AT_LEAST,
    ("a", "minimum", "of"): AT_LEAST,
    ("more", "than"): MORE_THAN,
    ("over",): MORE_THAN,
    ("upwards", "of"): MORE_THAN,
    ("in", "excess", "of"): MORE_THAN,
    ("some",): APPROX,
    ("about",): APPROX,
    ("around",): APPROX,
    ("approximately",): APPROX,
    ("roughly",): APPROX,
    ("nearly",): APPROX,
    ("almost",): APPROX,
    ("close", "to"): APPROX,
    ("an", "estimated"): APPROX,
    ("estimated",): APPROX,
    ("as", "many", "as"): AT_MOST,
    ("up", "to"): AT_MOST,
    ("fewer", "than"): AT_MOST,
    ("less", "than"): AT_MOST,
    ("a", "total", "of"): EXACT,
}
MAX_QUALIFIER_WORDS = max(len(k) for k in QUALIFIERS)

# vague words -> (low, high); high None = open-ended
VAGUE_AMOUNTS = {
    ("dozens",): (24, 99),
    ("scores",): (40, 99),
    ("hundreds",): (200, 999),
    ("thousands",): (2000, 9999),
    ("tens", "of", "thousands"): (20_000, 99_999),
    ("hundreds", "of", "thousands"): (200_000, 999_999),
    ("millions",): (2_000_000, None),
    ("several",): (3, 9),
    ("a", "few"): (2, 9),
    ("a", "handful"): (2, 9),
    ("many",): (2, None),
    ("a", "number"): (2, None),
}
# a vague multiplier before a unit: "several dozen", "a few hundred"
VAGUE_MULTIPLIERS = {("several",): (3, 9), ("a", "few"): (2, 9)}
UNIT_WORDS = {"dozen": 12, "hundred": 100, "thousand": 1000}
ARTICLES = {("a", "single"), ("a",), ("an",), ("another",)}
_ARTICLE_WORDS = frozenset(p[0] for p in ARTICLES)
# nouns after "a"/"an" that make it part of a larger amount, never a count of one
NOT_ONE_AFTER_ARTICLE = {
    "dozen",
    "few",
    "handful",
    "number",
    "total",
    "couple",
    "hundred",
    "thousand",
    "million",
    "minimum",
    "score",
    "lot",
    "series",
    "group",
    "spate",
    "wave",
}

MONTHS = {*MONTH_NAMES, *(name[:3] for name in MONTH_NAMES), "sept"}  # full, three-letter, "sept"

_TOKEN = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_]+(?:[-'’][^\W\d_]+)*|\S")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")
_DECIMAL = re.compile(r"\d+\.\d+")
_NOT_A_COUNT_AFTER = re.compile(
    r"(st|nd|rd|th)\b|:\d|-|%|\s*(percent|per cent)\b|\s*(am|pm|a\.m|p\.m|gmt|hrs|h\b)"
)
_YEAR = re.compile(r"1[89]\d\d|20\d\d|2100")
# per-sentence results kept (tokens, counts, dates): an article's sentences are read several times
CACHED_SENTENCES = 512


class Token(NamedTuple):
    """A word, digit group or symbol of a sentence with its character offsets (a tuple: cheap to build)."""

    text: str
    lower: str
    start: int
    end: int


@dataclass(frozen=True)
class Quantity:
    """A count found in text: the stated number (``value``, None when vague) and the range it implies."""

    value: int | None
    low: int
    high: int | None
    qualifier: str
    text: str
    start: int = 0
    end: int = 0
    article: bool = False  # "a"/"an"/"another": one, by the grammar rather than a written number

    @property
    def at_least(self) -> bool:
        """True when the writer gave a floor ("at least 12", "more than 20")."""
        return self.qualifier in (AT_LEAST, MORE_THAN)

    @property
    def is_range(self) -> bool:
        return self.value is None


# Token(...) without NamedTuple's Python-level __new__: tokens are built by the thousand
_new_token = tuple.__new__


def tokenize(text: str) -> list[Token]:
    """Words (hyphenated and apostrophe words kept whole), digit groups ("1,200", "1.5"), single symbols."""
    return list(_tokens(text))


@lru_cache(maxsize=CACHED_SENTENCES)
def _tokens(text: str) -> tuple[Token, ...]:
    # Cached: the events layer reads each sentence's tokens several times (counts, fatalities).
    return tuple(
        [_new_token(Token, (g := m.group(), g.lower(), m.start(), m.end())) for m in _TOKEN.finditer(text)]
    )


def _digits_value(tok: str) -> int | Decimal | None:
    """'1,200' -> 1200, '12' -> 12, '1.5' -> Decimal('1.5'); None for malformed groups like '1,20'."""
    if _THOUSANDS.fullmatch(tok):
        return int(tok.replace(",", ""))
    if tok.isdecimal():
        return int(tok)
    if _DECIMAL.fullmatch(tok):
        return Decimal(tok)
    return None


def _word_parts(lower: str) -> list[str] | None:
    parts = lower.split("-")
    if all(p in UNITS or p in TENS or p in SCALES for p in parts):
        return parts
    return None


def _number_words(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """Number words from tokens[i] ("twenty-two", "one hundred and five", "a hundred") -> (value, next i)."""
    words: list[str] = []
    j = i
    if j < len(tokens) and tokens[j].lower == "a" and j + 1 < len(tokens) and tokens[j + 1].lower in SCALES:
        words.append("one")
        j += 1
    while j < len(tokens):
        parts = _word_parts(tokens[j].lower)
        if parts is not None:
            words.extend(parts)
            j += 1
            continue
        # "and" inside a number: "one hundred and five"
        after_and = _word_parts(tokens[j + 1].lower) if j + 1 < len(tokens) else None
        if (
            tokens[j].lower == "and"
            and words
            and words[-1] in SCALES
            and after_and
            and not set(after_and) & set(SCALES)
        ):
            j += 1
            continue
        break
    if not words:
        return None
    total, current = 0, 0
    for w in words:
        if w in UNITS:
            current += UNITS[w]
        elif w in TENS:
            current += TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        else:  # thousand, million
            total += max(current, 1) * SCALES[w]
            current = 0
    return total + current, j


def _by_first_word(phrases) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases indexed by their first word, longest first, so a lookup tries only the phrases that can match."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        index.setdefault(phrase[0], []).append(phrase)
    return {w: tuple(sorted(ps, key=len, reverse=True)) for w, ps in index.items()}


_PHRASE_INDEX = {id(p): _by_first_word(p) for p in (QUALIFIERS, VAGUE_AMOUNTS, VAGUE_MULTIPLIERS, ARTICLES)}
# Words a count can start with (besides digits and number words): the first words of every phrase rule.
_STARTERS = frozenset(w for index in _PHRASE_INDEX.values() for w in index) | {"half", "a"}


def _match_phrase(tokens: Sequence[Token], i: int, phrases) -> tuple[tuple[str, ...], int] | None:
    """Longest phrase (tuple of lower-case words) of ``phrases`` (one of the module's tables) at tokens[i]."""
    if i >= len(tokens):
        return None
    for phrase in _PHRASE_INDEX[id(phrases)].get(tokens[i].lower, ()):
        n = len(phrase)
        if n == 1 or tuple(t.lower for t in tokens[i : i + n]) == phrase:
            return phrase, i + n
    return None


def word_alternatives(words: Iterable[str]) -> str:
    """A regex alternation of the words, longest first, grouped by their first letter ("f(?:ive|our)|t(?:wo)"):
    the regex engine then tries only the words that start with the letter at hand, which makes searching a
    whole sentence for any of them about a quarter cheaper (same matches: words of different first letters
    never match at the same place).
    """
    by_first: dict[str, list[str]] = {}
    for w in words:
        by_first.setdefault(w[0], []).append(w[1:])
    return "|".join(
        re.escape(first)
        + "(?:"
        + "|".join(re.escape(r) for r in sorted(rest, key=lambda r: (-len(r), r)))
        + ")"
        for first, rest in sorted(by_first.items())
    )


# Where a count without "a"/"an" = one can start, on lower-cased text: digits, number words, vague amounts,
# "half a dozen", "a few" and the like. A qualifier ("at least") is always followed by one of these, so a
# sentence with no match holds no count (a superset test: a match only means "look closer").
_CORE_START = re.compile(
    r"\d|(?<![^\W\d_])(?:"
    + word_alternatives(
        {*UNITS, *TENS, *SCALES, "half"} | {p[0] for p in (*VAGUE_AMOUNTS, *VAGUE_MULTIPLIERS) if p[0] != "a"}
    )
    + r"|a\s+(?:"
    + word_alternatives(
        {p[1] for p in (*VAGUE_AMOUNTS, *VAGUE_MULTIPLIERS) if p[0] == "a"} | {"couple", "dozen", *SCALES}
    )
    + r"))(?![^\W\d_])"
)


@lru_cache(maxsize=4096)
def _may_start_count(low: str) -> bool:
    """Can a count start at this (lower-case) token? False for most words, which saves trying every rule at
    every word."""
    return low[0].isdigit() or low in _STARTERS or _word_parts(low) is not None


# Starters that begin a count only with the right word after them (see _next_allows); the others (single-word
# vague amounts) may begin one whatever follows. ("a" / "an" / "another" as one: see _with_articles.)
_ALONE = frozenset(p[0] for p in (*VAGUE_AMOUNTS, *VAGUE_MULTIPLIERS) if len(p) == 1)
_NEEDS_NEXT = frozenset(w for w in _STARTERS if w not in _ALONE and _word_parts(w) is None)
# a starter -> the second words of its phrases ("at least", "a few", "half a dozen", "a hundred")
_PAIRS = [*QUALIFIERS, *VAGUE_AMOUNTS, *VAGUE_MULTIPLIERS, ("half", "a"), ("a", "couple"), ("a", "dozen")]
_PAIRS += [("a", scale) for scale in SCALES]
_SECOND_WORDS = {w: frozenset(p[1] for p in _PAIRS if len(p) > 1 and p[0] == w) for w in _NEEDS_NEXT}
_SINGLE_QUALIFIERS = frozenset(p[0] for p in QUALIFIERS if len(p) == 1)


def _next_allows(low: str, nxt: str) -> bool:
    """Can a count start at a starter of _NEEDS_NEXT followed by the word ``nxt`` ("" at the end)? A second
    word of one of its phrases, or any count start after a one-word qualifier ("over 20"). Most "in", "a",
    "as", "at" are followed by neither, which spares trying every rule there.
    """
    return nxt in _SECOND_WORDS[low] or (low in _SINGLE_QUALIFIERS and nxt != "" and _may_start_count(nxt))


def _is_not_a_count(text: str, tokens: Sequence[Token], i: int, qualified: bool) -> bool:
    """Digits that are a year, a day of a month, a time, an ordinal, an age or a percentage."""
    tok = tokens[i]
    after = text[tok.end : tok.end + 8].lower()
    if _NOT_A_COUNT_AFTER.match(after):
        return True
    if i > 0 and tokens[i - 1].text == ":":
        return True
    neighbours = [tokens[k].lower.rstrip(".") for k in (i - 1, i + 1) if 0 <= k < len(tokens)]
    if any(n in MONTHS for n in neighbours):
        return True
    return not qualified and _YEAR.fullmatch(tok.text) is not None


def _core_at(text: str, tokens: Sequence[Token], i: int, qualified: bool, articles: bool):
    """The count starting exactly at tokens[i]: (value, low, high, qualifier or None, next i, is_article)."""
    if i >= len(tokens):
        return None
    low_tok = tokens[i].lower
    # "half a dozen", "two dozen", "a dozen"
    if low_tok == "half" and tuple(t.lower for t in tokens[i : i + 3]) == ("half", "a", "dozen"):
        return 6, 6, 6, APPROX, i + 3, False
    # "several dozen", "a few hundred"
    mult = _match_phrase(tokens, i, VAGUE_MULTIPLIERS)
    if mult and mult[1] < len(tokens) and tokens[mult[1]].lower in UNIT_WORDS:
        unit = UNIT_WORDS[tokens[mult[1]].lower]
        lo, hi = VAGUE_MULTIPLIERS[mult[0]]
        return None, lo * unit, hi * unit, VAGUE, mult[1] + 1, False
    vague = _match_phrase(tokens, i, VAGUE_AMOUNTS)
    if vague:
        lo, hi = VAGUE_AMOUNTS[vague[0]]
        end = vague[1]
        if vague[0] == ("a", "handful") or vague[0] == ("a", "number"):
            if end >= len(tokens) or tokens[end].lower != "of":
                return None
        return None, lo, hi, VAGUE, end, False
    if low_tok == "a" and tuple(t.lower for t in tokens[i : i + 3]) == ("a", "couple", "of"):
        return 2, 2, 2, APPROX, i + 3, False
    if low_tok == "a" and tuple(t.lower for t in tokens[i : i + 2]) == ("a", "dozen"):
        return 12, 12, 12, APPROX, i + 2, False
    value: int | Decimal | None = None
    nxt = i
    if low_tok[0].isdigit():
        if _is_not_a_count(text, tokens, i, qualified):
            return None
        value = _digits_value(low_tok)
        nxt = i + 1
        if value is not None and nxt < len(tokens) and tokens[nxt].lower in SCALES:
            value = value * SCALES[tokens[nxt].lower]
            nxt += 1
        if value is None or value != int(value):
            return None
        value = int(value)
    else:
        words = _number_words(tokens, i)
        if words:
            value, nxt = words
    if value is not None:
        if nxt < len(tokens) and tokens[nxt].lower == "dozen":
            value, nxt = value * 12, nxt + 1
        return value, value, value, None, nxt, False
    if articles:
        end = _article_end(tokens, i)
        if end is not None:
            return 1, 1, 1, EXACT, end, True
    return None


def _article_end(tokens: Sequence[Token], i: int) -> int | None:
    """After "a" / "an" / "another" / "a single" at tokens[i] as one: the next token, or None when the word after
    it is part of a larger amount ("a dozen") or no word."""
    art = _match_phrase(tokens, i, ARTICLES)
    if (
        art
        and art[1] < len(tokens)
        and tokens[art[1]].lower not in NOT_ONE_AFTER_ARTICLE
        and tokens[art[1]].lower[0].isalpha()
    ):
        return art[1]
    return None


def _qualified(value: int, qualifier: str) -> tuple[int | None, int, int | None]:
    if qualifier == AT_LEAST:
        return value, value, None
    if qualifier == MORE_THAN:
        return value, value + 1, None
    if qualifier == AT_MOST:
        return value, 0, value
    return value, value, value


def _quantity_at(text: str, tokens: Sequence[Token], i: int, articles: bool) -> tuple[Quantity, int] | None:
    qual = _match_phrase(tokens, i, QUALIFIERS)
    if qual:
        core = _core_at(text, tokens, qual[1], True, False)
        if core is not None:
            value, low, high, _, nxt, _ = core
            qualifier = QUALIFIERS[qual[0]]
            if value is not None:
                if qualifier == AT_MOST and qual[0] in (("fewer", "than"), ("less", "than")):
                    value, low, high = None, 0, value - 1
                else:
                    value, low, high = _qualified(value, qualifier)
            else:
                qualifier = VAGUE
            start, end = tokens[i].start, tokens[nxt - 1].end
            return Quantity(value, low, high, qualifier, text[start:end], start, end), nxt
    core = _core_at(text, tokens, i, False, articles)
    if core is None:
        return None
    value, low, high, qualifier, nxt, is_article = core
    start, end = tokens[i].start, tokens[nxt - 1].end
    return Quantity(value, low, high, qualifier or EXACT, text[start:end], start, end, is_article), nxt


def find_quantities(text: str, articles: bool = False) -> list[Quantity]:
    """Every count in ``text``, left to right, with character offsets; ``articles`` adds "a"/"an" as one."""
    return list(_quantities(text, articles))


@lru_cache(maxsize=CACHED_SENTENCES)
def _quantities(text: str, articles: bool) -> tuple[Quantity, ...]:
    if articles:
        return _with_articles(text)
    if _CORE_START.search(text.lower()) is None:
        return ()  # most sentences: no tokens needed
    tokens = _tokens(text)
    found: list[Quantity] = []
    i, n = 0, len(tokens)
    while i < n:
        low = tokens[i].lower
        may_start = _may_start_count(low) and (
            low not in _NEEDS_NEXT or _next_allows(low, tokens[i + 1].lower if i + 1 < n else "")
        )
        hit = _quantity_at(text, tokens, i, False) if may_start else None
        if hit is None:
            i += 1
            continue
        found.append(hit[0])
        i = hit[1]
    return tuple(found)


def _with_articles(text: str) -> tuple[Quantity, ...]:
    """The counts without articles, plus "a" / "an" / "another" as one where no count covers them: what scanning
    with ``articles=True`` gives (the article rule is tried only where every other rule found nothing, and takes
    no word a count could start at: "single" at most), without reading the sentence a second time.
    """
    counts = _quantities(text, False)
    tokens = _tokens(text)
    ones: list[Quantity] = []
    for i, t in enumerate(tokens):
        if t.lower in _ARTICLE_WORDS and not any(q.start <= t.start < q.end for q in counts):
            end = _article_end(tokens, i)
            if end is not None:
                stop = tokens[end - 1].end
                ones.append(Quantity(1, 1, 1, EXACT, text[t.start : stop], t.start, stop, True))
    return tuple(sorted((*counts, *ones), key=lambda q: q.start)) if ones else counts


def parse_quantity(text: str, articles: bool = True) -> Quantity | None:
    """The count a whole phrase states ("at least 12", "dozens", "a"), or None when it states none."""
    found = find_quantities(text.strip(), articles=articles)
    return found[0] if found else None
