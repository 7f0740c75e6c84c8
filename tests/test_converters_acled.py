"""ACLED converter and taxonomy: fixture exports imitating the real schemas (acled_extra included), then the real data."""

from __future__ import annotations

import csv
import shutil
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
from training.data.canonical import DataError, Example, save_examples
from training.data.registry import get_converter
from training.data.sources.acled import (
    EXPORTS,
    EXTRA_FOLDER,
    carve_acled_dev,
    country_from_file_name,
    date_from_note,
    dev_notes_for,
    parse_event_date,
    strip_size_tags,
)

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
        "acled-NTL7",
        "acled-SLD9",
        "acled-STL5",
        "acled-STL6",
        "acled-XYZ1",
        "acled-XYZ2",
        "acled-XYZ40",
        "acled-XYZ42",
        "acled-XYZ8",
    ]
    dropped = fixture_conversion.meta["duplicates_dropped"]
    # XYZ2 repeated in global, BTE1 per-actor rows (Bangladesh), XYZ1 again in acled_extra, NTL7 per-actor rows
    assert dropped["event_id"] == 4
    # XYZ3: same note as XYZ2 up to whitespace; XYZ41 (acled_extra): XYZ2's note under another label
    assert dropped["note_text"] == 2 and dropped["note_text_with_other_label"] == 1
    assert fixture_conversion.meta["size_tags_stripped"] == 3


def test_fixture_rejects_name_file_line_and_field(fixture_conversion):
    got = {(Path(r.file).parent.name, r.line, r.field) for r in fixture_conversion.rejects}
    assert got == {
        ("acled_global_2020_RPanlilio", 6, "event_date"),
        ("acled_global_2020_RPanlilio", 7, "sub_event_type"),
        ("acled_global_2020_RPanlilio", 8, "notes"),
        ("acled_global_2020_RPanlilio", 9, "fatalities"),
        ("acled_kenya_2004-2019_Carol0128", 4, "event_date"),
        ("acled_extra", 4, "notes"),  # prefixed format, no date in the note
    }


def test_fixture_example_text_labels_and_meta(fixture_conversion):
    by_id = {e.id: e for e in _all(fixture_conversion)}
    ex = by_id["acled-XYZ1"]
    assert ex.text == "On 9 May 2020, teachers marched in Alpha Town demanding unpaid wages."
    assert ex.labels == {
        "event_type": ["Protests"],
        "sub_event_type": ["Peaceful protest"],
        "inter1": ["Protesters"],
        "inter2": ["No actor2"],
        "country": [ex.meta["country"]],  # the row's country, for the `country` head
    }
    assert ex.meta["country"] == "Testland"
    assert ex.meta["event_date"] == "2020-05-09" and ex.meta["fatalities"] == 0
    # the row's location where the note names it, for the `places` head
    assert [(ex.text[s:e], label) for s, e, label in ex.spans["places"]] == [("Alpha Town", "Location")]
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
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    path = tmp_path / EXPORTS[1][0] / EXPORTS[1][1]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("2009,404,KTE9,9,05-01-04\n")
    conv = get_converter("acled")(tmp_path, skip_bad=True)
    assert any(r.line == 5 and "expected" in r.reason for r in conv.rejects)
    path.write_text("data_id,notes\n1,hello\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        get_converter("acled")(tmp_path, skip_bad=True)


def test_acled_extra_folder_is_required(tmp_path):
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    shutil.rmtree(tmp_path / EXTRA_FOLDER)
    with pytest.raises(FileNotFoundError, match="acled_extra"):
        get_converter("acled")(tmp_path, skip_bad=True)


# --- acled_extra formats ----------------------------------------------------------------------------------


def test_prefixed_format_never_reads_label_definitions(fixture_conversion):
    prefixed = [e for e in _all(fixture_conversion) if e.id in ("acled-STL5", "acled-STL6")]
    assert len(prefixed) == 2
    for ex in _all(fixture_conversion):
        assert "DEFINITION" not in ex.to_json(), ex.id
    stl5 = next(e for e in prefixed if e.id == "acled-STL5")
    assert stl5.meta["event_date"] == "2022-10-15"  # from the note, not "ACLED CreatedOn" (12/12/2022)
    assert stl5.meta["country"] == "South Testland"  # from the file name
    assert stl5.meta["inter1"] == "Political militia" and stl5.meta["actor2"] == "Civilians (South Testland)"
    assert set(stl5.meta) <= {
        "source",
        "export",
        "event_id_cnty",
        "event_date",
        "fatalities",
        "split",
        "country",
        "admin1",
        "admin2",
        "location",
        "actor1",
        "actor2",
        "assoc_actor_1",
        "assoc_actor_2",
        "inter1",
        "inter2",
    }


def test_extra_formats_dates_inter_names_and_per_actor_rows(fixture_conversion):
    by_id = {e.id: e for e in _all(fixture_conversion)}
    assert by_id["acled-SLD9"].meta["event_date"] == "2025-04-01"  # ISO dates
    assert by_id["acled-SLD9"].meta["inter2"] == "Rebel group"  # names, not codes
    assert by_id["acled-XYZ42"].meta["event_date"] == "2020-02-27"  # "27 February 2020"
    assert by_id["acled-NTL7"].meta["actor1"] == "Military Forces of Northland (2016-)"  # first actor row
    assert by_id["acled-XYZ1"].meta["export"] == "acled_global_2020_RPanlilio"  # the earlier file wins
    assert by_id["acled-XYZ42"].text.endswith("(VoJ reported 6).")  # only [size=...] goes at conversion


def test_date_from_note_and_country_from_file_name():
    assert (
        date_from_note("Looting: On 5 November 2022, men robbed a boat.", "2022").isoformat() == "2022-11-05"
    )
    assert date_from_note("Around 9 December 2022 (as reported), a house burned.", None).isoformat() == (
        "2022-12-09"
    )
    with pytest.raises(ValueError, match="year column"):
        date_from_note("On 5 November 2022, men robbed a boat.", "2023")
    with pytest.raises(ValueError, match="does not open"):
        date_from_note("Men robbed a boat on 5 November 2022.", "2022")
    assert (
        country_from_file_name(Path("central_african_republic_1997-2022.csv")) == "Central African Republic"
    )


def test_conversion_is_byte_identical(tmp_path):
    for name in ("a", "b"):
        conv = get_converter("acled")(FIXTURE, skip_bad=True)
        for split, examples in conv.splits.items():
            save_examples(tmp_path / name / f"{split}.jsonl", examples)
    for split in ("train", "dev"):
        assert (tmp_path / "a" / f"{split}.jsonl").read_bytes() == (
            tmp_path / "b" / f"{split}.jsonl"
        ).read_bytes()


# --- dev carve --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "n_dev"),
    [(3, 1), (6, 2), (15, 5), (30, 10), (60, 20), (100, 20), (200, 30), (1000, 150), (9000, 300)],
)
def test_dev_notes_per_type(n, n_dev):
    assert dev_notes_for(n) == n_dev


