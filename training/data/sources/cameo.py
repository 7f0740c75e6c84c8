"""CAMEO sentences (Multi-CoPED via ConfliBERT): actor roles (cameo_ner) and penta-class (cameo_class).

Both come as train only, so dev is carved here, and carved *together*: a multi-task model must never train on
one dataset's copy of a sentence that is dev in the other.  The two files are NOT line-aligned (1,153 NER
sentences vs 1,349 class rows; most NER sentences are exact or edited copies of class sentences, in roughly the
same order).  So the carve unit is a sentence *key*: the class sentence's normalised words.  Each NER sentence
takes the key of the class sentence it matches (same normalised words, else the best word-overlap coefficient
>= ``MATCH_THRESHOLD``); unmatched NER sentences keep their own key.  Keys are carved with ``carve_dev`` (fixed
seed, stratified by class label; NER-only keys form their own stratum), so both converters agree without either
depending on the other's stratum sizes.  A loose threshold is safe: a wrong match only moves a sentence to the
split of an unrelated one; a missed match could leak an edited copy across splits.

cameo_class label names follow SOURCE.txt's CAMEO penta-class reading, which is INFERRED, not documented.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import NamedTuple

from training.data.canonical import DataError, Example
from training.data.conll import load_conll_examples
from training.data.registry import Conversion, register
from training.data.splits import DEFAULT_DEV_FRACTION, DEFAULT_SEED, carve_dev

logger = logging.getLogger(__name__)

NER_FOLDER = "conflibert_cameo_ner"
CLASS_FOLDER = "conflibert_cameo_class"
NER_HEAD = "roles"
NER_LABELS = ("S", "T", "R")  # source, target, reciprocal actor
CLASS_HEAD = "cameo_class"
CLASS_LABELS = (
    "statement",
    "verbal_cooperation",
    "material_cooperation",
    "verbal_conflict",
    "material_conflict",
)
DEV_SEED = DEFAULT_SEED
DEV_FRACTION = DEFAULT_DEV_FRACTION
MATCH_THRESHOLD = 0.5
_NER_ONLY = "(no cameo_class match)"
_WORD = re.compile(r"[^\W_]+")


def sentence_words(text: str) -> list[str]:
    """Lower-cased words without accents or punctuation: 'Erdoğan's' and 'Erdogan 's' give the same words."""
    decomposed = unicodedata.normalize("NFKD", text).lower()
    return _WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c)))


def _key(words: list[str]) -> str:
    return "k:" + " ".join(words)


def read_cameo_class(
    path: Path, *, skip_bad: bool = False, rejects: list[DataError] | None = None
) -> list[Example]:
    """``text<TAB>label 0-4`` rows -> examples ``cameo_class-train-<row>`` (row = 0-based non-blank line)."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    examples: list[Example] = []
    row = 0
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        try:
            examples.append(_class_row(raw, path, lineno, row))
        except DataError as err:
            if not skip_bad:
                raise
            if rejects is not None:
                rejects.append(err)
        row += 1
    return examples


def _class_row(raw: bytes, path: Path, lineno: int, row: int) -> Example:
    fields = raw.split(b"\t")
    if len(fields) != 2:
        raise DataError(
            f"wrong column count: expected 'text<TAB>label', got {len(fields)} field(s)",
            file=path,
            line=lineno,
            field="columns",
        )
    decoded = []
    for name, value in zip(("text", "label"), fields, strict=True):
        try:
            decoded.append(value.decode("utf-8").strip())
        except UnicodeDecodeError as e:
            raise DataError(
                f"undecodable bytes (not UTF-8) at byte {e.start}", file=path, line=lineno, field=name
            ) from e
    text, label = decoded
    if not text:
        raise DataError("empty text", file=path, line=lineno, field="text")
    if label not in {str(i) for i in range(len(CLASS_LABELS))}:
        raise DataError(
            f"unknown label {label!r}: expected 0-{len(CLASS_LABELS) - 1}",
            file=path,
            line=lineno,
            field="label",
        )
    return Example(
        id=f"cameo_class-train-{row}",
        text=text,
        labels={CLASS_HEAD: [CLASS_LABELS[int(label)]]},
        meta={"source": "cameo_class"},
    )


class Match(NamedTuple):
    index: int | None  # the matching class row, or None
    score: float  # word-overlap coefficient (1.0 when exact)
    kind: str  # "exact", "overlap" or "none"


def match_class_sentences(ner_texts: list[str], class_texts: list[str]) -> list[Match]:
    """For each NER text, the class text it is a copy (possibly edited) of; lowest index on ties."""
    class_words = [sentence_words(t) for t in class_texts]
    exact: dict[str, int] = {}
    for j, words in enumerate(class_words):
        exact.setdefault(_key(words), j)
    class_sets = [set(w) for w in class_words]
    index: dict[str, list[int]] = defaultdict(list)
    for j, s in enumerate(class_sets):
        for w in s:
            index[w].append(j)
    matches: list[Match] = []
    for text in ner_texts:
        words = sentence_words(text)
        if _key(words) in exact:
            matches.append(Match(exact[_key(words)], 1.0, "exact"))
            continue
        mine = set(words)
        shared: Counter[int] = Counter()
        for w in mine:
            shared.update(index.get(w, ()))
        best: tuple[float, int] | None = None
        for j, n in shared.items():
            score = n / min(len(mine), len(class_sets[j]))
            if best is None or (score, -j) > (best[0], -best[1]):
                best = (score, j)
        if best is not None and best[0] >= MATCH_THRESHOLD:
            matches.append(Match(best[1], round(best[0], 3), "overlap"))
        else:
            matches.append(Match(None, round(best[0], 3) if best else 0.0, "none"))
    return matches


