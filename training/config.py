"""Training configs: YAML files merged over ``configs/base.yaml``, checked key by key, loaded into dataclasses.

``configs/base.yaml`` holds every key with its default; a config states only what it changes (deep merge: maps
merge, lists and scalars replace) and may name another config to start from with ``base: other.yaml`` (relative
to its own folder). ``--set train.lr=3e-5`` overrides one key (the value is read as YAML). An unknown key, a
value of the wrong type or out of range is a :class:`ConfigError` naming the key, the file that set it and, for
unknown keys, the closest known key.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from training.data.boilerplate import MODES as BOILERPLATE_MODES

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BASE_CONFIG = PROJECT_ROOT / "configs" / "base.yaml"
SET_SOURCE = "--set"
SCHEDULERS = ("linear", "cosine", "constant", "constant_with_warmup", "cosine_with_restarts", "polynomial")
DEV_ONLY_DATASETS = frozenset(
    {"news_dev", "ootax_dev"}
)  # never trained on: selection and reported scores use them


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


# ---- the schema: one dataclass per section; __post_init__ checks values (types are checked on load) ----------


@dataclass
class DatasetRef:
    """A training dataset: a registered converter ``name`` or a canonical JSONL ``path``, and its sampling weight."""

    name: str | None = None
    path: str | None = None
    split: str = "train"
    weight: float = 1.0
    boilerplate: str = "keep"  # keep | strip | vary: ACLED note house style, rewritten at training time

    def __post_init__(self) -> None:
        _check_training_source(self)
        _check(self.weight > 0, f"weight must be > 0, got {self.weight}")
        _check(
            self.boilerplate in BOILERPLATE_MODES,
            f"boilerplate must be one of {list(BOILERPLATE_MODES)}, got {self.boilerplate!r}",
        )

    @property
    def key(self) -> str:
        return f"{self.name or self.path}:{self.split}"


@dataclass
class NegativeRef:
    """Examples from another source known to hold no event, relabelled ``label`` (multi-label heads: no label)."""

    name: str | None = None
    path: str | None = None
    split: str = "train"
    where: dict[str, list[str]] = field(
        default_factory=dict
    )  # head -> exact label list the example must carry
    max: int | None = None
    label: str = "none"

    def __post_init__(self) -> None:
        _check_training_source(self)
        _check(self.max is None or self.max > 0, f"max must be > 0 or null, got {self.max}")

    @property
    def key(self) -> str:
        return f"{self.name or self.path}:{self.split}"


@dataclass
class DevRef:
    """A dev set: converter ``name`` (its ``split``) or JSONL ``path``; scored on ``heads`` (null: all it annotates)."""

    name: str | None = None
    path: str | None = None
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
        return self.alias or self.name or Path(self.path).stem


@dataclass
class HeadConfig:
    """One head: its kind, where its labels come from, and its training data."""

    kind: str = "sequence"
    problem_type: str | None = None  # sequence heads: multi_class (default) or multi_label
    labels: list[str] | None = None  # explicit label list; else from `schema`; else collected from the data
    schema: str | None = None  # YAML file of labels with descriptions (and parents)
    schema_key: str | None = None  # section of the schema file (default: the head's name)
    descriptions: dict[str, str] = field(default_factory=dict)  # override/add label descriptions
    parent: str | None = None  # parent head; the parent of each label comes from the schema
    loss_weight: float = 1.0
    class_balanced: bool | None = None  # null: train.class_balanced for multi_class sequence heads, else off
    datasets: list[DatasetRef] = field(default_factory=list)
    negatives: list[NegativeRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check(self.kind in ("token", "sequence"), f"kind must be 'token' or 'sequence', got {self.kind!r}")
        _check(
            self.problem_type in (None, "multi_class", "multi_label"),
            f"problem_type must be multi_class or multi_label, got {self.problem_type!r}",
        )
        if self.kind == "token":
            _check(
                self.problem_type is None and self.parent is None and not self.negatives,
                "token heads take no problem_type, parent or negatives",
            )
        _check(self.loss_weight >= 0, f"loss_weight must be >= 0, got {self.loss_weight}")
        _check(
            self.parent is None or self.schema is not None,
            "a head with a parent needs a schema that names each label's parent",
        )

    @property
    def is_multi_label(self) -> bool:
        return self.problem_type == "multi_label"


@dataclass
class EarlyStopping:
    metric: str | None = (
        None  # "head/dev_set/metric" (or several joined by " + ": their mean); null: first head's default
    )
    mode: str = "max"
    patience: int = 0  # evaluations without improvement before stopping; 0 = never stop early

    def __post_init__(self) -> None:
        _check(self.mode in ("max", "min"), f"mode must be 'max' or 'min', got {self.mode!r}")
        _check(self.patience >= 0, f"patience must be >= 0, got {self.patience}")
        _check(
            self.metric is None or all(m.count("/") == 2 for m in self.metric.split("+")),
            f"metric must look like 'head/dev_set/metric' (or several joined by ' + '), got {self.metric!r}",
        )


@dataclass
class TrainConfig:
    epochs: int = 3
    max_steps: int = 0
    batch_size: int = 16
    eval_batch_size: int = 32
    grad_accum: int = 1
    lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    scheduler: str = "linear"
    max_grad_norm: float = 1.0
    class_balanced: bool = True
    balance_power: float = 0.5
    length_grouping: bool = True
    mega_batch_factor: int = 50
    epoch_size: int | None = None
    eval_every: int = 0
    save_every: int | None = None
    log_every: int = 10
    early_stopping: EarlyStopping = field(default_factory=EarlyStopping)
    save_total_limit: int = 1
    mixed_precision: str = "no"
    tune_thresholds: bool = True
    zero_shot_baseline: bool = True

    def __post_init__(self) -> None:
        for name in ("epochs", "max_steps", "eval_every", "save_total_limit"):
            _check(getattr(self, name) >= 0, f"{name} must be >= 0, got {getattr(self, name)}")
        _check(self.epochs > 0 or self.max_steps > 0, "set epochs or max_steps to more than 0")
        for name in ("batch_size", "eval_batch_size", "grad_accum", "log_every", "mega_batch_factor"):
            _check(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        _check(self.lr > 0 and self.head_lr > 0, "lr and head_lr must be > 0")
        _check(0 <= self.warmup_ratio < 1, f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        _check(self.weight_decay >= 0 and self.max_grad_norm > 0, "weight_decay >= 0 and max_grad_norm > 0")
        _check(self.scheduler in SCHEDULERS, f"scheduler must be one of {', '.join(SCHEDULERS)}")
        _check(self.mixed_precision in ("no", "fp16", "bf16"), "mixed_precision must be no, fp16 or bf16")
        _check(self.balance_power >= 0, f"balance_power must be >= 0, got {self.balance_power}")
        _check(self.epoch_size is None or self.epoch_size > 0, "epoch_size must be > 0 or null")
        _check(self.save_every is None or self.save_every >= 0, "save_every must be >= 0 or null")


@dataclass
class TrainingConfig:
    encoder: str = "minilm"
    seed: int = 13
    max_length: int = 256
    stride: int = 64
    classifier_dropout: float = 0.1
    anchor_weight: float = 0.1
    case_features: bool = False
    data_root: str = "../shared/data"
    cache_dir: str | None = None
    auto_dev: bool = True
    threads: int | None = None
    head_defaults: HeadConfig = field(default_factory=HeadConfig)
    heads: dict[str, HeadConfig] = field(default_factory=dict)
    dev: list[DevRef] = field(default_factory=list)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        _check(self.max_length >= 8, f"max_length must be >= 8, got {self.max_length}")
        _check(
            0 <= self.stride < self.max_length - 2,
            f"stride must be in [0, max_length - 2), got {self.stride}",
        )
        _check(0 <= self.classifier_dropout < 1, "classifier_dropout must be in [0, 1)")
        _check(self.anchor_weight >= 0, "anchor_weight must be >= 0")
        _check(self.threads is None or self.threads >= 1, f"threads must be >= 1 or null, got {self.threads}")
        _check(bool(self.heads), "no heads: configure at least one under 'heads'")
        for name, head in self.heads.items():
            _check(name.replace("_", "").isalnum(), f"head name {name!r} must be letters, digits and _")
            _check(
                head.parent is None or head.parent in self.heads,
                f"head '{name}': parent '{head.parent}' is not a configured head",
            )


@dataclass
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


def resolve_path(
    value: str | os.PathLike, *, key: str | None = None, file: str | None = None, must_exist: bool = True
) -> Path:
    """A path from a config: absolute as it is; relative: the working directory first, then the project root."""
    path = Path(value).expanduser()
    if path.is_absolute():
        candidates = [path]
    else:
        candidates = [Path.cwd() / path, PROJECT_ROOT / path]
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    if not must_exist:
        return candidates[0]
    looked = " and ".join(str(c.parent) for c in candidates)
    raise ConfigError(f"'{value}' not found (looked in {looked})", key=key, file=file)


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


def load_config(path: str | os.PathLike, overrides: list[str] | tuple[str, ...] = ()) -> LoadedConfig:
    """Load ``path`` over its bases and ``base.yaml``, apply ``--set`` overrides, check everything."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    chain = _config_chain(path)
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    files = []
    for file, data in chain:
        shown = _display(file)
        _check_keys(data, TrainingConfig, "", shown)
        merged = _merge(merged, data, shown, origins)
        files.append(shown)
    for spec in overrides:
        data = _set_override(spec)
        _check_keys(data, TrainingConfig, "", SET_SOURCE)
        merged = _merge(merged, data, SET_SOURCE, origins)
    loaded = LoadedConfig(config=None, raw=merged, files=files, overrides=list(overrides), origins=origins)
    loaded.config = _build(TrainingConfig, merged, "", loaded)
    return loaded


