"""ConfliBERT TSV label sets (``text<TAB>0/1<TAB>...``) -> canonical multi-label examples.

One reader, one table of dataset specs. Only ``train.tsv`` and ``dev.tsv`` are read: the test split is
withheld. The files are pandas-style TSV: a text holding ``"`` is wrapped in quotes with inner quotes doubled,
no record spans two lines (checked on every file), line ends are LF or CRLF, the last line is empty.
A row's labels are the names of its columns equal to 1; all zeros gives ``[]`` (known to have none).
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from training.data.canonical import DataError, Example
from training.data.registry import Conversion, register

log = logging.getLogger(__name__)

SPLITS = ("train", "dev")


@dataclass(frozen=True)
class TsvSpec:
    name: str
    folder: str
    head: str
    columns: tuple[str, ...]  # label name per 0/1 column, in file order
    caveat: str


SPECS: tuple[TsvSpec, ...] = (
    TsvSpec(
        "satp",
        "conflibert_satp_relevant",
        "satp_attack",
        ("armed_assault", "bombing", "kidnapping", "other"),
        "SATP incident summaries; column meanings inferred from keywords, unverified (SOURCE.txt): "
        "armed assault/firing/encounter, bombing/explosion, kidnapping/abduction, other (arson, property "
        "destruction, assault).",
    ),
    TsvSpec(
        "insightcrime",
        "conflibert_insightCrime",
        "insightcrime_topic",
        (
            "drug_trafficking",
            "corruption",
            "justice_security_policy",
            "homicide_violence",
            "extortion_fraud_kidnapping",
            "environmental_crime",
            "human_arms_trafficking_smuggling",
        ),
        "InSight Crime articles; the 7 topic names are INFERRED from keywords, unverified (SOURCE.txt); "
        "137 of 1,653 rows have no positive label.",
    ),
    TsvSpec(
        "ipe_sents",
        "conflibert_IndiaPoliceEvents_sents",
        "police_action",
        ("KILL", "ARREST", "ANY_ACTION", "FAIL", "FORCE"),
        "IndiaPoliceEvents sentences (lowercased, Gujarat 2002); columns in the original CSV order "
        "KILL, ARREST, ANY_ACTION, FAIL, FORCE (police did X); ~90% of sentences have no label.",
    ),
    TsvSpec(
        "ipe_docs",
        "conflibert_IndiaPoliceEvents_docs",
        "police_action",
        ("KILL", "ARREST", "ANY_ACTION", "FAIL", "FORCE"),
        "IndiaPoliceEvents documents (lowercased); columns KILL, ARREST, ANY_ACTION, FAIL, FORCE.",
    ),
    TsvSpec(
        "bbc",
        "conflibert_BBC_News",
        "politics",
        ("politics",),
        "BBC News articles (lowercased); 1 = BBC 'politics' category, 0 = any other category: an "
        "off-domain negative set, not conflict-specific.",
    ),
)


def read_tsv(
    path: Path, spec: TsvSpec, split: str, rejects: list[DataError] | None
) -> tuple[list[Example], int]:
    """Read one TSV file -> (examples, rows skipped for empty text and no label).

    Bad rows raise a located DataError, or go to ``rejects`` when it is given. IndiaPoliceEvents_sents has
    a few label-less rows with no text (sentence-splitter leftovers): those are skipped, not errors.
    """
    n_fields = 1 + len(spec.columns)
    out: list[Example] = []
    n_empty = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                ex = _parse_line(raw, lineno, path, spec, split, n_fields)
            except DataError as err:
                if rejects is None:
                    raise
                rejects.append(err)
                continue
            if ex is None:
                continue
            if ex.text:
                out.append(ex)
            else:
                n_empty += 1
    return out, n_empty


def _parse_line(
    raw: bytes, lineno: int, path: Path, spec: TsvSpec, split: str, n_fields: int
) -> Example | None:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(
            f"undecodable bytes at offset {e.start} (not UTF-8)", file=path, line=lineno, field="text"
        ) from None
    line = line.rstrip("\r\n")
    if not line.strip():
        return None
    try:
        fields = next(csv.reader([line], delimiter="\t", strict=True))
    except csv.Error as e:
        raise DataError(f"bad quoting ({e})", file=path, line=lineno, field="text") from None
    if len(fields) != n_fields:
        raise DataError(
            f"expected {n_fields} tab-separated fields (text + {len(spec.columns)} labels), "
            f"got {len(fields)}",
            file=path,
            line=lineno,
        )
    text = fields[0].strip()
    labels: list[str] = []
    for name, value in zip(spec.columns, fields[1:], strict=True):
        value = value.strip()
        if value not in ("0", "1"):
            raise DataError(f"must be 0 or 1, got {value!r}", file=path, line=lineno, field=name)
        if value == "1":
            labels.append(name)
    if not text and labels:
        raise DataError(f"empty text but labels {labels}", file=path, line=lineno, field="text")
    return Example(
        id=f"{spec.name}-{split}-{lineno}",
        text=text,
        labels={spec.head: labels},
        meta={"source": spec.name, "file": f"{split}.tsv", "line": lineno},
    )


def normalised(text: str) -> str:
    """Whitespace- and case-normalised text, for overlap checks."""
    return " ".join(text.split()).casefold()


def convert_tsv(folder: Path, spec: TsvSpec, *, skip_bad: bool) -> Conversion:
    """Convert train.tsv and dev.tsv of one dataset (test.tsv is never read)."""
    rejects: list[DataError] = []
    splits: dict[str, list[Example]] = {}
    skipped: dict[str, int] = {}
    for split in SPLITS:
        path = folder / f"{split}.tsv"
        if not path.is_file():
            raise FileNotFoundError(f"{spec.name}: {path} not found")
        splits[split], skipped[split] = read_tsv(path, spec, split, rejects if skip_bad else None)
    counts = {
        s: dict(sorted(Counter(lab for e in exs for lab in e.labels[spec.head]).items()))
        for s, exs in splits.items()
    }
    empty = {s: sum(1 for e in exs if not e.labels[spec.head]) for s, exs in splits.items()}
    # The published splits overlap a little (same text in train and dev); reported, not altered.
    train_texts = {normalised(e.text) for e in splits["train"]}
    overlap = sum(1 for e in splits["dev"] if normalised(e.text) in train_texts)
    meta = {
        "head": spec.head,
        "columns": list(spec.columns),
        "label_counts": counts,
        "no_label": empty,
        "empty_text_skipped": skipped,
        "dev_texts_also_in_train": overlap,
        "caveat": spec.caveat,
        "rejected": len(rejects),
    }
    log.info("%s: %s examples, %d rejected", spec.name, {s: len(v) for s, v in splits.items()}, len(rejects))
    return Conversion(splits=splits, rejects=rejects, meta=meta)


def _register(spec: TsvSpec) -> None:
    def fn(folder: Path, *, skip_bad: bool) -> Conversion:
        return convert_tsv(folder, spec, skip_bad=skip_bad)

    fn.__name__ = f"convert_{spec.name}"
    fn.__doc__ = f"Convert {spec.folder} (train + dev) to head '{spec.head}'."
    kind = "multi-label" if len(spec.columns) > 1 else "binary as multi-label ([] or [label])"
    register(
        spec.name,
        folder=spec.folder,
        heads=(spec.head,),
        description=f"{spec.folder} -> '{spec.head}', {kind}: {', '.join(spec.columns)}. {spec.caveat}",
    )(fn)


for _spec in SPECS:
    _register(_spec)
