"""Shared fixtures: a tiny random BERT (offline, seconds) and the path of the shared data, when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CONFLICT_EVENTS_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> Path:
    """Folder with a random 2-layer BERT and a WordPiece tokenizer (built, never downloaded)."""
    from training.encoders import build_tiny_encoder

    return build_tiny_encoder(tmp_path_factory.mktemp("tiny-encoder"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public datasets folder; tests that need it skip, saying why, where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set CONFLICT_EVENTS_DATA to its path)")
    return SHARED_DATA
