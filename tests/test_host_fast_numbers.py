"""The fast paths of the count finder (the whole-sentence pre-check, the per-token starter test that looks at the
next word) give what trying every rule at every token gives, on varied inputs. The plain scan below is the
loop the fast paths replaced."""

import random

import pytest

from inference.events import numbers
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
    ]
    for text in texts:
        numbers._quantities.cache_clear()
        assert numbers.find_quantities(text, articles) == list(plain_quantities(text, articles)), text
