"""Grouping labelled sentences into incidents: joins, splits, evidence sentences and background."""

from __future__ import annotations

import pytest
from event_text import ARTICLE_DATE, article, at, incidents

from inference.events.incidents import background_reason, group_incidents, sentence_dates, sentence_features


@pytest.mark.parametrize(
    "sentence, reason",
    [
        ("The group has waged an insurgency in the north since 2015.", "past time"),
        ("In 2011, street protests against the government turned into an armed uprising.", "past time"),
        ("A ceasefire signed on February 2 has held in most of the province.", "past time"),
        ("The offensive came after eleven years of civil war in the country.", "history"),
        ("The militia is a small but well-armed faction loyal to a former general.", "description"),
        ("Aid agencies warned that the fighting could cause a humanitarian catastrophe.", "hypothetical"),
    ],
)
def test_background_sentences_are_recognised(sentence, reason):
    assert background_reason(sentence, [], ARTICLE_DATE) == reason


@pytest.mark.parametrize(
    "sentence",
    [
        "Militants ambushed a convoy near Gao, killing four soldiers, a security source said.",
        "Gunmen attacked a village on Monday, the latest raid after years of violence in the region.",
        "Fighters active in the area since 2015 stormed a police post late on Tuesday.",
    ],
)
def test_news_sentences_are_not_background(sentence):
    assert background_reason(sentence, [], ARTICLE_DATE) is None


def test_report_dates_are_not_event_dates():
    text, sents = article(
        [
            (
                "Gunmen killed three villagers in Tamo late on Sunday, officials said on Tuesday.",
                "Violence against civilians",
            )
        ]
    )
    assert [d.text for d in sentence_dates(text, sents[0], [], 0)] == ["late on Sunday"]


def test_a_follow_up_about_the_same_attack_joins():
    text, sents = article(
        [
            (
                "Fighters of the Ansar group attacked an army post in the town of Kolo on Tuesday, killing six "
                "soldiers.",
                "Battles",
            ),
            (
                "The attack lasted several hours before reinforcements arrived, a security source said.",
                "Battles",
            ),
        ]
    )
    mentions = [
        at(text, "Ansar group", "Organisation"),
        at(text, "army", "Organisation"),
        at(text, "Kolo", "Location"),
        at(text, "Tuesday", "Temporal"),
    ]
    assert incidents(text, sents, mentions) == [[0, 1]]


def test_a_fatality_report_without_an_event_label_joins_as_evidence_only():
    text, sents = article(
        [
            ("Fighters of the Ansar group attacked an army post in the town of Kolo on Tuesday.", "Battles"),
            ("A local official said the fighting left six soldiers and four assailants dead.", "none"),
            ("A local official said the market would reopen next week.", "none"),
        ]
    )
    feats = sentence_features(text, sents, [at(text, "Kolo", "Location")], ARTICLE_DATE)
    [inc] = group_incidents(feats)
    assert inc.sentence_ids == [0, 1] and inc.event_ids == [0]


def test_two_attacks_in_two_places_stay_two_incidents():
    text, sents = article(
        [
            (
                "Militants attacked a military camp in the town of Kolo on Tuesday, killing six soldiers.",
                "Battles",
            ),
            (
                "Militants also ambushed a supply convoy near the village of Bara, killing two soldiers.",
                "Battles",
            ),
        ]
    )
    mentions = [
        at(text, "Militants", "Organisation"),
        at(text, "Kolo", "Location"),
        at(text, "Militants", "Organisation", 1),
        at(text, "Bara", "Location"),
    ]
    assert incidents(text, sents, mentions) == [[0], [1]]


def test_a_second_town_without_a_back_reference_is_a_new_incident():
    text, sents = article(
        [
            ("Militants attacked a military camp in Kolo on Tuesday, killing six soldiers.", "Battles"),
            ("In Bara, militants ambushed a supply convoy, killing two soldiers.", "Battles"),
        ]
    )
    mentions = [
        at(text, "Militants", "Organisation"),
        at(text, "Kolo", "Location"),
        at(text, "militants", "Organisation"),
        at(text, "Bara", "Location"),
    ]
    assert incidents(text, sents, mentions) == [[0], [1]]


def test_a_separate_incident_marker_splits_even_with_shared_mentions():
    text, sents = article(
        [
            ("Gunmen killed a trader in Tamo on Tuesday.", "Violence against civilians"),
            ("In a separate incident, gunmen abducted a teacher in Tamo.", "Violence against civilians"),
        ]
    )
    mentions = [at(text, "Tamo", "Location"), at(text, "Tamo", "Location", 1)]
    assert incidents(text, sents, mentions) == [[0], [1]]


def test_a_different_event_type_with_no_shared_mention_starts_a_new_incident():
    text, sents = article(
        [
            ("Militants attacked a military camp in Kolo on Tuesday, killing six soldiers.", "Battles"),
            ("Hundreds of traders marched through Dembi to demand lower fuel prices.", "Protests"),
        ]
    )
    mentions = [at(text, "Kolo", "Location"), at(text, "Dembi", "Location")]
    assert incidents(text, sents, mentions) == [[0], [1]]


