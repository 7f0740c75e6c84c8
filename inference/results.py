"""What the tagger returns: plain dataclasses with ``to_dict()``, offsets into the caller's original text.

Every ``start``/``end`` is a character offset into the string the caller passed in (date prefix, line breaks and
curly quotes included), so ``original[start:end] == text`` for every span and sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _num(x: float, ndigits: int | None) -> float:
    return float(x) if ndigits is None else round(float(x), ndigits)


def _scores_dict(
    scores: dict[str, dict[str, float]] | None, ndigits: int | None
) -> dict[str, dict[str, float]]:
    return {
        h: {label: _num(s, ndigits) for label, s in by_label.items()}
        for h, by_label in (scores or {}).items()
    }


def _plain_copy(x: Any) -> Any:
    """A copy of nested dicts and lists (what ``copy.deepcopy`` gives JSON-like data, several times faster)."""
    if isinstance(x, dict):
        return {k: _plain_copy(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain_copy(v) for v in x]
    return x


def rounded_event(event: dict[str, Any], ndigits: int | None) -> dict[str, Any]:
    """A copy of an event record dict with its scores rounded like every other score."""
    out = _plain_copy(event)
    for key in ("event_type_score", "sub_event_type_score"):
        if out.get(key) is not None:
            out[key] = _num(out[key], ndigits)
    return out


@dataclass(frozen=True)
class Article:
    """An input article: an id, its raw text (as in the dump) and an optional ISO date."""

    id: str | None
    text: str
    date: str | None = None


@dataclass(frozen=True)
class LabelScore:
    """A predicted label of a sequence head and its probability."""

    label: str
    score: float

    def to_dict(self, ndigits: int | None = None) -> dict[str, Any]:
        return {"label": self.label, "score": _num(self.score, ndigits)}


@dataclass(frozen=True)
class SpanResult:
    """A span of a token head: ``text == original[start:end]`` (it may hold the line break of a wrapped line)."""

    start: int
    end: int
    label: str
    text: str
    score: float

    def to_dict(self, ndigits: int | None = None) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
            "score": _num(self.score, ndigits),
        }


@dataclass
class SentenceResult:
    """One sentence (``original[start:end]``) with its labels per sequence head, best first."""

    start: int
    end: int
    text: str
    labels: dict[str, list[LabelScore]]
    all_scores: dict[str, dict[str, float]] | None = None  # every label's probability, when asked for

    def to_dict(self, ndigits: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "labels": {h: [x.to_dict(ndigits) for x in v] for h, v in self.labels.items()},
        }
        if self.all_scores is not None:
            out["all_scores"] = _scores_dict(self.all_scores, ndigits)
        return out


@dataclass
class ArticleResult:
    """Everything the model says about one article.

    ``spans[head]``: token-head spans in text order. ``labels[head]``: the article's labels, best first: the
    label of the article's pooled vector, then (multi_class heads) a label some sentence gives at least
    ``Tagger.secondary_min_score``; ``none`` only when nothing else is left (``inference.decode.text_labels``).
    ``model``: ``{"name", "sha256"}`` of the weights that produced this.
    ``events``: ACLED-style event records (``EventRecord.to_dict()``, see ``inference.events``) built from the
    labels and spans; empty for a model without an ``event_type`` head; None when the caller skipped them
    (``tagger(..., events=False)``), and then ``to_dict()`` has no ``events`` key.
    """

    id: str | None
    date: str | None
    spans: dict[str, list[SpanResult]]
    labels: dict[str, list[LabelScore]]
    sentences: list[SentenceResult]
    model: dict[str, str]
    all_scores: dict[str, dict[str, float]] | None = field(
        default=None
    )  # per head: label -> max sentence prob
    events: list[dict[str, Any]] | None = field(default_factory=list)

    def spans_in(self, start: int, end: int) -> dict[str, list[SpanResult]]:
        """Spans per token head that lie inside ``[start, end)`` (e.g. one sentence's entities)."""
        return {h: [s for s in spans if start <= s.start and s.end <= end] for h, spans in self.spans.items()}

    def to_dict(self, ndigits: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "date": self.date,
            "spans": {h: [s.to_dict(ndigits) for s in v] for h, v in self.spans.items()},
            "labels": {h: [x.to_dict(ndigits) for x in v] for h, v in self.labels.items()},
            "sentences": [s.to_dict(ndigits) for s in self.sentences],
            "events": [rounded_event(e, ndigits) for e in self.events or []],
            "model": dict(self.model),
        }
        if self.events is None:  # skipped by the caller: no key, not an empty list that reads "none found"
            del out["events"]
        if self.all_scores is not None:
            out["all_scores"] = _scores_dict(self.all_scores, ndigits)
        return out
