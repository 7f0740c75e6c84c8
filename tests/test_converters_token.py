"""re3d, cameo_ner / cameo_class and muc4 converters: fixtures imitating each raw format, then the real files."""

import json
import shutil
from pathlib import Path

import pytest

from training.data.canonical import DataError
from training.data.registry import get_converter
from training.data.sources import cameo, muc4, re3d

RAW = Path(__file__).parent / "data" / "raw"


def spans_text(ex, head):
    return [(ex.text[a:b], label) for a, b, label in ex.spans[head]]


# --- re3d -------------------------------------------------------------------------------------------------


def test_re3d_fixture_is_tab_crlf_like_the_real_files():
    data = (RAW / "conflibert_re3d" / "train.txt").read_bytes()
    assert b"\t" in data and data.count(b"\r\n") == data.count(b"\n")


def test_re3d_converts_fixture():
    conv = get_converter("re3d")(RAW)
    assert {s: len(v) for s, v in conv.splits.items()} == {"train": 3, "dev": 2}
    first = conv.splits["train"][0]
    assert first.id == "re3d-train-0" and first.meta == {"source": "re3d", "split": "train"}
    assert spans_text(first, "entities") == [
        ("Coalition forces", "Organisation"),
        ("Raqqa", "Location"),
        ("12 May", "Temporal"),
    ]
    assert "وزارة الدفاع" in conv.splits["train"][1].text
    assert conv.splits["train"][2].spans == {"entities": []}  # known to have none
    assert spans_text(conv.splits["dev"][1], "entities") == [("$ 5 million", "Money"), ("Homs", "Location")]
    assert conv.rejects == []


def test_re3d_exact_real_counts_and_labels(shared_data):
    conv = get_converter("re3d")(shared_data)
    assert {s: len(v) for s, v in conv.splits.items()} == {"train": 574, "dev": 191}
    assert conv.rejects == []
    published = json.loads((shared_data / "conflibert_re3d" / "labels.json").read_text())
    assert {t[2:] for t in published if t != "O"} == set(re3d.LABELS)
    assert conv.splits["dev"][-1].id == "re3d-dev-190"


# --- cameo ------------------------------------------------------------------------------------------------


def test_cameo_class_reads_labels_by_name():
    conv = get_converter("cameo_class")(RAW)
    exs = conv.splits["train"] + conv.splits["dev"]
    assert len(exs) == 10
    by_id = {e.id: e for e in exs}
    assert by_id["cameo_class-train-0"].labels == {"cameo_class": ["material_conflict"]}
    assert by_id["cameo_class-train-1"].labels == {"cameo_class": ["statement"]}
    assert conv.meta["label_names"]["2"] == "material_cooperation"
    assert conv.meta["dev_carve"]["seed"] == cameo.DEV_SEED
    assert all(e.meta["carve_seed"] == cameo.DEV_SEED for e in exs)
    # stratified: each of the 5 labels has 2 rows, so each gives dev exactly one
    assert sorted(e.labels["cameo_class"][0] for e in conv.splits["dev"]) == sorted(cameo.CLASS_LABELS)


def test_cameo_ner_dev_follows_its_class_sentence():
    ner = get_converter("cameo_ner")(RAW)
    cls = get_converter("cameo_class")(RAW)
    class_split = {e.id: s for s, exs in cls.splits.items() for e in exs}
    ner_exs = {e.id: e for exs in ner.splits.values() for e in exs}
    assert len(ner_exs) == 7 and ner.splits["dev"]
    for split, exs in ner.splits.items():
        for e in exs:
            assert e.meta["split"] == split
            if e.meta["cameo_class_id"] is not None:
                assert class_split[e.meta["cameo_class_id"]] == split, e.id
    edited = ner_exs["cameo_ner-train-2"]  # "delivered aid" vs the class row's "delivered food aid"
    assert edited.meta["cameo_class_id"] == "cameo_class-train-3"
    assert edited.meta["cameo_class_match"] == "overlap"
    assert ner_exs["cameo_ner-train-6"].meta["cameo_class_id"] is None  # no class row at all
    assert ner.meta["cameo_class_match"] == {"exact": 4, "overlap": 2, "none": 1, "class_rows": 10}


