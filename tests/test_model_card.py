"""The model card's branches a tiny training run does not reach: no dev set, no zero-shot, tuned thresholds,
labels with characters that would break a Markdown table."""

from __future__ import annotations

import yaml

from inference.model.folder import load_config
from training.evaluation.model_card import render_model_card, write_model_card


def test_a_run_without_dev_sets_says_so_and_escapes_table_cells(tiny_model, tmp_path):
    config = load_config(tiny_model)
    metrics = {
        "main_metric": None,
        "main_score": None,
        "best_step": None,
        "dev": {},
        "zero_shot": {},
        "thresholds": {},
        "dev_default_thresholds": None,
        "data": {
            "train_examples": 3,
            "per_origin": {"a|b.jsonl": 3},
            "draw_share": {"a|b.jsonl": 1.0},
            "labels": {"event_type": {"Battles": 250, "Protests": 2}},
        },
        "run": {"steps": 1, "total_steps": 1, "git_commit": None},
    }
    card = render_model_card(metrics, config, name="m", lowercases=False)
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["license"] == "other" and front["datasets"] == [] and front["metrics"] == []
    assert "No dev set: the model is the last step's weights, unscored." in card
    assert "Not run for this model" in card and "Uncased encoder" not in card
    assert "| a\\|b.jsonl | 3 | 1.0000 |" in card  # a pipe in a name stays inside its cell
    rare = card.split("**Rare labels**", 1)[1].split("\n- **English", 1)[0]
    assert "Protests (2)" in rare and "Violence against civilians (0)" in rare and "Battles" not in rare
    path = write_model_card(tmp_path, metrics, config, tokenizer=None)
    assert path.read_text() == render_model_card(metrics, config, name=tmp_path.name, lowercases=None)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
