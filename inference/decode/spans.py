"""Token-head probabilities -> character spans.

Windows overlap, so a token may be scored by several windows: ``merge_window_probs`` averages them by the token's
character offsets. ``decode_spans`` then reads BIO tags at the level of words (a word's tag is its first sub-token's
tag) so spans never cut a word, taking the most probable tag path in which every ``I-X`` continues an ``X`` span.
"""

from __future__ import annotations

import functools
import math
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
    if not len(offsets):
        return []
    probs = np.asarray(probs)
    rows: list[int] = []  # each word's first sub-token: it carries the word's tag
    bounds: list[list[int]] = []  # each word's [start, end] in characters
    prev_word = object()
    for i, ((start, end), wid) in enumerate(zip(offsets, word_ids)):
        if wid is not None and wid == prev_word:
            bounds[-1][1] = end
            continue
        prev_word = wid
        rows.append(i)
        bounds.append([start, end])
    word_probs = probs[rows]
    grammar = _bio_grammar(tuple(bio_labels))
    tags = word_probs.argmax(axis=1)
    if not grammar.valid(tags):
        tags = grammar.viterbi(word_probs)
    best = word_probs[np.arange(len(tags)), tags].tolist()
    spans: list[Span] = []
    cur: list | None = None  # [start, end, label, [scores]]
    for (start, end), j, p in zip(bounds, tags.tolist(), best):
        prefix, label = grammar.parsed[j]
        if prefix == "I" and cur is not None and cur[2] == label:
            cur[1] = end
            cur[3].append(p)
            continue
        if cur is not None:
            spans.append(Span(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
            cur = None
        if prefix is not None:  # B, or an I the grammar let through (only if no valid path exists)
            cur = [start, end, label, [p]]
    if cur is not None:
        spans.append(Span(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
    return spans


class _BioGrammar:
    """Which BIO tag sequences are spans: ``I-X`` only right after ``B-X`` or ``I-X``.

    Per-word argmax can break that (``O I-X``, ``B-X I-Y``); reading such a path leniently cuts or invents spans.
    ``viterbi`` finds the most probable valid path instead (+1.2 to +1.8 re3d macro F1, +12.6 roles macro F1 on dev;
    README, Quality). When the argmax path is valid it is also the best valid path, and Viterbi is skipped.
    """

    def __init__(self, bio_labels: tuple[str, ...]):
        self.parsed = [(None, None) if tag == "O" else tuple(tag.split("-", 1)) for tag in bio_labels]
        index = {tag: i for i, tag in enumerate(bio_labels)}
        # per tag: the B tag an I tag continues besides itself (itself when its B is missing); -1 for O and B tags
        self.begin = [
            index.get(f"B-{label}", i) if prefix == "I" else -1
            for i, (prefix, label) in enumerate(self.parsed)
        ]
        self.is_inside = np.array([b >= 0 for b in self.begin], dtype=bool)
        self.continues = np.zeros((len(bio_labels), len(bio_labels)), dtype=bool)  # [prev, next] allowed
        self.continues[:, ~self.is_inside] = True
        for i, b in enumerate(self.begin):
            if b >= 0:
                self.continues[b, i] = self.continues[i, i] = True

    def valid(self, tags: np.ndarray) -> bool:
        if not len(tags):
            return True
        return not self.is_inside[tags[0]] and bool(self.continues[tags[:-1], tags[1:]].all())

    def viterbi(self, probs: np.ndarray) -> np.ndarray:
        """Most probable valid tag path through per-word tag probabilities [W, n_tags].

        Plain Python over lists: with 7-21 tags per word it runs 2-4x faster than numpy calls per word.
        """
        logp = np.log(np.clip(probs, 1e-12, None)).tolist()
        begin = self.begin
        tags = range(len(begin))
        score = [-math.inf if begin[j] >= 0 else v for j, v in enumerate(logp[0])]
        backs = []
        for row in logp[1:]:
            top = max(tags, key=score.__getitem__)  # O and B-X follow anything: the best previous tag
            best = score[top]
            new, back = [], []
            for j in tags:
                b = begin[j]
                if b < 0:
                    new.append(row[j] + best)
                    back.append(top)
                elif score[j] >= score[b]:  # I-X follows I-X or B-X, whichever scored higher
                    new.append(row[j] + score[j])
                    back.append(j)
                else:
                    new.append(row[j] + score[b])
                    back.append(b)
            score = new
            backs.append(back)
        path = [max(tags, key=score.__getitem__)]
        for back in reversed(backs):
            path.append(back[path[-1]])
        return np.array(path[::-1], dtype=np.int64)


@functools.lru_cache(maxsize=64)
def _bio_grammar(bio_labels: tuple[str, ...]) -> _BioGrammar:
    return _BioGrammar(bio_labels)
