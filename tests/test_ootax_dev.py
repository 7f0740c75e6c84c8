"""ootax_dev: the out-of-taxonomy filter, fixture files per source, and no overlap with training on real data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from training.config import load_config
from training.data.registry import get_converter
from training.data.sources.ootax_dev import CAPS, is_out_of_taxonomy, lead_words
from training.data.sources.tsv_labels import normalised

FIXTURE = Path(__file__).parent / "data" / "raw" / "ootax_dev"
DEFAULT_CONFIG = Path(__file__).parents[1] / "configs" / "default.yaml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The opposition demanded a judicial inquiry into the handling of relief funds.", True),
        ("The central bank left interest rates unchanged on Thursday.", True),
        ("The stabbings took place on Relief Road, one of the busiest markets.", False),  # violence word
        ("Hundreds marched to parliament to demand jobs.", False),  # protest cue
        ("Police arrested ten people in Testabad.", False),  # arrest cue
        ("Gunmen kidnapped three aid workers on Friday.", False),  # abduction cue
        ("A mob set fire to three shops near the station.", False),
    ],
)
def test_is_out_of_taxonomy(text, expected):
    assert is_out_of_taxonomy(text) is expected


@pytest.fixture(scope="module")
def fixture_conversion():
    return get_converter("ootax_dev")(FIXTURE, skip_bad=False)


def test_fixture_sources_filters_and_labels(fixture_conversion):
    assert list(fixture_conversion.splits) == ["dev"]
    dev = fixture_conversion.splits["dev"]
    assert sorted(e.id for e in dev) == [
        "ootax_dev-bbc_other-dev-3",  # dev non-politics, not in train
        "ootax_dev-bbc_politics-dev-1",
        "ootax_dev-bbc_politics-train-1",  # politics: never a training negative
        "ootax_dev-insightcrime-dev-1",
        "ootax_dev-insightcrime-train-1",
        "ootax_dev-ipe_sents-dev-2",
    ]
    assert all(e.labels == {"event_type": ["none"], "sub_event_type": ["none"]} for e in dev)
    read = fixture_conversion.meta["read"]
    assert read["ipe_sents:dev_text_also_in_train_skipped"] == 1
    assert read["bbc_other:text_also_a_training_negative_skipped"] == 1
    assert read["ipe_sents:event_or_violence_cue"] == 2 and read["ipe_sents:too_short"] == 1
    assert read["bbc_politics:event_or_violence_cue"] == 1  # "bombers attacked a base"
    assert read["insightcrime:event_or_violence_cue"] == 1
    texts = " ".join(e.text for e in dev)
    assert "Gang Kills Five" not in texts  # homicide topic is never a candidate


def test_fixture_missing_file_is_named(tmp_path):
    import shutil

    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "conflibert_insightCrime" / "dev.tsv").unlink()
    with pytest.raises(FileNotFoundError, match="insightCrime/dev.tsv"):
        get_converter("ootax_dev")(tmp_path, skip_bad=False)


def test_ootax_dev_is_dev_only_in_configs(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(
        f"base: {DEFAULT_CONFIG}\nheads:\n  event_type:\n    datasets: [{{name: ootax_dev}}]\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="dev-only"):
        load_config(cfg)


# --- real data --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_conversion(shared_data):
    return get_converter("ootax_dev")(shared_data, skip_bad=False)


def test_real_composition(real_conversion):
    dev = real_conversion.splits["dev"]
    assert Counter(e.meta["source"] for e in dev) == CAPS
    assert len({normalised(e.text) for e in dev}) == len(dev) == len({e.id for e in dev})
    assert all(is_out_of_taxonomy(e.text) for e in dev)
    assert real_conversion.rejects == []


def test_real_no_overlap_with_default_training_sources(real_conversion, shared_data):
    """No ootax_dev text is a training text of configs/default.yaml (datasets and negatives, before any max)."""
    loaded = load_config(DEFAULT_CONFIG)
    refs = [
        (ref.name, ref.split, getattr(ref, "where", {}))
        for head in loaded.config.heads.values()
        for ref in (*head.datasets, *head.negatives)
        if ref.name
    ]
    assert {"acled", "ipe_sents", "bbc"} <= {name for name, _, _ in refs}
    converted = {}
    training = set()
    for name, split, where in refs:
        if name not in converted:
            converted[name] = get_converter(name)(shared_data, skip_bad=True)
        for ex in converted[name].splits[split]:
            if all(sorted(ex.labels.get(h, ["?"])) == sorted(v) for h, v in where.items()):
                training |= {normalised(ex.text), normalised(lead_words(ex.text))}  # ootax keeps leads
    overlap = [e.id for e in real_conversion.splits["dev"] if normalised(e.text) in training]
    assert overlap == []


def test_real_is_deterministic(real_conversion, shared_data):
    again = get_converter("ootax_dev")(shared_data, skip_bad=False)
    assert [e.to_json() for e in again.splits["dev"]] == [e.to_json() for e in real_conversion.splits["dev"]]
