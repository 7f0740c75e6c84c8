"""The importable tagger: a saved model folder in, labelled articles out.

Articles are normalised (date prefix, hard wraps, whitespace), split into sentences, and every sentence becomes
token windows. All windows of a chunk of articles go through the encoder together, longest first, in batches
padded to their longest window; one pass feeds every head. Token heads give spans, sequence heads give labels per
sentence (pooled over the sentence's windows, even when they fall in different batches) and per article (from
its sentences' labels: the best one, and others only when a sentence is sure of them). Offsets always point into the caller's original strings.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from inference.decode.labels import SequencePrediction, decode_sequence_heads
from inference.decode.spans import decode_spans, merge_window_probs
from inference.events.from_tagging import attach_events
from inference.model.configuration import MULTI_CLASS, SEQUENCE, TOKEN, ConflictEventsConfig, HeadSpec
from inference.model.folder import (
    ModelLoadError,
    load_config,
    load_model_and_tokenizer,
    weights_files,
    weights_sha256,
)
from inference.model.modeling import ConflictEventsModel
from inference.model.numerics import describe_numerics
from inference.model.quantize import quantize_int8
from inference.results import Article, ArticleResult, LabelScore, SentenceResult, SpanResult
from inference.text.normalize import NormalizedText, normalize_text
from inference.text.sentences import split_sentences
from inference.text.windows import Window, collate_windows, tokenize_windows

logger = logging.getLogger(__name__)

NONE_LABEL = "none"
# A multi_class head's article labels: the best sentence label, plus others some sentence gives at least this
# probability. On news_dev (short news, one event each) with the default model, article event_type /
# sub_event_type F1 is 79.5 / 76.6 for the plain union (0), 81.5 / 79.6 at 0.9, 82.1 / 80.3 at 0.95 and
# 82.5 / 80.8 for the best label only (1); 0.95 still reports the second event of an article when a sentence is
# sure of it. Measured by bench/inference.py --dev (article_label_f1).
ARTICLE_SECONDARY_MIN_SCORE = 0.95
# Padded tokens per forward pass on CPU: MiniLM on 2 cores encodes 1-4k-token passes fastest (8k-token passes are
# ~15% slower, 400-token ones ~10%); GPUs take the full batch_size * max_length.
CPU_PASS_TOKENS = 2048


def _resolve_device(device: str | torch.device) -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError(f"device '{device}' asked for, but torch sees no CUDA device: use --device cpu")
    return dev


def _resolve_dtype(dtype: torch.dtype | str | None) -> torch.dtype | None:
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    names = {
        "auto": None,
        "float32": torch.float32,
        "fp32": torch.float32,
        "bfloat16": torch.bfloat16,
        "bf16": torch.bfloat16,
        "float16": torch.float16,
        "fp16": torch.float16,
    }
    if dtype not in names:
        raise ValueError(f"dtype {dtype!r} not understood; use one of {sorted(names)}")
    return names[dtype]


# ---- inputs -------------------------------------------------------------------------------------------------
def as_article(item: Any, index: int) -> Article:
    """A string, a dict with ``text`` (and ``id``, ``date``) or an object with those attributes -> Article."""
    if isinstance(item, Article):
        return item
    if isinstance(item, str):
        return Article(None, item, None)
    if isinstance(item, dict):
        text, art_id, date = item.get("text"), item.get("id"), item.get("date")
    elif hasattr(item, "text"):
        text, art_id, date = item.text, getattr(item, "id", None), getattr(item, "date", None)
    else:
        raise TypeError(
            f"item {index}: expected a string, a dict with 'text' or an object with .text; "
            f"got {type(item).__name__}"
        )
    if not isinstance(text, str):
        raise TypeError(f"item {index}: 'text' must be a string, got {type(text).__name__}")
    if art_id is not None and not isinstance(art_id, str | int):
        raise TypeError(f"item {index}: 'id' must be a string or an integer, got {type(art_id).__name__}")
    if date is not None and not isinstance(date, str):
        raise TypeError(f"item {index}: 'date' must be an ISO date string, got {type(date).__name__}")
    return Article(None if art_id is None else str(art_id), text, date)


@dataclass(frozen=True)
class _Unit:
    """One sentence of one article of the current chunk, as a range of the article's normalised text."""

    article: int
    start: int
    end: int