def test_cameo_ner_nested_sentence_is_flat_with_inner_span_in_meta():
    ner = get_converter("cameo_ner")(RAW)
    ex = next(e for exs in ner.splits.values() for e in exs if e.id == "cameo_ner-train-3")
    assert spans_text(ex, "roles") == [("The US President", "S")]
    assert ex.meta["nested_inner_spans"] == [[4, 6, "T"]]
    assert ner.meta["nested_spans"] == 1


def test_cameo_sentence_words_ignore_accents_and_punctuation():
    assert cameo.sentence_words("Erdoğan's talks, in Rome.") == cameo.sentence_words(
        "Erdogan 's talks in Rome ."
    )


def test_cameo_ner_needs_the_class_folder(tmp_path):
    shutil.copytree(RAW / "conflibert_cameo_ner", tmp_path / "conflibert_cameo_ner")
    with pytest.raises(FileNotFoundError, match="conflibert_cameo_class"):
        get_converter("cameo_ner")(tmp_path)


@pytest.mark.parametrize(
    "row, field, fragment",
    [
        (b"Some text\t7", "label", "unknown label '7'"),
        (b"Some text", "columns", "wrong column count"),
        (b"Some\ttext\t1", "columns", "wrong column count"),
        (b"Some t\xffext\t1", "text", "not UTF-8"),
        (b" \t1", "text", "empty text"),
    ],
)
def test_cameo_class_bad_rows(tmp_path, row, field, fragment):
    folder = tmp_path / "conflibert_cameo_class"
    folder.mkdir()
    path = folder / "train.tsv"
    path.write_bytes(b"Good one\t0\r\n" + row + b"\r\nGood two\t1\r\n")
    with pytest.raises(DataError) as err:
        get_converter("cameo_class")(tmp_path)
    assert (err.value.file, err.value.line, err.value.field) == (str(path), 2, field)
    assert fragment in str(err.value)
    conv = get_converter("cameo_class")(tmp_path, skip_bad=True)
    kept = sorted(e.id for exs in conv.splits.values() for e in exs)
    assert kept == ["cameo_class-train-0", "cameo_class-train-2"] and len(conv.rejects) == 1


def test_cameo_real_files(shared_data):
    ner = get_converter("cameo_ner")(shared_data)
    cls = get_converter("cameo_class")(shared_data)
    assert sum(map(len, ner.splits.values())) == 1153 and sum(map(len, cls.splits.values())) == 1349
    assert ner.rejects == [] and cls.rejects == []
    # the files are NOT line-aligned: most NER sentences are exact or edited copies of class rows
    match = ner.meta["cameo_class_match"]
    assert match["exact"] > 900 and match["exact"] + match["overlap"] + match["none"] == 1153
    class_split = {e.id: s for s, exs in cls.splits.items() for e in exs}
    for split, exs in ner.splits.items():
        for e in exs:
            if e.meta["cameo_class_id"] is not None:
                assert class_split[e.meta["cameo_class_id"]] == split
    assert 0.12 < len(cls.splits["dev"]) / 1349 < 0.18 and 0.12 < len(ner.splits["dev"]) / 1153 < 0.18
    assert ner.meta["nested_spans"] == 3


# --- muc4 -------------------------------------------------------------------------------------------------


