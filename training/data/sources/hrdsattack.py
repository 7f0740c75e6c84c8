"""HRDsAttack (attacks on human-rights defenders) -> canonical examples with head ``violation_type``.

Text is the article's HTML paragraphs (``Input.article_interface``) with tags stripped and entities
unescaped by the stdlib ``html.parser``, paragraphs separated by blank lines; the title goes to meta.
Labels come from ``merged_sample.violation_types`` (multi-label). The released files carry exactly one
annotation per article and ``merged_sample`` equals it (checked on train and dev); where a record has no
``merged_sample``, a type is kept when more than half of its annotators chose it (strict majority).
Only data/train.json and data/dev.json are read: test is withheld.
"""

from __future__ import annotations

import difflib
import json
import logging
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from inference.events.month_names import MONTH_NAMES
from training.data.canonical import DataError, Example
from training.data.registry import Conversion, register

log = logging.getLogger(__name__)

HEAD = "violation_type"
SPLITS = ("train", "dev")
VIOLATION_TYPES = (
    "arbitrary detention",
    "enforced disappearance",
    "kidnapping",
    "killing",
    "torture",
    "other",
    "unknown",
)
_NONE_STRINGS = {"", "none", "unknown", "nan", "n/a"}


class _ParagraphParser(HTMLParser):
    """Collect the text of each block: a <p> (or <br>) closes the running paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._buf: list[str] = []

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        if text:
            self.paragraphs.append(text)
        self._buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br", "div", "li"):
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "div", "li"):
            self._flush()

    def handle_data(self, data: str) -> None:
        self._buf.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def article_paragraphs(html_text: str) -> list[str]:
    """Non-empty paragraphs of an article's HTML: tags stripped, entities unescaped, spaces normalised."""
    parser = _ParagraphParser()
    parser.feed(html_text)
    parser.close()
    return parser.paragraphs


