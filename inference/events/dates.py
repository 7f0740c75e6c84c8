"""Time expressions in news text -> ISO dates, relative to the article's publication date.

Conventions (news style, as ACLED coders read a report):

- A weekday ("Monday", "on Thursday", "late on Friday", "Sunday night") is the most recent such day on or
  before the article date; the article's own weekday is the article date ("Monday" in a Monday report = that
  Monday). "last Friday" is strictly before the article date (a week back on a Friday), "next Friday" strictly
  after.
- "today", "tonight", "this morning", "earlier today" = the article date; "yesterday" and "last night" = the
  day before; "the day before yesterday" = two days before; "three days ago" = three days before.
- Explicit dates: "2020-06-08", "June 8", "8 June", "June 8, 2020", "Monday, June 8". Without a year, the year
  is the latest one that puts the date no more than ``FUTURE_TOLERANCE_DAYS`` after the article date (a
  "December 30" in a January report is last December; a "June 10" in a June 8 report is two days ahead, a
  scheduled event).
- "8/6/2020" is ambiguous (8 June or 6 August): no date. A numeric date resolves only when one reading is
  valid ("25/6/2020") or both readings agree ("6/6/2020").
- Never invented: "last week", "recently", "over the weekend", "overnight", "hours later", "the next day", a
  month without a day ("in June"), a year ("since 2015"): ``iso`` is None and the mention is kept.
- Nothing resolves against a missing article date except a date that states its year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from inference.events.month_names import MONTH_NAMES
from inference.events.numbers import CACHED_SENTENCES, parse_quantity
from inference.events.quick_patterns import ascii_finditer, has_any, lower_ascii

FUTURE_TOLERANCE_DAYS = 31
RECENT_DAYS = 31  # a resolved date this close to the article date is the report's own news

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTH_NUMBERS = {name[:3]: i for i, name in enumerate(MONTH_NAMES, start=1)}

_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTH_FULL_CAPS = "(?P<month>" + "|".join(name.title() for name in MONTH_NAMES) + ")"
_I = re.IGNORECASE

ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b")
NUMERIC = re.compile(r"\b(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<year>\d{4}|\d{2})\b")
MONTH_DAY = re.compile(
    rf"\b(?:{_WD},?\s+)?{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
    r"(?:,?\s+(?P<year>\d{4})\b)?",
    _I,
)
DAY_MONTH = re.compile(
    rf"\b(?:{_WD},?\s+)?(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?![a-z])"
    rf"(?:,?\s+(?P<year>\d{{4}})\b)?",
    _I,
)
RELATIVE = re.compile(
    r"\b(?P<rel>the\s+day\s+before\s+yesterday|yesterday|today|tonight|this\s+morning"
    r"|this\s+afternoon|this\s+evening|earlier\s+today|last\s+night)\b",
    _I,
)
DAYS_AGO = re.compile(r"\b(?P<n>\d+|[a-z]+(?:-[a-z]+)?)\s+days?\s+ago\b", _I)
WEEKDAY = re.compile(
    rf"\b(?:(?:early|late)\s+(?:on\s+)?|on\s+)?(?:(?P<rel>last|next|this|past)\s+)?"
    rf"(?P<wd>{_WD})(?:['’]s)?(?:\s+(?:morning|afternoon|evening|night))?\b",
    _I,
)
VAGUE = re.compile(
    r"\b(?:(?:last|this|past|previous)\s+(?:week|weekend|month|year)"
    r"|(?:earlier|later)\s+(?:this|last)\s+(?:week|month|year)|recently|overnight"
    r"|in\s+recent\s+(?:days|weeks|months|years)|(?:over|at|during)\s+the\s+weekend"
    r"|the\s+(?:previous|following|next)\s+day|the\s+day\s+before|a\s+day\s+(?:earlier|later)"
    r"|(?:hours|days|weeks|months|years)\s+(?:later|earlier|ago))\b",
    _I,
)
# month without a day: in running text it needs a time word before or a year after it ("May" is also a verb)
MONTH_ONLY_IN_TEXT = re.compile(
    r"\b(?i:(?:in|since|until|by|during|from|of|early|late|mid|last|this|next)[-\s]+"
    r"(?:early\s+|late\s+|mid-)?)"
    rf"{_MONTH_FULL_CAPS}(?:\s+(?P<year>\d{{4}}))?\b"
    rf"|\b{_MONTH_FULL_CAPS.replace('month', 'month2')}\s+(?P<year2>\d{{4}})\b"
)
MONTH_ONLY = re.compile(rf"\b{_MONTH}(?![a-z])(?:\s+(?P<year>\d{{4}}))?", _I)
YEAR_IN_TEXT = re.compile(
    r"\b(?:in|since|during|until|from|by|of|between|before|after|and)\s+"
    r"(?:the\s+)?(?:early\s+|late\s+)?(?P<year>1[89]\d\d|20\d\d)(?P<decade>s)?\b",
    _I,
)
YEAR = re.compile(r"\b(?P<year>1[89]\d\d|20\d\d)(?P<decade>s)?\b")
# a mention of an earlier time that names no day (read on the lower-cased mention)
PAST_WORDS = re.compile(
    r"\b(last|past|previous)\s+(year|month)\b|\b(years|months|decades)\s+ago\b|\bin\s+recent\s+(months|years)\b"
)

# What find_date_mentions looks for, in order of precedence (an earlier pattern's match wins an overlap), each
# with two necessary conditions of its matches, so that a sentence failing one skips the pattern: a hint (a regex
# that finds a part of every match, with the pattern's own flags: it holds on any text; a false value: none) and
# words (one of them, lower case, is in every match: checked on ASCII text only, where the patterns' ignore-case
# matching is plain lower-casing).
_MONTH_PREFIXES = tuple(MONTH_NUMBERS)
_WEEKDAY_NAMES = tuple(WEEKDAYS)
_VAGUE_WORDS = tuple(
    "week month year recent overnight previous following next before earlier later ago".split()
)
FINDERS = (
    (ISO, re.compile(r"\d-\d"), ()),
    (NUMERIC, re.compile(r"\d[/.]\d"), ()),
    (MONTH_DAY, re.compile(r"\s\d"), _MONTH_PREFIXES),
    (DAY_MONTH, re.compile(r"\d(?:st|nd|rd|th)?\s", _I), _MONTH_PREFIXES),
    (RELATIVE, None, ("yesterday", "today", "night", "morning", "afternoon", "evening")),
    (DAYS_AGO, None, ("ago",)),
    (VAGUE, None, _VAGUE_WORDS),
    (WEEKDAY, None, _WEEKDAY_NAMES),
    (
        MONTH_ONLY_IN_TEXT,
        re.compile("|".join(name.title() for name in MONTH_NAMES)),
        (),
    ),  # names case-sensitive
    (YEAR_IN_TEXT, re.compile(r"(?:1[89]|20)\d\d"), ()),
)


_DATELINE_DATE = r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?|\d{1,2}\s+[A-Z][a-z]{2,8}\.?(?:\s+\d{4})?)"
DATELINE = re.compile(
    r"^\s*(?:date\s+\d{4}-\d{2}-\d{2}\s+)?"
    r"(?:(?:[A-Z][A-Z'’.\-]+(?:\s+[A-Z][A-Z'’.\-]+)*|[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,3}(?=[^()]*\())"
    r"(?:,\s*[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,2})?(?:,\s*" + _DATELINE_DATE + r")?"
    r"\s*(?:\([^()\n]{1,40}\))?\s*[-–—]+\s+)?"
)


@dataclass(frozen=True)
class DateMention:
    """A time expression found in a sentence; offsets are into the text that was searched."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ResolvedDate:
    """``iso``: the day the mention names (None if it names no single day); ``rule``: the deciding rule."""

    iso: str | None
    mention: str
    rule: str