def test_muc4_locates_every_occurrence_and_counts_misses():
    conv = get_converter("muc4")(RAW)
    assert {s: len(v) for s, v in conv.splits.items()} == {"train": 3, "dev": 1}
    first = conv.splits["train"][0]
    assert first.id == "muc4-train-DEV-MUC3-0001" and first.text.isupper() and "\n" in first.text
    assert spans_text(first, "muc4_roles") == [
        ("TERRORISTS", "perp_individual"),
        ("FARABUNDO MARTI NATIONAL\nLIBERATION FRONT (FMLN)", "perp_org"),  # across a line break
        ("POWER PYLON", "phys_target"),
        ("FMLN", "perp_org"),  # the second occurrence; the first lies inside the longer mention
        ("PARCELS", "phys_target"),  # "PARCEL" is absent as written: plural fallback
        ("GRENADE LAUNCHERS", "instrument"),
    ]
    assert conv.splits["train"][1].spans == {"muc4_roles": []}
    dev = conv.splits["dev"][0]
    assert spans_text(dev, "muc4_roles") == [
        ("GUERRILLAS", "perp_individual"),
        ("BUS", "phys_target"),
        ("GUERRILLAS", "perp_individual"),
    ]  # not inside BUSINESSES
    assert conv.meta["mentions_not_found"]["train"]["instrument"] == 1
    assert conv.meta["mentions_not_found_list"] == [["train", "DEV-MUC3-0001", "instrument", "CAR BOMB"]]
    assert conv.meta["overlaps_dropped"] == {"train": 2, "dev": 0}


def _muc4_root(tmp_path: Path, train: dict) -> Path:
    folder = tmp_path / "conflibert_muc4"
    folder.mkdir()
    (folder / "train.json").write_text(json.dumps(train, indent=1))
    shutil.copy(RAW / "conflibert_muc4" / "dev.json", folder / "dev.json")
    return folder / "train.json"


@pytest.mark.parametrize(
    "record, field, fragment",
    [
        ({"doc": "X", "roles": {"weapon_id": []}}, "roles", "unknown role"),
        ({"doc": "X", "roles": {"phys_tgt_id": [[""]]}}, "roles.phys_tgt_id", "non-empty string"),
        ({"doc": "X", "roles": {"phys_tgt_id": ["BUS"]}}, "roles.phys_tgt_id", "list of mention lists"),
        ({"doc": 3, "roles": {}}, "doc", "string 'doc'"),
    ],
)
def test_muc4_bad_documents(tmp_path, record, field, fragment):
    good = {"doc": "A BUS.", "roles": {"phys_tgt_id": [["BUS"]]}}
    path = _muc4_root(tmp_path, {"D1": good, "D2": record, "D3": good})
    with pytest.raises(DataError) as err:
        get_converter("muc4")(tmp_path)
    lines = path.read_text().splitlines()
    assert (err.value.file, err.value.field) == (str(path), field)
    assert lines[err.value.line - 1].strip().startswith('"D2"') and fragment in str(err.value)
    conv = get_converter("muc4")(tmp_path, skip_bad=True)
    assert [e.meta["docid"] for e in conv.splits["train"]] == ["D1", "D3"] and len(conv.rejects) == 1


def test_muc4_broken_json_is_located(tmp_path):
    folder = tmp_path / "conflibert_muc4"
    folder.mkdir()
    (folder / "train.json").write_text('{\n "D1": {"doc": "A", "roles": {}},\n "D2": oops\n}')
    with pytest.raises(DataError, match="invalid JSON") as err:
        get_converter("muc4")(tmp_path)
    assert err.value.line == 3


def test_muc4_real_files(shared_data):
    conv = get_converter("muc4")(shared_data)
    assert {s: len(v) for s, v in conv.splits.items()} == {"train": 1300, "dev": 200}
    assert conv.rejects == []
    missing = sum(n for per in conv.meta["mentions_not_found"].values() for n in per.values())
    assert missing == len(conv.meta["mentions_not_found_list"]) and 0 < missing < 120
    assert all(ex.text.isupper() or not any(c.isalpha() for c in ex.text) for ex in conv.splits["dev"])
    assert all(
        a[1] <= b[0]
        for ex in conv.splits["train"]
        for a, b in zip(ex.spans["muc4_roles"], ex.spans["muc4_roles"][1:])
    )
    assert muc4.HEAD == "muc4_roles"
