"""conflict-events inference: load a trained multi-head model and label text. Never imports ``training``."""

import os

# Before torch loads: idle OpenMP threads sleep instead of spinning, which on a busy CPU took 2.3x the CPU time
# for the same tagging (measured with conflict-tag). A value the caller set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from transformers import AutoConfig, AutoModel

from inference.model.configuration import ConflictEventsConfig, HeadSpec
from inference.model.modeling import ConflictEventsModel
from inference.prediction import Predictor, TextPrediction
from inference.results import Article, ArticleResult, LabelScore, SentenceResult, SpanResult
from inference.tagger import ModelLoadError, Tagger

AutoConfig.register(ConflictEventsConfig.model_type, ConflictEventsConfig, exist_ok=True)
AutoModel.register(ConflictEventsConfig, ConflictEventsModel, exist_ok=True)

__all__ = [
    "Article",
    "ArticleResult",
    "ConflictEventsConfig",
    "ConflictEventsModel",
    "HeadSpec",
    "LabelScore",
    "ModelLoadError",
    "Predictor",
    "SentenceResult",
    "SpanResult",
    "Tagger",
    "TextPrediction",
]
