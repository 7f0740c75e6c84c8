"""The importable tagger: a saved model folder in, labelled articles out.

``Tagger.from_pretrained(folder)`` loads a model; calling it runs three steps, each its own function:
``Predictor.predict`` (the one prediction path, ``inference.prediction``) reads the texts, ``article_result``
turns a prediction into an ``ArticleResult`` with offsets into the caller's original strings, and ``add_events``
(``inference.events.from_tagging``) builds the event records from the results.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import torch

from inference.decode.text_labels import ARTICLE_SECONDARY_MIN_SCORE
from inference.events.from_tagging import add_events
from inference.model.configuration import SEQUENCE, TOKEN, ConflictEventsConfig, HeadSpec
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
from inference.prediction import Predictor, TextPrediction
from inference.results import Article, ArticleResult, LabelScore, SentenceResult, SpanResult
from inference.stage_times import NO_TIMES, StageTimes

logger = logging.getLogger(__name__)


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
        self.predictor = Predictor(
            self.model,
            tokenizer,
            device=device,
            max_length=max_length,
            autocast_dtype=autocast_dtype,
            secondary_min_score=secondary_min_score,
        )
        self.max_length, self.stride = self.predictor.max_length, self.predictor.stride
        self.heads: list[HeadSpec] = config.head_specs
        self.token_heads = [h for h in self.heads if h.kind == TOKEN]
        self.sequence_heads = [h for h in self.heads if h.kind == SEQUENCE]

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
        places: str | Path | None = None,
    ) -> Tagger:
        """Load a saved model folder (safetensors only; no remote code).

        ``device``: "auto" (CUDA when present), "cpu", "cuda[:n]". ``dtype``: None keeps float32 weights and, on
        CUDA, runs the encoder under bfloat16 autocast; a dtype casts the weights instead (no autocast).
        ``quantize="int8"``: dynamic int8 Linear layers in the encoder (heads stay float32), CPU only;
        see inference/model/quantize.py. ``max_length``: tokens per window. ``secondary_min_score``: the sentence
        probability a multi_class article label other than the best one needs (``_article_labels``).
        ``places``: a place list (an ACLED export's CSV, or ``conflict-data places``) the event records' places are
        looked up in before GeoNames; it applies to the whole process (``inference.geo.gazetteer.use_places``).
        """
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise ModelLoadError(
                f"model folder {folder} does not exist (or is not a folder): point at a folder "
                "written by save_pretrained"
            )
        config = load_config(folder)
        if places is not None:
            from inference.geo.gazetteer import use_places

            use_places(places)
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
        self,
        articles: list[Article],
        batch_size: int = 32,
        *,
        all_scores: bool = False,
        events: bool = True,
        times: StageTimes | None = None,
    ) -> list[ArticleResult]:
        """Tag one chunk of articles: every window of every sentence, sorted by length, batched.

        ``events=False``: no event records (``result.events`` is None). ``times``: a ``StageTimes`` that gets
        each step's seconds (``bench/pipeline.py``).
        """
        predictions = self.predictor.predict([a.text for a in articles], batch_size, times=times)
        return results_of(
            articles, predictions, self.model_info, all_scores=all_scores, events=events, times=times
        )


def results_of(
    articles: list[Article],
    predictions: list[TextPrediction],
    model_info: dict[str, str],
    *,
    all_scores: bool = False,
    events: bool = True,
    times: StageTimes | None = None,
) -> list[ArticleResult]:
    """The Tagger's results from the predictions of ``articles`` (same order): ``article_result`` each, then
    ``add_events`` (unless ``events`` is False). No model: ``conflict-tag --workers`` runs it in other processes."""
    times = NO_TIMES if times is None else times
    with times.stage("results"):
        results = [
            article_result(a, p, model_info, all_scores=all_scores, events=events)
            for a, p in zip(articles, predictions)
        ]
    if events:
        with times.stage("event_records"):
            add_events(results, predictions)
    return results


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


def article_result(
    article: Article,
    prediction: TextPrediction,
    model_info: dict[str, str],
    *,
    all_scores: bool = False,
    events: bool = True,
) -> ArticleResult:
    """A prediction as the caller sees it: every offset mapped back into ``article.text``."""
    prep, original = prediction.prepared, article.text

    def span(s) -> SpanResult:
        start, end = prep.to_original(s.start, s.end)
        return SpanResult(start, end, s.label, original[start:end], float(s.score))

    sentences = []
    for j, (a, b) in enumerate(prep.sentences):
        start, end = prep.to_original(a, b)
        preds = {h: p[j] for h, p in prediction.sentence_labels.items()}
        sentences.append(
            SentenceResult(
                start,
                end,
                original[start:end],
                labels={h: [LabelScore(x, p.scores[x]) for x in p.labels] for h, p in preds.items()},
                all_scores={h: dict(p.scores) for h, p in preds.items()} if all_scores else None,
            )
        )
    return ArticleResult(
        id=article.id,
        date=article.date or prep.norm.date,
        spans={h: [span(s) for s in spans] for h, spans in prediction.spans.items()},
        labels=dict(prediction.labels),
        sentences=sentences,
        model=dict(model_info),
        all_scores={h: dict(v) for h, v in prediction.scores.items()} if all_scores else None,
        events=[] if events else None,
    )
