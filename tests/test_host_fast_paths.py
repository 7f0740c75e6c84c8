"""The host stages' fast paths (vectorised span decoding and window merging, collation in one assignment, event
records skipped for articles with no event sentence) give what the plain per-token loops give, on varied inputs.
The plain loops below are the implementations the fast paths replaced."""

import dataclasses
import random

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from inference import Tagger
from inference.decode.labels import (
    SequencePrediction,
    decode_sequence_heads,
    head_probabilities,
    parents_first,
)
from inference.decode.spans import Span, _bio_grammar, decode_spans, decode_spans_many, merge_window_probs
from inference.events import build_events
from inference.events.from_tagging import article_events, has_event_sentence, mentions, sentence_views
from inference.model.configuration import ConflictEventsConfig
from inference.tagger import article_result
from inference.text.letter_case import NO_WORD
from inference.text.windows import Window, collate_windows, tokenize_windows

BIO = ["O", "B-Person", "I-Person", "B-Location", "I-Location", "B-Weapon", "I-Weapon"]
TEXTS = [
    "Rebels attacked Kafrnabuda on Monday, killing 12 villagers.",
    "date 2021-03-04\nGUNMEN (Wire) - Gunmen stormed a checkpoint\noutside Gao. Two soldiers died.",
    "",
    "x",
    "“Quoted” — dash… ü ß 東京 🙂 text. Another one! And a third?",
    "the army attacked the town " * 30,
    "ISIL fighters fired mortars at Mosul's old city on 9 May 2020.",
]


# ---- the plain paths -----------------------------------------------------------------------------------------
def plain_decode_sequence_heads(config, logits):
    """The per-row decoder that ``decode_sequence_heads`` replaced (one mask, argmax and score dict per row)."""
    probs = head_probabilities(config, logits)
    out = {}
    for spec in parents_first([s for s in config.head_specs if s.name in probs]):
        preds, rows = [], probs[spec.name]
        none_at = (
            spec.labels.index("none")
            if spec.problem_type == "multi_class" and "none" in spec.thresholds
            else None
        )
        for i, row in enumerate(rows):
            allowed = np.ones(len(spec.labels), dtype=bool)
            if spec.parent and spec.parent in out:
                chosen = set(out[spec.parent][i].labels)
                allowed = np.array([spec.parent_map[c] in chosen for c in spec.labels])
            scores = dict(zip(spec.labels, row.tolist()))
            if spec.problem_type == "multi_class":
                masked = np.where(allowed, row, -1.0)
                if none_at is not None and allowed[none_at] and (masked > -1.0).sum() > 1:
                    if row[none_at] >= spec.thresholds["none"]:
                        masked = np.where(np.arange(len(row)) == none_at, 1.0, -1.0)
                    else:
                        masked[none_at] = -1.0
                labels = [spec.labels[int(masked.argmax())]]
            else:
                order = np.argsort(-row, kind="stable")
                labels = [
                    spec.labels[j] for j in order if allowed[j] and row[j] >= spec.threshold(spec.labels[j])
                ]
            preds.append(SequencePrediction(labels, scores))
        out[spec.name] = preds
    return out


def plain_merge(windows):
    acc = {}
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
    return np.stack([acc[k][0] / acc[k][1] for k in keys]), keys, [acc[k][2] for k in keys]


