"""Name -> converter for every public dataset the project knows how to read.

Each source module defines one or more functions decorated with ``@register``; a converter takes the
data root (``../shared/data``) and returns a :class:`Conversion` (splits of canonical examples + rejects).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.data.canonical import DataError, Example

# Which module defines which converter; modules are imported only when their converter is asked for.
_MODULES: dict[str, str] = {
    "re3d": "training.data.sources.re3d",
    "cameo_ner": "training.data.sources.cameo",
    "cameo_class": "training.data.sources.cameo",
    "muc4": "training.data.sources.muc4",
    "acled": "training.data.sources.acled",
    "satp": "training.data.sources.tsv_labels",
    "insightcrime": "training.data.sources.tsv_labels",
    "ipe_sents": "training.data.sources.tsv_labels",
    "ipe_docs": "training.data.sources.tsv_labels",
    "bbc": "training.data.sources.tsv_labels",
    "hrdsattack": "training.data.sources.hrdsattack",
    "news_dev": "training.data.sources.news_dev",
    "news_train": "training.data.sources.news_train",
    "ootax_dev": "training.data.sources.ootax_dev",
}


@dataclass
class Conversion:
    """What a converter returns: examples per split, the records it rejected, and provenance."""

    splits: dict[str, list[Example]]
    rejects: list[DataError] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


ConvertFn = Callable[..., Conversion]


@dataclass(frozen=True)
class Converter:
    name: str
    description: str
    heads: tuple[str, ...]
    folder: str  # folder under the data root
    fn: ConvertFn

    def __call__(self, root: str | Path, *, skip_bad: bool = False) -> Conversion:
        path = Path(root) / self.folder
        if not path.exists():
            raise FileNotFoundError(
                f"dataset '{self.name}' expects the folder {path}; pass --root pointing at the shared data "
                f"(e.g. ../shared/data)"
            )
        return self.fn(path, skip_bad=skip_bad)


_REGISTRY: dict[str, Converter] = {}


def register(
    name: str, *, folder: str, heads: tuple[str, ...], description: str
) -> Callable[[ConvertFn], ConvertFn]:
    """Decorator: make ``fn(folder_path, *, skip_bad) -> Conversion`` available as ``name``."""

    def deco(fn: ConvertFn) -> ConvertFn:
        _REGISTRY[name] = Converter(name=name, description=description, heads=heads, folder=folder, fn=fn)
        return fn

    return deco


def names() -> list[str]:
    return sorted(_MODULES)


def get_converter(name: str) -> Converter:
    """Look a converter up by registered name; unknown names list the known ones."""
    if name not in _MODULES:
        raise KeyError(f"unknown dataset '{name}'; known: {', '.join(names())}")
    importlib.import_module(_MODULES[name])
    return _REGISTRY[name]
