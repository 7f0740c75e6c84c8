"""Actors as a coder writes them: sources left out (role spans too), one state party, named groups first."""

from __future__ import annotations

import functools

import pytest
from event_text import at as entity_at

from inference.events.actor_rank import is_source_name, name_tier, state_nationality, trim_actor
from inference.events.actors import order_actors
from inference.events.inputs import SentenceView
from inference.events.records import build_events

at = functools.partial(entity_at, head="roles")  # role spans unless a test names the head


def names(actors) -> list[str]:
    return [a.text for a in actors]


def test_role_spans_of_sources_are_not_actors():
    text = (
        "Shabaab fighters stormed a base in Lower Shabelle, the Somali Observatory for Peace said. "
        "Its chief Ahmed Nur told AFP the attack failed."
    )
    ms = [
        at(text, "Shabaab fighters", "S"),
        at(text, "Somali Observatory", "S"),
        at(text, "chief Ahmed Nur", "S"),
        at(text, "AFP", "T"),
    ]
    actor1, actor2 = order_actors(text, ms, [(0, 90), (91, len(text))], "Battles")
    assert names(actor1) == ["Shabaab fighters"] and actor2 == []


def test_one_role_span_naming_a_coalition_and_its_leader_gives_the_leader_as_actor1():
    text = "Militant factions led by Katiba Serma stormed army posts near Djibo on Monday."
    ms = [at(text, "Militant factions led by Katiba Serma", "S"), at(text, "army posts", "T")]
    actor1, actor2 = order_actors(text, ms, [(0, len(text))], "Battles")
    assert names(actor1) == ["Katiba Serma", "Militant factions"] and names(actor2) == ["army posts"]
    # the offsets still index the text
    assert all(text[a.start : a.end] == a.text for a in actor1)


@pytest.mark.parametrize(
    "name, crowd_or_target, expected",
    [
        ("AFP", False, True),
        ("Reuters", False, True),
        ("a war monitor", False, True),
        ("army spokesman", False, True),
        ("the state news agency", False, True),
        ("journalists", False, True),
        ("journalists", True, False),  # "gunmen attacked journalists": a target
        ("Sana'a residents", False, False),  # the agency SANA only in capitals
        ("Ansar Dine", False, False),
    ],
)
def test_source_names(name, crowd_or_target, expected):
    assert is_source_name(name, crowd_or_target) is expected


def test_a_named_leader_is_actor1_and_the_others_stay_in_the_list():
    text = (
        "An Ansar al-Islam offshoot led an attack on army posts. Militant factions led by Katiba Serma "
        "stormed the posts, and fighters later withdrew."
    )
    ms = [
        at(text, "Ansar al-Islam", "S"),
        at(text, "army", "T"),
        at(text, "Militant factions", "S"),
        at(text, "Katiba Serma", "S"),
        at(text, "fighters", "S"),
    ]
    actor1, actor2 = order_actors(text, ms, [(0, 55), (56, len(text))], "Battles")
    assert names(actor1)[0] == "Katiba Serma"  # the leader, not the parent ("offshoot") nor generic nouns
    assert set(names(actor1)) == {"Katiba Serma", "Ansar al-Islam", "Militant factions", "fighters"}
    assert names(actor1)[-2:] == ["Militant factions", "fighters"]  # generic nouns last
    assert names(actor2) == ["army"]


def test_state_forces_of_one_country_are_one_actor_on_the_side_most_mentions_give():
    text = (
        "Jihadists attacked regime forces near Kafr Nabl. The fighting left 12 government soldiers and "
        "9 jihadists dead, and pro-government fighters were killed by Jihadists later."
    )
    ms = [
        at(text, "Jihadists", "S"),
        at(text, "regime forces", "T"),
        at(text, "government soldiers", "S"),  # a weak role label: the cue words around the others win
        at(text, "pro-government fighters", "T"),
    ]
    actor1, actor2 = order_actors(text, ms, [(0, 48), (49, len(text))], "Battles")
    assert names(actor1) == ["Jihadists"]
    assert names(actor2) == ["regime forces"] and len(actor2[0].mentions) == 3


@pytest.mark.parametrize(
    "name, expected",
    [
        ("regime forces", ""),
        ("Syrian army", "syrian"),
        ("military forces of Artsakh", "artsakh"),
        ("pro-government fighters", ""),
        ("Houthi forces", None),
        ("fighters", None),
        ("Hurras al-Deen", None),
    ],
)
def test_state_nationality(name, expected):
    assert state_nationality(name) == expected


def test_tiers_and_edge_words():
    assert [name_tier(n) for n in ("Boko Haram", "army", "militants", "tires")] == [0, 0, 1, 2]
    text = "clashes of forces near Tilan and"
    assert trim_actor(text, 8, 17) == (11, 17)  # "of forces" -> "forces"
    assert trim_actor(text, 29, 32) is None  # "and"


def test_protest_actor1_prefers_the_crowd_word():
    text = "Hundreds of protesters from the Teachers Union marched in Accra."
    ms = [at(text, "Hundreds", "S"), at(text, "protesters", "S"), at(text, "Teachers Union", "S")]
    actor1, _ = order_actors(text, ms, [(0, len(text))], "Protests")
    assert names(actor1)[0] == "protesters"


def test_records_keep_one_actor_per_side_and_every_actor_in_actors():
    text = "Militant factions led by Katiba Serma attacked army posts near Djibo, a local monitor said."
    ms = [
        at(text, "Militant factions", "S"),
        at(text, "Katiba Serma", "S"),
        at(text, "army", "T"),
        at(text, "local monitor", "S"),
        at(text, "Djibo", "Location", head="entities"),
    ]
    sentence = SentenceView(0, len(text), text, [("Battles", 0.9)], [("Armed clash", 0.9)])
    [record] = build_events(text, [sentence], ms, "2021-05-04")
    assert [a["text"] for a in record.actor1] == ["Katiba Serma"]
    assert [a["text"] for a in record.actor2] == ["army"]
    assert [(a["text"], a["side"]) for a in record.actors] == [
        ("Katiba Serma", "actor1"),
        ("Militant factions", "actor1"),
        ("army", "actor2"),
    ]
    for a in record.actors:
        assert text[a["start"] : a["end"]] == a["text"]