def parse_article_date(article_date: dt.date | str | None) -> dt.date | None:
    """ISO string, date or datetime -> date; None stays None. Raises ValueError naming a malformed string."""
    if article_date is None or article_date == "":
        return None
    if isinstance(article_date, dt.datetime):
        return article_date.date()
    if isinstance(article_date, dt.date):
        return article_date
    try:
        return dt.date.fromisoformat(str(article_date)[:10])
    except ValueError as err:
        raise ValueError(f"article_date: expected YYYY-MM-DD, got {article_date!r}") from err


def infer_year(month: int, day: int, article_date: dt.date) -> dt.date | None:
    """The latest date with this month and day at most FUTURE_TOLERANCE_DAYS after the article date."""
    limit = article_date + dt.timedelta(days=FUTURE_TOLERANCE_DAYS)
    for year in (article_date.year + 1, article_date.year, article_date.year - 1, article_date.year - 4):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:  # 29 February outside a leap year
            continue
        if candidate <= limit:
            return candidate
    return None


def weekday_on_or_before(weekday: int, article_date: dt.date, relation: str | None = None) -> dt.date:
    """Most recent ``weekday`` (0 = Monday) on or before the article date; "last": strictly before; "next":
    strictly after."""
    back = (article_date.weekday() - weekday) % 7
    if relation == "next":
        return article_date + dt.timedelta(days=(weekday - article_date.weekday()) % 7 or 7)
    if relation in ("last", "past") and back == 0:
        back = 7
    return article_date - dt.timedelta(days=back)


