"""Weakly labelled news for training: the train side of news_dev's SATP and HRDsAttack, typed by its rules.

ACLED coder notes have a house style; news does not. SATP summaries (``conflibert_satp_relevant/train.tsv``)
and HRDsAttack articles (``hrdsattack/data/train.json``, title + first 3 sentences) are news, and
``news_dev``'s rules (``map_satp``, ``map_hrds``: a source label confirmed by a textual cue, anything ambiguous
left out) type ~660 of them with ACLED sub-event types. Only positives: a row the rules leave out is an event
they could not settle, not a non-event. news_dev reads only the dev side of both sources and drops its rows
whose text is also here, so no dev text is trained on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from training.data.canonical import DataError, Example
from training.data.registry import Conversion, register
from training.data.sources.hrdsattack import article_paragraphs, load_records, violation_types
from training.data.sources.news_cues import lead
from training.data.sources.news_dev import (
    HRDS_DEV,
    SATP_DEV,
    SATP_SPEC,
    Rejects,
    _collect,
    _example,
    composition,
    map_hrds,
    map_satp,
)
from training.data.sources.tsv_labels import read_tsv

log = logging.getLogger(__name__)

SATP_TRAIN = SATP_DEV.with_name("train.tsv")
HRDS_TRAIN = HRDS_DEV.with_name("train.json")


def satp_train(root: Path, rejects: Rejects, stats: Counter) -> Iterator[Example]:
    rows, _ = read_tsv(root / SATP_TRAIN, SATP_SPEC, "train", rejects)
    for row in rows:
        stats["satp:rows_read"] += 1
        mapping = map_satp(row.text, row.labels[SATP_SPEC.head])
        if mapping is not None:
            yield _example("satp", f"train-{row.meta['line']}", row.text, mapping, line=row.meta["line"])


def hrds_train(root: Path, rejects: Rejects, stats: Counter) -> Iterator[Example]:
    path = root / HRDS_TRAIN
    for i, record in enumerate(load_records(path)):
        stats["hrdsattack:articles_read"] += 1
        try:
            sample = record["sample"]
            types = violation_types(record)
            paragraphs = [
                p
                for p in article_paragraphs(sample["Input.article_interface"])
                if not p.startswith("Click to expand")
            ]
        except (KeyError, TypeError, ValueError) as e:
            _collect(DataError(f"record {i}: unreadable ({e})", file=path, field="sample"), rejects)
            continue
        title = " ".join(str(sample.get("Input.title") or "").split())
        body = lead(" ".join(paragraphs))
        mapping = map_hrds(title, body, types, (record.get("merged_sample") or {}).get("perpetrator_type"))
        if mapping is not None:
            snippet = f"{title}\n\n{body}" if title else body
            yield _example("hrdsattack", f"train-{sample.get('HIT_id') or i}", snippet, mapping)


@register(
    "news_train",
    folder=".",
    heads=("event_type", "sub_event_type"),
    description="News typed with ACLED event_type/sub_event_type by news_dev's rules, TRAIN side only "
    "(single split 'train'): SATP train.tsv, HRDsAttack train.json; positives only; meta.mapping_rule names "
    "the rule.",
)
def convert_news_train(root: Path, *, skip_bad: bool) -> Conversion:
    """Build the weakly labelled news training set from the shared data root (duplicate texts kept once)."""
    rejects: list[DataError] = []
    stats: Counter = Counter()
    examples: list[Example] = []
    seen: set[str] = set()
    for source in (satp_train, hrds_train):
        for ex in source(root, rejects if skip_bad else None, stats):
            key = " ".join(ex.text.split()).casefold()
            if key in seen:
                stats["duplicate_text_dropped"] += 1
                continue
            seen.add(key)
            examples.append(replace(ex, id=ex.id.replace("news_dev-", "news_train-", 1)))
    meta = {
        "read": dict(sorted(stats.items())),
        "rejected": len(rejects),
        "composition": composition(examples),
    }
    log.info(
        "news_train: %d examples %s",
        len(examples),
        {s: sum(c.values()) for s, c in meta["composition"].items()},
    )
    return Conversion(splits={"train": examples}, rejects=rejects, meta=meta)