def plain_decode(probs, offsets, word_ids, bio_labels):
    if not len(offsets):
        return []
    probs = np.asarray(probs)
    rows, bounds, prev_word = [], [], object()
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
    spans, cur = [], None
    for (start, end), j, p in zip(bounds, tags.tolist(), best):
        prefix, label = grammar.parsed[j]
        if prefix == "I" and cur is not None and cur[2] == label:
            cur[1] = end
            cur[3].append(p)
            continue
        if cur is not None:
            spans.append(Span(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
            cur = None
        if prefix is not None:
            cur = [int(start), int(end), label, [p]]
    if cur is not None:
        spans.append(Span(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
    return spans


def plain_collate(windows, pad_token_id):
    width, n = max(len(w) for w in windows), len(windows)
    out = {
        "input_ids": torch.full((n, width), pad_token_id, dtype=torch.long),
        "attention_mask": torch.zeros((n, width), dtype=torch.long),
        "pool_mask": torch.zeros((n, width), dtype=torch.long),
        "window_example": torch.empty(n, dtype=torch.long),
    }
    if windows[0].token_type_ids is not None:
        out["token_type_ids"] = torch.zeros((n, width), dtype=torch.long)
    if windows[0].case_ids is not None:
        out["case_ids"] = torch.full((n, width), NO_WORD, dtype=torch.long)
    index = {}
    for i, w in enumerate(windows):
        k = len(w)
        out["input_ids"][i, :k] = torch.tensor(w.input_ids)
        out["attention_mask"][i, :k] = 1
        out["pool_mask"][i, :k] = torch.tensor(w.fresh, dtype=torch.long)
        if "token_type_ids" in out:
            out["token_type_ids"][i, :k] = torch.tensor(w.token_type_ids)
        if "case_ids" in out:
            out["case_ids"][i, :k] = torch.tensor(w.case_ids)
        out["window_example"][i] = index.setdefault(w.example, len(index))
    return out


# ---- random token probabilities --------------------------------------------------------------------------------
def _tokens(rng: random.Random, n: int, o_weight: float):
    """``n`` tokens: probabilities (often all-O, often invalid BIO paths), offsets, word ids with sub-tokens."""
    probs = np.random.default_rng(rng.randrange(10**6)).dirichlet(np.full(len(BIO), 0.4), size=n)
    probs[:, 0] += o_weight
    probs = (probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)
    offsets, word_ids, pos, word = [], [], 0, 0
    for _ in range(n):
        if offsets and rng.random() < 0.3:  # a sub-token of the same word
            a = offsets[-1][1]
            word_ids.append(word)
        else:
            word += 1
            a = pos + 1
            word_ids.append(word)
        offsets.append((a, a + rng.randint(1, 5)))
        pos = offsets[-1][1]
    return probs, offsets, word_ids


@pytest.mark.parametrize("o_weight", [0.0, 0.5, 3.0, 100.0])
def test_vectorised_decoding_equals_the_plain_loop(o_weight):
    rng = random.Random(int(o_weight * 10))
    for _ in range(300):
        probs, offsets, word_ids = _tokens(rng, rng.randint(0, 40), o_weight)
        plain = plain_decode(probs, offsets, word_ids, BIO)
        assert decode_spans(probs, offsets, word_ids, BIO) == plain
        as_arrays = (np.array(offsets, dtype=np.int64).reshape(-1, 2), np.array(word_ids, dtype=np.int64))
        assert decode_spans(probs, *as_arrays, BIO) == plain
        with_none = [None if rng.random() < 0.1 else w for w in word_ids]  # no word: never continues one
        assert decode_spans(probs, offsets, with_none, BIO) == plain_decode(probs, offsets, with_none, BIO)


def test_vectorised_merging_equals_the_plain_loop():
    rng = random.Random(1)
    for _ in range(100):
        probs, offsets, word_ids = _tokens(rng, rng.randint(1, 60), 0.5)
        windows, start = [], 0
        while start < len(offsets):  # overlapping windows of the same tokens, their rows scored differently
            end = min(len(offsets), start + rng.randint(1, 20))
            noise = np.random.default_rng(start).random(probs[start:end].shape).astype(np.float32)
            windows.append((probs[start:end] * noise, offsets[start:end], word_ids[start:end]))
            start = max(start + 1, end - rng.randint(0, 5))
        fast, plain = merge_window_probs(windows), plain_merge(windows)
        assert np.array_equal(fast[0], plain[0])
        assert fast[1].tolist() == [list(k) for k in plain[1]] and fast[2].tolist() == plain[2]
        assert decode_spans(*fast, BIO) == plain_decode(*plain, BIO)
    assert merge_window_probs([])[0].shape == (0, 0)


@pytest.mark.parametrize("case_features", [False, True])
def test_one_assignment_collation_equals_the_plain_loop(tiny_encoder, case_features):
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    windows = tokenize_windows(tok, TEXTS * 2, max_length=16, stride=4, case_features=case_features)
    rng = random.Random(0)
    for _ in range(20):
        ws = rng.sample(windows, rng.randint(1, len(windows)))
        fast, plain = collate_windows(ws, tok.pad_token_id), plain_collate(ws, tok.pad_token_id)
        assert fast.keys() == plain.keys()
        for key in plain:
            assert torch.equal(fast[key], plain[key]), key


class _CallOnly:
    """The tokenizer seen only through its attributes, so tokenize_windows takes the tokenizer's own call."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __call__(self, *args, **kwargs):
        return self._inner(*args, **kwargs)


@pytest.mark.parametrize("case_features", [False, True])
def test_windows_from_the_rust_tokenizer_equal_the_tokenizers_own_call(tiny_encoder, case_features):
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    for max_length, stride in ((16, 4), (12, 2), (512, 128)):
        direct = tokenize_windows(
            tok, TEXTS, max_length=max_length, stride=stride, case_features=case_features
        )
        called = tokenize_windows(
            _CallOnly(tok), TEXTS, max_length=max_length, stride=stride, case_features=case_features
        )
        assert direct == called
        assert max(len(w) for w in direct) <= max_length
    assert len({w.example for w in tokenize_windows(tok, TEXTS, max_length=16, stride=4)}) == len(TEXTS)


def test_real_token_arrays_are_the_windows_real_tokens(tiny_encoder):
    tok = AutoTokenizer.from_pretrained(tiny_encoder)
    made = [  # special tokens inside (a text pair), repeated and reordered tokens, no [SEP]
        Window(0, [1] * 5, [(0, 0), (0, 3), (0, 0), (4, 6), (0, 0)], [None, 0, None, 1, None], [True] * 5),
        Window(0, [1] * 4, [(0, 0), (5, 7), (0, 3), (0, 0)], [None, 1, 0, None], [True] * 4),
        Window(0, [1] * 4, [(0, 0), (0, 3), (0, 3), (0, 0)], [None, 0, 0, None], [True] * 4),
        Window(0, [1] * 3, [(0, 0), (0, 2), (0, 4)], [None, 0, 0], [True] * 3),
    ]
    for w in tokenize_windows(tok, TEXTS, max_length=16, stride=4) + made:
        keep = [t for t, wid in enumerate(w.word_ids) if wid is not None]
        offsets = [w.offsets[t] for t in keep]
        assert w.real.index.tolist() == keep
        assert [tuple(o) for o in w.real.offsets.tolist()] == offsets
        assert w.real.word_ids.tolist() == [w.word_ids[t] for t in keep]
        assert w.real.in_order == all(a < b for a, b in zip(offsets, offsets[1:]))


def test_articles_without_an_event_sentence_skip_the_rules_and_lose_nothing(tiny_model):
    tagger = Tagger.from_pretrained(tiny_model, device="cpu")
    preds = tagger.predictor.predict(TEXTS, 8)
    none_preds = []
    for p in preds:  # the same texts, every sentence called "none" (or unsure of its event)
        labels = dict(p.sentence_labels)
        labels["event_type"] = [SequencePrediction(["none"], s.scores) for s in labels["event_type"]]
        none_preds.append(dataclasses.replace(p, sentence_labels=labels))
    for p in preds + none_preds:
        plain = build_events(p.prepared.text, sentence_views(p), mentions(p), None)
        if not has_event_sentence(p):
            assert plain == [] and article_events(article_result_of(tagger, p), p) == []
        for score in (0.0, 0.5, 1.01):
            plain = build_events(p.prepared.text, sentence_views(p), mentions(p), None, min_event_score=score)
            if not has_event_sentence(p, score):
                assert plain == []
    assert any(has_event_sentence(p) for p in preds) and not any(has_event_sentence(p) for p in none_preds)


def article_result_of(tagger, prediction):
    from inference.results import Article

    return article_result(Article(None, prediction.prepared.original, None), prediction, tagger.model_info)


@pytest.mark.parametrize("o_weight", [0.0, 0.5, 3.0, 100.0])
def test_decoding_many_items_at_once_equals_one_by_one(o_weight):
    rng = random.Random(1000 + int(o_weight * 10))
    for _ in range(30):
        items = []
        for _ in range(rng.randint(0, 25)):
            probs, offsets, word_ids = _tokens(rng, rng.randint(0, 40), o_weight)
            if rng.random() < 0.3:
                word_ids = [None if rng.random() < 0.2 else w for w in word_ids]
            elif rng.random() < 0.5:
                offsets, word_ids = np.array(offsets, dtype=np.int64).reshape(-1, 2), np.array(word_ids)
            items.append((probs, offsets, word_ids))
        one_by_one = [decode_spans(*item, BIO) for item in items]
        assert decode_spans_many(items, BIO) == one_by_one
        shifts = [rng.randint(0, 500) for _ in items]  # where each item's sentence starts in its text
        assert decode_spans_many(items, BIO, shifts) == [
            [dataclasses.replace(s, start=s.start + at, end=s.end + at) for s in spans]
            for spans, at in zip(one_by_one, shifts)
        ]


def test_viterbi_of_many_sequences_equals_one_at_a_time():
    grammar = _bio_grammar(tuple(BIO))
    rng = np.random.default_rng(5)
    seqs = [rng.dirichlet(np.full(len(BIO), 0.3), size=n) for n in [1, 7, 3, 40, 2, 1, 19]]
    assert [p.tolist() for p in grammar.viterbi_many(seqs)] == [grammar.viterbi(p).tolist() for p in seqs]
    assert grammar.viterbi_many([]) == []


@pytest.mark.parametrize("seed", range(6))
def test_sequence_heads_decoded_at_once_equal_the_row_by_row_decoder(seed):
    rng = np.random.default_rng(seed)
    parent_labels = ["none", "Battles", "Protests", "Riots"]
    child_map = {
        "none": "none",
        "Armed clash": "Battles",
        "Attack": "Battles",
        "Peaceful protest": "Protests",
    }
    child_map |= {"Mob violence": "Riots", "Violent demonstration": "Riots"}
    heads = [
        {"name": "event_type", "kind": "sequence", "labels": parent_labels, "thresholds": {"none": 0.3}},
        {
            "name": "sub_event_type",
            "kind": "sequence",
            "labels": list(child_map),
            "parent": "event_type",
            "parent_map": child_map,
            **({"thresholds": {"none": 0.2}} if seed % 2 else {}),
        },
        {
            "name": "topics",
            "kind": "sequence",
            "labels": ["a", "b", "c"],
            "problem_type": "multi_label",
            "thresholds": {"b": 0.7},
        },
        {
            "name": "tags",
            "kind": "sequence",
            "labels": ["x", "y"],
            "problem_type": "multi_label",
            "parent": "event_type",
            "parent_map": {"x": "Battles", "y": "Riots"},
        },
    ]
    config = ConflictEventsConfig(encoder={"model_type": "bert"}, heads=heads)
    n = int(rng.integers(0, 40))
    logits = {
        h["name"]: torch.tensor(rng.normal(0, 2, (n, len(h["labels"]))), dtype=torch.float32) for h in heads
    }
    if n:  # ties and certain rows
        logits["event_type"][0] = 0.0
        logits["sub_event_type"][-1, 1:3] = 5.0
    fast, plain = decode_sequence_heads(config, logits), plain_decode_sequence_heads(config, logits)
    assert fast.keys() == plain.keys()
    for head in plain:
        assert [p.labels for p in fast[head]] == [p.labels for p in plain[head]], head
        assert [dict(p.scores) for p in fast[head]] == [p.scores for p in plain[head]], head
        assert fast[head] == plain[head]
    # a head alone (no child to reshape it): none the most probable but under its threshold, and ties
    alone = ConflictEventsConfig(encoder={"model_type": "bert"}, heads=heads[:1])
    rows = torch.log(
        torch.tensor([[0.28, 0.26, 0.24, 0.22], [0.25] * 4, [0.3, 0.7, 0.0, 0.0], [0.1, 0.1, 0.4, 0.4]])
    )
    fast, plain = (
        decode_sequence_heads(alone, {"event_type": rows}),
        plain_decode_sequence_heads(alone, {"event_type": rows}),
    )
    assert [p.labels for p in fast["event_type"]] == [p.labels for p in plain["event_type"]]
    assert [p.labels[0] for p in fast["event_type"]] == ["Battles", "Battles", "none", "Protests"]
