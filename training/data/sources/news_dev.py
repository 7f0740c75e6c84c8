"""A news-domain dev set typed with ACLED ``event_type`` / ``sub_event_type``, for model selection.

The default model learns from ACLED coder notes but is used on news; this set measures it on real news
snippets. It reads only the dev side of sources we also train on (SATP dev.tsv, HRDsAttack dev.json),
CEHA's GDELT news rows (its train and dev split; CEHA's test rows are left alone) and the GLOCON gold
sample. A snippet is labelled only when a rule says so unambiguously; what the rules cannot settle is left
out, never guessed. Negatives get ``[]`` on both heads. ``meta.mapping_rule`` names the rule that decided.
Cue families and the general resolution ``classify_news`` live in :mod:`training.data.sources.news_cues`.

==============  ====================================================  ====================================
source          rule (``mapping_rule`` suffix)                        ACLED sub_event_type
==============  ====================================================  ====================================
SATP dev        Only rows with exactly one attack column set; rows    (others left out)
(whole          reporting a confession/conviction or violence during
summary)        a strike/protest/riot, and the 5 dev rows whose text
                also occurs in train.tsv, are left out.
                any column + "militants ... took control of           Non-state actor overtakes territory
                <villages/district>", nobody killed
                (militants_took_control_cue)
                armed_assault (first sentence decides; no explosive   Armed clash
                or shelling cue anywhere) + clash cue: encounter,
                exchange of fire, gunfight (armed_assault+clash_cue)
                armed_assault + security forces named as the target   Armed clash (ACLED codes attacks on
                (attacked/killed ... policemen, soldiers, check       armed state forces as battles)
                post), no civilian victim
                (armed_assault+security_forces_targeted)
                armed_assault + killing/firing cue + civilian         Attack
                victim, no security forces
                (armed_assault+civilian_victim)
                bombing (no clash, petrol/crude bomb cue): IED        Disrupted weapons use
                recovered or defused, no blast or casualty
                bombing + suicide cue                                 Suicide bomb
                bombing + exactly one of grenade / IED-landmine /     Grenade / Remote explosive/landmine/
                shelling-mortar-rocket / air strike cue               IED / Shelling/artillery/missile
                                                                      attack / Air/drone strike
                bombing + only a generic blast/explosion cue          Remote explosive/landmine/IED
                kidnapping + abduction cue                            Abduction/forced disappearance
                other + arson/property cue, no killing or weapon      Looting/property destruction
HRDsAttack dev  Violation types other than other/unknown must map     (others left out)
(title + first  to one sub-type, with the cue in the title or first
3 sentences)    sentence; titles about trials, courts, charges,
                jail, appeals, policy or commentary, and the dev
                article also in train.json, are left out.
                killing / torture + killing or assault cue            Attack
                kidnapping / enforced disappearance + abduction cue   Abduction/forced disappearance
                arbitrary detention by a state actor + arrest cue,    Arrests
                no protest cue (detention_by_state+arrest_cue)
                arbitrary detention + protest cue + police arrested   Protest with intervention
                or dispersed protesters
                (detention+protesters_arrested)
CEHA GDELT      relevant = Yes + general resolution                   as resolved
news (first 3   (relevant+<rule>)
sentences)      relevant = No for reason "2. Not violence / conflict  negative ([])
                related", >= 25 words, no protest/violence cue
                (not_conflict_related)
                relevant = No for other reasons (outside the Horn     (left out: not non-events)
                of Africa; a summary of several situations)
GLOCON gold,    label 1 (a contentious event) + a time or count       as resolved
sentences       anchoring it to an incident + general resolution
                (event_label+<rule>)
                label 0, >= 6 words, no cue of any family and no      negative (at most 120, hash-chosen)
                conflict word (no_event_label+no_cue)
GLOCON gold,    label 1 + general resolution of headline + first      as resolved
documents       sentence, and the whole lead resolves the same way
(first 3        (event_label+<rule>)
sentences)      label 0, document not in the sentence sample, no cue  negative (at most 60, hash-chosen)
                in its lead (no_event_label+no_cue)
==============  ====================================================  ====================================

General resolution (``classify_news``), in order: (1) leave out reports of proceedings or commentary
(court, trial, probe, investigation, "called for", interview), history ("in 2003", "years ago",
anniversaries) and non-demonstrations (diplomatic protests, campaign/election rallies); (2) a protest cue
(protest, demonstration, strike, picket, march, a rally against something): with weapon/abduction/sexual
cues -> left out; with riot or damage cues -> Violent demonstration; protesters shot/killed by police ->
Excessive force against protesters; tear gas, rubber bullets, dispersal, arrests -> Protest with
intervention; with killing/clash/mob cues -> left out; else Peaceful protest; (3) mob/lynching -> Mob
violence; (4) "riot" without protest cues -> left out; (5) exactly one specific family (chemical weapon,
suicide bombing, grenade, IED/landmine, shelling, air/drone strike, sexual violence, abduction (not with
killing), militants took control, troops retook, clash between armed/communal groups) -> its sub-type, two
or more -> left out; (6) killing/assault -> Attack (left out for accidents, or where security forces are
named without civilian victims or together with armed groups); (7) arson/looting with no casualties, crowd
or arrest -> Looting/property destruction; (8) an arrest outside a crime story -> Arrests.

Counts per source and label: docs/news_dev.md.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from training.data.acled_taxonomy import parent_of
from training.data.canonical import DataError, Example
from training.data.registry import Conversion, register
from training.data.sources.hrdsattack import article_paragraphs, load_records, violation_types
from training.data.sources.news_cues import (
    EVENT_ANCHOR,
    SPECIFIC,
    Mapping,
    classify_news,
    cues,
    is_safe_negative,
    lead,
    split_sentences,
)
from training.data.sources.tsv_labels import SPECS, read_tsv

log = logging.getLogger(__name__)

SATP_DEV = Path("conflibert_satp_relevant") / "dev.tsv"
HRDS_DEV = Path("hrdsattack") / "data" / "dev.json"
CEHA_CSV = Path("ceha") / "data" / "CEHA_dataset.csv"
GLOCON_SENTENCES = Path("glocongold_sample") / "sample" / "sentence" / "Sabinet.json"
GLOCON_DOCUMENTS = Path("glocongold_sample") / "sample" / "document" / "Sabinet_R.json"

MAX_GLOCON_SENTENCE_NEGATIVES = 120
MAX_GLOCON_DOCUMENT_NEGATIVES = 60
MIN_NEGATIVE_WORDS = 6
MIN_CEHA_NEGATIVE_WORDS = 25  # shorter "articles" are scraping debris ("Something went wrong...")
SELECTION_SEED = 7

Rejects = list[DataError] | None


def _rank(key: str) -> str:
    return hashlib.sha256(f"{SELECTION_SEED}:{key}".encode()).hexdigest()


def _example(
    source: str, key: str, text: str, mapping: Mapping, rule_prefix: str = "", **meta: Any
) -> Example:
    sub = mapping.sub_event_type
    labels = {"event_type": [parent_of(sub)] if sub else [], "sub_event_type": [sub] if sub else []}
    return Example(
        id=f"news_dev-{source}-{key}",
        text=text,
        labels=labels,
        meta={"source": source, "mapping_rule": f"{source}:{rule_prefix}{mapping.rule}", **meta},
    )


def _collect(err: DataError, rejects: Rejects) -> None:
    if rejects is None:
        raise err
    rejects.append(err)


# --- SATP -------------------------------------------------------------------------------------------------

SATP_SPEC = next(s for s in SPECS if s.name == "satp")
WEAPON_FAMILIES = {"suicide", "grenade", "explosive", "shelling", "air"}


def map_satp(text: str, columns: list[str]) -> Mapping | None:
    """SATP attack-type columns + cues -> ACLED sub-type; None unless the rules agree on one."""
    found = cues(text)
    if "ns_overtake" in found and not found & {"kill", "clash"}:
        return Mapping("Non-state actor overtakes territory", "militants_took_control_cue")
    if len(columns) != 1 or found & {"not_an_event", "protest", "riot"}:
        return None
    col = columns[0]
    if col == "armed_assault":
        # The first sentence states the main incident; later ones often recount others.
        first = cues(split_sentences(text)[0])
        if found & WEAPON_FAMILIES:
            return None
        if "clash" in first:
            return Mapping("Armed clash", "armed_assault+clash_cue")
        if "sf_target" in first and "civilian" not in first:
            return Mapping("Armed clash", "armed_assault+security_forces_targeted")
        if "kill" in first and "civilian" in first and not first & {"sf_target", "security_forces"}:
            return Mapping("Attack", "armed_assault+civilian_victim")
        return None
    if col == "bombing":
        if found & {"clash", "petrol_bomb"}:
            return None
        if "defused" in found and not found & {"casualty", "bomb_generic"}:
            return Mapping("Disrupted weapons use", "bombing+recovered_or_defused_no_blast")
        if "suicide" in found:
            return Mapping("Suicide bomb", "bombing+suicide_cue")
        specific = found & (WEAPON_FAMILIES - {"suicide"})
        if len(specific) == 1:
            name = specific.pop()
            return Mapping(SPECIFIC[name], f"bombing+{name}_cue")
        if not specific and "bomb_generic" in found:
            return Mapping("Remote explosive/landmine/IED", "bombing+generic_bomb_cue")
        return None
    if col == "kidnapping":
        if "abduct" not in found:
            return None
        return Mapping("Abduction/forced disappearance", "kidnapping+abduction_cue")
    if col == "other" and "property" in found and "kill" not in found and not found & set(SPECIFIC):
        return Mapping("Looting/property destruction", "other+property_destruction_cue")
    return None


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def satp_examples(root: Path, rejects: Rejects, stats: Counter, split: str = "dev") -> Iterator[Example]:
    """SATP rows of ``split`` typed by ``map_satp``; dev rows whose text is also a train row are left out."""
    rows, _ = read_tsv(root / SATP_DEV.with_name(f"{split}.tsv"), SATP_SPEC, split, rejects)
    train = set()
    train_path = root / SATP_DEV.with_name("train.tsv")
    if split == "dev" and train_path.is_file():
        train = {_normalised(e.text) for e in read_tsv(train_path, SATP_SPEC, "train", [])[0]}
    for row in rows:
        stats["satp:rows_read"] += 1
        if _normalised(row.text) in train:
            stats["satp:dev_rows_also_in_train_skipped"] += 1
            continue
        columns = row.labels[SATP_SPEC.head]
        mapping = map_satp(row.text, columns)
        if mapping is not None:
            yield _example(
                "satp",
                f"{split}-{row.meta['line']}",
                row.text,
                mapping,
                satp_columns=columns,
                line=row.meta["line"],
            )


# --- HRDsAttack -------------------------------------------------------------------------------------------

HRDS_TYPE_TO_ACLED = {
    "killing": "Attack",
    "torture": "Attack",
    "kidnapping": "Abduction/forced disappearance",
    "enforced disappearance": "Abduction/forced disappearance",
    "arbitrary detention": "Arrests",
}
HRDS_CUE_FOR = {
    "Attack": ("kill", "torture"),
    "Abduction/forced disappearance": ("abduct",),
    "Arrests": ("arrest",),
}
STATE_PERPETRATORS = {"state actor", "other state actors"}
# Titles about proceedings, policy or commentary: the article reports no new incident.
NOT_AN_EVENT_TITLE = re.compile(
    r"\b(trial|court|guilty|convicted|sentenced|sentence|jails?|jailed|verdict|ruling|charges?|prosecut\w+"
    r"|lawsuit|appeal|hearing|indict\w*|ban|proposal|factbox|opinion|timeline|anniversary|campaign|calls? for"
    r"|demands?|urges?|spike|threatens?|pressure|report|case)\b",
    re.IGNORECASE,
)


def map_hrds(title: str, body: str, types: list[str], perpetrator: str | None) -> Mapping | None:
    """HRDsAttack violation types (+ perpetrator) confirmed by a cue in the title or first sentence."""
    mapped = {HRDS_TYPE_TO_ACLED[t] for t in types if t in HRDS_TYPE_TO_ACLED}
    if len(mapped) != 1 or NOT_AN_EVENT_TITLE.search(title):
        return None
    sub = mapped.pop()
    found = cues(" ".join([title, *split_sentences(body)[:1]]))
    if not any(c in found for c in HRDS_CUE_FOR[sub]):
        return None
    if sub == "Arrests":
        if found & {"protest", "march", "rally"}:
            if "intervention" in found:
                return Mapping("Protest with intervention", "detention+protesters_arrested")
            return None
        if perpetrator not in STATE_PERPETRATORS:
            return None
        return Mapping("Arrests", "detention_by_state+arrest_cue")
    rule = "killing_or_torture+cue" if sub == "Attack" else "kidnapping_or_disappearance+abduction_cue"
    return Mapping(sub, rule)


def _article_text(record: Any) -> str:
    try:
        return _normalised(" ".join(article_paragraphs(record["sample"]["Input.article_interface"])))
    except (KeyError, TypeError):
        return ""


def hrds_examples(root: Path, rejects: Rejects, stats: Counter, split: str = "dev") -> Iterator[Example]:
    """HRDsAttack articles of ``split`` typed by ``map_hrds``; dev articles also in train are left out."""
    path = root / HRDS_DEV.with_name(f"{split}.json")
    train_path = path.with_name("train.json")
    train = set()
    if split == "dev" and train_path.is_file():
        train = {_article_text(r) for r in load_records(train_path)}
    for i, record in enumerate(load_records(path)):
        stats["hrdsattack:articles_read"] += 1
        try:
            sample = record["sample"]
            types = violation_types(record)
            paragraphs = [
                p
                for p in article_paragraphs(sample["Input.article_interface"])
                if not p.startswith("Click to expand")
            ]  # image-caption boilerplate
        except (KeyError, TypeError, ValueError) as e:
            _collect(DataError(f"record {i}: unreadable ({e})", file=path, field="sample"), rejects)
            continue
        if _article_text(record) in train:
            stats["hrdsattack:dev_articles_also_in_train_skipped"] += 1
            continue
        title = " ".join(str(sample.get("Input.title") or "").split())
        body = lead(" ".join(paragraphs))
        perpetrator = (record.get("merged_sample") or {}).get("perpetrator_type")
        mapping = map_hrds(title, body, types, perpetrator)
        if mapping is not None:
            snippet = f"{title}\n\n{body}" if title else body
            yield _example(
                "hrdsattack",
                f"{'' if split == 'dev' else split + '-'}{sample.get('HIT_id') or i}",
                snippet,
                mapping,
                violation_types=types,
                perpetrator_type=perpetrator,
            )


# --- CEHA -------------------------------------------------------------------------------------------------

CEHA_TYPE_COLUMNS = (
    "tribal/communal/ethnic conflict",
    "religious conflict",
    "socio-political violence against women",
    "climate-related security risks",
    "Other",
)
CEHA_NOT_CONFLICT = "2. Not violence / conflict related"
CEHA_NEGATIVE_BLOCKERS = {
    "protest",
    "march",
    "rally",
    "riot",
    "mob",
    "kill",
    "clash",
    "abduct",
    "sexual",
    "arrest",
    "property",
    *SPECIFIC,
}
_VIOLENCE_WORDS = re.compile(r"\b(violen\w+|coup|attack\w*)\b", re.IGNORECASE)


def is_safe_ceha_negative(text: str) -> bool:
    """Experts said "not violence/conflict related"; still drop it if it names a protest or a violent act."""
    return (
        len(text.split()) >= MIN_CEHA_NEGATIVE_WORDS
        and not cues(text) & CEHA_NEGATIVE_BLOCKERS
        and not _VIOLENCE_WORDS.search(text)
    )


def ceha_examples(root: Path, rejects: Rejects, stats: Counter) -> Iterator[Example]:
    path = root / CEHA_CSV
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        reason_col = next((h for h in header if h.startswith("Why is the event NOT relevant")), None)
        needed = [
            "ACLED/GDELT",
            "Index",
            "Event Description",
            "Is the event relevant?",
            "train_dev_test_split",
        ]
        missing = [c for c in needed if c not in header]
        if reason_col is None:
            missing.append("Why is the event NOT relevant?")
        if missing:
            raise DataError(f"missing column(s) {missing}", file=path, line=1, field=missing[0])
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if (row["ACLED/GDELT"] or "").strip() != "GDELT":
                continue  # the other half are ACLED coder notes, not news
            split = (row["train_dev_test_split"] or "").strip()
            if split == "test":
                continue  # kept back: CEHA's own test split
            stats["ceha:news_rows_read"] += 1
            snippet = lead(row["Event Description"] or "")
            if not snippet:
                _collect(
                    DataError("empty event description", file=path, line=line, field="Event Description"),
                    rejects,
                )
                continue
            relevant = (row["Is the event relevant?"] or "").strip()
            if relevant == "Yes":
                mapping = classify_news(snippet)
                prefix = "relevant+"
            elif (
                relevant == "No"
                and (row[reason_col] or "").strip() == CEHA_NOT_CONFLICT
                and is_safe_ceha_negative(snippet)
            ):
                mapping, prefix = Mapping(None, "not_conflict_related"), ""
            else:
                continue
            if mapping is not None:
                types = [c for c in CEHA_TYPE_COLUMNS if (row.get(c) or "").strip()]
                yield _example(
                    "ceha",
                    (row["Index"] or str(line)).strip(),
                    snippet,
                    mapping,
                    prefix,
                    ceha_split=split,
                    ceha_types=types,
                    country=(row.get("Country") or "").strip(),
                    line=line,
                )


# --- GLOCON gold sample -----------------------------------------------------------------------------------


def _json_lines(path: Path, rejects: Rejects) -> Iterator[tuple[int, dict[str, Any], int]]:
    """(line, object, label) per JSON line; undecodable lines and bad labels are located DataErrors."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                _collect(DataError(f"invalid JSON line ({e})", file=path, line=lineno), rejects)
                continue
            label = obj.get("label") if isinstance(obj, dict) else None
            if label not in (0, 1, 2, "0", "1", "2"):
                _collect(
                    DataError(f"must be 0, 1 or 2, got {label!r}", file=path, line=lineno, field="label"),
                    rejects,
                )
                continue
            yield lineno, obj, int(label)


