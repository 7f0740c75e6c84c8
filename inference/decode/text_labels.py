"""A whole text's labels per sequence head: the label of the text's pooled vector, plus labels that one of its
sentences is sure of.

A short news text reports one event, so its best label is read from all of its tokens pooled together (what
training optimises for a whole example). A second event in a longer article shows up in a sentence: a further
label counts when some sentence gives it at least ``secondary_min_score`` (``ARTICLE_SECONDARY_MIN_SCORE``), and
for a child head (sub_event_type) the best sentence label of each kept parent label always counts, so every parent
keeps a child. ``none`` gives way to any other label.
"""

from __future__ import annotations

from inference.decode.labels import SequencePrediction
from inference.model.configuration import MULTI_CLASS, HeadSpec
from inference.model.configuration import NONE as NONE_LABEL
from inference.results import LabelScore

# The sentence probability a multi_class label other than the text's best needs to count for the text. On news_dev
# (short news, one event each) with the default model, article event_type / sub_event_type F1 was 79.5 / 76.6 for
# the plain union of sentence labels, 82.1 / 80.3 at 0.95 and 82.5 / 80.8 for the best label only (sentence
# labels; bench/inference.py --dev, article_label_f1); 0.95 still reports a second event a sentence is sure of.
ARTICLE_SECONDARY_MIN_SCORE = 0.95


def text_labels(
    head: HeadSpec,
    pooled: SequencePrediction,
    sentences: list[SequencePrediction],
    *,
    parent_labels: set[str] | None = None,
    secondary_min_score: float = ARTICLE_SECONDARY_MIN_SCORE,
) -> list[LabelScore]:
    """Labels of one text for one head, best first (see the module docstring); ``pooled``: the decoded pooled
    vector, ``sentences``: the decoded sentences, ``parent_labels``: the parent head's labels of this text."""
    if not sentences:
        return []
    chosen = {x: pooled.scores[x] for x in pooled.labels}
    if head.problem_type == MULTI_CLASS and secondary_min_score <= 1.0:
        group = head.parent_map.get if head.parent_map else (lambda x: None)
        seen = {group(x) for x in chosen if x != NONE_LABEL}
        best: dict[str, float] = {}
        for p in sentences:
            for x in p.labels:
                if x != NONE_LABEL and p.scores[x] > best.get(x, -1.0):
                    best[x] = p.scores[x]
        for x, score in sorted(best.items(), key=lambda kv: -kv[1]):
            if x in chosen:
                continue
            if parent_labels is not None and head.parent_map and head.parent_map.get(x) not in parent_labels:
                continue
            if score >= secondary_min_score or (parent_labels is not None and group(x) not in seen):
                chosen[x] = score
                seen.add(group(x))
    if len(chosen) > 1:
        chosen.pop(NONE_LABEL, None)
    if not chosen and NONE_LABEL in head.labels:
        chosen[NONE_LABEL] = pooled.scores[NONE_LABEL]
    rank = {label: j for j, label in enumerate(head.labels)}
    first = [x for x in pooled.labels if x in chosen][:1]
    rest = sorted((x for x in chosen if x not in first), key=lambda x: (-chosen[x], rank[x]))
    return [LabelScore(x, chosen[x]) for x in first + rest]
