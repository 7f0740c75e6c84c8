"""Counts written in news English: digits, number words, qualifiers, vague ranges, and what is not a count."""

from __future__ import annotations

import pytest

from inference.events.numbers import (
    AT_LEAST,
    AT_MOST,
    EXACT,
    MORE_THAN,
    VAGUE,
    find_quantities,
    parse_quantity,
)


@pytest.mark.parametrize(
    "phrase, value",
    [
        ("19", 19),
        ("1,200", 1200),
        ("3,000,000", 3_000_000),
        ("1.5 million", 1_500_000),
        ("2.3 million", 2_300_000),
        ("nineteen", 19),
        ("twenty-two", 22),
        ("twenty two", 22),
        ("one hundred and five", 105),
        ("a hundred", 100),
        ("two", 2),
        ("Eleven", 11),
        ("two dozen", 24),
        ("a total of 14", 14),
    ],
)
def test_exact_numbers_from_digits_and_words(phrase, value):
    q = parse_quantity(phrase)
    assert q is not None and q.value == value and q.low == q.high == value
    assert q.qualifier == EXACT


def test_a_dozen_is_twelve_and_half_a_dozen_six():
    assert parse_quantity("a dozen").value == 12
    assert parse_quantity("half a dozen").value == 6


@pytest.mark.parametrize(
    "phrase, low, high",
    [
        ("dozens", 24, 99),
        ("Dozens of", 24, 99),
        ("scores", 40, 99),
        ("hundreds", 200, 999),
        ("thousands", 2000, 9999),
        ("tens of thousands", 20_000, 99_999),
        ("several", 3, 9),
        ("a few", 2, 9),
        ("several dozen", 36, 108),
        ("a few hundred", 200, 900),
        ("many", 2, None),
    ],
)
def test_vague_amounts_are_ranges_without_a_value(phrase, low, high):
    q = parse_quantity(phrase)
    assert q is not None and q.value is None and q.is_range
    assert (q.low, q.high) == (low, high) and q.qualifier == VAGUE


def test_at_least_keeps_the_number_and_an_open_range():
    q = parse_quantity("at least 12")
    assert (q.value, q.low, q.high, q.qualifier, q.at_least) == (12, 12, None, AT_LEAST, True)
    assert parse_quantity("no fewer than twenty").value == 20


def test_more_than_states_the_number_but_its_floor_is_one_above():
    q = parse_quantity("more than 20")
    assert (q.value, q.low, q.high, q.qualifier, q.at_least) == (20, 21, None, MORE_THAN, True)


@pytest.mark.parametrize(
    "phrase, value",
    [("some 30", 30), ("about 40", 40), ("around fifty", 50), ("nearly 60", 60), ("an estimated 300", 300)],
)
def test_approximate_numbers_keep_the_stated_figure(phrase, value):
    q = parse_quantity(phrase)
    assert q.value == value and not q.at_least


def test_up_to_and_fewer_than_are_ceilings():
    up_to = parse_quantity("up to 10")
    assert (up_to.value, up_to.low, up_to.high, up_to.qualifier) == (10, 0, 10, AT_MOST)
    fewer = parse_quantity("fewer than 10")
    assert (fewer.value, fewer.low, fewer.high) == (None, 0, 9)


def test_an_article_counts_one_only_when_asked():
    q = find_quantities("a soldier was killed", articles=True)
    assert [(x.value, x.article, x.text) for x in q] == [(1, True, "a")]
    assert find_quantities("a soldier was killed") == []
    assert parse_quantity("an") is None  # nothing after the article: no noun to count
    assert [x.value for x in find_quantities("another policeman died", articles=True)] == [1]


def test_an_article_inside_a_larger_amount_is_not_one():
    assert [x.value for x in find_quantities("a dozen soldiers", articles=True)] == [12]
    assert [x.low for x in find_quantities("a handful of residents", articles=True)] == [2]


@pytest.mark.parametrize(
    "sentence",
    [
        "Fighting has continued since 2015.",
        "The truce began on June 8 last year.",
        "He was a 19-year-old student.",
        "The blast happened at 10:30 local time.",
        "It was the 8th attack this month.",
        "Prices rose 20 percent.",
        "They came on 8 June.",
    ],
)
def test_dates_ages_times_ordinals_and_percentages_are_not_counts(sentence):
    assert find_quantities(sentence) == []


def test_find_quantities_gives_offsets_into_the_sentence_in_order():
    text = "Gunmen killed at least 12 villagers and wounded twenty-two others near 3 wells."
    found = find_quantities(text)
    assert [q.text for q in found] == ["at least 12", "twenty-two", "3"]
    assert all(text[q.start : q.end] == q.text for q in found)
    assert [q.value for q in found] == [12, 22, 3]


def test_qualifier_without_a_number_is_not_a_count():
    assert find_quantities("Over the weekend some residents fled.") == []
