"""An out-of-taxonomy DEV set: news-like texts around conflict that report no ACLED event, labelled ``none``.

The event heads must answer ``none`` for what ACLED does not code (politics, courts, commissions, economy,
organised-crime reporting); this set measures the share they do. It is dev-only (one split, ``dev``) and is
built from texts no default training source uses:

- ``ipe_sents``: IndiaPoliceEvents ``dev.tsv`` sentences with no police action (training takes its negatives
  from ``train.tsv``); dev sentences whose text also occurs in ``train.tsv`` are dropped.
- ``bbc_politics``: BBC politics articles (label 1) from ``train.tsv`` and ``dev.tsv`` (training takes only
  label-0 articles as negatives): title + first 3 sentences.
- ``bbc_other``: BBC non-politics articles from ``dev.tsv`` only; an article whose text or lead is also a
  label-0 ``train.tsv`` article (a training negative) is dropped, for both BBC sources.
- ``insightcrime``: InSight Crime articles (``train.tsv`` + ``dev.tsv``; no default config trains on them) whose
  topics are drug trafficking, corruption, justice/security policy, environmental crime or smuggling and not
  homicide/violence or extortion/kidnapping: title + first 3 sentences.

Every candidate must pass :func:`is_out_of_taxonomy`: no cue of an ACLED event family (protest, riot, mob,
killing, clash, abduction, sexual violence, arrest, property destruction, any weapon), no violence word
(attack, stabbing, fire, dead, injured, curfew, ...) and no sub-type from the news rules
(:func:`classify_news`). Per source at most :data:`CAPS` texts, chosen by a seeded hash. Both event heads get
``["none"]``. Sources, filters and counts: docs/ootax_dev.md.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from training.data.canonical import DataError, Example
from training.data.registry import Conversion, register
from training.data.sources.news_cues import classify_news, cues
from training.data.sources.news_dev import CEHA_NEGATIVE_BLOCKERS
from training.data.sources.tsv_labels import SPECS, TsvSpec, normalised, read_tsv

log = logging.getLogger(__name__)

SELECTION_SEED = 17
NONE = "none"
MIN_WORDS = 8
LEAD_SENTENCES = 3
MAX_WORDS = 120
CAPS = {"ipe_sents": 300, "bbc_politics": 200, "bbc_other": 100, "insightcrime": 200}
INSIGHTCRIME_TOPICS = {
    "drug_trafficking",
    "corruption",
    "justice_security_policy",
    "environmental_crime",
    "human_arms_trafficking_smuggling",
}
INSIGHTCRIME_EVENT_TOPICS = {"homicide_violence", "extortion_fraud_kidnapping"}
# the words that keep a CEHA row out of news_dev's negatives, and torture
EVENT_CUES = {*CEHA_NEGATIVE_BLOCKERS, "torture"}
VIOLENCE_WORDS = re.compile(
    r"\b(attack\w*|stab\w*|violen\w+|fir(?:e|ed|ing)|shot|shoot\w*|gun\w*|dead|died|death|injur\w*|wound\w*"
    r"|burn\w*|torch\w*|loot\w*|curfew|massacre\w*|bomb\w*|blast\w*|explo\w+|assault\w*|kidnap\w*|rape\w*"
    r"|target\w*|hostage\w*|militant\w*|insurgen\w*|rebel\w*|troops?|army|coup|strike\w*|demonstrat\w+"
    r"|agitat\w+|bandh|lynch\w*|murder\w*)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

Rejects = list[DataError] | None


def is_out_of_taxonomy(text: str) -> bool:
    """True when nothing in ``text`` suggests an ACLED event: no event cue, no violence word, no news rule."""
    return not (cues(text) & EVENT_CUES) and not VIOLENCE_WORDS.search(text) and classify_news(text) is None


def lead_words(text: str) -> str:
    """First sentences (lower-cased sources split on . ! ?), at most :data:`MAX_WORDS` words."""
    sentences = _SENTENCE.split(" ".join(text.split()))
    words = " ".join(sentences[:LEAD_SENTENCES]).split()
    return " ".join(words[:MAX_WORDS])


def _rank(key: str) -> str:
    return hashlib.sha256(f"{SELECTION_SEED}:{key}".encode()).hexdigest()


def _spec(name: str) -> TsvSpec:
    return next(s for s in SPECS if s.name == name)


def _read(root: Path, spec: TsvSpec, split: str, rejects: Rejects) -> list[Example]:
    path = root / spec.folder / f"{split}.tsv"
    if not path.is_file():
        raise FileNotFoundError(f"ootax_dev: {path} not found")
    return read_tsv(path, spec, split, rejects)[0]


def _candidates(root: Path, rejects: Rejects, stats: Counter) -> Iterator[tuple[str, Example, str]]:
    """(source, raw example, text) for every row a source offers, before the filters."""
    ipe = _spec("ipe_sents")
    ipe_train = {normalised(e.text) for e in _read(root, ipe, "train", rejects)}
    for ex in _read(root, ipe, "dev", rejects):
        if ex.labels[ipe.head]:
            continue
        if normalised(ex.text) in ipe_train:
            stats["ipe_sents:dev_text_also_in_train_skipped"] += 1
            continue
        yield "ipe_sents", ex, " ".join(ex.text.split())
    bbc = _spec("bbc")
    bbc_train = _read(root, bbc, "train", rejects)
    # the training negatives (label-0 train articles), whole and as leads: some dev articles repeat a lead
    bbc_negatives = {
        normalised(t) for e in bbc_train if not e.labels[bbc.head] for t in (e.text, lead_words(e.text))
    }
    for ex in [*bbc_train, *_read(root, bbc, "dev", rejects)]:
        source = "bbc_politics" if ex.labels[bbc.head] else "bbc_other"
        if source == "bbc_other" and ex.meta["file"] != "dev.tsv":
            continue  # a training negative
        text = lead_words(ex.text)
        if {normalised(ex.text), normalised(text)} & bbc_negatives:
            stats[f"{source}:text_also_a_training_negative_skipped"] += 1
            continue
        yield source, ex, text
    crime = _spec("insightcrime")
    for split in ("train", "dev"):
        for ex in _read(root, crime, split, rejects):
            topics = set(ex.labels[crime.head])
            if topics & INSIGHTCRIME_TOPICS and not topics & INSIGHTCRIME_EVENT_TOPICS:
                yield "insightcrime", ex, lead_words(ex.text)


def ootax_examples(root: Path, rejects: Rejects, stats: Counter) -> list[Example]:
    """Filtered, capped, de-duplicated examples, in source order then hash order."""
    per_source: dict[str, list[Example]] = {s: [] for s in CAPS}
    seen: set[str] = set()
    for source, raw, text in _candidates(root, rejects, stats):
        stats[f"{source}:candidates"] += 1
        if len(text.split()) < MIN_WORDS:
            stats[f"{source}:too_short"] += 1
            continue
        if not is_out_of_taxonomy(text):
            stats[f"{source}:event_or_violence_cue"] += 1
            continue
        key = normalised(text)
        if key in seen:
            stats[f"{source}:duplicate_text"] += 1
            continue
        seen.add(key)
        per_source[source].append(
            Example(
                id=f"ootax_dev-{source}-{raw.meta['file'].removesuffix('.tsv')}-{raw.meta['line']}",
                text=text,
                labels={"event_type": [NONE], "sub_event_type": [NONE]},
                meta={"source": source, "file": raw.meta["file"], "line": raw.meta["line"]},
            )
        )
    out: list[Example] = []
    for source, found in per_source.items():
        stats[f"{source}:passed_filters"] = len(found)
        out.extend(sorted(found, key=lambda e: _rank(e.id))[: CAPS[source]])
    return out


@register(
    "ootax_dev",
    folder=".",
    heads=("event_type", "sub_event_type"),
    description="Out-of-taxonomy DEV set only (single split 'dev'): news-like texts around conflict "
    "that report no ACLED event (IndiaPoliceEvents dev sentences without police action, BBC "
    "politics + BBC dev non-politics leads, InSight Crime trafficking/corruption/policy leads), "
    "filtered for event cues and violence words; event_type and sub_event_type 'none'. See "
    "docs/ootax_dev.md.",
)
def convert_ootax_dev(root: Path, *, skip_bad: bool) -> Conversion:
    """Build the out-of-taxonomy dev set from the shared data root."""
    rejects: list[DataError] = []
    stats: Counter = Counter()
    examples = ootax_examples(root, rejects if skip_bad else None, stats)
    meta = {
        "read": dict(sorted(stats.items())),
        "composition": dict(Counter(e.meta["source"] for e in examples)),
        "caps": CAPS,
        "rejected": len(rejects),
    }
    log.info("ootax_dev: %d examples %s", len(examples), meta["composition"])
    return Conversion(splits={"dev": examples}, rejects=rejects, meta=meta)