# ---- the tagger ---------------------------------------------------------------------------------------------
class Tagger:
    """Label articles with a trained conflict-events model: ``Tagger.from_pretrained(folder)(texts)``."""

    def __init__(
        self,
        model: ConflictEventsModel | torch.nn.Module,
        tokenizer,
        *,
        config: ConflictEventsConfig,
        device: torch.device,
        model_info: dict[str, str],
        autocast_dtype: torch.dtype | None = None,
        max_length: int | None = None,
        secondary_min_score: float = ARTICLE_SECONDARY_MIN_SCORE,
    ):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = config
        self.device = device
        self.model_info = dict(model_info)
        self.autocast_dtype = autocast_dtype
        self.max_length = int(max_length or config.max_length)
        # The windows' overlap stays what training used, unless the windows are too short to hold it.
        self.stride = min(int(config.stride), max(0, (self.max_length - 2) // 2))
        self.heads: list[HeadSpec] = config.head_specs
        self.token_heads = [h for h in self.heads if h.kind == TOKEN]
        self.sequence_heads = _parents_first([h for h in self.heads if h.kind == SEQUENCE])
        self.secondary_min_score = float(secondary_min_score)

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        device: str | torch.device = "auto",
        dtype: torch.dtype | str | None = None,
        *,
        quantize: str | None = None,
        max_length: int | None = None,
        secondary_min_score: float = ARTICLE_SECONDARY_MIN_SCORE,
    ) -> Tagger:
        """Load a saved model folder (safetensors only; no remote code).

        ``device``: "auto" (CUDA when present), "cpu", "cuda[:n]". ``dtype``: None keeps float32 weights and, on
        CUDA, runs the encoder under bfloat16 autocast; a dtype casts the weights instead (no autocast).
        ``quantize="int8"``: dynamic int8 Linear layers in the encoder (heads stay float32), CPU only;
        see inference/model/quantize.py. ``max_length``: tokens per window. ``secondary_min_score``: the sentence
        probability a multi_class article label other than the best one needs (``_article_labels``).
        """
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise ModelLoadError(
                f"model folder {folder} does not exist (or is not a folder): point at a folder "
                "written by save_pretrained"
            )
        config = load_config(folder)
        weights = weights_files(folder)
        dev = _resolve_device(device)
        torch_dtype = _resolve_dtype(dtype)
        if quantize not in (None, "int8"):
            raise ValueError(f"quantize must be None or 'int8', got {quantize!r}")
        if quantize and (dev.type != "cpu" or torch_dtype not in (None, torch.float32)):
            raise ValueError("quantize='int8' is for CPU float32 inference: use device='cpu' and no dtype")
        model, tokenizer = load_model_and_tokenizer(folder, config, weights)
        limit = _max_positions(config, tokenizer)
        if max_length is not None and not 8 <= max_length <= limit:
            raise ValueError(
                f"max_length must be between 8 and {limit} (the encoder's limit), got {max_length}"
            )
        model.eval()
        autocast_dtype = None
        if quantize == "int8":
            model = quantize_int8(model)
        elif torch_dtype is not None:
            model = model.to(torch_dtype)
        elif dev.type == "cuda":
            autocast_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        model = model.to(dev)
        info = {"name": folder.resolve().name, "sha256": weights_sha256(weights)}
        info["numerics"] = describe_numerics(dev, torch_dtype, quantize, autocast_dtype)
        return cls(
            model,
            tokenizer,
            config=config,
            device=dev,
            model_info=info,
            autocast_dtype=autocast_dtype,
            max_length=max_length,
            secondary_min_score=secondary_min_score,
        )

    # ---- public calls ------------------------------------------------------------------------------------
    def __call__(
        self,
        texts_or_articles: Iterable[Any] | str,
        batch_size: int = 32,
        *,
        all_scores: bool = False,
        chunk_size: int = 256,
        events: bool = True,
    ) -> list[ArticleResult]:
        """One result per article, in input order. ``batch_size``: windows per forward pass.

        ``events=False`` skips the event records (about a third of float32 tagging time): each result's
        ``events`` is then None, not an empty list, and its ``to_dict()`` has no ``events`` key.
        """
        if isinstance(texts_or_articles, str | dict | Article):
            raise TypeError("pass a list of articles (a single string or dict is not a list): tagger([text])")
        return list(
            self.iter_tag(
                texts_or_articles, batch_size, all_scores=all_scores, chunk_size=chunk_size, events=events
            )
        )

    def iter_tag(
        self,
        items: Iterable[Any],
        batch_size: int = 32,
        *,
        all_scores: bool = False,
        chunk_size: int = 256,
        events: bool = True,
    ) -> Iterator[ArticleResult]:
        """Stream results in input order, processing ``chunk_size`` articles at a time (``events`` as in
        ``__call__``)."""
        if batch_size < 1 or chunk_size < 1:
            raise ValueError("batch_size and chunk_size must be at least 1")
        chunk: list[Article] = []
        for i, item in enumerate(items):
            chunk.append(as_article(item, i))
            if len(chunk) == chunk_size:
                yield from self.tag_articles(chunk, batch_size, all_scores=all_scores, events=events)
                chunk = []
        if chunk:
            yield from self.tag_articles(chunk, batch_size, all_scores=all_scores, events=events)

    def tag_articles(
        self, articles: list[Article], batch_size: int = 32, *, all_scores: bool = False, events: bool = True
    ) -> list[ArticleResult]:
        """Tag one chunk of articles: every window of every sentence, sorted by length, batched.

        ``events=False``: no event records (``result.events`` is None).
        """
        normed = [normalize_text(a.text) for a in articles]
        units = [_Unit(k, s, e) for k, n in enumerate(normed) for s, e in split_sentences(n.text)]
        texts = [normed[u.article].text[u.start : u.end] for u in units]
        windows = tokenize_windows(
            self.tokenizer,
            texts,
            max_length=self.max_length,
            stride=self.stride,
            case_features=self.model.config.case_features,
        )
        token_probs, in_order, pooled = self._run(windows, len(units), batch_size)
        by_unit: list[list[int]] = [[] for _ in units]
        for i, w in enumerate(windows):
            by_unit[w.example].append(i)
        seq_preds = self._sequence_predictions(pooled)

        per_article: list[list[int]] = [[] for _ in articles]
        for u, unit in enumerate(units):
            per_article[unit.article].append(u)
        results = []
        for article, norm, mine in zip(articles, normed, per_article):
            spans: dict[str, list[SpanResult]] = {h.name: [] for h in self.token_heads}
            for u in mine:
                for head in self.token_heads:
                    parts = [token_probs[head.name][i] for i in by_unit[u]]
                    # One window in text order is already what merging would return (same rows, same order).
                    merged = (
                        parts[0] if len(parts) == 1 and in_order[by_unit[u][0]] else merge_window_probs(parts)
                    )
                    spans[head.name].extend(
                        _span_result(article.text, norm, units[u].start, span)
                        for span in decode_spans(*merged, head.bio_labels)
                    )
            sentences = [
                _sentence_result(
                    article.text, norm, units[u], {h: seq_preds[h][u] for h in seq_preds}, all_scores
                )
                for u in mine
            ]
            labels, maxima = {}, {}
            for head in self.sequence_heads:  # parents first
                parent = labels.get(head.parent) if head.parent else None
                labels[head.name], maxima[head.name] = _article_labels(
                    head,
                    [seq_preds[head.name][u] for u in mine],
                    parent_labels=None if parent is None else {x.label for x in parent},
                    secondary_min_score=self.secondary_min_score,
                )
            results.append(
                ArticleResult(
                    id=article.id,
                    date=article.date or norm.date,
                    spans=spans,
                    labels=labels,
                    sentences=sentences,
                    model=dict(self.model_info),
                    all_scores=maxima if all_scores else None,
                    events=[] if events else None,
                )
            )
        if events:  # event records read the original texts (inference/events/from_tagging.py)
            attach_events(results, articles)
        return results

    # ---- internals ---------------------------------------------------------------------------------------
    def _autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def _to_device(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if self.device.type != "cuda":
            return batch
        return {k: v.pin_memory().to(self.device, non_blocking=True) for k, v in batch.items()}

    def _batches(self, windows: list[Window], batch_size: int) -> list[list[int]]:
        """Window indices per forward pass: longest first, each pass padded to at most ``batch_size`` full windows.

        A pass holds as many windows as fit in ``batch_size * max_length`` padded tokens (on CPU at most
        ``CPU_PASS_TOKENS``), so sentence-sized windows share a pass by the dozen while memory per pass stays
        what ``batch_size`` full windows take. Fewer passes also mean fewer thread synchronisations, which is what
        costs most on a CPU shared with other work.
        """
        order = sorted(range(len(windows)), key=lambda i: (-len(windows[i]), i))
        budget = batch_size * self.max_length
        if self.device.type == "cpu":
            budget = min(budget, CPU_PASS_TOKENS)
        batches: list[list[int]] = []
        for i in order:
            # Longest first: the batch's first window sets its padded width.
            if batches and (len(batches[-1]) + 1) * len(windows[batches[-1][0]]) <= budget:
                batches[-1].append(i)
            else:
                batches.append([i])
        return batches

    def _run(self, windows: list[Window], num_units: int, batch_size: int):
        """Encode all windows (longest first, batched by ``_batches``).

        Returns per token head, per window, ``(probs [real tokens, n_tags], offsets, word_ids)``; per window,
        whether its real tokens' offsets are strictly increasing (text order, no repeats); and per unit the mean
        of its pooled token vectors (sums and counts gathered over every batch holding one of its windows).
        """
        token_probs: dict[str, list] = {h.name: [None] * len(windows) for h in self.token_heads}
        in_order = [False] * len(windows)
        sums = counts = None
        with torch.inference_mode(), self._autocast():
            for idx in self._batches(windows, batch_size):
                ws = [windows[i] for i in idx]
                batch = collate_windows(ws, self.tokenizer.pad_token_id)
                out = self.model(**self._to_device(batch))
                local_units = torch.tensor(list(dict.fromkeys(w.example for w in ws)), dtype=torch.long)
                local_counts = torch.zeros(len(local_units)).index_add_(
                    0, batch["window_example"], batch["pool_mask"].sum(dim=1).float()
                )
                pooled = out.pooled.float().cpu()
                if sums is None:
                    sums = torch.zeros(num_units, pooled.size(-1))
                    counts = torch.zeros(num_units)
                sums.index_add_(0, local_units, pooled * local_counts[:, None])
                counts.index_add_(0, local_units, local_counts)
                real = [[t for t, wid in enumerate(w.word_ids) if wid is not None] for w in ws]
                kept = [
                    ([w.offsets[t] for t in keep], [w.word_ids[t] for t in keep]) for w, keep in zip(ws, real)
                ]
                for i, (offsets, _) in zip(idx, kept):
                    in_order[i] = all(a < b for a, b in zip(offsets, offsets[1:]))
                for head in self.token_heads:
                    probs = torch.softmax(out.logits[head.name].float(), dim=-1).cpu().numpy()
                    for row, (i, keep, (offsets, word_ids)) in enumerate(zip(idx, real, kept)):
                        token_probs[head.name][i] = (probs[row, keep], offsets, word_ids)
        pooled_units = None if sums is None else sums / counts.clamp(min=1.0)[:, None]
        return token_probs, in_order, pooled_units

    def _sequence_predictions(self, pooled: torch.Tensor | None) -> dict[str, list[SequencePrediction]]:
        """Sequence-head labels per unit from the units' pooled vectors (parent-consistent)."""
        if pooled is None or not self.sequence_heads:
            return {}
        logits = {}
        with torch.inference_mode(), self._autocast():
            for head in self.sequence_heads:
                module = self.model.sequence_heads[head.name]
                param = next(module.parameters())
                logits[head.name] = torch.cat(
                    [
                        module(pooled[i : i + 4096].to(param.device, param.dtype)).float().cpu()
                        for i in range(0, len(pooled), 4096)
                    ]
                )
        return decode_sequence_heads(self.config, logits)


def _parents_first(heads: list[HeadSpec]) -> list[HeadSpec]:
    """Sequence heads reordered so that a child head comes after its parent (otherwise in config order)."""
    done: list[HeadSpec] = []
    pending = list(heads)
    names = {h.name for h in heads}
    while pending:
        ready = [
            h for h in pending if not h.parent or h.parent not in names or h.parent in {d.name for d in done}
        ]
        if not ready:  # a parent cycle cannot come from a valid config; keep config order
            return done + pending
        done.extend(ready)
        pending = [h for h in pending if h not in ready]
    return done


def _max_positions(config: ConflictEventsConfig, tokenizer) -> int:
    enc = config.encoder
    limit = (
        enc.get("max_position_embeddings")
        if isinstance(enc, dict)
        else getattr(enc, "max_position_embeddings", None)
    ) or 512
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_limit, int) and 0 < tok_limit < 100_000:
        limit = min(limit, tok_limit)
    return int(limit)


def _span_result(original: str, norm: NormalizedText, offset: int, span) -> SpanResult:
    start, end = norm.to_original(offset + span.start, offset + span.end)
    return SpanResult(start, end, span.label, original[start:end], float(span.score))


def _sentence_result(
    original: str, norm: NormalizedText, unit: _Unit, preds: dict[str, SequencePrediction], all_scores: bool
) -> SentenceResult:
    start, end = norm.to_original(unit.start, unit.end)
    return SentenceResult(
        start,
        end,
        original[start:end],
        labels={h: [LabelScore(x, p.scores[x]) for x in p.labels] for h, p in preds.items()},
        all_scores={h: dict(p.scores) for h, p in preds.items()} if all_scores else None,
    )


def _article_labels(
    head: HeadSpec,
    preds: list[SequencePrediction],
    *,
    parent_labels: set[str] | None = None,
    secondary_min_score: float = 0.0,
) -> tuple[list[LabelScore], dict[str, float]]:
    """Article labels from its sentences' labels (not ``none``), each at its best sentence probability.

    For a multi_class head, the best label (per parent label, for a child head) always counts, and a further
    label only when some sentence gives it at least ``secondary_min_score``: a short article has one event and
    a second label is more often a sentence's mistake than a second event (0 keeps the plain union; see
    ``ARTICLE_SECONDARY_MIN_SCORE``). Multi_label heads take the union. ``none`` (where the head has it) when no
    sentence has another label. ``parent_labels``: the parent head's article labels; child labels of other
    parents are left out, so every kept parent keeps at least one child (the sentence that gave the parent its
    label gave a child of it too).
    """
    if not preds:
        return [], {label: 0.0 for label in head.labels}
    maxima = {label: max(p.scores[label] for p in preds) for label in head.labels}
    chosen = {x for p in preds for x in p.labels if x != NONE_LABEL}
    if parent_labels is not None and head.parent_map:
        chosen = {x for x in chosen if head.parent_map.get(x) in parent_labels}
    rank = {label: j for j, label in enumerate(head.labels)}
    ordered = sorted(chosen, key=lambda x: (-maxima[x], rank[x]))
    if head.problem_type == MULTI_CLASS and secondary_min_score > 0.0:
        group = head.parent_map.get if head.parent_map else (lambda x: None)
        seen: set = set()
        kept = []
        for x in ordered:  # best first: the first label of each group always stays
            if group(x) not in seen or maxima[x] >= secondary_min_score:
                kept.append(x)
            seen.add(group(x))
        ordered = kept
    if not ordered and NONE_LABEL in head.labels:
        ordered = [NONE_LABEL]
    return [LabelScore(x, maxima[x]) for x in ordered], maxima
