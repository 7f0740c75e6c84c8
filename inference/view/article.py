"""One article as the view draws it, from a ``Tagger`` result or from a ``conflict-tag`` output record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inference.batch.output_record import RESERVED_KEYS
from inference.results import ArticleResult


@dataclass
class ViewArticle:
    """An article's text and what the model said about it, as plain dicts (``ArticleResult.to_dict`` shapes)."""

    id: str | None
    date: str | None
    text: str
    spans: dict[str, list[dict[str, Any]]]  # token head -> [{start, end, label, text, score}]
    labels: dict[str, list[dict[str, Any]]]  # sequence head -> [{label, score}], the article's labels
    sentences: list[dict[str, Any]]  # [{start, end, text, labels: {head: [{label, score}]}}]
    events: list[dict[str, Any]] = field(default_factory=list)
    text_rebuilt: bool = False  # the text was put together from the sentences (no input text was given)


def text_from_sentences(sentences: list[dict[str, Any]]) -> str:
    """The article text as far as its sentences tell: each at its offsets, spaces in between."""
    size = max((int(s["end"]) for s in sentences), default=0)
    chars = [" "] * size
    for s in sentences:
        start = int(s["start"])
        chars[start : start + len(s["text"])] = list(s["text"])
    return "".join(chars[:size])


def view_article(item: ArticleResult | dict[str, Any], text: str | None = None) -> ViewArticle:
    """A view of a ``Tagger`` result or of one ``conflict-tag`` JSONL record (``text``: the article as tagged;
    without it, the text is rebuilt from the record's sentences and any span outside them shows blank)."""
    if isinstance(item, ArticleResult):
        d = item.to_dict(4)
        spans, labels = d["spans"], d["labels"]
    else:
        d = item
        spans, labels = {}, {}
        for key, value in d.items():
            if key in RESERVED_KEYS or not isinstance(value, list) or not value:
                continue  # an empty head: nothing to draw
            # token heads hold spans ({start, end, label, ...}); sequence heads hold {label, score}
            if all(isinstance(v, dict) and "start" in v for v in value):
                spans[key] = value
            elif all(isinstance(v, dict) and "label" in v and "start" not in v for v in value):
                labels[key] = value
    sentences = list(d.get("sentences") or [])
    rebuilt = text is None
    if text is None:
        text = text_from_sentences(sentences)
    return ViewArticle(
        id=None if d.get("id") is None else str(d.get("id")),
        date=d.get("date"),
        text=text,
        spans=spans,
        labels=labels,
        sentences=sentences,
        events=list(d.get("events") or []),
        text_rebuilt=rebuilt,
    )
