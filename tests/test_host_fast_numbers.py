"""The fast paths of the count finder (the whole-sentence pre-check, the per-token starter test that looks at the
next word) give what trying every rule at every token gives, on varied inputs. The plain scan below is the
loop the fast paths replaced."""

import random
import re

import pytest

from inference.events import fatalities, numbers
from inference.events.month_names import MONTH_NAMES

# every word the rules read, some near misses, numbers that are and are not counts, punctuation
WORDS = sorted(
    {
        w
        for table in (numbers.QUALIFIERS, numbers.VAGUE_AMOUNTS, numbers.VAGUE_MULTIPLIERS, numbers.ARTICLES)
        for phrase in table
        for w in phrase
    }
    | set(numbers.UNITS)
    | set(numbers.TENS)
    | set(numbers.SCALES)
    | set(numbers.UNIT_WORDS)
    | numbers.NOT_ONE_AFTER_ARTICLE
    | {"half", "and", "of", "people", "soldiers", "killed", "the", "in", "at"}
    | {"twenty-two", "one-hundred", "least", "excess", "than", "to", "many", "single", "2,000", "19-year-old"}
    | {"12", "1,200", "1,20", "2020", "1.5", "3.0", "10:30", "8th", "40%", "7pm", "9", "0", "2100", "1800"}
    | {MONTH_NAMES[0], MONTH_NAMES[4][:3], "sept", ",", ".", ":", "-", "(", "’s", "Über", "İn"}
)


def plain_quantities(text: str, articles: bool) -> tuple[numbers.Quantity, ...]:
    """Every rule tried at every token."""
    tokens = numbers._tokens(text)
    found, i = [], 0
    while i < len(tokens):
        hit = numbers._quantity_at(text, tokens, i, articles)
        if hit is None:
            i += 1
            continue
        found.append(hit[0])
        i = hit[1]
    return tuple(found)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 9))]
    words = [w.capitalize() if rng.random() < 0.15 else w for w in words]
    return "".join(w + rng.choice([" ", " ", " ", "", ", ", "\n"]) for w in words).strip()


@pytest.mark.parametrize("articles", [False, True])
def test_fast_count_scan_equals_trying_every_rule_at_every_token(articles):
    rng = random.Random(13)
    texts = [_sentence(rng) for _ in range(4000)]
    texts += [
        "at least 12",
        "in excess of 30",
        "a few hundred",
        "half a dozen",
        "over 20",
        "some a few",
        "an",
        "a",
        "an estimated 30 people",
        "an estimated man",
        "a total of 5 and a single man",
        "a dozen a man",
    ]
    for text in texts:
        numbers._quantities.cache_clear()
        assert numbers.find_quantities(text, articles) == list(plain_quantities(text, articles)), text


def _flat_alternatives(words) -> str:
    """The plain alternation the grouped one replaced: every word, longest first."""
    return "|".join(sorted((re.escape(w) for w in words), key=lambda w: (-len(w), w)))


def test_grouped_word_alternatives_match_what_the_flat_alternation_matches():
    rng = random.Random(5)
    words = {"kill", "killed", "killing", "kia", "dead", "death", "deaths", "toll", "t", "a.b", "tens", "ten"}
    grouped = re.compile(r"(?<![^\W\d_])(?:" + numbers.word_alternatives(words) + r")(?![^\W\d_])")
    flat = re.compile(r"(?<![^\W\d_])(?:" + _flat_alternatives(words) + r")(?![^\W\d_])")
    pieces = [*words, "skilled", "deadly", "s", "x", "Ä", "2", "_", " ", " ", "-", ".", "ab", "\n"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in flat.finditer(text)], text
    # the module's own pre-checks against their flat forms
    death_flat = re.compile(
        r"(?<![^\W\d_])(?:" + _flat_alternatives(fatalities.DEATH_CUES) + r")(?![^\W\d_])"
    )
    cue_pieces = [*fatalities.DEATH_CUES, *WORDS, "un", "s", " ", " ", ", ", "-"]
    for _ in range(5000):
        text = "".join(rng.choice(cue_pieces) for _ in range(rng.randint(0, 8))).lower()
        assert bool(fatalities._DEATH_CUE.search(text)) == bool(death_flat.search(text)), text


ZERO_WORDS = [
    "no",
    "No",
    "NO",
    "one",
    "no-one",
    "nobody",
    "None",
    "none",
    "was",
    "were",
    "had",
    "has",
    "been",
    "killed",
    "hurt",
    "died",
    "body",
    "deaths",
    "fatalities",
    "casualties",
    "injuries",
    "without",
    "WITHOUT",
    "causing",
    "any",
    "harmed",
    "not",
    "know",
    "north",
    "Nobody",
    "İn",
    "ſ",
    "K",
]


def test_zero_pre_check_agrees_with_the_zero_search():
    rng = random.Random(7)
    for _ in range(20000):
        text = " ".join(rng.choice(ZERO_WORDS) for _ in range(rng.randint(1, 7)))
        assert fatalities._says_zero(text) == (fatalities.ZERO.search(text) is not None), text
