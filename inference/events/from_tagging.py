"""The events step, after tagging: a text's prediction becomes the events layer's own inputs (``SentenceView``,
``Mention``), ``build_events`` turns them into ACLED-style records, and ``to_original`` maps every record offset
back to the caller's string.

The rules read the normalised text the model read (paragraphs joined, quotes and dashes in ASCII, no ``date``
prefix: ``inference.text.processor``), and the date prefix parsed there is the article date. One offset map
(``PreparedText.to_original``) then makes every record's evidence, actor and place satisfy
``text[start:end] == item["text"]`` in the original, as the tagger's spans do. Sentence labels come from the
``event_type``, ``sub_event_type`` and (when the model has them) ``inter1`` / ``inter2`` heads, mentions from the ``entities`` and ``roles`` heads; a model without
an ``event_type`` head gives no records.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from inference.events import Mention, SentenceView, build_events
from inference.events.dates import find_date_mentions, parse_article_date
from inference.events.inputs import NONE_LABEL
from inference.results import ArticleResult

logger = logging.getLogger(__name__)

EVENT_HEAD = "event_type"
SUB_EVENT_HEAD = "sub_event_type"
ACTOR_TYPE_HEADS = ("inter1", "inter2")
MENTION_HEADS = ("entities", "roles")
PLACES_HEAD = "places"  # the event's place, learnt from ACLED notes: read as entities' Location
LOCATION = "Location"
TEMPORAL = "Temporal"
# Edge characters trimmed from a span, and words that alone never name an actor, place or date.
_EDGE_PUNCT = frozenset("-\u2010\u2011\u2013\u2014'\"\u2018\u2019\u201c\u201d,;:")
_WORD = re.compile(r"\w+")
FUNCTION_WORDS = frozenset(
    """
a an the of in on at to by for from with and or as s it its they them their he him his she her we us our i
you this that these those there who which
""".split()
)


def sentence_views(prediction) -> list[SentenceView]:
    """The prediction's sentences (normalised offsets) with their event_type, sub_event_type and actor-type
    (inter1 / inter2) labels, best first; a head the model lacks gives empty lists."""
    text = prediction.prepared.text
    labels = prediction.sentence_labels

    def ranked(head: str, j: int) -> list[tuple[str, float]]:
        if head not in labels:
            return []
        p = labels[head][j]
        return [(x, float(p.scores[x])) for x in p.labels]

    return [
        SentenceView(
            a,
            b,
            text[a:b],
            event_type=ranked(EVENT_HEAD, j),
            sub_event_type=ranked(SUB_EVENT_HEAD, j),
            **{head: ranked(head, j) for head in ACTOR_TYPE_HEADS},
        )
        for j, (a, b) in enumerate(prediction.prepared.sentences)
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
    if not words or FUNCTION_WORDS.issuperset(words):
        return None
    return start, end


def mentions(prediction) -> list[Mention]:
    """The spans of the ``entities`` and ``roles`` heads (those the model has) as mentions of the normalised
    text, and those of a ``places`` head (the event's place) as entities' Location mentions, trimmed by
    ``clean_mention`` (spans of nothing but function words or punctuation left out). A Temporal span that is
    only part of a date the date finder reads ("9" and "2020" in "9 May 2020") is left out too, so the events
    layer reads the whole date instead of the fragments.
    """
    text = prediction.prepared.text
    dates = [
        (a + d.start, a + d.end)
        for a, b in prediction.prepared.sentences
        for d in find_date_mentions(text[a:b])
    ]
    out = []
    for head in MENTION_HEADS:
        for s in prediction.spans.get(head, []):
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
    located = {(m.start, m.end) for m in out if m.label == LOCATION}
    for s in prediction.spans.get(PLACES_HEAD, []):
        kept = clean_mention(text, s.start, s.end)
        if kept is not None and kept not in located:
            out.append(Mention(*kept, LOCATION, text[kept[0] : kept[1]], float(s.score), "entities"))
    return out


def article_labels(prediction) -> dict[str, tuple[str, float]]:
    """The article's best label and score per sequence head (from its pooled vector, ``text_labels``)."""
    return {h: (ls[0].label, float(ls[0].score)) for h, ls in prediction.labels.items() if ls}


def has_event_sentence(prediction, min_event_score: float = 0.0) -> bool:
    """Does some sentence's best event_type label, not ``none``, score at least ``min_event_score``? (What makes
    it an event sentence for ``inference.events.incidents``.)"""
    for p in prediction.sentence_labels.get(EVENT_HEAD, ()):
        if p.labels and p.labels[0] != NONE_LABEL and p.scores[p.labels[0]] >= min_event_score:
            return True
    return False


def to_original(record: dict[str, Any], prepared) -> dict[str, Any]:
    """A record with every ``{"text", "start", "end"}`` item re-pointed from the normalised text to the original."""
    out = dict(record)
    for key, value in record.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and "start" in value[0]:
            items = []
            for item in value:
                start, end = prepared.to_original(item["start"], item["end"])
                items.append({**item, "text": prepared.original[start:end], "start": start, "end": end})
            out[key] = items
    return out


def article_events(result: ArticleResult, prediction, **options: Any) -> list[dict[str, Any]]:
    """Event record dicts of one tagged article (offsets into the original text).

    ``options`` go to ``build_events`` (``min_event_score``, ``max_gap``, ``date_fallback_to_article``,
    ``gazetteer``: by default the process's offline place index, opened at the first record). A date
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
    if not has_event_sentence(prediction, options.get("min_event_score", 0.0)):
        return []  # incidents start only at event sentences: the rules would find none
    text = prediction.prepared.text
    if "gazetteer" not in options:
        from inference.geo.gazetteer import default_gazetteer  # only with events on: opens the place index

        options = {**options, "gazetteer": default_gazetteer()}
    try:
        records = build_events(
            text,
            sentence_views(prediction),
            mentions(prediction),
            date,
            article_labels=article_labels(prediction),
            **options,
        )
    except Exception as e:  # noqa: BLE001 - one article's rules must not cost the run its labels
        logger.warning("article %s: no event records (%s: %s)", result.id, type(e).__name__, e)
        return []
    return [to_original(r.to_dict(), prediction.prepared) for r in records]


def add_events(results: Sequence[ArticleResult], predictions: Sequence, **options: Any) -> None:
    """Fill ``result.events`` of each tagged article from its prediction (same order, same length)."""
    if len(results) != len(predictions):
        raise ValueError(f"{len(results)} results for {len(predictions)} predictions")
    for result, prediction in zip(results, predictions):
        result.events = article_events(result, prediction, **options)
