"""The training pool and the dev sets, assembled from the config's datasets.

Each head names its datasets: registered converters (converted once, cached as canonical JSONL under the cache
folder) or canonical JSONL files. Their examples are pooled into one training set; an example keeps only the
annotations of heads that listed its dataset (every other head is absent for it, so masked). Negatives are
examples from another source selected by their labels and relabelled ``none``. A training example whose text
is also in a dev set is dropped, so dev scores never come from trained-on text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from inference.model.configuration import MULTI_LABEL, TOKEN, HeadSpec
from training.config import ConfigError, DatasetRef, DevRef, LoadedConfig, NegativeRef
from training.data.boilerplate import rewrite_examples
from training.data.canonical import DataError, Example, load_examples, save_examples
from training.data.sources.ootax_dev import is_out_of_taxonomy

logger = logging.getLogger(__name__)

DATA_PACKAGE = Path(__file__).resolve().parent  # training/data: the converters and what they import


# ---- reading sources -----------------------------------------------------------------------------------------


def cache_root(loaded: LoadedConfig) -> Path:
    """Folder for converted datasets: the config's ``cache_dir`` or the user cache."""
    if loaded.config.cache_dir:
        return loaded.config.cache_dir
    base = Path(os.environ.get("CONFLICT_EVENTS_CACHE", Path.home() / ".cache" / "conflict-events"))
    return base / "datasets"


def read_canonical(path: Path) -> list[Example]:
    """Canonical JSONL -> examples, parsed by ``datasets`` (arrow JSON reader) and validated line by line.

    Where ``datasets`` cannot parse the file, the project's own reader runs instead and names the bad line.
    """
    import datasets
    from datasets import utils as hf_utils

    # Json() for every field keeps values as written (no casting), so Example.from_dict checks their types
    features = datasets.Features({k: datasets.Json() for k in ("id", "text", "spans", "labels", "meta")})
    bars_were_off = hf_utils.are_progress_bars_disabled()
    hf_utils.disable_progress_bars()
    try:
        with tempfile.TemporaryDirectory(prefix="conflict-events-ds-") as tmp:
            rows = datasets.Dataset.from_json(
                str(path), features=features, cache_dir=tmp, keep_in_memory=True
            )
            rows = rows.to_list()
    except Exception as err:  # noqa: BLE001 - any parse failure: our reader locates the bad line
        logger.debug("datasets could not read %s (%s); using the line reader", path, err)
        return load_examples(path)
    finally:
        if not bars_were_off:
            hf_utils.enable_progress_bars()
    with open(path, "rb") as fh:
        lines = [n for n, raw in enumerate(fh, start=1) if raw.strip()]
    if len(lines) != len(rows):
        return load_examples(path)
    return [
        Example.from_dict({k: v for k, v in row.items() if v is not None}, file=path, line=n)
        for row, n in zip(rows, lines)
    ]


