"""The ACLED note-style rewrite: what strip removes, that vary is seeded, and that configs switch it per dataset."""

from __future__ import annotations

import pytest

from training.config import DatasetRef
from training.data.boilerplate import rewrite_examples, split_date_phrase, strip_boilerplate
from training.data.canonical import Example


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("On 21 March 2020, police arrested two men in Alpha.", "Police arrested two men in Alpha."),
        (
            "Looting: On 15 October 2022, militiamen looted shops in Rho Town (Rhodist, Rho).",
            "Militiamen looted shops in Rho Town.",
        ),
        (
            "On 2 November, 2019, clashes took place in Kabani. Fatalities coded as 0 (VoJ reported 3).",
            "Clashes took place in Kabani.",
        ),
        (
            "Around 14 May 2020 (as reported), troops shelled Beta. 4 fatalities split across 2 events.",
            "Troops shelled Beta.",
        ),
        (
            "On May 5, gunmen shot a trader (2 fatalities). Unknown fatalities coded as 3.",
            "Gunmen shot a trader.",
        ),
        ("On Feb 29 IS militants attacked a post in Gamma.", "IS militants attacked a post in Gamma."),
        (
            "On 8 January 2023, an armed group burnt a police station, coded to Mgbidi (Oru West, Imo).",
            "An armed group burnt a police station.",
        ),
        # no house style: unchanged; news-like fatality sentences stay
        (
            "Rioters burned tyres in Delta. No fatalities were reported.",
            "Rioters burned tyres in Delta. No fatalities were reported.",
        ),
    ],
)
def test_strip_boilerplate(note, expected):
    assert strip_boilerplate(note) == expected


def test_split_date_phrase_needs_a_rest():
    assert split_date_phrase("On 3 May 2020, police fired.") == ("On 3 May 2020, ", "police fired.")
    assert split_date_phrase("3 May 2020") == ("", "3 May 2020")  # nothing would be left: keep it


def _notes(n=200):
    return [
        Example(
            id=f"acled-T{i}",
            text=f"On {i % 28 + 1} May 2020, soldiers clashed with rebels in Village {i} (Dist, Prov). "
            f"Fatalities coded as {i % 4}.",
            labels={"sub_event_type": ["Armed clash"]},
            meta={"event_date": f"2020-05-{i % 28 + 1:02d}"},
        )
        for i in range(n)
    ]


def test_vary_is_seeded_mixed_and_keeps_the_note():
    notes = _notes()
    a = rewrite_examples(notes, "vary", seed=13)
    assert [e.text for e in a] == [e.text for e in rewrite_examples(notes, "vary", seed=13)]
    assert [e.text for e in a] != [e.text for e in rewrite_examples(notes, "vary", seed=14)]
    kept = sum(e.text == n.text for e, n in zip(a, notes))
    news_dated = sum(
        e.text.startswith(
            (
                "On Mon",
                "On Tue",
                "On Wed",
                "On Thu",
                "On Fri",
                "On Sat",
                "On Sun",
                "Earlier",
                "Last",
                "Late",
                "Early",
                "Yesterday",
            )
        )
        for e in a
    )
    dropped = sum(e.text.startswith("Soldiers") for e in a)
    assert 20 <= kept <= 60 and news_dated >= 50 and dropped >= 50
    for ex, note in zip(a, notes):
        assert note.text == ex.meta.get("note", ex.text)  # the coder's note stays available
        assert "coded" not in ex.text or ex.text == note.text
        assert ex.labels == note.labels and ex.meta["event_date"] == note.meta["event_date"]
    assert "note" not in notes[0].meta  # inputs are not mutated


def test_keep_is_identity_and_bad_mode_fails():
    notes = _notes(3)
    assert rewrite_examples(notes, "keep", seed=1) is notes
    with pytest.raises(ValueError, match="boilerplate mode"):
        rewrite_examples(notes, "shuffle", seed=1)


def test_config_switch_is_checked():
    assert DatasetRef(name="acled", boilerplate="vary").boilerplate == "vary"
    with pytest.raises(ValueError, match="'keep', 'strip' or 'vary'"):
        DatasetRef(name="acled", boilerplate="remove")


def test_training_pool_rewrites_only_the_datasets_that_ask(tmp_path):
    import yaml

    from training.config import load_config
    from training.data.canonical import save_examples
    from training.data.mix import build_training_pool

    notes = tmp_path / "notes.jsonl"
    save_examples(
        notes,
        [Example(id=e.id, text=e.text, labels={"ev": ["Battles"], "other": ["x"]}) for e in _notes(4)],
    )
    cfg = tmp_path / "cfg.yaml"
    heads = {
        "ev": {"datasets": [{"path": str(notes), "boilerplate": "strip"}]},
        "other": {"datasets": [{"path": str(notes)}]},
    }
    cfg.write_text(yaml.safe_dump({"heads": heads}))
    pool = build_training_pool(load_config(cfg))
    stripped = [e for e in pool.examples if "ev" in e.labels]
    kept = [e for e in pool.examples if "other" in e.labels]
    assert len(stripped) == len(kept) == 4  # same ids, different text: two examples each, not merged
    assert all(e.text.startswith("Soldiers") and e.meta["note"].startswith("On ") for e in stripped)
    assert all(e.text.startswith("On ") and "note" not in e.meta for e in kept)
