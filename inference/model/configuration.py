"""The model's config: the encoder's own config plus every head's labels, descriptions, thresholds and parents.

Everything inference needs travels in this config (and so in the saved ``config.json``): a model folder is
self-sufficient. Integer ids stay inside; the config speaks string labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec

TOKEN = "token"
SEQUENCE = "sequence"
MULTI_CLASS = "multi_class"
MULTI_LABEL = "multi_label"
NONE = "none"  # the label of a multi_class head that means "no such event"
_SPECS = "_head_specs"  # where the config keeps its HeadSpecs (in __dict__, left out of to_dict)


@dataclass(frozen=True)
class HeadSpec:
    """One head. Token heads tag BIO over ``labels``; sequence heads classify a whole text into ``labels``.

    Frozen: a model config builds its HeadSpecs once and hands the same ones to every caller."""

    name: str
    kind: Literal["token", "sequence"]
    labels: list[str]
    problem_type: Literal["multi_class", "multi_label"] | None = None
    descriptions: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    parent: str | None = None
    parent_map: dict[str, str] = field(default_factory=dict)
    loss_weight: float = 1.0

    def __post_init__(self) -> None:
        where = f"head '{self.name}'"
        if not self.name or not self.name.replace("_", "").isalnum():
            raise ValueError(f"head name {self.name!r} must be a non-empty identifier (letters, digits, _)")
        if self.kind not in (TOKEN, SEQUENCE):
            raise ValueError(f"{where}: kind must be 'token' or 'sequence', got {self.kind!r}")
        if not self.labels:
            raise ValueError(f"{where}: needs at least one label")
        if len(set(self.labels)) != len(self.labels):
            dup = sorted({x for x in self.labels if self.labels.count(x) > 1})
            raise ValueError(f"{where}: duplicate labels {dup}")
        if self.kind == TOKEN:
            if self.problem_type is not None or self.parent or self.thresholds:
                raise ValueError(f"{where}: token heads take no problem_type, parent or thresholds")
            bad = [x for x in self.labels if x == "O" or x[:2] in ("B-", "I-")]
            if bad:
                raise ValueError(f"{where}: token head labels are span types, not BIO tags; got {bad}")
        else:
            if self.problem_type is None:
                object.__setattr__(self, "problem_type", MULTI_CLASS)
            if self.problem_type not in (MULTI_CLASS, MULTI_LABEL):
                raise ValueError(
                    f"{where}: problem_type must be multi_class or multi_label, got {self.problem_type!r}"
                )
            if self.problem_type == MULTI_CLASS and set(self.thresholds) - {NONE}:
                raise ValueError(
                    f"{where}: a multi_class head takes a threshold only for '{NONE}' (abstention), "
                    f"got {sorted(self.thresholds)}"
                )
            if self.problem_type == MULTI_CLASS and len(self.labels) < 2:
                raise ValueError(
                    f"{where}: a multi_class head needs at least two labels (add a 'none' label)"
                )
        for fld in ("descriptions", "thresholds", "parent_map"):
            unknown = sorted(set(getattr(self, fld)) - set(self.labels))
            if unknown:
                raise ValueError(f"{where}: {fld} names labels that are not in its label list: {unknown}")
        if self.parent_map and not self.parent:
            raise ValueError(f"{where}: parent_map given without parent")
        if self.parent and set(self.parent_map) != set(self.labels):
            missing = sorted(set(self.labels) - set(self.parent_map))
            raise ValueError(f"{where}: parent_map must give a parent for every label; missing {missing}")
        if self.loss_weight < 0:
            raise ValueError(f"{where}: loss_weight must be >= 0")

    @property
    def bio_labels(self) -> list[str]:
        """Token heads: the BIO tag list, derived from ``labels`` (O first)."""
        return ["O"] + [f"{p}-{label}" for label in self.labels for p in ("B", "I")]

    @property
    def num_outputs(self) -> int:
        return len(self.bio_labels) if self.kind == TOKEN else len(self.labels)

    def threshold(self, label: str) -> float:
        return self.thresholds.get(label, 0.5)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "labels": list(self.labels)}
        if self.kind == SEQUENCE:
            out["problem_type"] = self.problem_type
            out["descriptions"] = dict(self.descriptions)
            out["thresholds"] = dict(self.thresholds)
            if self.parent:
                out["parent"] = self.parent
                out["parent_map"] = dict(self.parent_map)
        out["loss_weight"] = self.loss_weight
        return out


class ConflictEventsConfig(PreTrainedConfig):
    """Config of :class:`ConflictEventsModel`: ``encoder`` (any AutoModel config) + ``heads`` (list of HeadSpec dicts)."""

    model_type = "conflict_events"
    sub_configs_defaults = {"encoder": SubConfigSpec(config_class=AutoConfig, model_type="bert")}

    encoder: PreTrainedConfig | dict | None = None
    heads: list | None = None
    encoder_name: str | None = None  # where the encoder weights came from (provenance)
    max_length: int = 256  # tokens per window, special tokens included
    stride: int = 64  # tokens shared by consecutive windows
    classifier_dropout: float = 0.1
    anchor_weight: float = 0.1  # pull of sequence-head class vectors toward their description embeddings
    case_features: bool = (
        False  # add a learned letter-case vector to each token's input (inference/text/letter_case.py)
    )
    training_config: dict | None = None  # the resolved training config this model came from

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        if self.stride >= self.max_length - 2:
            raise ValueError(
                f"stride ({self.stride}) must be smaller than max_length - 2 ({self.max_length - 2})"
            )

    def __setattr__(self, key: str, value: Any) -> None:
        """Setting ``heads`` validates them once and keeps the HeadSpecs; ``heads`` stays the serialised form."""
        if key != "heads":
            super().__setattr__(key, value)
            return
        specs = [h if isinstance(h, HeadSpec) else HeadSpec(**h) for h in (value or [])]
        names = [h.name for h in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"head names must be unique, got {names}")
        by_name = {h.name: h for h in specs}
        for h in specs:
            check_parent(h, by_name)
        super().__setattr__("heads", [h.to_dict() for h in specs])
        self.__dict__[_SPECS] = specs

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.pop(_SPECS, None)
        return out

    @property
    def head_specs(self) -> list[HeadSpec]:
        """The heads as HeadSpecs, built and validated once when ``heads`` was set (not on each access)."""
        return list(self.__dict__.get(_SPECS, []))

    def head(self, name: str) -> HeadSpec:
        for h in self.head_specs:
            if h.name == name:
                return h
        raise KeyError(f"no head named '{name}'; heads: {[h.name for h in self.head_specs]}")

    def set_thresholds(self, head: str, thresholds: dict[str, float]) -> None:
        """Replace one sequence head's per-label decision thresholds (e.g. tuned on dev after training)."""
        self.head(head)  # an unknown head is an error, not a silent no-op
        self.heads = [{**h, "thresholds": dict(thresholds)} if h["name"] == head else h for h in self.heads]


def check_parent(spec: HeadSpec, heads: dict[str, HeadSpec]) -> None:
    """A child head's parent must be a sequence head of the same model that holds every label its parent_map names."""
    if not spec.parent:
        return
    parent = heads.get(spec.parent)
    if parent is None or parent.kind != SEQUENCE:
        raise ValueError(f"head '{spec.name}': parent '{spec.parent}' is not a sequence head of this model")
    bad = sorted({p for p in spec.parent_map.values() if p not in parent.labels})
    if bad:
        raise ValueError(f"head '{spec.name}': parent_map points at labels not in '{spec.parent}': {bad}")