def load_records(path: Path) -> list[dict[str, Any]]:
    """Read one HRDsAttack JSON file (a list of records); errors name the file and line."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except UnicodeDecodeError as e:
        raise DataError(f"undecodable bytes at offset {e.start} (not UTF-8)", file=path) from None
    except json.JSONDecodeError as e:
        raise DataError(f"invalid JSON: {e.msg} at column {e.colno}", file=path, line=e.lineno) from None
    if not isinstance(data, list):
        raise DataError(f"expected a JSON list of records, got {type(data).__name__}", file=path, line=1)
    return data


def violation_types(record: dict[str, Any]) -> list[str]:
    """``merged_sample.violation_types`` or, without it, the strict-majority vote of the annotators."""
    merged = record.get("merged_sample")
    if isinstance(merged, dict) and "violation_types" in merged:
        types = merged["violation_types"]
        if not isinstance(types, list):
            raise ValueError("merged_sample.violation_types must be a list")
        return sorted(set(types))
    anns = [a.get("annotation", {}).get("violation_types") for a in record.get("annotations") or []]
    anns = [a for a in anns if isinstance(a, list)]
    if not anns:
        raise ValueError("no merged_sample and no annotation with violation_types")
    votes = Counter(t for a in anns for t in set(a))
    return sorted(t for t, n in votes.items() if 2 * n > len(anns))


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in _NONE_STRINGS else text


def _number(value: Any) -> int | None:
    text = _clean(value)
    try:
        return int(float(text)) if text is not None else None
    except ValueError:
        return None


def _month(value: Any) -> int | None:
    text = _clean(value)
    if text is None:
        return None
    if text.replace(".", "").isdigit():
        n = int(float(text))
        return n if 1 <= n <= 12 else None
    match = difflib.get_close_matches(text.lower(), MONTH_NAMES, n=1, cutoff=0.75)  # "Ocober", "Januay"
    return MONTH_NAMES.index(match[0]) + 1 if match else None


def event_date(ann: dict[str, Any]) -> str | None:
    """ISO date at the precision annotated: ``2021-02-26``, ``2020-08`` or ``2019``; None if no year."""
    year, month, day = _number(ann.get("year")), _month(ann.get("month")), _number(ann.get("date"))
    if year is None or not 1900 <= year <= 2100:
        return None
    if month is None:
        return f"{year:04d}"
    if day is None or not 1 <= day <= 31:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def record_meta(record: dict[str, Any]) -> dict[str, Any]:
    """Perpetrator, victims, place and date of the (merged) annotation, plus article provenance."""
    sample = record.get("sample") or {}
    ann = record.get("merged_sample") or {}
    meta: dict[str, Any] = {
        "source": "hrdsattack",
        "hit_id": sample.get("HIT_id"),
        "gdelt_event_id": sample.get("Input.GLOBALEVENTID"),
        "title": _clean(sample.get("Input.title")),
        "publish_date": _clean(sample.get("Input.publish_date")),
    }
    for key in ("perpetrator_type", "city", "region", "country"):
        value = _clean(ann.get(key))
        if value is not None:
            meta[key] = value
    if isinstance(ann.get("perpetrator_mention"), bool):
        meta["perpetrator_mention"] = ann["perpetrator_mention"]
    when = event_date(ann)
    if when:
        meta["event_date"] = when
    victims = []
    for v in ann.get("victims") or []:
        if not isinstance(v, dict):
            continue
        victims.append(
            {
                k: v.get(k)
                for k in (
                    "victim_name",
                    "victim_type",
                    "victim_population_type",
                    "victim_sex_type",
                    "victim_age_group",
                )
                if v.get(k) is not None
            }
        )
    meta["victims"] = victims
    return {k: v for k, v in meta.items() if v is not None}


def record_to_example(record: Any, *, split: str, index: int, path: Path) -> Example:
    """One HRDsAttack record -> Example; DataError names the record index and field."""

    def fail(msg: str, fld: str) -> DataError:
        return DataError(f"record {index}: {msg}", file=path, field=fld)

    if not isinstance(record, dict) or not isinstance(record.get("sample"), dict):
        raise fail("expected an object with a 'sample' object", "sample")
    html_text = record["sample"].get("Input.article_interface")
    if not isinstance(html_text, str):
        raise fail("missing article HTML", "sample.Input.article_interface")
    text = "\n\n".join(article_paragraphs(html_text))
    if not text:
        raise fail("article has no text", "sample.Input.article_interface")
    try:
        labels = violation_types(record)
    except ValueError as e:
        raise fail(str(e), "merged_sample.violation_types") from None
    unknown = [t for t in labels if t not in VIOLATION_TYPES]
    if unknown:
        raise fail(
            f"unknown violation type(s) {unknown}; known: {', '.join(VIOLATION_TYPES)}",
            "merged_sample.violation_types",
        )
    key = record["sample"].get("HIT_id") or f"{index}"
    return Example(id=f"hrdsattack-{split}-{key}", text=text, labels={HEAD: labels}, meta=record_meta(record))


@register(
    "hrdsattack",
    folder="hrdsattack",
    heads=(HEAD,),
    description="HRDsAttack news articles on attacks against human-rights defenders -> "
    "'violation_type' (multi-label: arbitrary detention, enforced disappearance, "
    "kidnapping, killing, torture, "
    "other, unknown) from merged_sample (one annotator per article in the release); text = "
    "article paragraphs; meta: perpetrator type, victims, city/region/country, event date.",
)
def convert_hrdsattack(folder: Path, *, skip_bad: bool) -> Conversion:
    """Convert data/train.json and data/dev.json."""
    rejects: list[DataError] = []
    splits: dict[str, list[Example]] = {}
    for split in SPLITS:
        path = folder / "data" / f"{split}.json"
        out: list[Example] = []
        for i, record in enumerate(load_records(path)):
            try:
                out.append(record_to_example(record, split=split, index=i, path=path))
            except DataError as err:
                if not skip_bad:
                    raise
                rejects.append(err)
        splits[split] = out
    counts = {
        s: dict(sorted(Counter(t for e in exs for t in e.labels[HEAD]).items())) for s, exs in splits.items()
    }
    train_texts = {e.text for e in splits["train"]}
    overlap = sum(1 for e in splits["dev"] if e.text in train_texts)  # reported, not altered
    log.info("hrdsattack: %s examples, %d rejected", {s: len(v) for s, v in splits.items()}, len(rejects))
    return Conversion(
        splits=splits,
        rejects=rejects,
        meta={
            "label_counts": counts,
            "aggregation": "merged_sample (else strict majority)",
            "dev_texts_also_in_train": overlap,
            "rejected": len(rejects),
        },
    )
