"""The ``places`` spans of ACLED notes: where a note names its row's location, admin2 or admin1."""

from __future__ import annotations

from training.data.boilerplate import rewrite_examples
from training.data.canonical import Example
from training.data.sources.acled_place_spans import place_spans


def _texts(text, meta):
    return [text[s:e] for s, e, label in place_spans(text, meta) if label == "Location"]


def test_every_place_column_the_note_names_is_marked_in_text_order():
    text = (
        "On 26 December, militants kidnapped two civilians in the Liboi area (Dadaab, Garissa) near Somalia."
    )
    meta = {"location": "Liboi", "admin2": "Dadaab", "admin1": "Garissa", "country": "Kenya"}
    assert _texts(text, meta) == ["Liboi", "Dadaab", "Garissa"]  # the country column is not a place span


def test_compound_names_are_found_whole_or_by_their_parts_and_never_overlap():
    meta = {"location": "Athens-Central Athens", "admin2": "Athens", "admin1": "Attica"}
    assert _texts("Rioters clashed in Athens-Central Athens (Attica).", meta) == [
        "Athens-Central Athens",
        "Attica",
    ]
    assert _texts("Rioters clashed in Central Athens.", meta) == ["Central Athens"]
    meta = {"location": "Mogadishu - Wadajir", "admin1": "Banadir"}
    assert _texts("A grenade hit Wadajir district of Mogadishu.", meta) == ["Wadajir", "Mogadishu"]


def test_only_whole_words_as_written():
    meta = {"location": "Bay", "admin1": "Al-Hasakeh"}
    assert _texts("Boats in the bay of Baydhabo, Bay region.", meta) == ["Bay"]
    # "Hasakeh" inside "Al-Hasakeh" is not a second span; standing alone it names the same province
    assert _texts("Shelling hit Al-Hasakeh and Hasakeh.", meta) == ["Al-Hasakeh", "Hasakeh"]
    assert _texts("No place here.", meta) == []


def test_rewritten_notes_keep_the_spans_on_the_words_that_remain():
    text = "On 21 March 2020, police dispersed protesters in Kondele (Kisumu Central, Kisumu)."
    ex = Example(id="n1", text=text, spans={"places": place_spans(text, {"location": "Kondele",
                 "admin2": "Kisumu Central", "admin1": "Kisumu"})}, labels={})  # fmt: skip
    (out,) = rewrite_examples([ex], "strip", seed=13)
    assert out.text != text
    got = [out.text[s:e] for s, e, _ in out.spans["places"]]
    assert "Kondele" in got and all(t in {"Kondele", "Kisumu Central", "Kisumu"} for t in got), (
        out.text,
        got,
    )
