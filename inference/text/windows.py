"""Texts -> overlapping token windows the encoder can take, and windows -> padded tensors.

A text longer than ``max_length`` tokens becomes several windows that share ``stride`` tokens, so nothing past the
encoder's limit is dropped. Every window keeps its tokens' character offsets into the text it came from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

import numpy as np
import torch
from transformers import PreTrainedTokenizerFast

from inference.text.letter_case import NO_WORD, token_case_ids


@dataclass
class Window:
    example: int  # index of the source text in the list given to tokenize_windows
    input_ids: list[int]
    offsets: list[tuple[int, int]]  # character offsets into the source text; (0, 0) for special tokens
    word_ids: list[int | None]  # word index in the source text (None for special tokens)
    fresh: list[bool]  # pooled: special tokens, and real tokens not already in this text's previous window
    token_type_ids: list[int] | None = None
    case_ids: list[int] | None = None  # letter case of each token's word (models with case_features)

    def __len__(self) -> int:
        return len(self.input_ids)

    @cached_property
    def real(self) -> RealTokens:
        """The window's real tokens (no special tokens) as arrays, computed once however many heads read them."""
        wids = self.word_ids
        inner = wids[1:-1]
        if len(wids) >= 2 and wids[0] is None and wids[-1] is None and None not in inner:
            # the usual window, [CLS] tokens [SEP]: slices, and the order test in Python (a few dozen tokens)
            pairs = self.offsets[1:-1]
            in_order = all(a < b for a, b in zip(pairs, pairs[1:]))
            return RealTokens(
                np.arange(1, len(wids) - 1, dtype=np.intp),
                np.array(pairs, dtype=np.int64).reshape(-1, 2),
                np.array(inner, dtype=np.int64),
                in_order,
            )
        keep = [t for t, wid in enumerate(wids) if wid is not None]
        offsets = np.array([self.offsets[t] for t in keep], dtype=np.int64).reshape(-1, 2)
        word_ids = np.array([wids[t] for t in keep], dtype=np.int64)
        starts, ends = offsets[:, 0], offsets[:, 1]
        # strictly increasing (start, end) pairs: text order, no token twice
        in_order = bool(
            np.all((starts[1:] > starts[:-1]) | ((starts[1:] == starts[:-1]) & (ends[1:] > ends[:-1])))
        )
        return RealTokens(np.array(keep, dtype=np.intp), offsets, word_ids, in_order)


@dataclass(frozen=True)
class RealTokens:
    """A window's real tokens: positions in the window, character offsets [T, 2], word ids [T], and whether
    the offsets are strictly increasing (text order)."""

    index: np.ndarray
    offsets: np.ndarray
    word_ids: np.ndarray
    in_order: bool


_PROBE = " ".join(["rebels attacked the village"] * 12)


