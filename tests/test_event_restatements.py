"""Wire-style follow-ups that belong to the lead's incident: a later sentence restating the death toll, and a
second sentence the classifier calls "none" that names the villages attacked (issue #5)."""

from __future__ import annotations

from event_text import ARTICLE_DATE, article, at, incidents

from inference.events import build_events
from inference.events.incidents import group_incidents, sentence_features

LEAD = (
    "Militants of the Ansar Front attacked army positions in northern Kordia on Monday, sparking clashes that "
    "left 14 soldiers and 9 militants dead, a monitor said."
)
FILLER = [
    ("Officials gave no details.", "none"),
    ("The army sent reinforcements to the area, a military source said.", "none"),
    ("Residents reported heavy gunfire through the night.", "none"),
    ("Schools in the district stayed closed.", "none"),
]


def test_a_later_restatement_of_the_same_toll_joins_the_lead_however_far():
    text, sents = article(
        [
            (LEAD, "Battles"),
            *FILLER,
            ("The monitor said the clashes left 14 soldiers and 9 militants dead.", "Battles"),
        ]
    )
    assert incidents(text, sents, []) == [[0, 5]]
    [record] = build_events(text, sents, [], ARTICLE_DATE)
    assert record.fatalities == 23  # counted once, not 46
    assert record.date == "2021-06-07"  # the undated restatement carries the lead's date
    assert len(record.evidence) == 2


def test_a_far_sentence_with_other_counts_or_its_own_date_stays_apart():
    for last, date in (
        ("The monitor said the clashes left 30 soldiers and 9 militants dead.", None),
        ("On Wednesday the clashes left 14 soldiers and 9 militants dead.", "2021-06-09"),
    ):
        text, sents = article([(LEAD, "Battles"), *FILLER, (last, "Battles")])
        assert incidents(text, sents, []) == [[0], [5]], last
        records = build_events(text, sents, [], ARTICLE_DATE)
        assert [r.date for r in records] == ["2021-06-07", date], last


def test_an_unmerged_undated_record_keeps_no_date():
    text, sents = article([(LEAD, "Battles"), *FILLER, ("Gunmen killed 5 herders in a raid.", "Battles")])
    records = build_events(text, sents, [], ARTICLE_DATE)
    assert [r.date for r in records] == ["2021-06-07", None]


def test_a_none_labelled_second_sentence_naming_villages_in_a_region_joins_the_lead():
    """Not a place conflict: "northern Kordia" (a region) and "two villages in the Sahl plain" are not a place conflict."""
    text, sents = article(
        [
            (LEAD, "Battles"),
            ("Fighters led by Abu Karim launched an assault on two villages in the Sahl plain.", "none"),
            ("The monitor said the clashes left 14 soldiers and 9 militants dead.", "Battles"),
        ]
    )
    mentions = [
        at(text, "Ansar Front", "Organisation"),
        at(text, "northern Kordia", "Location"),
        at(text, "Abu Karim", "Person"),
        at(text, "villages", "Location"),
        at(text, "Sahl plain", "Location"),
    ]
    feats = sentence_features(text, sents, mentions, ARTICLE_DATE)
    [inc] = group_incidents(feats)
    assert inc.sentence_ids == [0, 1, 2] and inc.event_ids == [0, 2]  # the "none" sentence is evidence only
    [record] = build_events(text, sents, mentions, ARTICLE_DATE)
    assert "Abu Karim" in {a["text"] for a in record.actors}
    assert record.fatalities == 23 and record.date == "2021-06-07"


def test_a_none_labelled_second_sentence_without_violence_is_not_evidence():
    text, sents = article([(LEAD, "Battles"), ("The Ansar Front is based in the hills.", "none")])
    assert incidents(text, sents, [at(text, "Ansar Front", "Organisation")]) == [[0]]


def test_a_generic_place_noun_does_not_conflict_with_a_named_town():
    text, sents = article(
        [
            (
                "Jihadists attacked an army post in the town of Kolo on Monday, killing 12 soldiers.",
                "Battles",
            ),
            ("Fighters then seized two villages.", "Strategic developments"),
        ]
    )
    mentions = [at(text, "Kolo", "Location"), at(text, "villages", "Location")]
    assert incidents(text, sents, mentions) == [[0, 1]]
