"""HRDsAttack converter: HTML paragraphs, label aggregation, meta; fixture then real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.data.canonical import DataError
from training.data.registry import get_converter
from training.data.sources.hrdsattack import VIOLATION_TYPES, article_paragraphs, event_date

FIXTURE = Path(__file__).parent / "data" / "raw"


def test_article_paragraphs_strip_tags_and_unescape():
    html = "<p>A &amp; B</p> <p> two\n  lines <b>bold</b></p><p></p>tail<br>after"
    assert article_paragraphs(html) == ["A & B", "two lines bold", "tail", "after"]


@pytest.mark.parametrize(
    ("ann", "iso"),
    [
        ({"year": "2021.0", "month": "Ocober", "date": "3.0"}, "2021-10-03"),
        ({"year": "2020", "month": "08", "date": None}, "2020-08"),
        ({"year": "2019.0", "month": "unknown", "date": "4"}, "2019"),
        ({"year": None, "month": "May", "date": "1"}, None),
    ],
)
def test_event_date_normalises_messy_fields(ann, iso):
    assert event_date(ann) == iso


def test_fixture_conversion():
    conv = get_converter("hrdsattack")(FIXTURE, skip_bad=True)
    train = {e.id: e for e in conv.splits["train"]}
    first = train["hrdsattack-train-HIT1"]
    assert (
        first.text == "TESTVILLE\n\nPolice detained reporter A. Tester on Monday & seized her phone.\n\n"
        "Her editor called it “arbitrary”."
    )
    assert first.labels == {"violation_type": ["arbitrary detention", "other"]}
    assert first.meta["event_date"] == "2021-10-03" and first.meta["country"] == "Testland"
    assert "city" not in first.meta  # "None" strings are dropped
    assert first.meta["victims"][0]["victim_type"] == ["journalist"]
    assert first.meta["title"] == "Reporter detained in Testville"
    assert "perpetrator_type" not in train["hrdsattack-train-HIT2"].meta
    # no merged_sample: strict majority of three annotators keeps only torture (2/3)
    assert train["hrdsattack-train-HIT3"].labels["violation_type"] == ["torture"]
    rejects = [(r.field, "beheading" in r.reason) for r in conv.rejects]
    assert rejects == [("merged_sample.violation_types", True)]
    assert [e.id for e in conv.splits["dev"]] == ["hrdsattack-dev-HIT5"]


def test_fixture_strict_raises_with_record_index():
    with pytest.raises(DataError, match="record 3"):
        get_converter("hrdsattack")(FIXTURE, skip_bad=False)


def test_invalid_json_names_line(tmp_path):
    (tmp_path / "hrdsattack" / "data").mkdir(parents=True)
    (tmp_path / "hrdsattack" / "data" / "train.json").write_text('[{"sample": }]', encoding="utf-8")
    with pytest.raises(DataError) as info:
        get_converter("hrdsattack")(tmp_path, skip_bad=True)
    assert info.value.line == 1 and "invalid JSON" in str(info.value)


def test_real_files(shared_data):
    conv = get_converter("hrdsattack")(shared_data, skip_bad=False)
    assert (len(conv.splits["train"]), len(conv.splits["dev"])) == (300, 100)
    labels = {t for exs in conv.splits.values() for e in exs for t in e.labels["violation_type"]}
    assert labels == set(VIOLATION_TYPES)
    assert all("<p>" not in e.text and e.text for e in conv.splits["train"])