def check_overflow_windows(tokenizer) -> None:
    """Fail loudly where the tokenizer returns fewer overflow windows than a long text needs.

    tokenizers 0.23.2 returns only the first two windows of a text (0.23.3 all of them): long documents would lose
    everything past ~1.5 windows without a word. Probed once per tokenizer object.
    """
    if getattr(tokenizer, "_conflict_events_overflow_ok", False):
        return
    enc = tokenizer(
        _PROBE,
        max_length=16,
        stride=4,
        truncation=True,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    reached = max(end for offsets in enc["offset_mapping"] for _, end in offsets)
    if reached < len(_PROBE):
        import tokenizers

        raise RuntimeError(
            f"this tokenizer ({type(tokenizer).__name__}, tokenizers {tokenizers.__version__}) returned "
            f"{len(enc['input_ids'])} windows for a text that needs more, so long texts would be cut silently; "
            "install tokenizers>=0.23.3 (pip install -U 'tokenizers>=0.23.3')"
        )
    tokenizer._conflict_events_overflow_ok = True


def _window_encodings(tokenizer, texts: list[str], max_length: int, stride: int) -> list[tuple[int, object]]:
    """``(text index, tokenizers.Encoding)`` of every window, in order: the backend tokenizer called directly
    where there is one (``_truncating_backend``), else the tokenizer's own call."""
    backend = _truncating_backend(tokenizer, max_length, stride)
    if backend is None:
        enc = tokenizer(
            texts,
            max_length=max_length,
            stride=stride,
            truncation=True,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            add_special_tokens=True,
        )
        return [(int(i), e) for i, e in zip(enc["overflow_to_sample_mapping"], enc.encodings)]
    return [
        (i, w)
        for i, e in enumerate(backend.encode_batch(texts, add_special_tokens=True))
        for w in (e, *e.overflowing)
    ]


def _truncating_backend(tokenizer, max_length: int, stride: int):
    """A copy of a fast tokenizer's Rust tokenizer set to cut windows of ``max_length`` overlapping by ``stride``
    (what the tokenizer's own call sets before each batch), kept on the tokenizer; None for other tokenizers.
    Calling it directly skips the per-call Python work of ``tokenizer(...)``, a third of tokenising."""
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        return None
    key = (max_length, stride, tokenizer.truncation_side, bool(tokenizer.split_special_tokens))
    cached = getattr(tokenizer, "_conflict_events_backend", None)
    if cached is None or cached[0] != key:
        from tokenizers import Tokenizer

        backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        backend.no_padding()
        backend.enable_truncation(
            max_length, stride=stride, strategy="longest_first", direction=tokenizer.truncation_side
        )
        backend.encode_special_tokens = key[3]
        cached = (key, backend)
        tokenizer._conflict_events_backend = cached
    return cached[1]


def tokenize_windows(
    tokenizer, texts: list[str], *, max_length: int, stride: int, case_features: bool = False
) -> list[Window]:
    """Tokenise ``texts`` into windows of at most ``max_length`` tokens overlapping by ``stride`` tokens
    (``case_features``: with each token's letter-case class, for models that read case)."""
    if not texts:
        return []
    check_overflow_windows(tokenizer)
    with_tt = "token_type_ids" in tokenizer.model_input_names
    windows: list[Window] = []
    last_end: dict[int, int] = {}
    encodings = _window_encodings(tokenizer, texts, max_length, stride)
    per_text = Counter(example for example, _ in encodings)
    for example, e in encodings:
        seq_ids = e.sequence_ids
        offsets = e.offsets
        word_ids = [w if s is not None else None for w, s in zip(e.word_ids, seq_ids)]
        # Special tokens are pooled too, as sentence-transformers' mean pooling does (descriptions are embedded
        # the same way), so a one-window text pools exactly like a sentence encoder.
        if per_text[example] == 1:  # most texts (sentences): every token is fresh
            fresh = [True] * len(offsets)
        else:
            seen_until = last_end.get(example, -1)
            fresh = [s is None or off[0] >= seen_until for s, off in zip(seq_ids, offsets)]
            real_ends = [off[1] for s, off in zip(seq_ids, offsets) if s is not None]
            if real_ends:
                last_end[example] = max(real_ends)
        cases = token_case_ids(texts[example], offsets, word_ids) if case_features else None
        windows.append(
            Window(example, e.ids, offsets, word_ids, fresh, e.type_ids if with_tt else None, cases)
        )
    return windows  # an empty text still yields one window of special tokens only


def collate_windows(windows: list[Window], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Pad windows to the longest one (dynamic padding) and number their examples 0..B-1 in order of appearance."""
    width = max(len(w) for w in windows)
    n = len(windows)
    input_ids = torch.full((n, width), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((n, width), dtype=torch.long)
    pool_mask = torch.zeros((n, width), dtype=torch.long)
    has_tt = windows[0].token_type_ids is not None
    token_type_ids = torch.zeros((n, width), dtype=torch.long) if has_tt else None
    has_case = windows[0].case_ids is not None
    case_ids = torch.full((n, width), NO_WORD, dtype=torch.long) if has_case else None
    lengths = np.fromiter((len(w) for w in windows), dtype=np.int64, count=n)
    filled = torch.from_numpy(np.arange(width)[None, :] < lengths[:, None])  # [n, width]: real positions

    def flat(values) -> torch.Tensor:
        return torch.tensor(list(chain.from_iterable(values)), dtype=torch.long)

    input_ids[filled] = flat(w.input_ids for w in windows)
    attention_mask[filled] = 1
    pool_mask[filled] = flat(w.fresh for w in windows)
    if has_tt:
        token_type_ids[filled] = flat(w.token_type_ids for w in windows)
    if has_case:
        case_ids[filled] = flat(w.case_ids for w in windows)
    example_index: dict[int, int] = {}
    window_example = torch.tensor(
        [example_index.setdefault(w.example, len(example_index)) for w in windows], dtype=torch.long
    )
    batch = {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "pool_mask": pool_mask,
        "window_example": window_example,
    }
    if has_tt:
        batch["token_type_ids"] = token_type_ids
    if has_case:
        batch["case_ids"] = case_ids
    return batch


def plan_passes(lengths: list[int], budget: int) -> list[list[int]]:
    """Window indices per forward pass: longest first, each pass at most ``budget`` padded tokens.

    Sentence-sized windows share a pass by the dozen while memory per pass stays bounded; fewer passes also mean
    fewer thread synchronisations, which is what costs most on a CPU shared with other work. A window longer
    than the budget gets a pass of its own.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    passes: list[list[int]] = []
    for i in order:
        # Longest first: the pass's first window sets its padded width.
        if passes and (len(passes[-1]) + 1) * lengths[passes[-1][0]] <= budget:
            passes[-1].append(i)
        else:
            passes.append([i])
    return passes
