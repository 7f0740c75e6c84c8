"""Time expressions resolved against the article date: weekdays, relative days, explicit dates, and None."""

from __future__ import annotations

import datetime as dt

import pytest

from inference.events.dates import dateline_end, find_date_mentions, resolve_date, time_relation

WEDNESDAY = "2020-06-10"  # a Wednesday


@pytest.mark.parametrize(
    "mention, iso",
    [
        ("Monday", "2020-06-08"),
        ("on Tuesday", "2020-06-09"),
        ("late on Friday", "2020-06-05"),
        ("Sunday night", "2020-06-07"),
        ("early Thursday", "2020-06-04"),
        ("Saturday's raid", "2020-06-06"),
    ],
)
def test_weekday_is_the_most_recent_such_day_before_the_article(mention, iso):
    r = resolve_date(mention, WEDNESDAY)
    assert (r.iso, r.rule, r.mention) == (iso, "weekday", mention)


def test_the_articles_own_weekday_is_the_article_date():
    assert resolve_date("on Wednesday", WEDNESDAY).iso == WEDNESDAY
    assert resolve_date("Wednesday", dt.date(2020, 6, 10)).iso == WEDNESDAY


def test_last_weekday_is_strictly_before_and_next_weekday_strictly_after():
    assert resolve_date("last Wednesday", WEDNESDAY).iso == "2020-06-03"
    assert resolve_date("last Monday", WEDNESDAY).iso == "2020-06-08"
    assert resolve_date("next Wednesday", WEDNESDAY).iso == "2020-06-17"


@pytest.mark.parametrize(
    "mention, iso, rule",
    [
        ("yesterday", "2020-06-09", "yesterday"),
        ("today", WEDNESDAY, "today"),
        ("earlier today", WEDNESDAY, "today"),
        ("last night", "2020-06-09", "last_night"),
        ("the day before yesterday", "2020-06-08", "the_day_before_yesterday"),
        ("three days ago", "2020-06-07", "days_ago"),
        ("2 days ago", "2020-06-08", "days_ago"),
    ],
)
def test_relative_days(mention, iso, rule):
    r = resolve_date(mention, WEDNESDAY)
    assert (r.iso, r.rule) == (iso, rule)


@pytest.mark.parametrize(
    "mention, iso",
    [
        ("June 8", "2020-06-08"),
        ("8 June", "2020-06-08"),
        ("June 8, 2020", "2020-06-08"),
        ("2020-06-08", "2020-06-08"),
        ("Monday, June 8", "2020-06-08"),
        ("the 3rd of June", "2020-06-03"),
        ("Sept. 4, 2019", "2019-09-04"),
        ("on March 6", "2020-03-06"),
    ],
)
def test_explicit_dates(mention, iso):
    assert resolve_date(mention, WEDNESDAY).iso == iso


def test_year_rolls_back_for_a_late_december_date_in_a_january_article():
    assert resolve_date("December 30", "2021-01-04").iso == "2020-12-30"
    assert resolve_date("on 31 December", "2021-01-02").iso == "2020-12-31"


def test_a_date_a_few_days_ahead_stays_in_the_year_and_may_cross_into_the_next():
    assert resolve_date("June 14", WEDNESDAY).iso == "2020-06-14"  # a scheduled event
    assert resolve_date("January 2", "2020-12-30").iso == "2021-01-02"
    assert resolve_date("October 12", WEDNESDAY).iso == "2019-10-12"  # months ahead: last October


def test_numeric_dates_resolve_only_when_unambiguous():
    ambiguous = resolve_date("8/6/2020", WEDNESDAY)
    assert (ambiguous.iso, ambiguous.rule, ambiguous.mention) == (None, "numeric_ambiguous", "8/6/2020")
    assert resolve_date("25/6/2020", WEDNESDAY).iso == "2020-06-25"
    assert resolve_date("6/25/2020", WEDNESDAY).iso == "2020-06-25"
    assert resolve_date("6/6/2020", WEDNESDAY).iso == "2020-06-06"


@pytest.mark.parametrize(
    "mention, rule",
    [
        ("last week", "vague"),
        ("recently", "vague"),
        ("over the weekend", "vague"),
        ("hours later", "vague"),
        ("overnight", "vague"),
        ("the next day", "vague"),
        ("in June", "month_only"),
        ("May 2019", "month_only"),
        ("since 2015", "year_only"),
        ("the rainy season", "unrecognised"),
    ],
)
def test_unresolvable_mentions_keep_the_mention_and_no_day_is_invented(mention, rule):
    r = resolve_date(mention, WEDNESDAY)
    assert (r.iso, r.rule, r.mention) == (None, rule, mention)


def test_without_an_article_date_only_dates_with_a_year_resolve():
    assert resolve_date("Monday", None).iso is None
    assert resolve_date("Monday", None).rule == "no_article_date"
    assert resolve_date("June 8", None).iso is None
    assert resolve_date("June 8, 2020", None).iso == "2020-06-08"


def test_impossible_dates_and_bad_article_dates():
    assert resolve_date("February 30", WEDNESDAY).rule == "invalid_date"
    with pytest.raises(ValueError, match="article_date"):
        resolve_date("Monday", "10 June 2020")


def test_find_date_mentions_in_a_sentence():
    s = (
        "Fighters who have held the area since 2015 attacked late on Friday, three days after a truce "
        "reached on March 6 was declared."
    )
    found = find_date_mentions(s)
    assert [d.text for d in found] == ["since 2015", "late on Friday", "March 6"]
    assert all(s[d.start : d.end] == d.text for d in found)


def test_find_date_mentions_ignores_may_and_march_as_words():
    assert find_date_mentions("Troops may march on the town, officials fear.") == []
    assert [d.text for d in find_date_mentions("Talks may resume in May.")] == ["in May"]


def test_time_relation_separates_the_news_from_the_background():
    assert time_relation("Monday", WEDNESDAY) == "recent"
    assert time_relation("on March 6", WEDNESDAY) == "past"
    assert time_relation("in 2011", WEDNESDAY) == "past"
    assert time_relation("last year", WEDNESDAY) == "past"
    assert time_relation("in the 1990s", WEDNESDAY) == "past"
    assert time_relation("last week", WEDNESDAY) == "unknown"
    assert time_relation("in 2020", WEDNESDAY) == "unknown"


@pytest.mark.parametrize(
    "text, body",
    [
        ("date 2020-06-10 KABUL, June 10, 2020 (AFP) – Gunmen attacked", "Gunmen attacked"),
        ("date 2020-06-10\nGAO, Mali (Wire) - Gunmen attacked", "Gunmen attacked"),
        ("Kabul (Reuters) - Gunmen attacked", "Gunmen attacked"),
        ("date 2020-06-10 Gunmen attacked", "Gunmen attacked"),
        ("Gunmen attacked a post - the third this week", "Gunmen attacked a post - the third this week"),
    ],
)
def test_dateline_end_skips_the_prefix_and_the_wire_dateline(text, body):
    assert text[dateline_end(text) :] == body
