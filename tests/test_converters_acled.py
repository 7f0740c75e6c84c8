"""ACLED converter and taxonomy: fixture exports imitating the three real schemas, then the real data."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

import pytest

from training.data.acled_taxonomy import (
    CASE2021_CODES,
    EVENT_TYPES,
    SUB_EVENT_TYPES,
    is_valid_pair,
    parent_of,
)
from training.data.canonical import DataError
from training.data.registry import get_converter
from training.data.sources.acled import EXPORTS, parse_event_date, strip_size_tags

FIXTURE = Path(__file__).parent / "data" / "raw" / "acled"


@pytest.fixture(scope="module")
def fixture_conversion():
    return get_converter("acled")(FIXTURE, skip_bad=True)


def _all(conv):
    return conv.splits["train"] + conv.splits["dev"]


# --- taxonomy ---------------------------------------------------------------------------------------------


def test_taxonomy_has_6_types_and_25_subtypes_each_with_one_parent():
    assert len(EVENT_TYPES) == 6
    assert len(SUB_EVENT_TYPES) == 25 == len(set(SUB_EVENT_TYPES))
    assert parent_of("Suicide bomb") == "Explosions/Remote violence"
    assert parent_of("Arrests") == "Strategic developments"
    assert is_valid_pair("Riots", "Mob violence") and not is_valid_pair("Protests", "Mob violence")
    with pytest.raises(KeyError, match="Drone strike"):
        parent_of("Drone strike")


def test_case2021_codes_cover_every_subtype_once():
    assert sorted(CASE2021_CODES.values()) == sorted(SUB_EVENT_TYPES)


def test_taxonomy_imports_without_torch():
    import subprocess

    code = (
        "import sys; import training.data.acled_taxonomy; "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


# --- helpers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "year", "iso"),
    [
        ("9-May-20", "2020", "2020-05-09"),
        ("31-12-19", "2019", "2019-12-31"),
        ("5-Aug-24", "2024", "2024-08-05"),
        ("05-01-04", "2004", "2004-01-05"),
        ("2020-05-09", None, "2020-05-09"),
    ],
)
def test_parse_event_date_formats(raw, year, iso):
    assert parse_event_date(raw, year).isoformat() == iso


def test_parse_event_date_rejects_bad_day_and_year_mismatch():
    with pytest.raises(ValueError, match="unrecognised"):
        parse_event_date("32-May-20", "2020")
    with pytest.raises(ValueError, match="year column"):
        parse_event_date("06-01-04", "2005")


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        ("Teachers marched. [size=no report]", "Teachers marched."),
        ("Teachers marched. [Size= 30] [coded as Alpha]", "Teachers marched. [coded as Alpha]"),
        ("Teachers marched. [size=no report", "Teachers marched."),
        ("Teachers marched. [size=no report}", "Teachers marched."),
        ("Teachers  marched.\n", "Teachers marched."),
    ],
)
def test_strip_size_tags(notes, expected):
    assert strip_size_tags(notes)[0] == expected


# --- fixture conversion -----------------------------------------------------------------------------------


def test_fixture_keeps_valid_rows_and_dedupes(fixture_conversion):
    ids = sorted(e.id for e in _all(fixture_conversion))
    assert ids == [
        "acled-BTE1",
        "acled-BTE2",
        "acled-KTE1",
        "acled-KTE2",
        "acled-XYZ1",
        "acled-XYZ2",
        "acled-XYZ8",
    ]
    dropped = fixture_conversion.meta["duplicates_dropped"]
    assert dropped["event_id"] == 2  # XYZ2 repeated in global, BTE1 repeated (per-actor rows) in Bangladesh
    assert dropped["note_text"] == 1  # XYZ3: same note as XYZ2 up to whitespace
    assert fixture_conversion.meta["size_tags_stripped"] == 2


def test_fixture_rejects_name_file_line_and_field(fixture_conversion):
    got = {(Path(r.file).parent.name, r.line, r.field) for r in fixture_conversion.rejects}
    assert got == {
        ("acled_global_2020_RPanlilio", 6, "event_date"),
        ("acled_global_2020_RPanlilio", 7, "sub_event_type"),
        ("acled_global_2020_RPanlilio", 8, "notes"),
        ("acled_global_2020_RPanlilio", 9, "fatalities"),
        ("acled_kenya_2004-2019_Carol0128", 4, "event_date"),
    }


def test_fixture_example_text_labels_and_meta(fixture_conversion):
    by_id = {e.id: e for e in _all(fixture_conversion)}
    ex = by_id["acled-XYZ1"]
    assert ex.text == "On 9 May 2020, teachers marched in Alpha Town demanding unpaid wages."
    assert ex.labels == {"event_type": ["Protests"], "sub_event_type": ["Peaceful protest"]}
    assert ex.meta["event_date"] == "2020-05-09" and ex.meta["fatalities"] == 0
    assert ex.meta["inter1"] == "Protesters" and "inter2" not in ex.meta and "actor2" not in ex.meta
    assert ex.meta["assoc_actor_1"] == "Teachers (Testland)"
    assert ex.meta["export"] == "acled_global_2020_RPanlilio"
    kenya = by_id["acled-KTE1"]
    assert kenya.meta["event_date"] == "2019-12-31" and kenya.meta["inter2"] == "Civilians"
    bgd = by_id["acled-BTE1"]
    assert bgd.meta["actor1"] == "Rioters (Testland)"  # first of the per-actor rows wins
    assert "actor2" not in bgd.meta and bgd.meta["inter1"] == "Rioters"


def test_fixture_strict_mode_raises_first_bad_row():
    with pytest.raises(DataError) as info:
        get_converter("acled")(FIXTURE, skip_bad=False)
    assert info.value.line == 6 and info.value.field == "event_date"


def test_conversion_is_deterministic(fixture_conversion):
    again = get_converter("acled")(FIXTURE, skip_bad=True)
    assert [e.to_json() for e in _all(again)] == [e.to_json() for e in _all(fixture_conversion)]


def test_bad_field_count_and_missing_column(tmp_path):
    for folder, name in EXPORTS:
        (tmp_path / folder).mkdir()
        src = (FIXTURE / folder / name).read_text(encoding="utf-8")
        (tmp_path / folder / name).write_text(src, encoding="utf-8")
    path = tmp_path / EXPORTS[1][0] / EXPORTS[1][1]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("2009,404,KTE9,9,05-01-04\n")
    conv = get_converter("acled")(tmp_path, skip_bad=True)
    assert any(r.line == 5 and "expected" in r.reason for r in conv.rejects)
    path.write_text("data_id,notes\n1,hello\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        get_converter("acled")(tmp_path, skip_bad=True)


# --- real data --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_conversion(shared_data):
    return get_converter("acled")(shared_data, skip_bad=True)


def test_real_counts_and_no_repeats(real_conversion):
    train, dev = real_conversion.splits["train"], real_conversion.splits["dev"]
    assert 13_000 < len(train) + len(dev) < 15_000
    assert set(Counter(e.labels["event_type"][0] for e in train)) == set(EVENT_TYPES)
    everything = train + dev
    assert len({e.meta["event_id_cnty"] for e in everything}) == len(everything)
    assert len({" ".join(e.text.split()).casefold() for e in everything}) == len(everything)
    assert not any("[size" in e.text.lower() for e in everything)
    assert len(real_conversion.rejects) <= 10
    assert real_conversion.meta["duplicates_dropped"]["event_id"] >= 1600  # Bangladesh per-actor rows


def test_real_dev_is_stratified(real_conversion):
    train = Counter(e.labels["sub_event_type"][0] for e in real_conversion.splits["train"])
    dev = Counter(e.labels["sub_event_type"][0] for e in real_conversion.splits["dev"])
    for sub, n_train in train.items():
        total = n_train + dev[sub]
        if total >= 2:
            assert dev[sub] >= 1, sub
        if total >= 40:
            assert abs(dev[sub] / total - 0.15) < 0.02, sub


def test_taxonomy_spelling_matches_every_real_export(shared_data):
    seen = set()
    for folder, name in EXPORTS:
        with open(shared_data / folder / name, encoding="utf-8", newline="") as fh:
            seen |= {(r["event_type"], r["sub_event_type"]) for r in csv.DictReader(fh)}
    assert all(is_valid_pair(ev, sub) for ev, sub in seen), sorted(p for p in seen if not is_valid_pair(*p))
    assert len({sub for _, sub in seen}) == 24  # every sub-type except Chemical weapon occurs


def test_case2021_code_file_matches(shared_data):
    codes = (shared_data / "case2021_task2_taxonomy" / "event_types.txt").read_text(encoding="utf-8").split()
    assert sorted(codes) == sorted(CASE2021_CODES)