def test_carve_gives_rare_types_their_minimum_and_keeps_clusters_together():
    examples = []
    for sub, n in (("Agreement", 90), ("Suicide bomb", 12), ("Attack", 3000)):
        for i in range(n):
            meta = {"country": "X", "event_date": f"2020-01-{i % 9 + 1:02d}", "actor1": "A", "actor2": sub}
            examples.append(
                Example(id=f"{sub}-{i}", text=f"{sub} {i}", labels={"sub_event_type": [sub]}, meta=meta)
            )
    train, dev = carve_acled_dev(examples)
    dev_counts = Counter(e.labels["sub_event_type"][0] for e in dev)
    assert dev_counts == {"Agreement": 20, "Suicide bomb": 4, "Attack": 300}
    assert len(train) + len(dev) == len(examples)
    # clusters (same country, date, actors) are drawn together: at most one per type straddles the split
    for sub in dev_counts:
        dev_keys = {e.meta["event_date"] for e in dev if e.labels["sub_event_type"][0] == sub}
        train_keys = {e.meta["event_date"] for e in train if e.labels["sub_event_type"][0] == sub}
        assert len(dev_keys & train_keys) <= 1


# --- real data --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_conversion(shared_data):
    return get_converter("acled")(shared_data, skip_bad=True)


def test_real_counts_and_no_repeats(real_conversion):
    train, dev = real_conversion.splits["train"], real_conversion.splits["dev"]
    assert 36_000 < len(train) + len(dev) < 40_000
    assert set(Counter(e.labels["event_type"][0] for e in train)) == set(EVENT_TYPES)
    everything = train + dev
    assert len({e.meta["event_id_cnty"] for e in everything}) == len(everything)
    assert len({" ".join(e.text.split()).casefold() for e in everything}) == len(everything)
    assert not any("[size" in e.text.lower() for e in everything)
    assert all(e.meta.get("country") and e.meta.get("event_date") for e in everything)
    assert len(real_conversion.rejects) <= 10
    assert real_conversion.meta["duplicates_dropped"]["event_id"] >= 4000  # Bangladesh + Mali per-actor rows
    kept = real_conversion.meta["kept_per_export"]
    assert len(kept) == 15 and all(n >= 100 for n in kept.values())
    with_place = sum(bool(e.spans["places"]) for e in everything)
    assert 0.80 < with_place / len(everything) < 0.95  # 86%: most notes name their location, admin2 or admin1


