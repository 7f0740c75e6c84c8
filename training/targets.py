"""Canonical examples -> encoded windows with per-head targets, and a batch of those -> model inputs.

Token heads get BIO ids for every real token of every window (the first token of a span is B, the rest I);
sequence heads get one target per example, which the model compares with the example's pooled windows.
A head the example does not annotate gets ignore targets (-100): no loss, not a negative.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

import torch

from inference.model.configuration import MULTI_LABEL, TOKEN, HeadSpec
from inference.model.modeling import IGNORE
from inference.text.processor import prepare_text
from inference.text.windows import Window, collate_windows, tokenize_windows
from training.data.canonical import DataError, Example


@dataclass
class EncodedExample:
    id: str
    windows: list[Window]
    token_tags: dict[str, list[list[int]]] = field(default_factory=dict)  # head -> per-window BIO ids
    labels: dict[str, list[str]] = field(default_factory=dict)  # sequence head -> gold labels

    @property
    def num_tokens(self) -> int:
        return sum(len(w) for w in self.windows)


def spans_to_token_tags(window: Window, spans: list[tuple[int, int, str]], spec: HeadSpec) -> list[int]:
    """BIO ids for one window: a token inside a span gets B (first) or I; special tokens are ignored."""
    bio = {t: i for i, t in enumerate(spec.bio_labels)}
    tags = [IGNORE if w is None else bio["O"] for w in window.word_ids]
    for start, end, label in spans:
        for i, (a, b) in enumerate(window.offsets):
            if window.word_ids[i] is None or b <= start or a >= end:
                continue
            # B only on the token holding the span's first character, so a window that opens mid-span
            # continues it with I, as the full text would
            tags[i] = bio[f"{'B' if a <= start else 'I'}-{label}"]
    return tags


def check_example(ex: Example, specs: dict[str, HeadSpec], source: str) -> None:
    """Reject labels the config does not know and spans that cross, naming the example and field."""
    for head, spans in ex.spans.items():
        spec = specs.get(head)
        if spec is None:
            continue
        known = set(spec.labels)
        for _start, _end, label in spans:
            if label not in known:
                raise DataError(
                    f"example '{ex.id}': span label '{label}' is not a label of head '{head}' "
                    f"(known: {sorted(known)}); add it to the head's labels in the config",
                    file=source,
                    field=f"spans.{head}",
                )
        ordered = sorted(spans)
        for (s1, e1, l1), (s2, e2, l2) in zip(ordered, ordered[1:]):
            if s2 < e1:
                raise DataError(
                    f"example '{ex.id}': spans [{s1}, {e1}, {l1}] and [{s2}, {e2}, {l2}] overlap; "
                    "a token head needs non-overlapping spans",
                    file=source,
                    field=f"spans.{head}",
                )
    for head, labels in ex.labels.items():
        spec = specs.get(head)
        if spec is None:
            continue
        unknown = [x for x in labels if x not in spec.labels]
        if unknown:
            raise DataError(
                f"example '{ex.id}': labels {unknown} are not labels of head '{head}' (known: {spec.labels})",
                file=source,
                field=f"labels.{head}",
            )
        if spec.problem_type != MULTI_LABEL and len(labels) != 1:
            raise DataError(
                f"example '{ex.id}': multi_class head '{head}' needs exactly one label, got {labels} "
                "(use a 'none' label for negatives)",
                file=source,
                field=f"labels.{head}",
            )


def encode_examples(
    examples: list[Example],
    tokenizer,
    heads: list[HeadSpec],
    *,
    max_length: int,
    stride: int,
    case_features: bool = False,
    sentence_windows: bool = False,
    source: str = "<examples>",
) -> list[EncodedExample]:
    """Tokenise into windows (with letter-case ids for ``case_features`` models) and attach the targets of every
    head each example annotates.

    ``sentence_windows``: read each text as the Tagger reads an article (``inference.text.processor``: normalised,
    one set of windows per sentence), so the example's pooled vector is the Tagger's article vector; spans are
    mapped onto the normalised sentences. Otherwise the whole text is tokenised as it is.
    """
    specs = {h.name: h for h in heads}
    for ex in examples:
        check_example(ex, specs, source)
    pieces = (
        _sentence_pieces(examples)
        if sentence_windows
        else [(i, ex.text, 0, None) for i, ex in enumerate(examples)]
    )
    windows = tokenize_windows(
        tokenizer,
        [text for _, text, _, _ in pieces],
        max_length=max_length,
        stride=stride,
        case_features=case_features,
    )
    per_example: list[list[tuple[Window, int]]] = [[] for _ in examples]
    for w in windows:
        per_example[pieces[w.example][0]].append((w, w.example))
    out = []
    for k, (ex, wins) in enumerate(zip(examples, per_example)):
        enc = EncodedExample(id=ex.id, windows=[replace(w, example=k) for w, _ in wins])
        for name, spans in ex.spans.items():
            if name in specs and specs[name].kind == TOKEN:
                enc.token_tags[name] = [
                    spans_to_token_tags(w, _piece_spans(spans, pieces[j]), specs[name]) for w, j in wins
                ]
        for name, labels in ex.labels.items():
            if name in specs and specs[name].kind != TOKEN:
                enc.labels[name] = list(labels)
        out.append(enc)
    return out


def _sentence_pieces(examples: list[Example]) -> list[tuple[int, str, int, object]]:
    """``(example index, sentence text, its start in the normalised text, PreparedText)`` for every sentence."""
    pieces = []
    for i, ex in enumerate(examples):
        prep = prepare_text(ex.text)
        # a text with no sentence still gets a window of special tokens, like a whole empty text
        pieces += [(i, prep.text[a:b], a, prep) for a, b in prep.sentences] or [(i, "", 0, prep)]
    return pieces


def _piece_spans(spans: list, piece: tuple[int, str, int, object]) -> list[tuple[int, int, str]]:
    """Gold spans (original offsets) as offsets into one piece: the whole text, or a normalised sentence."""
    _, text, start, prep = piece
    if prep is None:
        return spans
    out = []
    for s, e, label in spans:
        a, b = _to_normalised(prep.norm.offsets, s, e)
        a, b = max(a, start), min(b, start + len(text))
        if a < b:
            out.append((a - start, b - start, label))
    return out


def _to_normalised(offsets: tuple[int, ...], start: int, end: int) -> tuple[int, int]:
    """The range of the normalised text whose characters came from ``[start, end)`` of the original."""
    return bisect.bisect_left(offsets, start), bisect.bisect_left(offsets, end)


def collate(batch: list[EncodedExample], heads: list[HeadSpec], pad_token_id: int) -> dict:
    """Pad a list of encoded examples into model inputs, with ``labels`` for every head."""
    # make window.example index the batch position (collate_windows numbers examples in order of appearance);
    # examples encoded by separate calls may share window.example values
    windows = [replace(w, example=i) for i, ex in enumerate(batch) for w in ex.windows]
    inputs = collate_windows(windows, pad_token_id)
    width = inputs["input_ids"].size(1)
    labels: dict[str, torch.Tensor] = {}
    for spec in heads:
        if spec.kind == TOKEN:
            t = torch.full((len(windows), width), IGNORE, dtype=torch.long)
            row = 0
            for ex in batch:
                for k, w in enumerate(ex.windows):
                    tags = ex.token_tags.get(spec.name)
                    if tags is not None:
                        t[row, : len(w)] = torch.tensor(tags[k])
                    row += 1
            labels[spec.name] = t
        elif spec.problem_type == MULTI_LABEL:
            t = torch.full((len(batch), len(spec.labels)), float(IGNORE))
            for i, ex in enumerate(batch):
                if spec.name in ex.labels:
                    t[i] = torch.tensor([1.0 if x in ex.labels[spec.name] else 0.0 for x in spec.labels])
            labels[spec.name] = t
        else:
            index = {x: i for i, x in enumerate(spec.labels)}
            labels[spec.name] = torch.tensor(
                [index[ex.labels[spec.name][0]] if spec.name in ex.labels else IGNORE for ex in batch],
                dtype=torch.long,
            )
    inputs["labels"] = labels
    return inputs
