"""A text's labels: the pooled text's label first, others only when a sentence is sure of them."""

from inference.decode.labels import SequencePrediction
from inference.decode.text_labels import text_labels


def _head(labels, parent_map=None, problem_type="multi_class"):
    return type("H", (), {"labels": labels, "problem_type": problem_type, "parent_map": parent_map or {}})()


def _pred(labels, label, p):
    scores = {x: 0.05 for x in labels}
    scores[label] = p
    return SequencePrediction([label], scores)


def test_the_pooled_label_comes_first_and_none_gives_way():
    head = _head(["none", "Battles", "Protests"])
    sentences = [_pred(head.labels, "none", 0.9), _pred(head.labels, "Battles", 0.6)]
    labels = text_labels(head, _pred(head.labels, "Battles", 0.7), sentences)
    assert [(x.label, x.score) for x in labels] == [("Battles", 0.7)]
    # a text the pooled vector reads as none, with a sentence sure of an event: the event wins
    labels = text_labels(head, _pred(head.labels, "none", 0.6), [_pred(head.labels, "Protests", 0.97)])
    assert [(x.label, x.score) for x in labels] == [("Protests", 0.97)]
    labels = text_labels(head, _pred(head.labels, "none", 0.8), [_pred(head.labels, "Protests", 0.9)])
    assert [x.label for x in labels] == ["none"]


def test_a_second_event_counts_only_when_a_sentence_is_sure_of_it():
    head = _head(["none", "Battles", "Protests", "Riots"])
    sentences = [_pred(head.labels, "Battles", 0.6), _pred(head.labels, "Riots", 0.9)]
    pooled = _pred(head.labels, "Protests", 0.5)
    assert [x.label for x in text_labels(head, pooled, sentences)] == ["Protests"]
    sentences.append(_pred(head.labels, "Battles", 0.99))
    labels = text_labels(head, pooled, sentences)
    assert [(x.label, x.score) for x in labels] == [("Protests", 0.5), ("Battles", 0.99)]
    assert [x.label for x in text_labels(head, pooled, sentences, secondary_min_score=2.0)] == ["Protests"]


def test_multi_label_heads_take_the_pooled_labels_only():
    head = _head(["violence", "politics", "crime"], problem_type="multi_label")
    pooled = SequencePrediction(["politics", "violence"], {"violence": 0.6, "politics": 0.8, "crime": 0.1})
    sentences = [SequencePrediction(["crime"], {"violence": 0.1, "politics": 0.1, "crime": 0.99})]
    assert [x.label for x in text_labels(head, pooled, sentences)] == ["politics", "violence"]


def test_child_labels_keep_one_child_of_every_kept_parent_and_drop_children_of_others():
    parent_map = {"none": "none", "Armed clash": "Battles", "Attack": "VAC", "Abduction": "VAC"}
    head = _head(list(parent_map), parent_map)
    sentences = [
        _pred(head.labels, "Armed clash", 0.5),
        _pred(head.labels, "Attack", 0.6),
        _pred(head.labels, "Abduction", 0.7),
    ]
    pooled = _pred(head.labels, "Abduction", 0.4)
    labels = text_labels(head, pooled, sentences, parent_labels={"Battles", "VAC"})
    assert [x.label for x in labels] == ["Abduction", "Armed clash"]  # one per parent, the text's first
    assert [x.label for x in text_labels(head, pooled, sentences, parent_labels={"VAC"})] == ["Abduction"]
    none = _pred(head.labels, "none", 0.8)
    assert [x.label for x in text_labels(head, none, sentences, parent_labels={"none"})] == ["none"]


def test_a_text_without_sentences_has_no_labels():
    head = _head(["none", "Battles"])
    assert text_labels(head, _pred(head.labels, "none", 0.9), []) == []
