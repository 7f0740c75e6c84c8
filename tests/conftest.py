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
# The offline place index (inference/geo) is built once (~30 s) into pytest's cache folder and kept across
# sessions; subprocesses (conflict-tag runs) inherit the variable and share it.
os.environ.setdefault("CONFLICT_EVENTS_CACHE", str(REPO / ".pytest_cache" / "conflict-events"))
SHARED_DATA = Path(os.environ.get("CONFLICT_EVENTS_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> Path:
    """Folder with a random 2-layer BERT and a WordPiece tokenizer (built, never downloaded)."""
    from training.pretrained import build_tiny_encoder

    return build_tiny_encoder(tmp_path_factory.mktemp("tiny-encoder"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public datasets folder; tests that need it skip, saying why, where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set CONFLICT_EVENTS_DATA to its path)")
    return SHARED_DATA


TINY_HEADS = [
    {
        "name": "entities",
        "kind": "token",
        "labels": ["Organisation", "Person", "Location", "Temporal", "Quantity", "Weapon"],
    },
    {"name": "roles", "kind": "token", "labels": ["S", "T", "R"]},
    {
        "name": "event_type",
        "kind": "sequence",
        "labels": ["none", "Battles", "Protests", "Violence against civilians"],
        "descriptions": {
            "Battles": "armed groups fight each other",
            "Protests": "people demonstrate peacefully",
            "Violence against civilians": "armed men attack or kill unarmed civilians",
        },
    },
    {
        "name": "sub_event_type",
        "kind": "sequence",
        "labels": ["none", "Armed clash", "Peaceful protest", "Attack"],
        "parent": "event_type",
        "parent_map": {
            "none": "none",
            "Armed clash": "Battles",
            "Peaceful protest": "Protests",
            "Attack": "Violence against civilians",
        },
    },
]


@pytest.fixture(scope="session")
def tiny_model(tiny_encoder, tmp_path_factory) -> Path:
    """A saved, untrained multi-head model folder (random tiny BERT, the four default heads, small label sets)."""
    import torch
    from transformers import AutoTokenizer

    from inference import ConflictEventsModel

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny-model")
    model = ConflictEventsModel.from_encoder(str(tiny_encoder), TINY_HEADS, max_length=64, stride=16)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(tiny_encoder).save_pretrained(out)
    return out