def _display(path: Path) -> str:
    """A path as the user would write it: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# ---- key and type checking -----------------------------------------------------------------------------------


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return (args[0] if len(args) == 1 else typing.Union[tuple(args)]), True  # noqa: UP007
    return tp, False


def _check_keys(data: Any, cls: type, prefix: str, file: str) -> None:
    """Every key of ``data`` must be a field of ``cls`` (recursively, through maps and lists of sections)."""
    if not isinstance(data, dict):
        return  # wrong type: reported by _build with the expected type
    hints = _hints(cls)
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in hints:
            raise ConfigError(
                f"unknown key '{key}'{_did_you_mean(str(key), list(hints))}", key=dotted, file=file
            )
        tp, _ = _unwrap_optional(hints[key])
        section = _section_type(tp)
        if section is None:
            continue
        container, inner = section
        if container == "one":
            _check_keys(value, inner, f"{dotted}.", file)
        elif container == "map" and isinstance(value, dict):
            for name, item in value.items():
                _check_keys(item, inner, f"{dotted}.{name}.", file)
        elif container == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                _check_keys(item, inner, f"{dotted}[{i}].", file)


def _section_type(tp: Any) -> tuple[str, type] | None:
    """('one'|'map'|'list', dataclass) when ``tp`` is a section, a map of sections or a list of sections."""
    if dataclasses.is_dataclass(tp):
        return "one", tp
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is dict and args and dataclasses.is_dataclass(args[1]):
        return "map", args[1]
    if origin is list and args and dataclasses.is_dataclass(args[0]):
        return "list", args[0]
    return None


def _did_you_mean(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else f"; known keys: {', '.join(sorted(known))}"


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _describe(tp: Any) -> str:
    tp, optional = _unwrap_optional(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list:
        text = f"a list of {_describe(args[0]).removeprefix('a ').removeprefix('an ')}s"
    elif origin is dict:
        text = f"a mapping of {_describe(args[0])} to {_describe(args[1])}"
    elif dataclasses.is_dataclass(tp):
        text = f"a mapping with keys {', '.join(_hints(tp))}"
    else:
        text = _TYPE_NAMES.get(tp, str(tp))
    return f"{text} or null" if optional else text


def _coerce(value: Any, tp: Any, key: str, loaded: LoadedConfig) -> Any:
    """``value`` checked against ``tp`` (ints pass as floats); sections become dataclasses."""
    inner, optional = _unwrap_optional(tp)
    if value is None:
        if optional:
            return None
        raise ConfigError(f"expected {_describe(tp)}, got null", key=key, file=loaded.origin(key))

    def bad() -> ConfigError:
        return ConfigError(
            f"expected {_describe(tp)}, got {value!r} ({type(value).__name__})",
            key=key,
            file=loaded.origin(key),
        )

    if dataclasses.is_dataclass(inner):
        if not isinstance(value, dict):
            raise bad()
        return _build(inner, value, f"{key}.", loaded)
    origin, args = typing.get_origin(inner), typing.get_args(inner)
    if origin is list:
        if not isinstance(value, list):
            raise bad()
        return [_coerce(v, args[0], f"{key}[{i}]", loaded) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise bad()
        return {
            _coerce(k, args[0], key, loaded): _coerce(v, args[1], f"{key}.{k}", loaded)
            for k, v in value.items()
        }
    if inner is bool:
        if not isinstance(value, bool):
            raise bad()
        return value
    if inner is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad()
        return value
    if inner is float:
        if isinstance(value, str):  # YAML 1.1 reads 3e-5 (no dot) as a string
            try:
                return float(value)
            except ValueError:
                raise bad() from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad()
        return float(value)
    if inner is str:
        if not isinstance(value, str):
            raise bad()
        return value
    raise TypeError(f"config schema: unsupported type {tp!r} at {key}")


def _build(cls: type, data: dict[str, Any], prefix: str, loaded: LoadedConfig) -> Any:
    """A dataclass from a checked mapping; heads start from ``head_defaults``; value errors name key and file."""
    hints = _hints(cls)
    kwargs = {}
    for name, value in data.items():
        if name == "heads" and cls is TrainingConfig and isinstance(value, dict):
            defaults = data.get("head_defaults") or {}
            value = {
                h: _merge(defaults, spec or {}, "", {}) if isinstance(spec, dict | type(None)) else spec
                for h, spec in value.items()
            }
        kwargs[name] = _coerce(value, hints[name], f"{prefix}{name}", loaded)
    try:
        return cls(**kwargs)
    except ValueError as e:
        first = str(e).split(" ", 1)[0]
        if first in hints:  # "stride must be ...": the message is about one field
            key = f"{prefix}{first}"
            raise ConfigError(str(e), key=key, file=loaded.origin(key)) from None
        key = prefix.rstrip(".")
        raise ConfigError(str(e), key=key or None, file=loaded.origin(key) if key else loaded.path) from None
