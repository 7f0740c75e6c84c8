"""Place specificity of Location spans that are only a direction ("northwest" cut from "northwest Syria")."""

from __future__ import annotations

import pytest

from inference.events.inputs import Mention
from inference.events.locations import COUNTRY, PLACE, REGION, place_level


def level(text: str, span: str) -> int:
    s = text.index(span)
    return place_level(text, Mention(s, s + len(span), "Location", span))


@pytest.mark.parametrize(
    "text, span, expected",
    [
        ("an offensive in northwest Syria, sparking clashes", "northwest", COUNTRY),
        ("fighting in eastern Democratic Republic of Congo", "eastern", COUNTRY),
        ("clashes in northwest Hama province", "northwest", REGION),
        ("attacks on towns in the north.", "the north", REGION),
        ("militants attacked Kolo on Monday.", "Kolo", PLACE),
    ],
)
def test_a_direction_alone_is_a_region_or_part_of_the_country_after_it(text, span, expected):
    assert level(text, span) == expected
