"""Weakly labelled news for training: the train side of news_dev's SATP and HRDsAttack, typed by its rules.

ACLED coder notes have a house style; news does not. SATP summaries (``conflibert_satp_relevant/train.tsv``)
and HRDsAttack articles (``hrdsattack/data/train.json``, title + first 3 sentences) are news, and
``news_dev``'s rules (``map_satp``, ``map_hrds``: a source label confirmed by a textual cue, anything ambiguous
left out) type ~660 of them with ACLED sub-event types. Only positives: a row the rules leave out is an event
they could not settle, not a non-event. news_dev reads only the dev side of both sources and drops its rows
whose text is also here, so no dev text is trained on.
"""

from __future__ import annotations

import functools
from pathlib import Path

from training.data.registry import Conversion, register
from training.data.sources.news_dev import collect, hrds_examples, satp_examples


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
    sources = [functools.partial(fn, split="train") for fn in (satp_examples, hrds_examples)]
    return collect("news_train", "train", sources, root, skip_bad=skip_bad)