def carve_dev_keys(
    class_examples: list[Example],
    ner_only_keys: list[str],
    *,
    seed: int = DEV_SEED,
    dev_fraction: float = DEV_FRACTION,
) -> set[str]:
    """Which sentence keys are dev: class keys stratified by label, NER-only keys in a stratum of their own."""
    stratum: dict[str, str] = {}
    for ex in class_examples:
        stratum.setdefault(_key(sentence_words(ex.text)), ex.labels[CLASS_HEAD][0])
    for key in ner_only_keys:
        stratum.setdefault(key, _NER_ONLY)
    units = [Example(id=key, text="", meta={"stratum": s}) for key, s in sorted(stratum.items())]
    _, dev = carve_dev(units, seed=seed, dev_fraction=dev_fraction, stratify=lambda e: e.meta["stratum"])
    return {e.id for e in dev}


def _carve_meta(seed: int, dev_fraction: float) -> dict:
    return {
        "seed": seed,
        "dev_fraction": dev_fraction,
        "from": "train",
        "unit": "sentence key shared by cameo_ner and cameo_class",
        "stratify": "cameo_class label",
    }


def _split(
    examples: list[Example], keys: list[str], dev_keys: set[str], seed: int
) -> dict[str, list[Example]]:
    splits: dict[str, list[Example]] = {"train": [], "dev": []}
    for ex, key in zip(examples, keys, strict=True):
        split = "dev" if key in dev_keys else "train"
        ex.meta.update({"split": split, "carve_seed": seed})
        splits[split].append(ex)
    return splits


def _class_path(folder: Path) -> Path:
    path = folder / "train.tsv"
    if not path.is_file():
        raise FileNotFoundError(f"cameo: missing {path} (the shared dev carve needs it)")
    return path


@register(
    "cameo_class",
    folder=CLASS_FOLDER,
    heads=(CLASS_HEAD,),
    description="CAMEO penta-class of a sentence (statement ... material_conflict; names inferred); dev carved",
)
def convert_cameo_class(folder: Path, *, skip_bad: bool = False) -> Conversion:
    """train.tsv -> sequence head ``cameo_class``; dev carved on the keys shared with cameo_ner."""
    rejects: list[DataError] = []
    examples = read_cameo_class(_class_path(folder), skip_bad=skip_bad, rejects=rejects)
    dev_keys = carve_dev_keys(examples, [])
    keys = [_key(sentence_words(ex.text)) for ex in examples]
    meta = {
        "label_names": {str(i): name for i, name in enumerate(CLASS_LABELS)},
        "label_names_source": "inferred (SOURCE.txt: CAMEO penta-class convention), not documented",
        "dev_carve": _carve_meta(DEV_SEED, DEV_FRACTION),
    }
    return Conversion(splits=_split(examples, keys, dev_keys, DEV_SEED), rejects=rejects, meta=meta)


@register(
    "cameo_ner",
    folder=NER_FOLDER,
    heads=(NER_HEAD,),
    description="CAMEO actor roles: S source, T target, R reciprocal actor spans; dev carved with cameo_class",
)
def convert_cameo_ner(folder: Path, *, skip_bad: bool = False) -> Conversion:
    """train.txt (space CoNLL) -> token head ``roles``; dev = the sentences whose cameo_class match is dev."""
    path = folder / "train.txt"
    if not path.is_file():
        raise FileNotFoundError(f"cameo_ner: missing {path}")
    rejects: list[DataError] = []
    examples, nested = load_conll_examples(
        path,
        source="cameo_ner",
        split="train",
        head=NER_HEAD,
        labels=NER_LABELS,
        skip_bad=skip_bad,
        rejects=rejects,
    )
    # The class file only supplies keys here; its own bad rows are the cameo_class converter's to report.
    class_examples = read_cameo_class(_class_path(folder.parent / CLASS_FOLDER), skip_bad=True)
    matches = match_class_sentences([ex.text for ex in examples], [ex.text for ex in class_examples])
    keys: list[str] = []
    for ex, match in zip(examples, matches, strict=True):
        matched = class_examples[match.index] if match.index is not None else None
        keys.append(_key(sentence_words((matched or ex).text)))
        ex.meta["cameo_class_id"] = matched.id if matched else None
        ex.meta["cameo_class_match"] = match.kind
        ex.meta["match_score"] = match.score
    dev_keys = carve_dev_keys(
        class_examples, [k for k, m in zip(keys, matches, strict=True) if m.kind == "none"]
    )
    kinds = Counter(m.kind for m in matches)
    meta = {
        "labels": list(NER_LABELS),
        "nested_spans": nested,
        "dev_carve": _carve_meta(DEV_SEED, DEV_FRACTION) | {"match_threshold": MATCH_THRESHOLD},
        "cameo_class_match": {k: kinds.get(k, 0) for k in ("exact", "overlap", "none")}
        | {"class_rows": len(class_examples)},
    }
    logger.info("cameo_ner: %s", meta["cameo_class_match"])
    return Conversion(splits=_split(examples, keys, dev_keys, DEV_SEED), rejects=rejects, meta=meta)
