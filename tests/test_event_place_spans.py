"""Location spans cleaned into place names: joined, split, stripped of generic nouns, most specific first."""

from __future__ import annotations

import pytest

from inference.events.inputs import Mention
from inference.events.locations import REGION, SITE, rank_places
from inference.events.place_spans import clean_places


def spans(text: str, *parts: str) -> list[Mention]:
    out, at = [], 0
    for p in parts:
        s = text.index(p, at)
        out.append(Mention(s, s + len(p), "Location", p))
        at = s + len(p)
    return out


@pytest.mark.parametrize(
    "text, parts, expected",
    [
        # a list cut inside a hyphenated name
        (
            "They seized the villages of Al-Kafr and Al-Tuwayni.",
            ("villages of Al", "Kafr and Al-Tuwayni"),
            ["Al-Kafr", "Al-Tuwayni"],
        ),
        # a name cut at a space, and a bracketed admin area
        (
            "Clashes near Wadi al Rabi (Aljfara) left two dead.",
            ("Wadi al", "Rabi (Aljfara"),
            ["Wadi al Rabi", "Aljfara"],
        ),
        (
            "Shelling hit the area of Spartak, Donetsk.",
            ("the area of Spartak, Donetsk",),
            ["Spartak", "Donetsk"],
        ),
        ("Police fired at protesters in Vijayawada city.", ("in Vijayawada city",), ["Vijayawada city"]),
        ("Troops deployed across Jammu and Kashmir.", ("Jammu and Kashmir",), ["Jammu and Kashmir"]),
        ("Rebels attacked near the town.", ("near",), []),
        # a nationality adjective tagged as a place is not one; names that end alike but are longer stay
        (
            "Clashes in Sahl al-Ghab, the Syrian Observatory said; Lebanese and Kurdish fighters fled to Iran.",
            ("Sahl al-Ghab", "Syrian", "Lebanese", "Kurdish", "Iran"),
            ["Sahl al-Ghab", "Iran"],
        ),
        ("Fighting in Syrian Arab Republic territory.", ("Syrian Arab Republic",), ["Syrian Arab Republic"]),
    ],
)
def test_clean_places(text, parts, expected):
    cleaned = clean_places(text, spans(text, *parts))
    assert [m.text for m in cleaned] == expected
    assert all(text[m.start : m.end] == m.text for m in cleaned)


def test_fragments_give_the_named_places_most_specific_first():
    text = (
        "Fighters attacked two villages in Sahl al-Ghab, a region of the central province of Idlib. They seized "
        "the villages of Al-Kafr and Al-Tuwayni in northwest Syria."
    )
    ms = spans(
        text,
        "villages in",
        "Sahl al-Ghab",
        "region",
        "the central province of Idlib",
        "villages of Al",
        "Kafr and Al-Tuwayni",
        "northwest",
        "Syria",
    )
    places = rank_places(text, ms)
    assert [p.text for p in places] == ["Al-Kafr", "Al-Tuwayni", "Sahl al-Ghab", "Idlib", "northwest Syria"]
    assert [p.level for p in places[:4]] == [SITE, SITE, REGION, REGION]


def test_a_generic_place_is_kept_only_when_nothing_is_named():
    text = "Gunmen attacked farmers in the village at dawn."
    assert [p.text for p in rank_places(text, spans(text, "the village"))] == ["village"]