def _month_number(name: str) -> int:
    return MONTH_NUMBERS[name.casefold()[:3]]


def _day_of(
    year: int | None, month: int, day: int, article: dt.date | None, mention: str, rule: str
) -> ResolvedDate:
    if year is not None:
        try:
            return ResolvedDate(dt.date(year, month, day).isoformat(), mention, rule)
        except ValueError:
            return ResolvedDate(None, mention, "invalid_date")
    if article is None:
        return ResolvedDate(None, mention, "no_article_date")
    try:
        dt.date(2000, month, day)  # a leap year: any real month/day pair passes
    except ValueError:
        return ResolvedDate(None, mention, "invalid_date")
    found = infer_year(month, day, article)
    return ResolvedDate(found.isoformat() if found else None, mention, rule if found else "invalid_date")


def _numeric(m: re.Match, mention: str) -> ResolvedDate:
    a, b, year = int(m["a"]), int(m["b"]), int(m["year"])
    if year < 100:
        year += 2000
    readings = set()
    for day, month in ((a, b), (b, a)):  # day-first and month-first
        try:
            readings.add(dt.date(year, month, day))
        except ValueError:
            pass
    if len(readings) == 1:
        return ResolvedDate(readings.pop().isoformat(), mention, "numeric")
    return ResolvedDate(None, mention, "numeric_ambiguous" if readings else "invalid_date")


def _relative(rel: str, article: dt.date | None, mention: str) -> ResolvedDate:
    rel = " ".join(rel.lower().split())
    if article is None:
        return ResolvedDate(None, mention, "no_article_date")
    back = 2 if rel == "the day before yesterday" else 1 if rel in ("yesterday", "last night") else 0
    rule = "yesterday" if back == 1 and rel == "yesterday" else rel.replace(" ", "_") if back else "today"
    return ResolvedDate((article - dt.timedelta(days=back)).isoformat(), mention, rule)


