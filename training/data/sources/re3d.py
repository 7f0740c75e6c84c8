"""re3d (ConfliBERT's CoNLL re-split of dstl/re3d): 10 entity types on Syria/Iraq defence texts.

Files: ``train.txt`` and ``dev.txt`` (token<TAB>BIO tag, CRLF); the test split is withheld and never read.
"""

from __future__ import annotations

from pathlib import Path

from training.data.canonical import DataError
from training.data.conll import load_conll_examples
from training.data.registry import Conversion, register

HEAD = "entities"
LABELS = (
    "Organisation",
    "Person",
    "Location",
    "Temporal",
    "Quantity",
    "Weapon",
    "MilitaryPlatform",
    "Nationality",
    "DocumentReference",
    "Money",
)
SPLITS = ("train", "dev")


@register(
    "re3d",
    folder="conflibert_re3d",
    heads=(HEAD,),
    description="re3d defence-text NER: 10 entity types (Organisation, Person, Location, ...), train/dev",
)
def convert_re3d(folder: Path, *, skip_bad: bool = False) -> Conversion:
    """train.txt / dev.txt -> examples ``re3d-<split>-<n>`` with spans on head ``entities``."""
    rejects: list[DataError] = []
    splits = {}
    nested = {}
    for split in SPLITS:
        path = folder / f"{split}.txt"
        if not path.is_file():
            raise FileNotFoundError(f"re3d: missing {path}")
        splits[split], nested[split] = load_conll_examples(
            path, source="re3d", split=split, head=HEAD, labels=LABELS, skip_bad=skip_bad, rejects=rejects
        )
    meta = {
        "labels": list(LABELS),
        "files": {s: f"{s}.txt" for s in SPLITS},
        "test": "withheld, not read",
        "nested_spans": nested,
    }
    return Conversion(splits=splits, rejects=rejects, meta=meta)
