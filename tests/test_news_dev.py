"""news_dev: the mapping rules on hand-written snippets and fixture files, then the real composition."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from training.data.acled_taxonomy import is_valid_pair
from training.data.registry import get_converter
from training.data.sources.news_cues import classify_news, is_safe_negative, split_sentences
from training.data.sources.news_dev import map_hrds, map_satp

FIXTURE = Path(__file__).parent / "data" / "raw" / "news_dev"


def _sub(mapping):
    return None if mapping is None else mapping.sub_event_type


# --- general cue resolution -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("About 500 nurses protested outside the ministry on Monday over unpaid wages.", "Peaceful protest"),
        (
            "Police fired tear gas to disperse students protesting fees on Tuesday.",
            "Protest with intervention",
        ),
        ("Protesters threw stones at police and burned tyres on Friday.", "Violent demonstration"),
        (
            "Police shot dead two protesters during a demonstration in the capital on Sunday.",
            "Excessive force against protesters",
        ),
        ("A mob lynched a suspected thief in the market on Wednesday.", "Mob violence"),
        ("A suicide bomber killed 12 people at a checkpoint on Monday.", "Suicide bomb"),
        ("A roadside bomb hit a minibus on Monday, killing four.", "Remote explosive/landmine/IED"),
        ("An air strike hit a market on Tuesday, killing 30 people.", "Air/drone strike"),
        ("Gunmen kidnapped three aid workers on Friday.", "Abduction/forced disappearance"),
        ("Ethnic clashes between two communities killed ten people on Monday.", "Armed clash"),
        ("Gunmen shot dead a village chief and his wife on Monday.", "Attack"),
        ("Rebels took control of the town of Alpha on Saturday.", "Non-state actor overtakes territory"),
        ("Government troops recaptured the town of Beta on Sunday.", "Government regains territory"),
        ("Armed men torched three houses and a church on Monday.", "Looting/property destruction"),
    ],
)
def test_classify_news_rules(text, expected):
    assert _sub(classify_news(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "A court sentenced two men for the 2019 bombing of a bus.",  # proceedings, not an incident
        "On this day in 1976 students marched against the decree.",  # history
        "Iran lodged a formal protest with the ambassador on Monday.",  # diplomatic protest
        "Supporters cheered at the campaign rally on Saturday.",  # campaign rally
        "Gunmen kidnapped and killed a trader on Monday.",  # abduction or attack
        "Mortar shells and an air strike hit the town on Monday.",  # two weapons
        "Two men died in a car accident and a third was killed by the crash.",  # accident
        "Students clashed with supporters of the ruling party on Monday.",  # unarmed clash: a riot
        "Militants killed five soldiers at an army post on Monday.",  # forces as victims: ACLED battle
    ],
)
def test_classify_news_leaves_ambiguous_snippets_out(text):
    assert classify_news(text) is None


def test_march_the_month_is_not_a_protest():
    assert classify_news("On 4 March the minister opened a new school.") is None
    assert (
        classify_news("Hundreds marched to parliament on 4 March to demand jobs.").sub_event_type
        == "Peaceful protest"
    )


def test_safe_negative_excludes_conflict_words():
    assert is_safe_negative("The central bank left interest rates unchanged on Thursday.")
    assert not is_safe_negative("The central bank said the war had hurt the economy.")
    assert not is_safe_negative("Workers began a strike on Thursday.")


def test_split_sentences_keeps_abbreviations_and_initials():
    text = "Mr. A. Tester met Gen. Smith in the U.S. capital on Monday. They spoke. Then left!"
    assert split_sentences(text) == [
        "Mr. A. Tester met Gen. Smith in the U.S. capital on Monday.",
        "They spoke.",
        "Then left!",
    ]


# --- source-specific rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "columns", "expected"),
    [
        (
            "Two soldiers were killed in an encounter with militants in Testpur.",
            ["armed_assault"],
            "Armed clash",
        ),
        ("Militants attacked a check post of SFs, killing two personnel.", ["armed_assault"], "Armed clash"),
        ("Gunmen shot dead a trader in Testpur.", ["armed_assault"], "Attack"),
        ("Gunmen shot dead a trader in Testpur.", ["armed_assault", "other"], None),  # two columns
        ("Gunmen shot dead a trader; a grenade was also hurled.", ["armed_assault"], None),  # weapon cue
        ("Militants hurled a grenade at a shop.", ["bombing"], "Grenade"),
        ("Militants fired a rocket and hurled a grenade at a camp.", ["bombing"], None),  # two weapons
        ("Police recovered an IED near a school.", ["bombing"], "Disrupted weapons use"),
        ("A blast in a bus injured six.", ["bombing"], "Remote explosive/landmine/IED"),
        ("Rebels freed a driver they held.", ["kidnapping"], None),  # no abduction cue
        ("Maoists torched two trucks.", ["other"], "Looting/property destruction"),
        ("Two men confessed to killing a trader.", ["armed_assault"], None),
        (
            "Taliban militants took control of two villages of the district.",
            ["kidnapping"],
            "Non-state actor overtakes territory",
        ),
    ],
)
def test_map_satp(text, columns, expected):
    assert _sub(map_satp(text, columns)) == expected


DETENTION = ["arbitrary detention"]


@pytest.mark.parametrize(
    ("title", "body", "types", "perp", "expected"),
    [
        ("Blogger detained", "Police detained a blogger on Monday.", DETENTION, "state actor", "Arrests"),
        ("Blogger detained", "Men detained a blogger on Monday.", DETENTION, "other non-state actors", None),
        ("Court jails blogger", "A court jailed a blogger arrested in May.", DETENTION, "state actor", None),
        ("Two killed", "Soldiers killed one and detained two.", ["killing", *DETENTION], "state actor", None),
        (
            "Pickets held",
            "Police arrested 12 protesters at a picket line.",
            DETENTION,
            "state actor",
            "Protest with intervention",
        ),
        ("Activist missing", "Nothing is known.", ["enforced disappearance"], "state actor", None),  # no cue
        ("Activist tortured", "Guards tortured an activist.", ["torture", "other"], "state actor", "Attack"),
    ],
)
def test_map_hrds(title, body, types, perp, expected):
    assert _sub(map_hrds(title, body, types, perp)) == expected


# --- fixture conversion -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_conversion():
    return get_converter("news_dev")(FIXTURE, skip_bad=False)


def test_fixture_single_dev_split_with_rules(fixture_conversion):
    assert list(fixture_conversion.splits) == ["dev"]
    got = {
        e.id: (e.labels["sub_event_type"], e.meta["mapping_rule"]) for e in fixture_conversion.splits["dev"]
    }
    assert got["news_dev-satp-dev-8"] == (
        ["Disrupted weapons use"],
        "satp:bombing+recovered_or_defused_no_blast",
    )
    assert got["news_dev-hrdsattack-H5"][0] == ["Protest with intervention"]
    assert got["news_dev-ceha-9001"] == (["Armed clash"], "ceha:relevant+clash_cue")
    assert got["news_dev-ceha-9002"] == ([], "ceha:not_conflict_related")
    assert got["news_dev-glocon_sentence-d1_2"][0] == ["Protest with intervention"]
    assert got["news_dev-glocon_document-D2"] == ([], "glocon_document:no_event_label+no_cue")
    left_out = {
        "news_dev-satp-dev-12",
        "news_dev-satp-dev-13",
        "news_dev-satp-dev-14",  # mixed, confession, no cue
        "news_dev-hrdsattack-H3",
        "news_dev-hrdsattack-H4",  # court title, two types
        "news_dev-ceha-TST1",
        "news_dev-ceha-9003",
        "news_dev-ceha-9004",  # ACLED note, reason 1, test split
        "news_dev-glocon_sentence-d1_3",  # no time/count anchor
        "news_dev-glocon_sentence-d1_5",  # label 0 but names violence: not a safe negative
        "news_dev-glocon_sentence-d1_6",  # label 2
    }
    assert not left_out & set(got)


def test_fixture_labels_are_consistent(fixture_conversion):
    for e in fixture_conversion.splits["dev"]:
        ev, sub = e.labels["event_type"], e.labels["sub_event_type"]
        assert (ev == [] and sub == []) or is_valid_pair(ev[0], sub[0])
        assert e.meta["mapping_rule"].startswith(e.meta["source"] + ":")


# --- real data --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_conversion(shared_data):
    return get_converter("news_dev")(shared_data, skip_bad=False)


def test_real_composition(real_conversion):
    dev = real_conversion.splits["dev"]
    assert 350 <= len(dev) <= 700
    subs = Counter(e.labels["sub_event_type"][0] for e in dev if e.labels["sub_event_type"])
    negatives = sum(1 for e in dev if not e.labels["sub_event_type"])
    assert len(subs) >= 14 and 100 <= negatives <= len(dev) // 2
    sources = {e.meta["source"] for e in dev}
    assert sources == {"satp", "hrdsattack", "ceha", "glocon_sentence", "glocon_document"}
    assert len({e.id for e in dev}) == len(dev) == len({" ".join(e.text.split()).casefold() for e in dev})
    assert all(e.meta.get("ceha_split") != "test" for e in dev)
    assert real_conversion.rejects == []


def test_real_never_uses_satp_train(real_conversion, shared_data):
    from training.data.sources.tsv_labels import SPECS, read_tsv

    spec = next(s for s in SPECS if s.name == "satp")
    train_texts = {e.text for e in read_tsv(shared_data / spec.folder / "train.tsv", spec, "train", None)[0]}
    assert not train_texts & {e.text for e in real_conversion.splits["dev"] if e.meta["source"] == "satp"}


def test_real_is_deterministic(real_conversion, shared_data):
    again = get_converter("news_dev")(shared_data, skip_bad=False)
    assert [e.to_json() for e in again.splits["dev"]] == [e.to_json() for e in real_conversion.splits["dev"]]


# --- news_train: the train side of the same sources, same rules ----------------------------------------------


def test_news_train_types_the_train_side_by_the_same_rules_and_shares_no_text_with_dev(fixture_conversion):
    train = get_converter("news_train")(FIXTURE, skip_bad=False)
    assert list(train.splits) == ["train"]
    got = {e.id: (e.labels["sub_event_type"], e.meta["mapping_rule"]) for e in train.splits["train"]}
    assert got == {
        "news_train-satp-train-1": (["Armed clash"], "satp:armed_assault+clash_cue"),
        "news_train-satp-train-2": (["Looting/property destruction"], "satp:other+property_destruction_cue"),
        "news_train-satp-train-4": (["Armed clash"], "satp:armed_assault+clash_cue"),
        "news_train-hrdsattack-train-T1": (
            ["Abduction/forced disappearance"],
            got["news_train-hrdsattack-train-T1"][1],
        ),
    }  # the mixed row (3) and the court title (T2) are left out, as news_dev leaves them out
    for e in train.splits["train"]:
        assert is_valid_pair(e.labels["event_type"][0], e.labels["sub_event_type"][0])
    # the dev row that is also a train row is trained on, so news_dev leaves it out
    dev_texts = {e.text for e in fixture_conversion.splits["dev"]}
    assert not dev_texts & {e.text for e in train.splits["train"]}
    assert "news_dev-satp-dev-1" not in {e.id for e in fixture_conversion.splits["dev"]}