def _bounded(examples: list[Example], n: int) -> list[Example]:
    """At most ``n`` examples chosen by a seeded hash of their id, kept in input order."""
    keep = {e.id for e in sorted(examples, key=lambda e: _rank(e.id))[:n]}
    return [e for e in examples if e.id in keep]


def glocon_examples(root: Path, rejects: Rejects, stats: Counter) -> Iterator[Example]:
    sent_path, doc_path = root / GLOCON_SENTENCES, root / GLOCON_DOCUMENTS
    negatives: list[Example] = []
    sentence_urls: set[str] = set()
    for line, obj, label in _json_lines(sent_path, rejects):
        stats["glocon_sentence:sentences_read"] += 1
        sentence_urls.add(str(obj.get("url")))
        text = " ".join(str(obj.get("sentence") or "").split())
        key, meta = str(obj.get("id") or line), {"glocon_label": label, "url": obj.get("url")}
        if label == 1 and EVENT_ANCHOR.search(text):
            mapping = classify_news(text)
            if mapping is not None:
                yield _example("glocon_sentence", key, text, mapping, "event_label+", **meta)
        elif label == 0 and len(text.split()) >= MIN_NEGATIVE_WORDS and is_safe_negative(text):
            negatives.append(
                _example("glocon_sentence", key, text, Mapping(None, "no_event_label+no_cue"), **meta)
            )
    yield from _bounded(negatives, MAX_GLOCON_SENTENCE_NEGATIVES)

    negatives = []
    for line, obj, label in _json_lines(doc_path, rejects):
        stats["glocon_document:documents_read"] += 1
        snippet = lead(str(obj.get("text") or ""))
        key, meta = str(obj.get("id") or line), {"glocon_label": label, "url": obj.get("url")}
        if label == 1:
            # Headline + first sentence decide; the rest of the lead must not point elsewhere.
            mapping = classify_news(split_sentences(snippet)[0]) if snippet else None
            if mapping is not None and classify_news(snippet) == mapping:
                yield _example("glocon_document", key, snippet, mapping, "event_label+", **meta)
        elif (
            label == 0
            and str(obj.get("url")) not in sentence_urls
            and len(snippet.split()) >= MIN_NEGATIVE_WORDS
            and is_safe_negative(snippet)
        ):
            negatives.append(
                _example("glocon_document", key, snippet, Mapping(None, "no_event_label+no_cue"), **meta)
            )
    yield from _bounded(negatives, MAX_GLOCON_DOCUMENT_NEGATIVES)


