"""conflict-events inference: load a trained multi-head model and label text. Never imports ``training``."""

from transformers import AutoConfig, AutoModel

from inference.configuration import ConflictEventsConfig, HeadSpec
from inference.modeling import ConflictEventsModel

AutoConfig.register(ConflictEventsConfig.model_type, ConflictEventsConfig, exist_ok=True)
AutoModel.register(ConflictEventsConfig, ConflictEventsModel, exist_ok=True)

__all__ = ["ConflictEventsConfig", "ConflictEventsModel", "HeadSpec"]
