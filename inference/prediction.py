"""The one path from texts to what the model reads in them.

processor (``prepare_text``: normalise -> sentences) -> windows (``tokenize_windows``) -> collator
(``collate_windows``) -> ``model.forward`` -> pooled sentence and text vectors (``pool_units``) ->
``model.sequence_logits`` -> decoders (``decode_spans``, ``decode_sequence_heads``, ``text_labels``).

The Tagger, training's dev evaluation (checkpoint selection) and ``conflict-eval heads`` all call
``Predictor.predict``, so the model is selected on exactly what users get.

Every sentence becomes token windows; all windows of a list of texts go through the encoder together, longest
first, in passes padded to their longest window. A sentence's vector is the mean of its windows' tokens, a text's
vector the mean of all its sentences' tokens (both gathered over every pass holding one of their windows).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from inference.decode.labels import SequencePrediction, decode_sequence_heads, parents_first
from inference.decode.spans import Span, decode_spans_many, merge_window_probs
from inference.decode.text_labels import ARTICLE_SECONDARY_MIN_SCORE, text_labels
from inference.model.configuration import SEQUENCE, TOKEN
from inference.results import LabelScore
from inference.stage_times import NO_TIMES, StageTimes
from inference.text.processor import PreparedText, prepare_texts
from inference.text.windows import Window, collate_windows, plan_passes, tokenize_windows

# Padded tokens per forward pass on CPU: MiniLM on 2 cores encodes 1-4k-token passes fastest (8k-token passes are
# ~15% slower, 400-token ones ~10%); GPUs take the full batch_size * max_length.
CPU_PASS_TOKENS = 2048


@dataclass
class TextPrediction:
    """What the model read in one text. Offsets index ``prepared.text`` (the normalised text);
    ``prepared.to_original`` maps them back to the caller's string."""

    prepared: PreparedText
    spans: dict[str, list[Span]]  # token head -> spans in text order
    sentence_labels: dict[str, list[SequencePrediction]]  # sequence head -> one prediction per sentence
    pooled: dict[str, SequencePrediction]  # sequence head -> the whole text's pooled vector, decoded
    labels: dict[str, list[LabelScore]]  # sequence head -> the text's labels, best first (``text_labels``)

    @property
    def scores(self) -> dict[str, dict[str, float]]:
        """Sequence head -> every label's probability for the whole text (0 for a text with no sentence)."""
        return {head: p.scores for head, p in self.pooled.items()}


@dataclass(frozen=True)
class _Unit:
    """One sentence: which text it belongs to and its range of that text's normalised form."""

    text: int
    start: int
    end: int


@dataclass
class PreparedTexts:
    """``Predictor.prepare``'s output: the texts prepared, their sentences (units) and the sentences' windows."""

    texts: list[PreparedText]
    units: list[_Unit]
    windows: list[Window]


