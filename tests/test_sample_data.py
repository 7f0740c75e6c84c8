"""The project's own sample data, label schema and demo articles are well-formed and consistent."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from training.data.canonical import Example, load_examples

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "sample"
ARTICLES = REPO / "examples" / "articles"
SCHEMA = REPO / "configs" / "schemas" / "acled.yaml"

ACLED_EVENT_TYPES = {
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Protests",
    "Riots",
    "Strategic developments",
}
ENTITY_TYPES = {
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
}
ROLE_TYPES = {"S", "T", "R"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def splits() -> dict[str, list[Example]]:
    return {name: load_examples(SAMPLE / f"{name}.jsonl") for name in ("train", "dev")}


def _all(splits: dict[str, list[Example]]) -> list[Example]:
    return [ex for exs in splits.values() for ex in exs]


def whole_word_problem(text: str, start: int, end: int) -> str | None:
    """Why the span is not a clean whole-word mention, or None when it is."""
    mention = text[start:end]
    if mention != mention.strip():
        return "leading/trailing whitespace"
    if start > 0 and text[start - 1].isalnum() and mention[0].isalnum():
        return "starts inside a word"
    if end < len(text) and text[end].isalnum() and mention[-1].isalnum():
        return "ends inside a word"
    return None


def test_whole_word_check_catches_partial_words():
    text = "Gunmen attacked Kidal on Monday."
    assert whole_word_problem(text, 16, 21) is None  # "Kidal"
    assert whole_word_problem(text, 17, 21) == "starts inside a word"
    assert whole_word_problem(text, 16, 20) == "ends inside a word"
    assert whole_word_problem(text, 15, 21) == "leading/trailing whitespace"


def test_sizes_and_ids_unique_across_files(splits):
    assert 35 <= len(splits["train"]) <= 50 and 8 <= len(splits["dev"]) <= 16
    ids = [ex.id for ex in _all(splits)]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


def test_spans_are_whole_words_of_known_types(splits):
    problems = []
    for ex in _all(splits):
        assert set(ex.spans) == {"entities", "roles"}, ex.id
        for head, allowed in (("entities", ENTITY_TYPES), ("roles", ROLE_TYPES)):
            for s, e, label in ex.spans[head]:
                if label not in allowed:
                    problems.append(f"{ex.id} {head} unknown label {label!r}")
                why = whole_word_problem(ex.text, s, e)
                if why:
                    problems.append(f"{ex.id} {head} {ex.text[s:e]!r}: {why}")
    assert not problems, "\n".join(problems)


def test_spans_of_one_head_do_not_overlap(splits):
    for ex in _all(splits):
        for head, spans in ex.spans.items():
            ordered = sorted(spans)
            for (s1, e1, _), (s2, e2, _) in pairwise(ordered):
                assert s2 >= e1, f"{ex.id} {head}: {ex.text[s1:e1]!r} overlaps {ex.text[s2:e2]!r}"


def test_texts_are_short_reports(splits):
    for ex in _all(splits):
        assert 20 <= len(ex.text.split()) <= 70, ex.id
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", ex.meta.get("date", "")), ex.id
        assert ex.meta.get("source") == "sample", ex.id


def test_labels_are_in_schema_and_consistent(splits, schema):
    for ex in _all(splits):
        (event_type,) = ex.labels["event_type"]
        (sub_type,) = ex.labels["sub_event_type"]
        assert event_type in schema["event_type"], f"{ex.id}: {event_type!r}"
        assert sub_type in schema["sub_event_type"], f"{ex.id}: {sub_type!r}"
        assert schema["sub_event_type"][sub_type]["parent"] == event_type, ex.id


def test_coverage_of_types(splits):
    train_types = Counter(ex.labels["event_type"][0] for ex in splits["train"])
    assert set(train_types) == ACLED_EVENT_TYPES | {"none"}
    dev_types = {ex.labels["event_type"][0] for ex in splits["dev"]}
    assert len(dev_types) >= 5 and "none" in dev_types
    sub_types = {ex.labels["sub_event_type"][0] for ex in _all(splits)} - {"none"}
    assert len(sub_types) >= 15
    negatives = sum(ex.labels["event_type"] == ["none"] for ex in _all(splits))
    assert 5 <= negatives <= 12


def test_schema_shape_and_descriptions(schema):
    events = schema["event_type"]
    subs = schema["sub_event_type"]
    assert set(events) == ACLED_EVENT_TYPES | {"none"}
    assert len(subs) == 26 and "none" in subs
    assert {s["parent"] for s in subs.values()} == set(events)
    descriptions = list(events.values()) + [s["description"] for s in subs.values()]
    assert all(isinstance(d, str) and d.strip() for d in descriptions)
    assert len(set(descriptions)) == len(descriptions), "descriptions must be distinct"
    assert all(10 <= len(d.split()) <= 45 for d in descriptions)


def test_schema_spells_acled_sub_event_types(schema):
    expected = {
        "Battles": {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"},
        "Explosions/Remote violence": {
            "Chemical weapon",
            "Air/drone strike",
            "Suicide bomb",
            "Shelling/artillery/missile attack",
            "Remote explosive/landmine/IED",
            "Grenade",
        },
        "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
        "Protests": {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"},
        "Riots": {"Violent demonstration", "Mob violence"},
        "Strategic developments": {
            "Agreement",
            "Arrests",
            "Change to group/activity",
            "Disrupted weapons use",
            "Headquarters or base established",
            "Looting/property destruction",
            "Non-violent transfer of territory",
            "Other",
        },
    }
    got: dict[str, set[str]] = {}
    for name, spec in schema["sub_event_type"].items():
        if name != "none":
            got.setdefault(spec["parent"], set()).add(name)
    assert got == expected


def test_articles_start_with_a_date_line():
    files = sorted(ARTICLES.glob("*.txt"))
    assert 4 <= len(files) <= 6
    for path in files:
        text = path.read_text(encoding="utf-8")
        first, _, body = text.partition("\n")
        assert re.fullmatch(r"date \d{4}-\d{2}-\d{2}", first), path.name
        assert 150 <= len(body.split()) <= 460, path.name
