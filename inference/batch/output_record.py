"""The batch labeller's output record and its columns, built in this one place.

A record is ``ArticleResult.to_dict`` re-keyed for a table: ``id``, one key per head (token heads: spans;
sequence heads: the article's labels, best first), ``sentences``, ``events`` (unless skipped), ``date``, ``model``
and, when asked for, ``all_scores``. Scores are rounded to ``SCORE_DIGITS``.
"""

from __future__ import annotations

from typing import Any

from inference.model.configuration import TOKEN, HeadSpec
from inference.results import ArticleResult

SCORE_DIGITS = 4
RESERVED_KEYS = ("id", "sentences", "events", "date", "model", "all_scores")


def output_columns(heads: list[HeadSpec], all_scores: bool = False, events: bool = False) -> list[str]:
    """Keys of an output record, in order: id, one per head, sentences (, events), date, model (, all_scores)."""
    clash = [h.name for h in heads if h.name in RESERVED_KEYS]
    if clash:
        raise ValueError(
            f"head name(s) {clash} clash with output keys {list(RESERVED_KEYS)}; rename the head(s)"
        )
    return (
        ["id", *[h.name for h in heads], "sentences"]
        + (["events"] if events else [])
        + ["date", "model"]
        + (["all_scores"] if all_scores else [])
    )


def output_record(
    result: ArticleResult, heads: list[HeadSpec], *, ndigits: int = SCORE_DIGITS
) -> dict[str, Any]:
    """One article's record (``events`` present when the result has them, i.e. unless the caller skipped them)."""
    d = result.to_dict(ndigits)
    out: dict[str, Any] = {"id": d["id"]}
    for h in heads:
        out[h.name] = d["spans"][h.name] if h.kind == TOKEN else d["labels"][h.name]
    out["sentences"] = d["sentences"]
    if "events" in d:
        out["events"] = d["events"]
    out["date"] = d["date"]
    out["model"] = d["model"]
    if "all_scores" in d:
        out["all_scores"] = d["all_scores"]
    return out
