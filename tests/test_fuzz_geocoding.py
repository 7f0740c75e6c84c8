"""Fuzzed place names (any unicode, empty, very long) through the name keys, the gazetteer and the geocoder."""

from __future__ import annotations

import pytest
from fuzz_strategies import FAST, nasty_text
from hypothesis import given
from hypothesis import strategies as st

from inference.events.geocoding import geocode_places
from inference.events.records import GEO_FIELDS
from inference.geo.gazetteer import Gazetteer
from inference.geo.names import name_key, split_place

NAMES = st.one_of(
    nasty_text, st.just(""), st.text(min_size=5000, max_size=20000), st.sampled_from(["Hama", "Syria"])
)
LEVELS = st.sampled_from([None, "site", "place", "region", "country"])


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.open()


@FAST
@given(NAMES)
def test_name_keys_are_short_and_stable(name):
    key = name_key(name)
    assert key == name_key(key) or not key.isascii() or key.isalnum()
    assert len(key) <= 400 and " " not in key
    bare, hint = split_place(name)
    assert hint in (None, "region", "site") and len(bare) <= max(len(name), 1)


@FAST
@given(st.lists(st.tuples(NAMES, LEVELS), max_size=4), st.lists(NAMES, max_size=4))
def test_any_names_give_well_formed_geo_fields(gazetteer, places, context):
    geo = geocode_places(places, context, gazetteer)
    assert list(geo) == list(GEO_FIELDS)
    assert geo["geo_status"] in ("found", "country_only", "not_found")
    has_point = geo["latitude"] is not None
    assert has_point == (geo["geo_status"] == "found") == (geo["longitude"] is not None)
    assert (geo["geo_precision"] in (1, 2, 3)) == has_point
    if geo["geo_status"] != "not_found":
        assert geo["iso"] and geo["country"]
    # one known place beside any unknown ones is still found
    extended = geocode_places([*places, ("Hama", "place")], [*context, "Syria"], gazetteer)
    assert extended["geo_status"] == "found"
