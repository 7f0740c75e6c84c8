"""ACLED actor categories: interaction codes (checked against every numeric row of the real exports) and the
ACLED-style names of generic state forces."""

from __future__ import annotations

import csv

import pytest

from inference.events.actor_types import (
    INTER_CODES,
    NO_ACTOR2,
    interaction_code,
    is_generic_state_force,
    state_force_name,
)
from training.data import acled_taxonomy


@pytest.mark.parametrize(
    ("inter1", "inter2", "code"),
    [
        ("State forces", "Rebel group", 12),
        ("Rebel group", "State forces", 12),  # unordered: the lower code first
        ("Civilians", "State forces", 17),
        ("State forces", "State forces", 11),
        ("Protesters", NO_ACTOR2, 60),
        ("State forces", NO_ACTOR2, 10),
        ("External/Other forces", "Political militia", 38),
        ("State forces", None, None),  # inter2 unknown
        (None, "Civilians", None),
        ("Aliens", "Civilians", None),
    ],
)
def test_interaction_code(inter1, inter2, code):
    assert interaction_code(inter1, inter2) == code


def test_categories_agree_with_the_training_taxonomy():
    assert {name: str(code) for name, code in INTER_CODES.items()} == {
        v: k for k, v in acled_taxonomy.INTER_CODES.items()
    }
    assert NO_ACTOR2 == acled_taxonomy.NO_ACTOR2


def test_interaction_matches_acleds_own_column(shared_data):
    names = acled_taxonomy.INTER_CODES
    checked = 0
    for path in [
        shared_data / "acled_global_2020_RPanlilio" / "acled.csv",
        *sorted((shared_data / "acled_extra").glob("*.csv")),
    ]:
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            for row in csv.DictReader(fh):
                i1, i2, ix = (row.get(k, "").strip() for k in ("inter1", "inter2", "interaction"))
                if not (i1.isdigit() and i2.isdigit() and ix.isdigit()):
                    continue
                inter2 = NO_ACTOR2 if i2 == "0" else names[i2]
                assert interaction_code(names[i1], inter2) == int(ix), (path.name, row.get("event_id_cnty"))
                checked += 1
    assert checked > 5000


@pytest.mark.parametrize(
    ("text", "inter", "country", "name"),
    [
        ("the army", "State forces", "Syria", "Military Forces of Syria"),
        ("regime forces", "State forces", "Syria", "Military Forces of Syria"),
        ("Security forces", "State forces", "Nigeria", "Military Forces of Nigeria"),
        ("soldiers", "State forces", "Mali", "Military Forces of Mali"),
        ("police", "State forces", "Kenya", "Police Forces of Kenya"),
        ("riot policemen", "State forces", "Kenya", None),  # "riot" is not a generic word: left as written
        ("the army", "State forces", None, None),  # country unknown
        ("the army", "Rebel group", "Syria", None),  # not typed State forces
        ("Syrian Democratic Forces", "State forces", "Syria", None),  # names itself
        ("the", "State forces", "Syria", None),
    ],
)
def test_state_force_names(text, inter, country, name):
    assert state_force_name(text, inter, country) == name


def test_generic_state_force_words():
    assert is_generic_state_force("government troops") and is_generic_state_force("The Police")
    assert not is_generic_state_force("Hurras al-Deen") and not is_generic_state_force("")
