"""Tagger results -> event records: an ArticleResult's sentences and spans become the events layer's own inputs
(``SentenceView``, ``Mention``) and ``build_events`` turns them into ACLED-style records.

The events layer reads the caller's original text, the very string every tagger offset points into (date prefix,
line breaks and curly quotes included), so every record's evidence, actors and places satisfy
``text[start:end] == item["text"]`` like the tagger's spans do. Sentence labels come from the ``event_type`` and
``sub_event_type`` heads, mentions from the ``entities`` and ``roles`` heads; a model without an ``event_type``
head gives no records.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from inference.events import Mention, SentenceView, build_events
from inference.events.dates import find_date_mentions, parse_article_date
from inference.results import Article, ArticleResult, rounded_event

logger = logging.getLogger(__name__)

EVENT_HEAD = "event_type"
SUB_EVENT_HEAD = "sub_event_type"
MENTION_HEADS = ("entities", "roles")
TEMPORAL = "Temporal"
EVENTS_KEY = "events"
# Edge characters trimmed from a span, and words that alone never name an actor, place or date.
_EDGE_PUNCT = frozenset("-\u2010\u2011\u2013\u2014'\"\u2018\u2019\u201c\u201d,;:")
_WORD = re.compile(r"\w+")
FUNCTION_WORDS = frozenset(
    """
a an the of in on at to by for from with and or as s it its they them their he him his she her we us our i
you this that these those there who which
""".split()
)


def sentence_views(result: ArticleResult) -> list[SentenceView]:
    """The tagger's sentences with their event_type / sub_event_type labels, best first."""
    return [
        SentenceView(
            s.start,
            s.end,
            s.text,
            event_type=[(x.label, float(x.score)) for x in s.labels.get(EVENT_HEAD, [])],
            sub_event_type=[(x.label, float(x.score)) for x in s.labels.get(SUB_EVENT_HEAD, [])],
        )
        for s in result.sentences
    ]


def clean_mention(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` trimmed of the dashes, quotes and commas a token-level tagger leaves at a span's edges
    ("-government", "“Hama,"); None when nothing but function words or punctuation is left ("the", "It", "-").
    """
    while start < end and (text[start].isspace() or text[start] in _EDGE_PUNCT):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE_PUNCT):
        end -= 1
    words = _WORD.findall(text[start:end].casefold())
    if not words or all(w in FUNCTION_WORDS for w in words):
        return None
    return start, end


def _date_ranges(result: ArticleResult) -> list[tuple[int, int]]:
    """Where the date finder sees a time expression, sentence by sentence (offsets into the article)."""
    return [
        (s.start + d.start, s.start + d.end) for s in result.sentences for d in find_date_mentions(s.text)
    ]


def mentions(result: ArticleResult, text: str) -> list[Mention]:
    """The spans of the ``entities`` and ``roles`` heads (those the model has) as mentions of ``text``, trimmed
    by ``clean_mention`` (spans of nothing but function words or punctuation left out). A Temporal span that is
    only part of a date the date finder reads ("9" and "2020" in "9 May 2020") is left out too, so the events
    layer reads the whole date instead of the fragments.
    """
    dates = _date_ranges(result)
    out = []
    for head in MENTION_HEADS:
        for s in result.spans.get(head, []):
            kept = clean_mention(text, s.start, s.end)
            if kept is None:
                continue
            start, end = kept
            if (
                head == "entities"
                and s.label == TEMPORAL
                and any(start < e and b < end and not (start <= b and e <= end) for b, e in dates)
            ):
                continue
            out.append(Mention(start, end, s.label, text[start:end], float(s.score), head))
    return out


def article_events(text: str, result: ArticleResult, **options: Any) -> list[dict[str, Any]]:
    """Event record dicts of one tagged article; ``text`` is the original string the article was tagged from.

    ``options`` go to ``build_events`` (``min_event_score``, ``max_gap``, ``date_fallback_to_article``). A date
    that is not ISO is left out (relative dates then stay unresolved); rules that fail on an article leave its
    records empty with a warning, so its labels and spans are still written.
    """
    if EVENT_HEAD not in result.labels:
        return []
    try:
        date = parse_article_date(result.date)
    except ValueError:
        logger.warning(
            "article %s: date %r is not YYYY-MM-DD; its event dates resolve without it",
            result.id,
            result.date,
        )
        date = None
    try:
        records = build_events(text, sentence_views(result), mentions(result, text), date, **options)
    except Exception as e:  # noqa: BLE001 - one article's rules must not cost the run its labels
        logger.warning("article %s: no event records (%s: %s)", result.id, type(e).__name__, e)
        return []
    return [r.to_dict() for r in records]


def attach_events(results: Sequence[ArticleResult], articles: Sequence[Article], **options: Any) -> None:
    """Fill ``result.events`` of each result from its article's original text (same order, same length)."""
    if len(results) != len(articles):
        raise ValueError(f"{len(results)} results for {len(articles)} articles")
    for result, article in zip(results, articles):
        result.events = article_events(article.text, result, **options)


# ---- conflict-tag output records -----------------------------------------------------------------------------
def events_columns(columns: list[str]) -> list[str]:
    """Output columns with ``events`` right after ``sentences`` (at the end when there is no ``sentences``)."""
    if EVENTS_KEY in columns:
        raise ValueError(
            f"a head named '{EVENTS_KEY}' clashes with the output key '{EVENTS_KEY}'; rename the head"
        )
    at = columns.index("sentences") + 1 if "sentences" in columns else len(columns)
    return [*columns[:at], EVENTS_KEY, *columns[at:]]


def with_events(record: dict[str, Any], result: ArticleResult, ndigits: int | None = None) -> dict[str, Any]:
    """An output record with the result's events added where ``events_columns`` puts them."""
    keys = events_columns(list(record))
    events = [rounded_event(e, ndigits) for e in result.events]
    return {k: events if k == EVENTS_KEY else record[k] for k in keys}
