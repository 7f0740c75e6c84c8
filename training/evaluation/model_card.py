"""The model card: ``README.md`` in every model folder, in Hugging Face's layout (YAML front matter, then prose).

Rendered from the same ``metrics`` dict that becomes ``metrics.json`` (after the same JSON cleaning) and from the
model config, so every number in the card is a number of ``metrics.json``, rounded to 4 decimals.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from inference.model.configuration import TOKEN, ConflictEventsConfig, HeadSpec
from training.evaluation.reporting import _clean

# whole-head scores shown per head kind, in this order (the names are metrics.json's keys)
TOKEN_METRICS = ("f1", "precision", "recall", "macro_f1")
SEQUENCE_METRICS = ("accuracy", "weighted_f1", "macro_f1", "micro_f1", "example_f1")
RARE_TRAINING_EXAMPLES = (
    100  # fewer training examples than this: the label's scores and predictions are shaky
)


def fmt(value: Any) -> str:
    """A score as the card prints it: 4 decimals (``n/a`` for a missing or non-finite one)."""
    if isinstance(value, bool) or value is None:
        return "n/a"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4f}"


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _dataset_names(training_config: dict[str, Any]) -> list[str]:
    """Every dataset the heads and dev sets name (converter names, or file paths), first seen first."""
    names: list[str] = []
    entries = [d for h in (training_config.get("heads") or {}).values() for d in h.get("datasets") or []]
    entries += [d for h in (training_config.get("heads") or {}).values() for d in h.get("negatives") or []]
    entries += list(training_config.get("dev") or [])
    for d in entries:
        name = d.get("name") or d.get("path") if isinstance(d, dict) else d
        if name and str(name) not in names:
            names.append(str(name))
    return names


def front_matter(metrics: dict[str, Any], config: ConflictEventsConfig) -> str:
    """The YAML header the Hub reads: language, license, tags, datasets, metrics."""
    specs = config.head_specs
    tags = ["conflict-events", "political-violence", "event-extraction", "acled", "multi-task"]
    if any(s.kind == TOKEN for s in specs):
        tags.append("token-classification")
    if any(s.kind != TOKEN for s in specs):
        tags.append("text-classification")
    names = sorted({m for heads in (metrics.get("dev") or {}).values() for h in heads.values() for m in h})
    header = {
        "language": ["en"],
        # the code is Apache-2.0; weights trained on a dataset carry that dataset's terms (ACLED's among them)
        "license": "other",
        "license_name": "training-data-terms",
        "tags": tags,
        "datasets": _dataset_names(getattr(config, "training_config", None) or {}),
        "metrics": [m for m in ("accuracy", "f1", "precision", "recall") if any(m in n for n in names)],
        "pipeline_tag": "token-classification" if specs and specs[0].kind == TOKEN else "text-classification",
    }
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n"


def _heads_section(specs: list[HeadSpec]) -> list[str]:
    lines = ["## Heads and labels", "", "| head | kind | labels |", "|---|---|---|"]
    for s in specs:
        kind = "token (BIO spans)" if s.kind == TOKEN else f"sequence ({s.problem_type or 'multi_class'})"
        if s.parent:
            kind += f", child of `{s.parent}`"
        lines.append(f"| `{s.name}` | {kind} | {len(s.labels)}: {_cell(', '.join(s.labels))} |")
    thresholds = {s.name: s.thresholds for s in specs if s.thresholds}
    if thresholds:
        lines += ["", "Per-label decision thresholds (tuned on dev, stored in `config.json`):", ""]
        lines += [
            f"- `{h}`: " + ", ".join(f"{k} {fmt(v)}" for k, v in t.items()) for h, t in thresholds.items()
        ]
    return lines + [""]


def _data_section(data: dict[str, Any]) -> list[str]:
    lines = ["## Training data", ""]
    lines.append(
        f"{data.get('train_examples', 'n/a')} training examples; draws per source (share of batches):"
    )
    lines += ["", "| source | examples | draw share |", "|---|---|---|"]
    share = data.get("draw_share") or {}
    for origin, n in (data.get("per_origin") or {}).items():
        lines.append(f"| {_cell(origin)} | {n} | {fmt(share.get(origin))} |")
    if data.get("negatives"):
        lines += ["", "Negatives: " + ", ".join(f"{_cell(k)} {v}" for k, v in data["negatives"].items())]
    dev_sets = data.get("dev_sets") or {}
    if dev_sets:
        lines += ["", "Dev sets (model selection and the scores below; test splits are never read):", ""]
        lines += ["| dev set | examples | heads | origin |", "|---|---|---|---|"]
        for name, d in dev_sets.items():
            heads = ", ".join(d.get("heads") or [])
            lines.append(f"| `{name}` | {d.get('examples')} | {heads} | {_cell(d.get('origin'))} |")
    return lines + [""]


def _config_section(metrics: dict[str, Any], config: ConflictEventsConfig) -> list[str]:
    run = metrics.get("run") or {}
    tc = getattr(config, "training_config", None) or {}
    train = tc.get("train") or {}
    rows = [
        ("encoder", getattr(config, "encoder_name", None) or run.get("encoder")),
        ("config files", ", ".join(run.get("config_files") or [])),
        ("overrides", ", ".join(run.get("overrides") or []) or "none"),
        ("max_length / stride", f"{tc.get('max_length')} / {tc.get('stride')}"),
        ("batch size x accumulation", f"{run.get('batch_size')} x {run.get('grad_accum')}"),
        ("learning rate (encoder / heads)", f"{train.get('lr')} / {train.get('head_lr')}"),
        ("steps (of planned)", f"{run.get('steps')} of {run.get('total_steps')}"),
        ("epochs started", run.get("epochs_started")),
        ("stopped early", run.get("stopped_early")),
        ("best step", metrics.get("best_step")),
        ("selection metric", metrics.get("main_metric")),
        ("seed", run.get("seed")),
        (
            "device / processes / precision",
            f"{run.get('device')} / {run.get('num_processes')} / {run.get('mixed_precision')}",
        ),
        ("train time / wall time (s)", f"{run.get('train_time_s')} / {run.get('wall_time_s')}"),
        ("torch", run.get("torch")),
        ("git commit", run.get("git_commit")),
    ]
    lines = ["## Training config", "", "| setting | value |", "|---|---|"]
    lines += [f"| {k} | {_cell(v)} |" for k, v in rows]
    lines += [
        "",
        "The full config is in `config.json` (`training_config`); the run's log in `train.log`.",
        "",
    ]
    return lines


def _scores_table(scores: dict[str, dict[str, dict[str, Any]]], specs: dict[str, HeadSpec]) -> list[str]:
    """``| dev set | head | metric | value |`` rows of whole-head scores, then per-label scores per head."""
    lines = ["| dev set | head | metric | value |", "|---|---|---|---|"]
    for set_name, heads in scores.items():
        for head, m in heads.items():
            spec = specs.get(head)
            keys = TOKEN_METRICS if spec is not None and spec.kind == TOKEN else SEQUENCE_METRICS
            for key in ("n", *keys):
                if key in m:
                    lines.append(f"| `{set_name}` | `{head}` | {key} | {fmt(m[key])} |")
    for set_name, heads in scores.items():
        for head, m in heads.items():
            per_label = m.get("per_label") or {}
            if not per_label:
                continue
            lines += ["", f"<details><summary>{head} on {set_name}: per label</summary>", ""]
            lines += ["| label | precision | recall | f1 | support |", "|---|---|---|---|---|"]
            for label, s in per_label.items():
                lines.append(
                    f"| {_cell(label)} | {fmt(s.get('precision'))} | {fmt(s.get('recall'))} | "
                    f"{fmt(s.get('f1'))} | {fmt(s.get('support'))} |"
                )
            lines += ["", "</details>"]
    return lines


def _metrics_section(metrics: dict[str, Any], specs: dict[str, HeadSpec]) -> list[str]:
    lines = ["## Dev metrics", ""]
    if not metrics.get("dev"):
        return lines + ["No dev set: the model is the last step's weights, unscored.", ""]
    lines.append(
        f"Selected on `{metrics.get('main_metric')}` = {fmt(metrics.get('main_score'))} "
        f"(step {metrics.get('best_step')}). Span heads: exact-match span F1; sequence heads: per-text labels. "
        "Scored by the same prediction path as `Tagger` and `conflict-tag`."
    )
    lines += ["", *_scores_table(metrics["dev"], specs), ""]
    if metrics.get("dev_default_thresholds"):
        lines += ["With the default 0.5 thresholds (before tuning, same dev sets):", ""]
        lines += [*_scores_table(metrics["dev_default_thresholds"], specs), ""]
    return lines


def _zero_shot_section(metrics: dict[str, Any], specs: dict[str, HeadSpec]) -> list[str]:
    lines = ["## Zero-shot baseline", ""]
    if not metrics.get("zero_shot"):
        return lines + ["Not run for this model (`train.zero_shot_baseline: false`, or no dev set).", ""]
    lines.append(
        "The untrained model (the encoder with label vectors set from the label descriptions, before any step) "
        "on the same dev sets: what fine-tuning added. Token heads have no zero-shot score."
    )
    return lines + ["", *_scores_table(metrics["zero_shot"], specs), ""]


def _rare_labels(data: dict[str, Any], specs: list[HeadSpec]) -> list[str]:
    """``head: label (n), ...`` for sequence-head labels with few or no training examples."""
    counts = data.get("labels") or {}
    out = []
    for s in specs:
        if s.kind == TOKEN or s.name not in counts:
            continue
        rare = [
            f"{label} ({counts[s.name].get(label, 0)})"
            for label in s.labels
            if label != "none" and counts[s.name].get(label, 0) < RARE_TRAINING_EXAMPLES
        ]
        if rare:
            out.append(f"`{s.name}`: {', '.join(rare)}")
    return out


def _limitations_section(
    metrics: dict[str, Any], specs: list[HeadSpec], lowercases: bool | None
) -> list[str]:
    lines = ["## Limitations", ""]
    if lowercases:
        lines.append(
            '- **Uncased encoder**: the tokenizer lowercases, so the model cannot tell "US" from "us" or a '
            "name from a word; entity spans suffer most (`case_features: true` adds a letter-case signal)."
        )
    rare = _rare_labels(metrics.get("data") or {}, specs)
    if rare:
        lines.append(
            f"- **Rare labels** (fewer than {RARE_TRAINING_EXAMPLES} training examples; their dev scores rest on "
            "a handful of cases and the model seldom predicts them):"
        )
        lines += [f"  - {r}" for r in rare]
    lines += [
        "- **English news only**, as trained; other languages and genres are untested.",
        "- ACLED coder notes (most of the event-type data) are short, dated, one-incident summaries in a house "
        "style; full news articles are longer and mix background with events, so expect lower scores on them "
        "than on ACLED-like dev sets.",
        "- Event records (actors, places, dates, fatalities) are built by rules from the heads' output "
        "(`inference/events/`), not learned: they inherit the heads' errors.",
        "- Scores are on dev sets used for model selection (and threshold tuning), so they are optimistic.",
        "",
    ]
    return lines


def render_model_card(
    metrics: dict[str, Any], config: ConflictEventsConfig, *, name: str, lowercases: bool | None = None
) -> str:
    """The card's Markdown for a model folder called ``name``; ``metrics`` as written to ``metrics.json``."""
    metrics = _clean(metrics)
    specs = config.head_specs
    by_name = {s.name: s for s in specs}
    heads = ", ".join(f"`{s.name}`" for s in specs)
    encoder = getattr(config, "encoder_name", None) or "the encoder"
    lines = [
        f"# {name}",
        "",
        f"A conflict-events model: one `{encoder}` encoder with {len(specs)} heads "
        f"({heads}) that labels news about conflict and political violence in one forward pass: spans (actors, "
        "places, weapons, dates, quantities) and ACLED-style event types, from which rules build event records.",
        "",
        "## Intended use",
        "",
        "Researchers who build event data from news (who did what to whom, where, when, how many killed): a "
        "first reading of articles that a person checks, ranks or codes from. Not for decisions about "
        "individuals, and not a replacement for human coding.",
        "",
        "## How to use",
        "",
        "```python",
        "from inference import Tagger",
        "",
        'tagger = Tagger.from_pretrained("path/to/this/folder")  # device="cpu"; quantize="int8" on CPU',
        'result = tagger([{"text": "Rebels attacked the village of X on Monday, killing 4.", "date": "2020-06-08"}])[0]',
        "result.spans, result.labels, result.events",
        "```",
        "",
        "or from the command line: `conflict-tag articles.jsonl --model path/to/this/folder -o labels.jsonl`.",
        "",
    ]
    lines += _heads_section(specs)
    lines += _data_section(metrics.get("data") or {})
    lines += _config_section(metrics, config)
    lines += _metrics_section(metrics, by_name)
    lines += _zero_shot_section(metrics, by_name)
    lines += _limitations_section(metrics, specs, lowercases)
    return front_matter(metrics, config) + "\n" + "\n".join(lines)


def tokenizer_lowercases(tokenizer) -> bool | None:
    """Whether the tokenizer maps upper and lower case to the same tokens (None if it cannot tell)."""
    try:
        return tokenizer.tokenize("Rebels ATTACKED Kabul") == tokenizer.tokenize("rebels attacked kabul")
    except Exception:  # a card must not fail a finished run over this
        return None


def write_model_card(folder: Path, metrics: dict[str, Any], config: ConflictEventsConfig, tokenizer) -> Path:
    """``folder/README.md``, written atomically (a temporary file renamed over it)."""
    path = Path(folder) / "README.md"
    text = render_model_card(
        json.loads(json.dumps(_clean(metrics))),
        config,
        name=Path(folder).resolve().name,
        lowercases=tokenizer_lowercases(tokenizer),
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path