@dataclass
class TokenRows:
    """Every window's real tokens: per token head their tag probabilities, and their character offsets and word
    ids, stored as one array per forward pass, not per window, so that an encoded chunk pickles in a few large
    arrays (``conflict-tag --workers`` sends it from the process that runs the model to a worker)."""

    probs: dict[str, list[np.ndarray]]  # token head -> per pass [tokens, tags]
    offsets: list[np.ndarray]  # per pass [tokens, 2]
    word_ids: list[np.ndarray]  # per pass [tokens]
    where: np.ndarray  # per window [pass, first row, end row]

    def window(self, head: str, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Window ``i``'s ``(probs [real tokens, tags], offsets [real tokens, 2], word_ids [real tokens])``."""
        p, a, b = self.where[i].tolist()
        return self.probs[head][p][a:b], self.offsets[p][a:b], self.word_ids[p][a:b]


@dataclass
class Encoded:
    """``Predictor.encode``'s output: the windows' real-token probabilities (``TokenRows``); per window whether
    they are in text order and which unit it reads; the sequence heads' logits per sentence and per text (decoded
    by ``finish``, so that under ``conflict-tag --workers`` a worker, not the model's process, builds the labels)."""

    token_probs: TokenRows
    in_order: list[bool]
    window_units: list[int]
    sequence_logits: dict[str, np.ndarray]  # sequence head -> [sentences + texts, labels]: sentences first


class Predictor:
    """``Predictor(model, tokenizer).predict(texts)``: one ``TextPrediction`` per text, in input order."""

    def __init__(
        self,
        model,
        tokenizer,
        *,
        device: torch.device | None = None,
        max_length: int | None = None,
        autocast_dtype: torch.dtype | None = None,
        secondary_min_score: float = ARTICLE_SECONDARY_MIN_SCORE,
    ):
        self.model = model
        self.tokenizer = tokenizer
        self.config = model.config
        self.device = device if device is not None else next(model.parameters()).device
        self.max_length = int(max_length or self.config.max_length)
        # The windows' overlap stays what training used, unless the windows are too short to hold it.
        self.stride = min(int(self.config.stride), max(0, (self.max_length - 2) // 2))
        self.autocast_dtype = autocast_dtype
        self.secondary_min_score = float(secondary_min_score)
        heads = self.config.head_specs
        self.token_heads = [h for h in heads if h.kind == TOKEN]
        self.sequence_heads = parents_first([h for h in heads if h.kind == SEQUENCE])

    def predict(
        self, texts: Sequence[str], batch_size: int = 32, *, times: StageTimes | None = None
    ) -> list[TextPrediction]:
        """Read ``texts`` (``batch_size``: full-length windows per forward pass; shorter ones share a pass).

        ``times``: a ``StageTimes`` that gets each step's seconds (``bench/pipeline.py``). The three steps,
        ``prepare`` -> ``encode`` -> ``finish``, are public so that ``conflict-tag --workers`` can run the host
        steps in other processes (``without_model``) while this one runs the model.
        """
        prepared = self.prepare(texts, times=times)
        return self.finish(prepared, self.encode(prepared, batch_size, times=times), times=times)

    def prepare(self, texts: Sequence[str], *, times: StageTimes | None = None) -> PreparedTexts:
        """Host step 1, no model: normalise, split into sentences, tokenise into windows."""
        times = NO_TIMES if times is None else times
        prepared = prepare_texts(texts, times)
        units = [_Unit(k, s, e) for k, p in enumerate(prepared) for s, e in p.sentences]
        with times.stage("tokenise"):
            windows = tokenize_windows(
                self.tokenizer,
                [prepared[u.text].text[u.start : u.end] for u in units],
                max_length=self.max_length,
                stride=self.stride,
                case_features=self.config.case_features,
            )
        return PreparedTexts(prepared, units, windows)

    def encode(
        self, prepared: PreparedTexts, batch_size: int = 32, *, times: StageTimes | None = None
    ) -> Encoded:
        """The model step: every window through ``model.forward``, then the sequence heads on pooled vectors."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        times = NO_TIMES if times is None else times
        was_training = self.model.training
        self.model.eval()
        try:
            token_probs, in_order, sums, counts = self._encode(prepared.windows, batch_size, times)
            with times.stage("article_labels"):
                sequence_logits = self._sequence_logits(sums, counts, prepared.units, len(prepared.texts))
        finally:
            self.model.train(was_training)
        window_units = [w.example for w in prepared.windows]
        return Encoded(token_probs, in_order, window_units, sequence_logits)

    def finish(
        self, prepared: PreparedTexts, encoded: Encoded, *, times: StageTimes | None = None
    ) -> list[TextPrediction]:
        """Host step 2, no model: decode spans and labels into one ``TextPrediction`` per text
        (``prepared.windows`` is not read: a worker may get ``prepared`` without them)."""
        times = NO_TIMES if times is None else times
        per_text: list[list[int]] = [[] for _ in prepared.texts]
        for u, unit in enumerate(prepared.units):
            per_text[unit.text].append(u)
        with times.stage("decode_spans"):
            spans = self._decode_spans(encoded, prepared.units, per_text)
        with times.stage("article_labels"):
            sentence_preds, text_preds = self._decode_sequence_heads(
                encoded.sequence_logits, len(prepared.units)
            )
            return [
                TextPrediction(prep, spans[k], *self._text_labels(k, mine, sentence_preds, text_preds))
                for k, (prep, mine) in enumerate(zip(prepared.texts, per_text))
            ]

    def without_model(self) -> Predictor:
        """A copy for the host steps (``prepare``, ``finish``) in another process: no model, so it pickles small."""
        host = copy.copy(self)
        host.model = None
        return host

    def _decode_spans(self, encoded: Encoded, units, per_text) -> list[dict[str, list[Span]]]:
        """Per text, per token head: its sentences' spans (text offsets), in text order."""
        token_probs, in_order = encoded.token_probs, encoded.in_order
        by_unit: list[list[int]] = [[] for _ in units]
        for i, u in enumerate(encoded.window_units):
            by_unit[u].append(i)
        order = [u for mine in per_text for u in mine]
        decoded = {}
        for head in self.token_heads:
            items = []
            for u in order:
                parts = [token_probs.window(head.name, i) for i in by_unit[u]]
                # One window in text order is already what merging would return (same rows, same order).
                items.append(
                    parts[0] if len(parts) == 1 and in_order[by_unit[u][0]] else merge_window_probs(parts)
                )
            decoded[head.name] = decode_spans_many(items, head.bio_labels, [units[u].start for u in order])
        out = []
        k = 0
        for mine in per_text:
            spans: dict[str, list[Span]] = {h.name: [] for h in self.token_heads}
            for _ in mine:
                for head in self.token_heads:
                    spans[head.name] += decoded[head.name][k]
                k += 1
            out.append(spans)
        return out

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> torch.Tensor:
        """The pooled vector of each text [N, H] that its article labels are read from (zeros for a text with no
        sentence)."""
        prepared = self.prepare(texts)
        was_training = self.model.training
        self.model.eval()
        try:
            _, _, sums, counts = self._encode(prepared.windows, batch_size)
        finally:
            self.model.train(was_training)
        if sums is None:  # no text has a sentence
            return torch.zeros(len(prepared.texts), self.model.encoder.config.hidden_size)
        unit_text = torch.tensor([u.text for u in prepared.units])
        return pool_units(sums, counts, unit_text, len(prepared.texts))[1]

    def _text_labels(self, k: int, mine: list[int], sentence_preds, text_preds):
        """Text ``k``'s sentence predictions, pooled predictions and labels (``text_labels``), per sequence head."""
        sentence_labels = {h.name: [sentence_preds[h.name][u] for u in mine] for h in self.sequence_heads}
        labels: dict[str, list[LabelScore]] = {}
        for head in self.sequence_heads:  # parents first
            parent = labels.get(head.parent) if head.parent else None
            labels[head.name] = (
                text_labels(
                    head,
                    text_preds[head.name][k],
                    sentence_labels[head.name],
                    parent_labels=None if parent is None else {x.label for x in parent},
                    secondary_min_score=self.secondary_min_score,
                )
                if mine
                else []
            )
        pooled = {
            h.name: text_preds[h.name][k] if mine else SequencePrediction([], {x: 0.0 for x in h.labels})
            for h in self.sequence_heads
        }
        return sentence_labels, pooled, labels

    # ---- steps -------------------------------------------------------------------------------------------
    def _autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def _to_device(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if self.device.type != "cuda":
            return {k: v.to(self.device) for k, v in batch.items()}
        return {k: v.pin_memory().to(self.device, non_blocking=True) for k, v in batch.items()}

    def _encode(self, windows: list[Window], batch_size: int, times=NO_TIMES):
        """Run every window through ``model.forward`` in passes (``plan_passes``).

        Returns the windows' real-token probabilities, offsets and word ids (``TokenRows``); per window, whether
        its real tokens' offsets are strictly increasing (text order, no repeats); and per unit the sum and count
        of its pooled token vectors (``pool_units`` turns them into sentence and text vectors).
        """
        rows_of = TokenRows(
            {h.name: [] for h in self.token_heads}, [], [], np.zeros((len(windows), 3), np.int64)
        )
        in_order = [False] * len(windows)
        num_units = 1 + max((w.example for w in windows), default=-1)
        sums: np.ndarray | None = None
        counts = np.zeros(num_units, dtype=np.float32)
        budget = batch_size * self.max_length
        if self.device.type == "cpu":
            budget = min(budget, CPU_PASS_TOKENS)
        with torch.inference_mode(), self._autocast():
            for idx in plan_passes([len(w) for w in windows], budget):
                ws = [windows[i] for i in idx]
                with times.stage("collate"):
                    batch = collate_windows(ws, self.tokenizer.pad_token_id)
                with times.stage("device_copy"):
                    on_device = self._to_device(batch)
                with times.stage("forward"):
                    out = self.model(**on_device)
                with times.stage("token_probs"):
                    # numpy, not torch index_add_: a few hundred rows per pass, where torch's thread pool costs
                    # more than the sums (and waits out any busy core)
                    local_units = np.fromiter(dict.fromkeys(w.example for w in ws), dtype=np.int64)
                    local_counts = np.bincount(
                        batch["window_example"].numpy(),
                        weights=batch["pool_mask"].sum(dim=1).numpy(),
                        minlength=len(local_units),
                    ).astype(np.float32)
                    pooled = out.pooled.float().cpu().numpy()
                    if sums is None:
                        sums = np.zeros((num_units, pooled.shape[-1]), dtype=np.float32)
                    sums[local_units] += pooled * local_counts[:, None]  # units are distinct within a pass
                    counts[local_units] += local_counts
                    real = [w.real for w in ws]
                    for i, r in zip(idx, real):
                        in_order[i] = r.in_order
                    # every window's real-token rows in one gather per head: one array per pass
                    sizes = [len(r.index) for r in real]
                    rows = np.repeat(np.arange(len(real)), sizes)
                    cols = np.concatenate([r.index for r in real])
                    cuts = np.cumsum([0] + sizes)
                    rows_of.where[idx] = np.stack(
                        [np.full(len(idx), len(rows_of.offsets)), cuts[:-1], cuts[1:]], 1
                    )
                    rows_of.offsets.append(np.concatenate([r.offsets for r in real]).reshape(-1, 2))
                    rows_of.word_ids.append(np.concatenate([r.word_ids for r in real]))
                    for head in self.token_heads:
                        probs = torch.softmax(out.logits[head.name].float(), dim=-1).cpu().numpy()
                        rows_of.probs[head.name].append(probs[rows, cols])
        return (
            rows_of,
            in_order,
            None if sums is None else torch.from_numpy(sums),
            torch.from_numpy(counts),
        )

    def _sequence_logits(self, sums, counts, units: list[_Unit], num_texts: int) -> dict[str, np.ndarray]:
        """Sequence-head logits of every sentence, then of every text, from the pooled token vectors."""
        if sums is None or not self.sequence_heads:
            return {}
        sentence_vecs, text_vecs = pool_units(sums, counts, torch.tensor([u.text for u in units]), num_texts)
        vectors = torch.cat([sentence_vecs, text_vecs])
        with torch.inference_mode(), self._autocast():
            return {
                name: torch.cat([v.float().cpu() for v in chunks]).numpy()
                for name, chunks in _chunked_logits(self.model, vectors).items()
            }

    def _decode_sequence_heads(self, logits: dict[str, np.ndarray], n: int):
        """Sequence-head predictions per sentence and per text (parent-consistent, thresholds applied) from the
        logits of ``n`` sentences followed by the texts'."""
        if not logits:
            return {}, {}
        preds = decode_sequence_heads(self.config, {h: torch.from_numpy(v) for h, v in logits.items()})
        return {h: p[:n] for h, p in preds.items()}, {h: p[n:] for h, p in preds.items()}


def pool_units(
    sums: torch.Tensor, counts: torch.Tensor, unit_text: torch.Tensor, num_texts: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sentence vectors (each sentence's token mean) and text vectors (the mean of all tokens of a text's
    sentences) from per-sentence sums [U, H] and token counts [U] of pooled token vectors."""
    sentence = sums / counts.clamp(min=1.0)[:, None]
    text_sums = torch.zeros(num_texts, sums.size(-1)).index_add_(0, unit_text, sums)
    text_counts = torch.zeros(num_texts).index_add_(0, unit_text, counts)
    return sentence, text_sums / text_counts.clamp(min=1.0)[:, None]


def _chunked_logits(model, vectors: torch.Tensor, size: int = 4096) -> dict[str, list[torch.Tensor]]:
    out: dict[str, list[torch.Tensor]] = {}
    for i in range(0, len(vectors), size):
        for name, logits in model.sequence_logits(vectors[i : i + size]).items():
            out.setdefault(name, []).append(logits)
    return out


def as_probabilities(preds: list[TextPrediction], head: str, labels: list[str]) -> np.ndarray:
    """[N, L] text-level probabilities of one sequence head (threshold tuning reads these)."""
    return np.array([[p.scores[head][x] for x in labels] for p in preds], dtype=np.float64).reshape(
        len(preds), len(labels)
    )
