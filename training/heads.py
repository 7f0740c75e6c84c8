"""Head settings from the config -> the model's HeadSpecs: labels, descriptions and parents.

A head's labels come from an explicit list, else from a schema file, else from its training data (sorted).
A schema file maps each section (``event_type``) to ``{label: description}`` or, for child labels,
``{label: {parent: ..., description: ...}}`` (see ``configs/schemas/acled.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from inference.model.configuration import HeadSpec, check_parent
from training.config import ConfigError, HeadConfig, LoadedConfig
from training.data.canonical import Example


@dataclass
class SchemaSection:
    labels: list[str]
    descriptions: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)


def load_schema(path: Path, section: str, *, key: str, file: str) -> SchemaSection:
    """Read one section of a label schema file, checking its shape."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"cannot read schema {path}: {e}", key=key, file=file) from None
    if not isinstance(data, dict) or section not in data:
        known = sorted(data) if isinstance(data, dict) else []
        raise ConfigError(
            f"schema {path} has no section '{section}' (sections: {known}); set schema_key",
            key=key,
            file=file,
        )
    entries = data[section]
    if not isinstance(entries, dict) or not entries:
        raise ConfigError(
            f"schema {path} section '{section}' must map labels to descriptions", key=key, file=file
        )
    out = SchemaSection(labels=[])
    for label, value in entries.items():
        label = str(label)
        out.labels.append(label)
        if isinstance(value, dict):
            unknown = set(value) - {"parent", "description"}
            if unknown:
                raise ConfigError(
                    f"schema {path} label '{label}': unknown keys {sorted(unknown)} "
                    "(allowed: parent, description)",
                    key=key,
                    file=file,
                )
            if value.get("description"):
                out.descriptions[label] = str(value["description"]).strip()
            if value.get("parent") is not None:
                out.parents[label] = str(value["parent"])
        elif isinstance(value, str):
            out.descriptions[label] = value.strip()
        elif value is not None:
            raise ConfigError(
                f"schema {path} label '{label}': expected a description or {{parent, description}}",
                key=key,
                file=file,
            )
    return out


def _collected_labels(name: str, head: HeadConfig, examples: list[Example]) -> list[str]:
    found: set[str] = set()
    for ex in examples:
        if head.kind == "token":
            found.update(label for _, _, label in ex.spans.get(name, []))
        else:
            found.update(ex.labels.get(name, []))
    return sorted(found)


def resolve_heads(loaded: LoadedConfig, examples: list[Example]) -> list[HeadSpec]:
    """One HeadSpec per configured head, in config order; ``examples`` is the training pool (for collected labels)."""
    specs = []
    for name, head in loaded.config.heads.items():
        key = f"heads.{name}"
        file = loaded.origin(key)
        schema = None
        if head.schema:
            schema = load_schema(head.schema, head.schema_key or name, key=f"{key}.schema", file=file)
        if head.labels is not None:
            labels = list(head.labels)
            if schema is not None:
                missing = [x for x in labels if x not in schema.labels]
                if missing:
                    raise ConfigError(
                        f"labels {missing} are not in schema {head.schema}", key=f"{key}.labels", file=file
                    )
        elif schema is not None:
            labels = list(schema.labels)
        else:
            labels = _collected_labels(name, head, examples)
            if not head.is_multi_label and head.kind == "sequence":
                labels = sorted(set(labels) | {neg.label for neg in head.negatives})
            if not labels:
                raise ConfigError(
                    "no labels: give `labels` or `schema`, or training data that annotates this head",
                    key=key,
                    file=file,
                )
        descriptions = dict(schema.descriptions) if schema else {}
        descriptions.update(head.descriptions)
        descriptions = {k: v for k, v in descriptions.items() if k in labels}
        parent_map = {}
        if head.parent:
            parent_map = {x: schema.parents[x] for x in labels if x in schema.parents}
            missing = [x for x in labels if x not in parent_map]
            if missing:
                raise ConfigError(
                    f"schema {head.schema} gives no parent for labels {missing}",
                    key=f"{key}.parent",
                    file=file,
                )
        kwargs = {"name": name, "kind": head.kind, "labels": labels, "loss_weight": head.loss_weight}
        if head.kind == "sequence":
            kwargs.update(
                problem_type=head.problem_type or "multi_class",
                descriptions=descriptions,
                parent=head.parent,
                parent_map=parent_map,
            )
        elif head.descriptions:
            raise ConfigError("token heads take no descriptions", key=f"{key}.descriptions", file=file)
        try:
            specs.append(HeadSpec(**kwargs))
        except ValueError as e:
            raise ConfigError(str(e), key=key, file=file) from None
    by_name = {s.name: s for s in specs}
    for spec in specs:  # the model config's own check, here so the error names the config file
        try:
            check_parent(spec, by_name)
        except ValueError as e:
            raise ConfigError(
                str(e), key=f"heads.{spec.name}.parent", file=loaded.origin(f"heads.{spec.name}")
            ) from None
    return specs
