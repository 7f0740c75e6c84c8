"""Dump text -> normalised text with an exact offset map; the rule-based sentence splitter."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.text.normalize import _REPLACE, normalize_text, parse_date_prefix
from inference.text.sentences import split_sentences


def _sentences(text):
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Gen. Smith met Mr. Jones. They talked.", ["Gen. Smith met Mr. Jones.", "They talked."]),
        (
            "Abdel R. Rahman said J. K. Smith left. Then it rained.",
            ["Abdel R. Rahman said J. K. Smith left.", "Then it rained."],
        ),
        (
            "Troops from the U.S. Army left. The talks in the U.S. The end.",
            ["Troops from the U.S. Army left.", "The talks in the U.S.", "The end."],
        ),
        (
            "U.S. forces left on Jan. 5. Prices rose 3.5 percent.",
            ["U.S. forces left on Jan. 5.", "Prices rose 3.5 percent."],
        ),
        ('He said: "We will fight." Then he left.', ['He said: "We will fight."', "Then he left."]),
        (
            "They left, \u201cfor good.\u201d The town was calm.",
            ["They left, \u201cfor good.\u201d", "The town was calm."],
        ),
        ("It ended. \u201cWe won,\u201d he said.", ["It ended.", "\u201cWe won,\u201d he said."]),
        ("Is it over? Yes! 12 people died.", ["Is it over?", "Yes!", "12 people died."]),
        (
            "A headline without a period\nThe story starts here.",
            ["A headline without a period", "The story starts here."],
        ),
        (
            "See e.g. the report. It is long...  Next one.",
            ["See e.g. the report.", "It is long...", "Next one."],
        ),
        ("   ", []),
    ],
)
def test_sentence_boundaries(text, expected):
    assert _sentences(text) == expected


def test_sentence_ranges_are_trimmed_and_cover_the_words():
    text = "  One here.   Two there.\n\nThree.  "
    ranges = split_sentences(text)
    assert [text[a:b] for a, b in ranges] == ["One here.", "Two there.", "Three."]
    assert all(not text[a].isspace() and not text[b - 1].isspace() for a, b in ranges)


@pytest.mark.parametrize(
    "text, date, body",
    [
        ("date 2023-09-14\nMAIDUGURI, Nigeria", "2023-09-14", "MAIDUGURI"),
        (" date 2020-06-08 BEIRUT, June 8", "2020-06-08", "BEIRUT"),
        ("Date 2020-06-08\r\nX", "2020-06-08", "X"),
        ("date 2020-13-45 Not a date", None, "date"),
        ("dated 2020-06-08", None, "dated"),
        ("No prefix here", None, "No"),
    ],
)
def test_date_prefix(text, date, body):
    found, start = parse_date_prefix(text)
    assert found == date
    assert text[start:].lstrip().startswith(body)


def _check_offsets(original, norm):
    assert len(norm.offsets) == len(norm.text)
    assert list(norm.offsets) == sorted(set(norm.offsets))  # strictly increasing
    for c, i in zip(norm.text, norm.offsets):
        o = original[i]
        if c in " \n":
            assert o.isspace(), (c, o)
        else:
            assert c == o or (c in "'\"-" and not o.isascii()), (c, o)


def test_hard_wrapped_lines_with_blank_line_spacing_become_one_paragraph():
    original = (
        " date 2020-06-08 BEIRUT (AFP) \u2013 An offshoot led an\n\noffensive on \u201cthe\n\nvillage\u201d, "
        "Hurras al-\n\nDeen said.\n\nThey left.\n\n"
    )
    norm = normalize_text(original)
    assert norm.date == "2020-06-08"
    assert (
        norm.text
        == 'BEIRUT (AFP) - An offshoot led an offensive on "the village", Hurras al-Deen said. They left.'
    )
    _check_offsets(original, norm)
    s, e = norm.to_original(
        norm.text.index("the village"), norm.text.index("the village") + len("the village")
    )
    assert original[s:e] == "the\n\nvillage"


def test_paragraphs_are_kept_when_blank_lines_separate_paragraphs():
    original = (
        "date 2023-06-03\nDAKAR, Senegal - Police fired\ntear gas on Friday.\n\nThe protesters, many of\n"
        "them students, gathered\nin the city\n\nA title line\n"
    )
    norm = normalize_text(original)
    assert norm.text.split("\n") == [
        "DAKAR, Senegal - Police fired tear gas on Friday.",
        "The protesters, many of them students, gathered in the city",
        "A title line",
    ]
    _check_offsets(original, norm)
    # the paragraph break ends a sentence even without a period
    assert _sentences(norm.text)[-2:] == [
        "The protesters, many of them students, gathered in the city",
        "A title line",
    ]


def test_dropped_invisible_characters_and_whitespace_runs_keep_offsets():
    original = "Soft\u00adhyphen\u200b and\t\t tabs \u00a0 here."
    norm = normalize_text(original)
    assert norm.text == "Softhyphen and tabs here."
    _check_offsets(original, norm)
    a = norm.text.index("Softhyphen")
    s, e = norm.to_original(a, a + len("Softhyphen"))
    assert original[s:e] == "Soft\u00adhyphen"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "word",
                "Mr.",
                "3.5",
                "U.S.",
                "\u201c",
                "\u201d",
                "\u2019",
                "\u2014",
                "-",
                ".",
                " ",
                "  ",
                "\n",
                "\n\n",
                "\t",
                "\u00a0",
                "\u200b",
                "date 2020-01-02 ",
            ]
        ),
        max_size=40,
    )
)
def test_offset_map_is_exact_for_any_mix(parts):
    original = "".join(parts)
    norm = normalize_text(original)
    _check_offsets(original, norm)
    assert norm.text == norm.text.strip()
    for a, b in split_sentences(norm.text):
        s, e = norm.to_original(a, b)
        assert not original[s].isspace() and not original[e - 1].isspace()
        # the same visible characters, in the same order, as the normalised sentence
        assert _visible(original[s:e]) == _visible(norm.text[a:b])


def _visible(text):
    return "".join(c for c in text.translate(_REPLACE) if not c.isspace() and c not in "\u00ad\u200b")
