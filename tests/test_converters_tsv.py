"""ConfliBERT TSV label sets: fixtures imitating the raw files (quoting, CRLF, bad rows), then real files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.data.canonical import DataError
from training.data.registry import get_converter
from training.data.sources.tsv_labels import SPECS

FIXTURE = Path(__file__).parent / "data" / "raw" / "tsv"


def test_every_spec_is_registered_with_its_head():
    for spec in SPECS:
        conv = get_converter(spec.name)
        assert conv.heads == (spec.head,) and conv.folder == spec.folder
        assert "unverified" in conv.description.lower() or spec.name in ("ipe_sents", "ipe_docs", "bbc")


def test_satp_fixture_labels_and_rejects():
    conv = get_converter("satp")(FIXTURE, skip_bad=True)  # test.tsv there is garbage: never read
    train = conv.splits["train"]
    labels = [e.labels["satp_attack"] for e in train]
    assert labels == [["armed_assault"], ["bombing"], ["kidnapping", "other"]]
    assert [e.meta["line"] for e in train] == [1, 2, 5]
    assert train[0].id == "satp-train-1"
    got = sorted((r.line, r.field) for r in conv.rejects)
    assert got == [(3, None), (4, "bombing")]
    assert "expected 5" in conv.rejects[0].reason or "expected 5" in conv.rejects[1].reason
    assert len(conv.splits["dev"]) == 2


def test_satp_fixture_strict_mode_raises_on_column_count():
    with pytest.raises(DataError) as info:
        get_converter("satp")(FIXTURE, skip_bad=False)
    assert info.value.line == 3 and "tab-separated fields" in str(info.value)


def test_quoted_crlf_rows_and_empty_text_rows():
    conv = get_converter("ipe_sents")(FIXTURE, skip_bad=False)
    train = conv.splits["train"]
    assert train[0].text == "the police arrested ten people in testabad."
    assert train[0].labels == {"police_action": ["ARREST", "ANY_ACTION"]}
    assert train[1].text == 'the officer said: "we fired in the air" to disperse the mob.'
    assert train[1].labels["police_action"] == ["ANY_ACTION", "FORCE"]
    assert train[2].labels["police_action"] == []  # all zeros: known none
    assert len(train) == 3 and conv.meta["empty_text_skipped"]["train"] == 1


def test_bbc_binary_becomes_politics_or_known_negative():
    conv = get_converter("bbc")(FIXTURE, skip_bad=False)
    assert [e.labels["politics"] for e in conv.splits["train"]] == [["politics"], []]
    assert conv.splits["dev"][0].labels["politics"] == ["politics"]


def test_undecodable_bytes_and_bad_quotes_are_located(tmp_path):
    folder = tmp_path / "conflibert_BBC_News"
    folder.mkdir()
    (folder / "train.tsv").write_bytes(b'caf\xe9 society\t0\nfine text\t1\n"open quote\t1\n')
    (folder / "dev.tsv").write_bytes(b"ok\t0\n")
    conv = get_converter("bbc")(tmp_path, skip_bad=True)
    assert [e.text for e in conv.splits["train"]] == ["fine text"]
    assert sorted((r.line, r.field) for r in conv.rejects) == [(1, "text"), (3, "text")]
    assert "not UTF-8" in conv.rejects[0].reason


def test_empty_text_with_a_label_is_an_error(tmp_path):
    folder = tmp_path / "conflibert_BBC_News"
    folder.mkdir()
    (folder / "train.tsv").write_bytes(b"\t1\n")
    (folder / "dev.tsv").write_bytes(b"ok\t0\n")
    with pytest.raises(DataError, match="empty text"):
        get_converter("bbc")(tmp_path, skip_bad=False)


def test_missing_split_file_says_which(tmp_path):
    shutil.copytree(FIXTURE / "conflibert_BBC_News", tmp_path / "conflibert_BBC_News")
    (tmp_path / "conflibert_BBC_News" / "dev.tsv").unlink()
    with pytest.raises(FileNotFoundError, match="dev.tsv"):
        get_converter("bbc")(tmp_path, skip_bad=False)


# --- real data --------------------------------------------------------------------------------------------

REAL_SIZES = {
    "satp": (1085, 232),
    "insightcrime": (1002, 332),
    "ipe_sents": (14937, 3171),
    "ipe_docs": (905, 165),
    "bbc": (1588, 315),
}


@pytest.mark.parametrize("name", sorted(REAL_SIZES))
def test_real_files_convert_strictly(shared_data, name):
    conv = get_converter(name)(shared_data, skip_bad=False)
    assert (len(conv.splits["train"]), len(conv.splits["dev"])) == REAL_SIZES[name]
    spec = next(s for s in SPECS if s.name == name)
    seen = {lab for exs in conv.splits.values() for e in exs for lab in e.labels[spec.head]}
    assert seen == set(spec.columns)
    assert not any(e.text != e.text.strip() or not e.text for exs in conv.splits.values() for e in exs)
