"""Raw public datasets -> canonical examples (one JSON object per line)."""

from training.data.canonical import DataError, Example, load_examples, save_examples

__all__ = ["DataError", "Example", "load_examples", "save_examples"]