def test_a_different_event_type_joins_through_a_leading_pronoun():
    text, sents = article(
        [
            ("Militants attacked a military camp in Kolo on Tuesday, killing six soldiers.", "Battles"),
            ("They briefly took control of the camp before withdrawing.", "Strategic developments"),
        ]
    )
    feats = sentence_features(text, sents, [at(text, "Kolo", "Location")], ARTICLE_DATE)
    [inc] = group_incidents(feats)
    assert inc.event_ids == [0, 1] and inc.event_types == {"Battles", "Strategic developments"}


def test_the_same_actors_on_another_day_are_another_incident():
    text, sents = article(
        [
            ("Militants attacked a military camp in Kolo on Tuesday, killing six soldiers.", "Battles"),
            ("Soldiers clashed with militants outside Kolo on Saturday, the army said.", "Battles"),
        ]
    )
    mentions = [
        at(text, "Militants", "Organisation"),
        at(text, "Kolo", "Location"),
        at(text, "militants", "Organisation"),
        at(text, "Kolo", "Location", 1),
    ]
    assert incidents(text, sents, mentions) == [[0], [1]]


def test_the_next_sentence_of_the_same_type_joins_without_shared_mentions():
    text, sents = article(
        [
            (
                "Gunmen stormed the village of Tamo late on Sunday, killing three farmers.",
                "Violence against civilians",
            ),
            ("Houses were set on fire and cattle were stolen.", "Violence against civilians"),
        ]
    )
    assert incidents(text, sents, [at(text, "Tamo", "Location")]) == [[0, 1]]


def test_a_shared_actor_too_far_away_starts_a_new_incident():
    text, sents = article(
        [
            ("Ansar fighters attacked an army post on Tuesday.", "Battles"),
            ("Residents said the area was calm.", "none"),
            ("Schools remained closed.", "none"),
            ("Markets stayed shut.", "none"),
            ("Ansar fighters attacked an army post on Tuesday.", "Battles"),
        ]
    )
    mentions = [at(text, "Ansar", "Organisation"), at(text, "Ansar", "Organisation", 1)]
    assert incidents(text, sents, mentions) == [[0], [4]]
    assert incidents(text, sents, mentions, max_gap=4) == [[0, 4]]


def test_background_sentences_give_no_incident_even_with_an_event_label():
    text, sents = article(
        [
            ("Militants have attacked army posts across the region since 2015.", "Battles"),
            (
                "The conflict has killed thousands of people over the past decade.",
                "Violence against civilians",
            ),
        ]
    )
    assert incidents(text, sents, []) == []


def test_sentences_labelled_none_give_no_incident():
    text, sents = article([("The governor opened a new hospital in the capital on Monday.", "none")])
    assert incidents(text, sents, []) == []


def test_the_sentence_after_the_lead_elaborates_it_whatever_its_label():
    """Wire style: the second sentence details the lead; the model's different label does not split it."""
    text, sents = article(
        [
            (
                "Jihadists led an offensive against army posts in central Mali on Monday, killing 12 soldiers.",
                "Battles",
            ),
            ("Fighters led by Katiba Serma stormed two checkpoints near Boni.", "Strategic developments"),
            ("They briefly held the checkpoints, a local official said.", "Strategic developments"),
        ]
    )
    mentions = [
        at(text, "central", "Location"),
        at(text, "Mali", "Location"),
        at(text, "Katiba Serma", "Organisation"),
        at(text, "Boni", "Location"),
    ]
    assert incidents(text, sents, mentions) == [[0, 1, 2]]


def test_only_the_sentence_right_after_the_lead_joins_without_a_link():
    text, sents = article(
        [
            ("Jihadists attacked an army post on Monday, killing 12 soldiers.", "Battles"),
            ("Fighters seized two checkpoints.", "Strategic developments"),
            ("Hundreds of traders marched to demand lower fuel prices.", "Protests"),
        ]
    )
    assert incidents(text, sents, []) == [[0, 1], [2]]


def test_the_sentence_after_the_lead_with_its_own_date_or_town_is_another_incident():
    for second, mentions_of in (
        ("Fighters seized two checkpoints on Friday.", []),
        ("Fighters seized two checkpoints in Boni.", ["Kolo", "Boni"]),
    ):
        text, sents = article(
            [
                ("Jihadists attacked an army post in Kolo on Monday, killing 12 soldiers.", "Battles"),
                (second, "Strategic developments"),
            ]
        )
        mentions = [at(text, "Kolo", "Location")] + [at(text, m, "Location") for m in mentions_of[1:]]
        assert incidents(text, sents, mentions) == [[0], [1]], second


def test_a_later_incident_does_not_take_the_next_sentence_of_another_type():
    text, sents = article(
        [
            ("Jihadists attacked an army post in Kolo on Monday, killing 12 soldiers.", "Battles"),
            ("Hundreds of traders marched through Dembi on Tuesday.", "Protests"),
            ("The government imposed a curfew.", "Strategic developments"),
        ]
    )
    mentions = [at(text, "Kolo", "Location"), at(text, "Dembi", "Location")]
    assert incidents(text, sents, mentions) == [[0], [1], [2]]