def _converter_code_hash() -> str:
    digest = hashlib.sha1()
    for file in sorted(DATA_PACKAGE.rglob("*.py")):
        digest.update(file.relative_to(DATA_PACKAGE).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def converted_split(name: str, split: str, loaded: LoadedConfig) -> tuple[list[Example], str] | None:
    """Examples of one split of a registered converter (``None`` if it has no such split), cached on disk.

    The cache key is the converter name, the data root and the converter code, so changed code re-converts.
    """
    from training.data.registry import get_converter

    try:
        converter = get_converter(name)
    except KeyError as e:
        raise ConfigError(str(e.args[0])) from None
    root = loaded.config.data_root
    key = hashlib.sha1(f"{name}\0{root}\0{_converter_code_hash()}".encode()).hexdigest()[:12]
    folder = cache_root(loaded) / f"{name}-{key}"
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        logger.info("converting dataset '%s' from %s (cached in %s)", name, root, folder)
        try:
            conversion = converter(root, skip_bad=True)
        except FileNotFoundError as e:
            raise ConfigError(
                f"{e} (data_root is {root}; change it with --set data_root=PATH)",
                key="data_root",
                file=loaded.origin("data_root"),
            ) from None
        if conversion.rejects:
            logger.warning(
                "dataset '%s': %d records rejected, e.g. %s",
                name,
                len(conversion.rejects),
                conversion.rejects[0],
            )
        for split_name, examples in conversion.splits.items():
            save_examples(folder / f"{split_name}.jsonl", examples)
        if conversion.rejects:
            _write_json(folder / "rejects.json", [r.to_dict() for r in conversion.rejects])
        _write_json(
            manifest_path,
            {
                "name": name,
                "root": str(root),
                "splits": {s: len(v) for s, v in conversion.splits.items()},
                "rejected": len(conversion.rejects),
                "meta": conversion.meta,
            },
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if split not in manifest["splits"]:
        return None
    path = folder / f"{split}.jsonl"
    return read_canonical(path), f"{name}:{split}"


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def load_ref(
    ref: DatasetRef | NegativeRef | DevRef, key: str, loaded: LoadedConfig
) -> tuple[list[Example], str]:
    """The examples a dataset reference points at, and a short origin label for messages."""
    if ref.path is not None:
        if not ref.path.is_file():
            raise ConfigError(f"'{ref.path}' not found", key=f"{key}.path", file=loaded.origin(key))
        return read_canonical(ref.path), str(ref.path)
    try:
        found = converted_split(ref.name, ref.split, loaded)
    except ConfigError as e:
        if e.key:
            raise
        raise ConfigError(e.reason, key=f"{key}.name", file=loaded.origin(key)) from None
    if found is None:
        raise ConfigError(
            f"dataset '{ref.name}' has no split '{ref.split}'", key=f"{key}.split", file=loaded.origin(key)
        )
    return found


# ---- the training pool ---------------------------------------------------------------------------------------


@dataclass
class TrainingPool:
    """Pooled training examples with their dataset weight and origin (file or converter:split)."""

    examples: list[Example] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    negatives: Counter = field(default_factory=Counter)  # origin -> negatives taken
    dropped_for_dev: Counter = field(default_factory=Counter)

    def label_counts(self, specs: list[HeadSpec]) -> dict[str, Counter]:
        """Per head: label -> number of examples (token heads: spans) carrying it."""
        out: dict[str, Counter] = {}
        for spec in specs:
            c: Counter = Counter()
            for ex in self.examples:
                if spec.kind == TOKEN and spec.name in ex.spans:
                    c.update(label for _, _, label in ex.spans[spec.name])
                    c["(examples)"] += 1
                elif spec.name in ex.labels:
                    c.update(ex.labels[spec.name] or ["(no label)"])
            out[spec.name] = c
        return out


def _keep(ex: Example, heads: set[str]) -> Example | None:
    spans = {h: v for h, v in ex.spans.items() if h in heads}
    labels = {h: v for h, v in ex.labels.items() if h in heads}
    if not spans and not labels:
        return None
    return Example(id=ex.id, text=ex.text, spans=spans, labels=labels, meta=ex.meta)


def _matches(ex: Example, where: dict[str, list[str]]) -> bool:
    return all(
        head in ex.labels and sorted(ex.labels[head]) == sorted(labels) for head, labels in where.items()
    )


def _rank(seed: int, ex_id: str) -> str:
    return hashlib.sha256(f"{seed}:{ex_id}".encode()).hexdigest()


def normalise_text(text: str) -> str:
    return " ".join(text.casefold().split())


def build_training_pool(loaded: LoadedConfig, dev_texts: set[str] = frozenset()) -> TrainingPool:
    """Pool every head's datasets and negatives; drop training texts that are also dev texts."""
    cfg = loaded.config
    cache: dict[str, tuple[list[Example], str]] = {}
    merged: dict[tuple[str, str], dict] = {}  # (source key, id) -> {"ex", "weight", "origin"}

    def source(ref, key):
        if ref.key not in cache:
            cache[ref.key] = load_ref(ref, key, loaded)
        return cache[ref.key]

    def add(ref_key: str, ex: Example, weight: float, origin: str) -> None:
        slot = merged.get((ref_key, ex.id))
        if slot is None:
            merged[(ref_key, ex.id)] = {"ex": ex, "weight": weight, "origin": origin}
            return
        slot["ex"].spans.update(ex.spans)
        slot["ex"].labels.update(ex.labels)
        slot["weight"] = max(slot["weight"], weight)

    negatives: Counter = Counter()
    for name, head in cfg.heads.items():
        for i, ref in enumerate(head.datasets):
            examples, origin = source(ref, f"heads.{name}.datasets[{i}]")
            examples = rewrite_examples(examples, ref.boilerplate, cfg.seed)
            used = 0
            for ex in examples:
                kept = _keep(ex, {name})
                if kept is not None:
                    add(f"{ref.key}|{ref.boilerplate}", kept, ref.weight, origin)
                    used += 1
            if not used:
                raise DataError(
                    f"no example of this dataset annotates head '{name}' (heads it has: "
                    f"{sorted({h for e in examples for h in (*e.spans, *e.labels)})})",
                    file=origin,
                )
        for i, ref in enumerate(head.negatives):
            examples, origin = source(ref, f"heads.{name}.negatives[{i}]")
            chosen = [ex for ex in examples if _matches(ex, ref.where)]
            if ref.no_event_cues:
                chosen = [ex for ex in chosen if is_out_of_taxonomy(ex.text)]
            chosen.sort(key=lambda ex: _rank(cfg.seed, ex.id))
            if ref.max is not None:
                chosen = chosen[: ref.max]
            label = [] if head.is_multi_label else [ref.label]
            for ex in chosen:
                add(ref.key, Example(id=ex.id, text=ex.text, labels={name: label}, meta=ex.meta), 1.0, origin)
            negatives[f"{origin} -> {name}"] += len(chosen)  # several refs may share a source
            if not chosen:
                logger.warning(
                    "negatives for head '%s' from %s: no example matches where=%s", name, origin, ref.where
                )

    pool = TrainingPool(negatives=negatives)
    for (_, _), slot in merged.items():
        if dev_texts and normalise_text(slot["ex"].text) in dev_texts:
            pool.dropped_for_dev[slot["origin"]] += 1
            continue
        pool.examples.append(slot["ex"])
        pool.weights.append(slot["weight"])
        pool.origins.append(slot["origin"])
    if not pool.examples:
        raise DataError("the training pool is empty: no configured dataset gave an example")
    return pool


# ---- dev sets ------------------------------------------------------------------------------------------------


@dataclass
class DevSet:
    name: str
    examples: list[Example]
    heads: list[str]  # heads scored on this set
    origin: str


def load_dev_sets(loaded: LoadedConfig, head_names: list[str]) -> list[DevSet]:
    """Automatic dev sets (the `dev` split of every converter a head trains on) plus the config's `dev` list."""
    cfg = loaded.config
    wanted: dict[str, tuple[DevRef, list[str], str]] = {}
    if cfg.auto_dev:
        heads_by_converter: dict[str, list[str]] = defaultdict(list)
        for name, head in cfg.heads.items():
            for ref in head.datasets:
                if ref.name and name not in heads_by_converter[ref.name]:
                    heads_by_converter[ref.name].append(name)
        for conv, heads in heads_by_converter.items():
            wanted[conv] = (DevRef(name=conv), heads, "auto")
    for i, ref in enumerate(cfg.dev):
        key = f"dev[{i}]"
        unknown = [h for h in ref.heads or [] if h not in head_names]
        if unknown:
            raise ConfigError(
                f"heads {unknown} are not configured heads ({head_names})",
                key=f"{key}.heads",
                file=loaded.origin("dev"),
            )
        wanted[ref.set_name] = (ref, list(ref.heads or head_names), key)
    out = []
    for set_name, (ref, heads, key) in wanted.items():
        if key == "auto":
            found = converted_split(ref.name, ref.split, loaded)
            if found is None:
                logger.info("dataset '%s' has no dev split: no automatic dev set", ref.name)
                continue
            examples, origin = found
        else:
            examples, origin = load_ref(ref, key, loaded)
        kept = [k for k in (_keep(ex, set(heads)) for ex in examples) if k is not None]
        if not kept:
            raise DataError(f"dev set '{set_name}' annotates none of the heads {heads}", file=origin)
        scored = sorted({h for ex in kept for h in (*ex.spans, *ex.labels)}, key=head_names.index)
        out.append(DevSet(name=set_name, examples=kept, heads=scored, origin=origin))
    return out


def dev_texts(dev_sets: list[DevSet]) -> set[str]:
    return {normalise_text(ex.text) for d in dev_sets for ex in d.examples}


def fill_none_labels(examples: list[Example], specs: list[HeadSpec], none: str = "none") -> int:
    """Multi-class heads with a ``none`` label: an empty label list (known: no event) becomes ``[none]``.

    Converters write negatives as ``[]``; a multi-class head needs exactly one label. Returns how many changed.
    """
    heads = [s.name for s in specs if s.kind != TOKEN and s.problem_type != MULTI_LABEL and none in s.labels]
    changed = 0
    for ex in examples:
        for head in heads:
            if ex.labels.get(head) == []:
                ex.labels[head] = [none]
                changed += 1
    return changed


# ---- sampling weights ----------------------------------------------------------------------------------------


def balanced_heads(loaded: LoadedConfig, specs: list[HeadSpec]) -> list[str]:
    """Heads whose examples are sampled class-balanced: multi_class sequence heads by default, any head that
    sets ``class_balanced: true`` (a token head then balances on the rarest span label of each example)."""
    out = []
    for spec in specs:
        head = loaded.config.heads[spec.name]
        on = head.class_balanced
        if on is None:
            on = (
                loaded.config.train.class_balanced and spec.kind != TOKEN and spec.problem_type != MULTI_LABEL
            )
        if on:
            out.append(spec.name)
    return out


def _head_labels(ex: Example, head: str, kind: str) -> list[str] | None:
    """The labels an example gives a head (a token head: its spans' labels); None when the head is unknown."""
    if kind == TOKEN:
        return None if head not in ex.spans else [span[2] for span in ex.spans[head]]
    return ex.labels.get(head)


def sampling_weights(
    pool: TrainingPool, specs: list[HeadSpec], balanced: list[str], power: float
) -> np.ndarray:
    """Per-example sampling weight: dataset weight x class-balance factor.

    For a balanced head, an example's factor is count(its label)^-power (multi-label: its rarest label; token
    head: its rarest span label), scaled to average 1 over the head's examples; an example in several balanced
    heads takes the largest.
    """
    weights = np.asarray(pool.weights, dtype=np.float64)
    factor = np.full(len(pool.examples), np.nan)
    kinds = {spec.name: spec.kind for spec in specs}
    for name in balanced:
        found = [(i, _head_labels(ex, name, kinds[name])) for i, ex in enumerate(pool.examples)]
        found = [(i, labels or ["(no label)"]) for i, labels in found if labels is not None]
        if not found:
            continue
        idx = [i for i, _ in found]
        per_label = Counter(label for _, labels in found for label in labels)
        keys = [min(labels, key=lambda x: (per_label[x], x)) for _, labels in found]
        f = np.array([per_label[k] ** -power for k in keys])
        f = f / f.mean()
        factor[idx] = np.fmax(factor[idx], f)
    factor = np.where(np.isnan(factor), 1.0, factor)
    return weights * factor