SOURCES: tuple[Callable[[Path, Rejects, Counter], Iterator[Example]], ...] = (
    satp_examples,
    hrds_examples,
    ceha_examples,
    glocon_examples,
)


def composition(examples: list[Example]) -> dict[str, dict[str, int]]:
    """Counts per source and sub-event type ("(negative)" for empty labels)."""
    out: dict[str, Counter] = {}
    for e in examples:
        sub = e.labels["sub_event_type"][0] if e.labels["sub_event_type"] else "(negative)"
        out.setdefault(e.meta["source"], Counter())[sub] += 1
    return {src: dict(sorted(c.items())) for src, c in sorted(out.items())}


@register(
    "news_dev",
    folder=".",
    heads=("event_type", "sub_event_type"),
    description="News-domain DEV set only (single split 'dev') typed with ACLED event_type/"
    "sub_event_type by documented cue rules: SATP dev, HRDsAttack dev, CEHA GDELT news "
    "(train+dev rows), GLOCON gold sample; negatives have empty labels; meta.mapping_rule "
    "names the rule. See docs/news_dev.md.",
)
def convert_news_dev(root: Path, *, skip_bad: bool) -> Conversion:
    """Build the news dev set from the shared data root (duplicate texts across sources kept once)."""
    return collect("news_dev", "dev", SOURCES, root, skip_bad=skip_bad)


def collect(name: str, split: str, sources, root: Path, *, skip_bad: bool) -> Conversion:
    """The examples of ``sources`` (each ``fn(root, rejects, stats)``) as dataset ``name``'s one ``split``, a text
    that several sources hold kept once, with what was read and the composition in the meta."""
    rejects: list[DataError] = []
    stats: Counter = Counter()
    examples: list[Example] = []
    seen_text: set[str] = set()
    for source in sources:
        for ex in source(root, rejects if skip_bad else None, stats):
            key = " ".join(ex.text.split()).casefold()
            if key in seen_text:
                stats["duplicate_text_dropped"] += 1
                continue
            seen_text.add(key)
            examples.append(replace(ex, id=f"{name}-{ex.id.removeprefix('news_dev-')}"))
    meta = {
        "read": dict(sorted(stats.items())),
        "rejected": len(rejects),
        "composition": composition(examples),
    }
    log.info(
        "%s: %d examples %s",
        name,
        len(examples),
        {s: sum(c.values()) for s, c in meta["composition"].items()},
    )
    return Conversion(splits={split: examples}, rejects=rejects, meta=meta)
