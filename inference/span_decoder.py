"""Token-head probabilities -> character spans.

Windows overlap, so a token may be scored by several windows: ``merge_window_probs`` averages them by the token's
character offsets. ``decode_spans`` then reads BIO tags at the level of words (a word's tag is its first sub-token's
tag) so spans never cut a word, and an ``I-X`` that does not continue an ``X`` span starts one (seqeval's lenient
reading), which loses no prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str
    score: float


def merge_window_probs(
    windows: list[tuple[np.ndarray, list[tuple[int, int]], list[int | None]]],
) -> tuple[np.ndarray, list[tuple[int, int]], list[int | None]]:
    """Average per-token probabilities of overlapping windows.

    Each window is ``(probs [T, n_tags], offsets [(start, end)] * T, word_ids [T])`` over real tokens only
    (no special or padding tokens); word ids must be global (same word -> same id in every window).
    Returns one row per distinct token, in text order.
    """
    acc: dict[tuple[int, int], list] = {}
    for probs, offsets, word_ids in windows:
        for row, off, wid in zip(probs, offsets, word_ids):
            key = (int(off[0]), int(off[1]))
            if key in acc:
                acc[key][0] = acc[key][0] + row
                acc[key][1] += 1
            else:
                acc[key] = [np.array(row, dtype=np.float64), 1, wid]
    keys = sorted(acc)
    if not keys:
        return np.zeros((0, 0)), [], []
    probs = np.stack([acc[k][0] / acc[k][1] for k in keys])
    return probs, keys, [acc[k][2] for k in keys]


def decode_spans(
    probs: np.ndarray, offsets: list[tuple[int, int]], word_ids: list[int | None], bio_labels: list[str]
) -> list[Span]:
    """BIO-decode tokens (in text order) into character spans with the mean tag probability as score."""
    spans: list[Span] = []
    if not len(offsets):
        return spans
    probs = np.asarray(probs)
    # One argmax over all rows, then plain Python: per-row numpy calls cost more than the decoding itself.
    tags = probs.argmax(axis=1)
    best = probs[np.arange(len(tags)), tags].tolist()
    parsed = [(None, None) if tag == "O" else tuple(tag.split("-", 1)) for tag in bio_labels]
    cur: list | None = None  # [start, end, label, [scores]]
    prev_word = object()
    for (start, end), wid, j, p in zip(offsets, word_ids, tags.tolist(), best):
        if wid is not None and wid == prev_word:
            if cur is not None:  # later sub-tokens of a word extend whatever span the word is in
                cur[1] = end
            continue
        prev_word = wid
        prefix, label = parsed[j]
        if prefix is None:
            if cur is not None:
                spans.append(Span(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
                cur = None
            continue
        if prefix == "I" and cur is not None and cur[2] == label:
            cur[1] = end
            cur[3].append(p)
            continue
        if cur is not None:
            spans.append(Span(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
        cur = [start, end, label, [p]]
    if cur is not None:
        spans.append(Span(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
    return spans
