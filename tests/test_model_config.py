"""The model config builds its HeadSpecs once, keeps ``heads`` as the saved form, and reads folders saved before."""

import json

import pytest

from inference.model import configuration
from inference.model.configuration import ConflictEventsConfig

# config.json "heads" exactly as models saved before HeadSpecs were cached wrote them
SAVED_HEADS = [
    {"name": "entities", "kind": "token", "labels": ["Location", "Person"], "loss_weight": 1.0},
    {
        "name": "event_type",
        "kind": "sequence",
        "labels": ["none", "Battles"],
        "problem_type": "multi_class",
        "descriptions": {"Battles": "armed groups fight"},
        "thresholds": {},
        "loss_weight": 1.0,
    },
    {
        "name": "topics",
        "kind": "sequence",
        "labels": ["aid", "trade"],
        "problem_type": "multi_label",
        "descriptions": {},
        "thresholds": {"aid": 0.3},
        "parent": "event_type",
        "parent_map": {"aid": "none", "trade": "none"},
        "loss_weight": 0.5,
    },
]


def test_a_folder_saved_before_loads_and_saves_the_same_heads(tmp_path):
    (tmp_path / "config.json").write_text(
        json.dumps({"model_type": "conflict_events", "heads": SAVED_HEADS, "max_length": 128, "stride": 32})
    )
    config = ConflictEventsConfig.from_pretrained(tmp_path)
    assert [s.name for s in config.head_specs] == ["entities", "event_type", "topics"]
    assert config.head("topics").threshold("aid") == 0.3 and config.head("topics").threshold("trade") == 0.5
    config.save_pretrained(tmp_path / "again")
    saved = json.loads((tmp_path / "again" / "config.json").read_text())
    assert saved["heads"] == SAVED_HEADS and "_head_specs" not in saved


def test_head_specs_are_built_once_not_per_access(monkeypatch):
    config = ConflictEventsConfig(heads=SAVED_HEADS)
    built = []
    monkeypatch.setattr(configuration.HeadSpec, "__post_init__", lambda self: built.append(self.name))
    for _ in range(3):
        assert config.head("topics").parent == "event_type" and len(config.head_specs) == 3
    assert built == []
    assert config.head_specs[1] is config.head_specs[1]


def test_set_thresholds_updates_the_saved_heads_and_the_specs():
    config = ConflictEventsConfig(heads=SAVED_HEADS)
    config.set_thresholds("topics", {"aid": 0.7, "trade": 0.2})
    assert config.head("topics").thresholds == {"aid": 0.7, "trade": 0.2}
    assert next(h for h in config.heads if h["name"] == "topics")["thresholds"] == {"aid": 0.7, "trade": 0.2}
    assert ConflictEventsConfig.from_dict(config.to_dict()).head("topics").threshold("aid") == 0.7
    with pytest.raises(ValueError, match="not in its label list"):
        config.set_thresholds("topics", {"war": 0.5})
    with pytest.raises(KeyError, match="no head named 'topic'"):
        config.set_thresholds("topic", {"aid": 0.5})
    assert config.head("topics").thresholds == {"aid": 0.7, "trade": 0.2}  # failed calls changed nothing


def test_assigning_heads_validates_them_again():
    config = ConflictEventsConfig(heads=SAVED_HEADS)
    with pytest.raises(ValueError, match="parent 'event_type' is not a sequence head"):
        config.heads = [SAVED_HEADS[0], SAVED_HEADS[2]]
    config.heads = SAVED_HEADS[:2]
    assert [s.name for s in config.head_specs] == ["entities", "event_type"]
