"""Training configs: YAML files merged over ``base.yaml``, validated by pydantic into frozen dataclasses.

``base.yaml`` (shipped in ``training/configs/``) holds every key with its default, the only place a training
default is written; a config states only what it changes (deep merge: maps merge, lists and scalars replace) and
may name another config to start from with ``base: other.yaml`` (relative to its own folder). ``--set
train.lr=3e-5`` overrides one key (the value is read as YAML). An unknown key, a value of the wrong type or out of
range is a :class:`ConfigError` naming the key, the file that set it and, for unknown keys, the closest known key.
Relative paths are resolved once, at load (see :func:`resolve_path`).
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import os
import re
import types
import typing
from dataclasses import field
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
import yaml
from pydantic import Field
from pydantic.dataclasses import dataclass as validated_dataclass

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# the shipped configs: installed, package data; in a checkout, training/configs links to the top-level configs/
CONFIG_DIR = Path(__file__).resolve().parent / "configs"
BASE_CONFIG = CONFIG_DIR / "base.yaml"
# where shipped configs' relative paths (configs/schemas/..., examples/sample/...) point: the project root in a
# checkout, the installed package folder (which ships configs/ and examples/sample/) otherwise
SHIPPED_ROOT = BASE_CONFIG.resolve().parents[1]
SET_SOURCE = "--set"
DEV_ONLY_DATASETS = frozenset(
    {"news_dev", "ootax_dev"}
)  # never trained on: selection and reported scores use them

section = functools.partial(validated_dataclass, frozen=True, config=pydantic.ConfigDict(extra="forbid"))
AtLeast0 = Annotated[int, Field(ge=0)]
AtLeast1 = Annotated[int, Field(ge=1)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, lt=1)]


class ConfigError(ValueError):
    """A config problem, located: which key, in which file, and what was expected."""

    def __init__(self, message: str, *, key: str | None = None, file: str | None = None):
        self.key, self.file, self.reason = key, file, message
        where = ": ".join(p for p in (file, key) if p)
        super().__init__(f"{where}: {message}" if where else message)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _check_training_source(ref: DatasetRef | NegativeRef) -> None:
    _check((ref.name is None) != (ref.path is None), "give exactly one of 'name' (a converter) or 'path'")
    _check(ref.split not in ("dev", "test"), f"split '{ref.split}' is held out: never train on dev or test")
    _check(ref.name not in DEV_ONLY_DATASETS, f"dataset '{ref.name}' is dev-only: list it under 'dev'")


# ---- the schema: one frozen dataclass per section; types and ranges checked by pydantic, the rest in
# __post_init__. Sections that base.yaml states have no defaults here: base.yaml is where defaults live. ----------


@section
class DatasetRef:
    """A training dataset: a registered converter ``name`` or a canonical JSONL ``path``, and its sampling weight."""

    name: str | None = None
    path: Path | None = None
    split: str = "train"
    weight: Positive = 1.0
    # ACLED notes' house style, rewritten at training time (training/data/boilerplate.py)
    boilerplate: Literal["keep", "strip", "vary"] = "keep"

    def __post_init__(self) -> None:
        _check_training_source(self)

    @property
    def key(self) -> str:
        return f"{self.name or self.path}:{self.split}"


@section
class NegativeRef:
    """Examples from another source known to hold no event, relabelled ``label`` (multi-label heads: no label)."""

    name: str | None = None
    path: Path | None = None
    split: str = "train"
    where: dict[str, list[str]] = field(
        default_factory=dict
    )  # head -> exact label list the example must carry
    max: Annotated[int, Field(gt=0)] | None = None
    label: str = "none"
    # keep only texts with no cue of an ACLED event (the filter ootax_dev's texts pass): for sources that mix
    # statements and diplomacy with the odd attack or agreement
    no_event_cues: bool = False

    def __post_init__(self) -> None:
        _check_training_source(self)

    @property
    def key(self) -> str:
        return f"{self.name or self.path}:{self.split}"


@section
class DevRef:
    """A dev set: converter ``name`` (its ``split``) or JSONL ``path``; scored on ``heads`` (null: all it annotates)."""

    name: str | None = None
    path: Path | None = None
    split: str = "dev"
    heads: list[str] | None = None
    alias: str | None = None  # its name in metrics (default: the converter name or the file's stem)

    def __post_init__(self) -> None:
        _check(
            (self.name is None) != (self.path is None), "give exactly one of 'name' (a converter) or 'path'"
        )
        _check(self.split != "test", "the test split is withheld: select and report on dev")

    @property
    def set_name(self) -> str:
        return self.alias or self.name or self.path.stem


@section
class HeadConfig:
    """One head: its kind, where its labels come from, and its training data (keys explained in base.yaml)."""

    kind: Literal["token", "sequence"]
    problem_type: Literal["multi_class", "multi_label"] | None
    labels: list[str] | None
    schema: Path | None
    schema_key: str | None
    descriptions: dict[str, str]
    parent: str | None
    loss_weight: NonNegative
    class_balanced: bool | None
    datasets: list[DatasetRef]
    negatives: list[NegativeRef]

    def __post_init__(self) -> None:
        if self.kind == "token":
            _check(
                self.problem_type is None and self.parent is None and not self.negatives,
                "token heads take no problem_type, parent or negatives",
            )
        _check(
            self.parent is None or self.schema is not None,
            "a head with a parent needs a schema that names each label's parent",
        )

    @property
    def is_multi_label(self) -> bool:
        return self.problem_type == "multi_label"


@section
class EarlyStopping:
    metric: str | None  # "head/dev_set/metric" (or several joined by " + ": their mean)
    mode: Literal["max", "min"]
    patience: AtLeast0

    def __post_init__(self) -> None:
        _check(
            self.metric is None or all(m.count("/") == 2 for m in self.metric.split("+")),
            f"metric must look like 'head/dev_set/metric' (or several joined by ' + '), got {self.metric!r}",
        )


@section
class TrainConfig:
    epochs: AtLeast0
    max_steps: AtLeast0
    batch_size: AtLeast1
    eval_batch_size: AtLeast1
    grad_accum: AtLeast1
    lr: Positive
    head_lr: Positive
    weight_decay: NonNegative
    warmup_ratio: Fraction
    scheduler: Literal[
        "linear", "cosine", "constant", "constant_with_warmup", "cosine_with_restarts", "polynomial"
    ]
    max_grad_norm: Positive
    class_balanced: bool
    balance_power: NonNegative
    length_grouping: bool
    mega_batch_factor: AtLeast1
    epoch_size: Annotated[int, Field(gt=0)] | None
    eval_every: AtLeast0
    save_every: AtLeast0 | None
    log_every: AtLeast1
    early_stopping: EarlyStopping
    save_total_limit: AtLeast0
    mixed_precision: Literal["no", "fp16", "bf16"]
    tune_thresholds: bool
    tune_abstention_on: list[str]
    zero_shot_baseline: bool

    def __post_init__(self) -> None:
        _check(self.epochs > 0 or self.max_steps > 0, "set epochs or max_steps to more than 0")


@section
class TrainingConfig:
    encoder: str
    seed: int
    max_length: Annotated[int, Field(ge=8)]
    stride: AtLeast0
    classifier_dropout: Fraction
    anchor_weight: NonNegative
    case_features: bool
    sentence_windows: bool
    data_root: Path
    cache_dir: Path | None
    auto_dev: bool
    threads: AtLeast1 | None
    head_defaults: HeadConfig
    heads: dict[str, HeadConfig]
    dev: list[DevRef]
    train: TrainConfig

    def __post_init__(self) -> None:
        _check(self.stride < self.max_length - 2, f"stride must be in [0, max_length - 2), got {self.stride}")
        _check(bool(self.heads), "no heads: configure at least one under 'heads'")
        for name, head in self.heads.items():
            _check(name.replace("_", "").isalnum(), f"head name {name!r} must be letters, digits and _")
            parent = self.heads.get(head.parent) if head.parent else None
            _check(
                head.parent is None or (parent is not None and parent.kind == "sequence"),
                f"head '{name}': parent '{head.parent}' is not a configured sequence head",
            )


@dataclasses.dataclass(frozen=True)
class LoadedConfig:
    """A loaded config and where it came from; ``raw`` is the merged YAML as written (saved with the model)."""

    config: TrainingConfig | None
    raw: dict[str, Any]
    files: list[str]
    overrides: list[str]
    origins: dict[str, str]

    @property
    def path(self) -> str:
        return self.files[-1]

    def origin(self, key: str) -> str:
        """The file (or --set) that set ``key``: for a section, the last source that set anything in it."""
        key = re.sub(r"\[\d+\]", "", key)
        inside = [src for k, src in self.origins.items() if k.startswith(f"{key}.")]
        if inside:
            order = [*self.files, SET_SOURCE]
            return max(inside, key=lambda src: order.index(src) if src in order else -1)
        parts = key.split(".")
        for i in range(len(parts), 0, -1):
            if ".".join(parts[:i]) in self.origins:
                return self.origins[".".join(parts[:i])]
        return self.path

    def resolve_path(self, value: str, key: str) -> Path:
        return resolve_path(value, key=key, file=self.origin(key))

    def to_saved_dict(self) -> dict[str, Any]:
        return {
            "config_files": list(self.files),
            "overrides": list(self.overrides),
            **copy.deepcopy(self.raw),
        }


# ---- paths ---------------------------------------------------------------------------------------------------

# the keys that hold paths; their values are resolved at load
PATH_KEYS = re.compile(
    r"data_root|cache_dir|(head_defaults|heads\.[^.]+)\.(schema|(datasets|negatives)\[\d+\]\.path)|dev\[\d+\]\.path"
)


def resolve_path(
    value: str | os.PathLike, *, key: str | None = None, file: str | None = None, must_exist: bool = True
) -> Path:
    """A path from a config: absolute as it is; relative: looked up in the working directory, then the folder of
    the ``file`` that set it, then the project root (installed: the package folder holding the shipped configs).
    Not found: an error, or with ``must_exist=False`` the working-directory candidate."""
    path = Path(value).expanduser()
    if path.is_absolute():
        candidates = [path]
    else:
        folders = [
            Path.cwd(),
            *([Path(file).resolve().parent] if file and file != SET_SOURCE else []),
            SHIPPED_ROOT,
        ]
        candidates = [folder / path for folder in dict.fromkeys(folders)]
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    if not must_exist:
        return Path(os.path.abspath(candidates[0]))
    looked = " and ".join(str(c.parent) for c in candidates)
    raise ConfigError(f"'{value}' not found (looked in {looked})", key=key, file=file)


def _resolve_paths(node: Any, loaded: LoadedConfig, key: str = "") -> Any:
    """``node`` with every string under a :data:`PATH_KEYS` key resolved (missing files: the cwd candidate)."""
    if isinstance(node, dict):
        return {k: _resolve_paths(v, loaded, f"{key}.{k}" if key else str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_paths(v, loaded, f"{key}[{i}]") for i, v in enumerate(node)]
    if isinstance(node, str) and PATH_KEYS.fullmatch(key):
        return resolve_path(node, key=key, file=loaded.origin(key), must_exist=False)
    return node


# ---- loading -------------------------------------------------------------------------------------------------


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as e:
        raise ConfigError(f"cannot read config: {e.strerror}", file=str(path)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"invalid YAML{where}: {getattr(e, 'problem', e)}", file=str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"a config must be a mapping of keys, got {type(data).__name__}", file=str(path))
    return data


def _config_chain(path: Path, seen: tuple[Path, ...] = ()) -> list[tuple[Path, dict[str, Any]]]:
    """``[(file, data), ...]`` from the bottom (base.yaml) up to ``path``, following ``base:`` keys."""
    path = path.resolve()
    if path in seen:
        raise ConfigError(f"'base' chain loops back to {path}", file=str(seen[-1]))
    data = _read_yaml(path)
    parent = data.pop("base", None)
    if path == BASE_CONFIG.resolve():
        if parent is not None:
            raise ConfigError("base.yaml cannot itself have a 'base'", key="base", file=str(path))
        return [(path, data)]
    if parent is None:
        return [*_config_chain(BASE_CONFIG, (*seen, path)), (path, data)]
    if not isinstance(parent, str):
        raise ConfigError(f"expected a file name, got {parent!r}", key="base", file=str(path))
    parent_path = path.parent / parent
    if not parent_path.is_file():
        raise ConfigError(
            f"base config '{parent}' not found (relative to {path.parent})", key="base", file=str(path)
        )
    return [*_config_chain(parent_path, (*seen, path)), (path, data)]


def _set_override(spec: str) -> dict[str, Any]:
    """``a.b.c=value`` -> ``{"a": {"b": {"c": value}}}`` with ``value`` read as YAML."""
    if "=" not in spec:
        raise ConfigError(f"expected key=value, got {spec!r}", file=SET_SOURCE)
    key, _, text = spec.partition("=")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ConfigError(f"bad key in {spec!r}", file=SET_SOURCE)
    try:
        value = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as e:
        raise ConfigError(
            f"value {text!r} is not valid YAML ({getattr(e, 'problem', e)})", key=key, file=SET_SOURCE
        ) from None
    out: dict[str, Any] = {}
    node = out
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def _merge(
    base: dict[str, Any], override: dict[str, Any], source: str, origins: dict[str, str], prefix: str = ""
) -> dict[str, Any]:
    """Deep merge (maps merge, everything else replaces), recording which source set each key."""
    out = dict(base)
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            origins.setdefault(dotted, source)
            out[key] = _merge(out[key], value, source, origins, f"{dotted}.")
        else:
            for k in [k for k in origins if k.startswith(f"{dotted}.")]:
                del origins[k]
            origins[dotted] = source
            out[key] = copy.deepcopy(value)
    return out


def find_config(name: str | os.PathLike) -> Path:
    """A config file: ``name`` as a path, else a packaged config by name (``tiny`` or ``tiny.yaml``)."""
    path = Path(name)
    if path.is_file():
        return path
    packaged = CONFIG_DIR / (path.name if path.suffix == ".yaml" else f"{path.name}.yaml")
    if path.parent == Path(".") and packaged.is_file():
        return packaged
    shipped = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml") if p.name != "base.yaml")
    raise ConfigError(f"config file not found: {path} (packaged configs: {', '.join(shipped)})")


def load_config(path: str | os.PathLike, overrides: list[str] | tuple[str, ...] = ()) -> LoadedConfig:
    """Load ``path`` (or a packaged config's name) over its bases and ``base.yaml``, apply ``--set``
    overrides, resolve paths and validate everything, once."""
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    files = []
    for file, data in _config_chain(find_config(path)):
        shown = _display(file)
        merged = _merge(merged, data, shown, origins)
        files.append(shown)
    for spec in overrides:
        merged = _merge(merged, _set_override(spec), SET_SOURCE, origins)
    where = LoadedConfig(config=None, raw=merged, files=files, overrides=list(overrides), origins=origins)
    data = dict(merged)
    if isinstance(data.get("heads"), dict) and isinstance(data.get("head_defaults"), dict):
        data["heads"] = {  # every head starts from head_defaults
            h: _merge(data["head_defaults"], spec or {}, "", {}) if isinstance(spec, dict | None) else spec
            for h, spec in data["heads"].items()
        }
    try:
        config = pydantic.TypeAdapter(TrainingConfig).validate_python(_resolve_paths(data, where))
    except pydantic.ValidationError as e:
        raise _config_error(e.errors()[0], where) from None
    return dataclasses.replace(where, config=config)


def _display(path: Path) -> str:
    """A path as the user would write it: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---- pydantic's errors, located --------------------------------------------------------------------------------


def _config_error(error: dict[str, Any], where: LoadedConfig) -> ConfigError:
    """One pydantic error as a ConfigError naming the dotted key, the file that set it and what was expected."""
    loc = error["loc"]
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if error["type"] == "unexpected_keyword_argument":
        known = [f.name for f in dataclasses.fields(_section_at(loc[:-1]))]
        message = f"unknown key '{loc[-1]}'{_did_you_mean(str(loc[-1]), known)}"
    elif error["type"] == "value_error":  # a __post_init__ check; "stride must ...": about one field
        message = str(error["ctx"]["error"])
        first = message.split(" ", 1)[0]
        if first in {f.name for f in dataclasses.fields(_section_at(loc))}:
            key = f"{key}.{first}".lstrip(".")
    elif error["type"] == "missing":
        message = "missing: every key needs a value (base.yaml states each one)"
    else:
        got, msg = error["input"], error["msg"].replace("Input should be", "expected", 1)
        message = f"{'expected a path' if error['type'] == 'path_type' else msg}; got {got!r} ({type(got).__name__})"
    return ConfigError(message, key=key or None, file=where.origin(key) if key else where.path)


def _section_at(loc: tuple[str | int, ...]) -> type:
    """The dataclass that the pydantic location ``loc`` points into (through maps and lists of sections)."""
    tp: Any = TrainingConfig
    for part in loc:
        tp = typing.get_type_hints(tp)[part] if dataclasses.is_dataclass(tp) else typing.get_args(tp)[-1]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):  # X | None
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
    return tp


def _did_you_mean(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else f"; known keys: {', '.join(sorted(known))}"