def test_real_dev_has_enough_of_every_type(real_conversion):
    train = Counter(e.labels["sub_event_type"][0] for e in real_conversion.splits["train"])
    dev = Counter(e.labels["sub_event_type"][0] for e in real_conversion.splits["dev"])
    assert len(train) == 24  # every sub-type but Chemical weapon
    for sub, n_train in train.items():
        total = n_train + dev[sub]
        assert dev[sub] == dev_notes_for(total), sub
        assert dev[sub] >= min(20, total // 3) and dev[sub] <= 300, sub
        assert n_train >= 2 * dev[sub], sub
    assert sum(1 for sub in train if dev[sub] >= 20) == 23  # all but Suicide bomb (15 notes in all)


def test_real_nigeria_definitions_never_reach_examples(real_conversion, shared_data):
    path = shared_data / EXTRA_FOLDER / "nigeria_2022-10_2023-02.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    definitions = {r[c] for r in rows for c in ("ACLED Event TypeDesc", "ACLED Event SubTypeDesc") if r[c]}
    assert len(definitions) >= 10
    nigeria = [e for e in _all(real_conversion) if e.meta["export"].endswith("nigeria_2022-10_2023-02")]
    assert len(nigeria) == len(rows)
    for ex in _all(real_conversion):
        blob = ex.to_json()
        assert not any(d in blob for d in definitions), ex.id


def test_real_conversion_is_deterministic(real_conversion, shared_data):
    again = get_converter("acled")(shared_data, skip_bad=True)
    for split in ("train", "dev"):
        assert [e.to_json() for e in again.splits[split]] == [
            e.to_json() for e in real_conversion.splits[split]
        ]


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


# --- actor categories (inter1 / inter2 heads) ---------------------------------------------------------------


def test_fixture_inter_labels_from_every_export_format(fixture_conversion):
    labels = {e.id: (e.labels.get("inter1"), e.labels.get("inter2")) for e in _all(fixture_conversion)}
    assert labels["acled-XYZ1"] == (["Protesters"], ["No actor2"])  # inter2 code 0
    assert labels["acled-KTE1"] == (["State forces"], ["Civilians"])  # codes 1 and 7
    assert labels["acled-SLD9"] == (["State forces"], ["Rebel group"])  # names
    assert labels["acled-STL5"] == (["Political militia"], ["Civilians"])  # "ACLED Inter1/2" columns
    # no inter2 column: read off the interaction, named ("Rioters-Civilians", "Protesters only") or numeric (18)
    assert labels["acled-BTE1"] == (["Rioters"], ["Civilians"])
    assert labels["acled-BTE2"] == (["Protesters"], ["No actor2"])
    assert labels["acled-NTL7"] == (["State forces"], ["External/Other forces"])


def test_inter_labels_leave_what_a_row_cannot_tell_unknown():
    from training.data.sources.acled import inter_labels

    assert inter_labels({}) == {}  # no inter columns: both heads unknown (absent), not "none"
    assert inter_labels({"inter1": "1", "interaction": ""}) == {"inter1": ["State forces"]}
    assert inter_labels({"inter1": "", "inter2": "7"}) == {"inter2": ["Civilians"]}
    assert inter_labels({"inter1": "7", "interaction": "37"}) == {
        "inter1": ["Civilians"],
        "inter2": ["Political militia"],  # the lower code first: actor1's may be the second digit
    }
    assert inter_labels({"inter1": "1", "interaction": "11"})["inter2"] == ["State forces"]
    assert inter_labels({"inter1": "3", "interaction": "Rioters-Civilians"}) == {
        "inter1": ["Political militia"]
    }
    assert inter_labels({"inter1": "Rebel group", "inter2": "", "interaction": "Rebel group only"})[
        "inter2"
    ] == ["No actor2"]


def test_real_notes_all_carry_both_actor_categories(real_conversion):
    from training.data.acled_taxonomy import INTER_CODES, NO_ACTOR2

    for split, examples in real_conversion.splits.items():
        inter1 = Counter(e.labels["inter1"][0] for e in examples if "inter1" in e.labels)
        inter2 = Counter(e.labels["inter2"][0] for e in examples if "inter2" in e.labels)
        assert sum(inter1.values()) == sum(inter2.values()) == len(examples), split
        assert set(inter1) <= set(INTER_CODES.values()) and set(inter2) <= {*INTER_CODES.values(), NO_ACTOR2}