@lru_cache(maxsize=CACHED_SENTENCES)
def resolve_date(mention: str, article_date: dt.date | str | None) -> ResolvedDate:
    """The ISO day a time expression names, relative to the article date; None if it names no single day.
    Cached: the grouping, the background rules and the records all resolve the same mentions.
    """
    article = parse_article_date(article_date)
    text = mention.strip()
    if m := ISO.search(text):
        return _day_of(int(m["year"]), int(m["month"]), int(m["day"]), article, mention, "iso")
    if m := NUMERIC.search(text):
        return _numeric(m, mention)
    for pattern, rule in ((MONTH_DAY, "month_day"), (DAY_MONTH, "day_month")):
        if m := pattern.search(text):
            year = int(m["year"]) if m["year"] else None
            return _day_of(year, _month_number(m["month"]), int(m["day"]), article, mention, rule)
    if m := RELATIVE.search(text):
        return _relative(m["rel"], article, mention)
    if m := DAYS_AGO.search(text):
        q = parse_quantity(m["n"], articles=False)
        if q is None or q.value is None or q.qualifier != "exact":
            return ResolvedDate(None, mention, "vague")
        if article is None:
            return ResolvedDate(None, mention, "no_article_date")
        return ResolvedDate((article - dt.timedelta(days=q.value)).isoformat(), mention, "days_ago")
    if VAGUE.search(text):
        return ResolvedDate(None, mention, "vague")
    if m := WEEKDAY.search(text):
        if article is None:
            return ResolvedDate(None, mention, "no_article_date")
        rel = (m["rel"] or "").lower() or None
        day = weekday_on_or_before(WEEKDAYS.index(m["wd"].casefold()), article, rel)
        rule = "weekday" if rel in (None, "this") else f"weekday_{'last' if rel == 'past' else rel}"
        return ResolvedDate(day.isoformat(), mention, rule)
    if MONTH_ONLY.search(text):
        return ResolvedDate(None, mention, "month_only")
    if YEAR.search(text):
        return ResolvedDate(None, mention, "year_only")
    return ResolvedDate(None, mention, "unrecognised")


def find_date_mentions(text: str) -> list[DateMention]:
    """Time expressions in a sentence, left to right (for text where the tagger found no Temporal span)."""
    return list(_date_mentions(text))


@lru_cache(maxsize=CACHED_SENTENCES)
def _date_mentions(text: str) -> tuple[DateMention, ...]:
    # Cached: the adapter, the date rules and the background rules all read each sentence's dates.
    taken: list[tuple[int, int]] = []
    low = lower_ascii(text)
    for pattern, hint, words in FINDERS:
        if (hint and not hint.search(text)) or (words and low is not None and not has_any(low, words)):
            continue
        for m in ascii_finditer(pattern, text, low):
            s, e = m.span()
            if s == e or any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
    return tuple(DateMention(s, e, text[s:e]) for s, e in sorted(taken))


def time_relation(mention: str, article_date: dt.date | str | None) -> str:
    """ "recent" (within RECENT_DAYS of the article), "past" (clearly before that: an old date, an earlier year
    or month, "last year", "years ago") or "unknown". Background detection uses it.
    """
    article = parse_article_date(article_date)
    resolved = resolve_date(mention, article)
    if resolved.iso is not None:
        if article is None:
            return "unknown"
        delta = (article - dt.date.fromisoformat(resolved.iso)).days
        return "recent" if -RECENT_DAYS <= delta <= RECENT_DAYS else "past" if delta > 0 else "unknown"
    if PAST_WORDS.search(mention.lower()):
        return "past"
    if resolved.rule in ("month_only", "year_only"):
        year_m = YEAR.search(mention)
        if year_m and article is not None:
            year = int(year_m["year"])
            if year_m["decade"] or year < article.year:
                return "past"
            if year > article.year:
                return "unknown"
        month_m = MONTH_ONLY.search(mention)
        if resolved.rule == "month_only" and month_m and article is not None:
            month = _month_number(month_m["month"])
            if year_m is None:  # "in March" read with the year rule, as if on the 1st
                first = infer_year(month, 1, article)
                if first is not None and (article - first).days > RECENT_DAYS:
                    return "past"
            elif month < article.month - 1:
                return "past"
        if year_m is not None and article is None:
            return "past"
    return "unknown"


def dateline_end(text: str) -> int:
    """Where the article body starts after a ``date YYYY-MM-DD`` prefix and a wire dateline ("BEIRUT, June 8,
    2020 (AFP) – "); 0 when there is neither. Dates in it are the report's, not the event's.
    """
    m = DATELINE.match(text)
    return m.end() if m else 0
