"""CoNLL reading, BIO <-> character spans, and the exact round trip on the real re3d / cameo_ner files."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.data.canonical import DataError
from training.data.conll import (
    load_conll_examples,
    read_conll,
    spans_to_tags,
    split_nested,
    tags_to_spans,
)

RAW = Path(__file__).parent / "data" / "raw"
LABELS = ("Organisation", "Location", "Person")


def write(tmp_path: Path, data: bytes, name: str = "f.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_tab_crlf_and_space_lf_read_the_same(tmp_path):
    crlf = write(tmp_path, b"UN\tB-Organisation\r\nwarned\tO\r\n\r\nGoma\tB-Location\r\n", "a.txt")
    lf = write(tmp_path, b"UN B-Organisation\nwarned O\n\nGoma B-Location\n", "b.txt")
    a, b = read_conll(crlf), read_conll(lf)
    assert [(s.tokens, s.tags, s.lines) for s in a] == [(s.tokens, s.tags, s.lines) for s in b]
    assert [s.tokens for s in a] == [["UN", "warned"], ["Goma"]]
    assert [s.lines for s in a] == [[1, 2], [4]]


def test_bom_trailing_sentence_blank_runs_and_trailing_whitespace(tmp_path):
    data = "\ufeffA\tO\r\n \t\r\n\r\n\r\nB-52\tO \r\nالدفاع\tO\r\n)\tO".encode()
    sents = read_conll(write(tmp_path, data))
    assert [s.tokens for s in sents] == [["A"], ["B-52", "الدفاع", ")"]]
    assert [s.index for s in sents] == [0, 1]
    assert sents[1].lines == [5, 6, 7]


def test_other_unicode_line_breaks_stay_inside_tokens(tmp_path):
    sents = read_conll(write(tmp_path, "a\u2028b\tO\n\u200e\tO\n".encode()))
    assert sents[0].tokens == ["a\u2028b", "\u200e"]


def test_tokens_to_text_and_spans():
    tokens = ["Coalition", "forces", "hit", "Raqqa", "(", "الرقة", ")"]
    tags = ["B-Organisation", "I-Organisation", "O", "B-Location", "O", "B-Location", "O"]
    dec = tags_to_spans(tokens, tags, labels=LABELS)
    assert dec.text == "Coalition forces hit Raqqa ( الرقة )"
    assert [(dec.text[a:b], lab) for a, b, lab in dec.spans] == [
        ("Coalition forces", "Organisation"),
        ("Raqqa", "Location"),
        ("الرقة", "Location"),
    ]
    assert spans_to_tags(dec.text, dec.spans) == (tokens, tags)


def test_adjacent_spans_of_one_type_stay_apart():
    tokens, tags = ["Iraq", "Syria", "Turkey"], ["B-Location", "B-Location", "I-Location"]
    dec = tags_to_spans(tokens, tags, labels=LABELS)
    assert dec.spans == [(0, 4, "Location"), (5, 17, "Location")]
    assert spans_to_tags(dec.text, dec.spans) == (tokens, tags)


@pytest.mark.parametrize(
    "data, line, field, fragment",
    [
        (b"UN\tB-Organisation\nwarned\tB-Weapon\n", 2, "tag", "unknown tag 'B-Weapon'"),
        (b"UN\tB-Organisation\nwarned\tX-Location\n", 2, "tag", "unknown tag 'X-Location'"),
        (b"UN\tB-Organisation\n\nsaid\tO\nthe\tI-Person\n", 4, "tag", "I- without B-"),
        (b"UN\tI-Organisation\n", 1, "tag", "I- without B-"),
        (b"UN\tB-Organisation\nwarned\n", 2, "columns", "wrong column count"),
        (b"UN\tB-Organisation\nNew York\tB-Location\n", 2, "columns", "wrong column count"),
        (b"UN\tB-Organisation\n\tO\n", 2, "columns", "wrong column count"),
        (b"UN\tO\nGo\xffma\tB-Location\n", 2, "token", "not UTF-8"),
        (b"UN\tO\nGoma\tB-Loc\xe9\n", 2, "tag", "not UTF-8"),
    ],
)
def test_bad_input_names_file_line_and_field(tmp_path, data, line, field, fragment):
    path = write(tmp_path, data)
    with pytest.raises(DataError) as err:
        load_conll_examples(path, source="t", split="train", head="entities", labels=LABELS)
    assert (err.value.file, err.value.line, err.value.field) == (str(path), line, field)
    assert fragment in str(err.value) and f"{path}:{line}" in str(err.value)


def test_skip_bad_keeps_neighbours_and_their_ids(tmp_path):
    data = (
        b"UN\tB-Organisation\n\n"
        b"bad\tB-Weapon\nsentence\tO\n\n"
        b"no tab here at all\nmore\tO\n\n"
        b"Goma\tB-Location\n"
    )
    rejects: list[DataError] = []
    exs, _ = load_conll_examples(
        write(tmp_path, data),
        source="t",
        split="train",
        head="entities",
        labels=LABELS,
        skip_bad=True,
        rejects=rejects,
    )
    assert [e.id for e in exs] == ["t-train-0", "t-train-3"]
    assert [e.text for e in exs] == ["UN", "Goma"]
    assert [(r.line, r.field) for r in rejects] == [(3, "tag"), (6, "columns")]


@pytest.mark.parametrize(
    "tags, spans",
    [
        # the three shapes found in cameo_ner: an outer span interrupted by, or opened by, an inner one
        (["B-S", "B-T", "I-S", "O"], [(0, 5, "S"), (2, 3, "T")]),
        (["B-T", "I-S", "I-S", "O"], [(0, 5, "S"), (0, 1, "T")]),
        (["B-S", "I-S", "B-T", "I-S"], [(0, 7, "S"), (4, 5, "T")]),
    ],
)
def test_orphan_inside_a_span_reads_as_nesting_and_round_trips(tags, spans):
    tokens = ["a", "b", "c", "d"]
    with pytest.raises(DataError, match="I- without B-"):
        tags_to_spans(tokens, tags, labels=("S", "T"))
    dec = tags_to_spans(tokens, tags, labels=("S", "T"), orphan_i="nest")
    assert dec.spans == spans and dec.nested == 1
    assert spans_to_tags(dec.text, dec.spans) == (tokens, tags)
    outer, inner = split_nested(dec.spans)
    assert outer == [spans[0]] and inner == [spans[1]]


def test_loader_keeps_outer_spans_and_moves_inner_ones_to_meta(tmp_path):
    path = write(tmp_path, b"The B-S\nUS B-T\nPresident I-S\nspoke O\n")
    exs, nested = load_conll_examples(path, source="c", split="train", head="roles", labels=("S", "T", "R"))
    assert nested == 1
    assert exs[0].spans == {"roles": [(0, 16, "S")]}
    assert exs[0].meta["nested_inner_spans"] == [[4, 6, "T"]]
    inner = [tuple(s) for s in exs[0].meta["nested_inner_spans"]]
    assert spans_to_tags(exs[0].text, exs[0].spans["roles"] + inner)[1] == ["B-S", "B-T", "I-S", "O"]


_TAG = st.sampled_from(["O", "B-X", "I-X", "B-Y", "I-Y", "B-Z", "I-Z"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_TAG, min_size=1, max_size=12))
def test_every_decodable_tag_sequence_round_trips(tags):
    tokens = [f"t{i}" for i in range(len(tags))]
    try:
        dec = tags_to_spans(tokens, tags, labels=("X", "Y", "Z"), orphan_i="nest")
    except DataError as err:
        assert "I- without B-" in str(err)
        return
    assert spans_to_tags(dec.text, dec.spans) == (tokens, tags)
    outer, _ = split_nested(dec.spans)
    assert all(a[1] <= b[0] for a, b in zip(outer, outer[1:], strict=False))  # outer spans are flat


@pytest.mark.parametrize(
    "spans, fragment",
    [
        ([(0, 99, "X")], "out of range"),
        ([(-1, 2, "X")], "out of range"),
        ([(1, 5, "X")], "token boundaries"),
        ([(0, 5, "X"), (3, 8, "Y")], "cross"),
        ([(0, 5, "X"), (0, 5, "Y")], "same tokens"),
    ],
)
def test_spans_to_tags_rejects_unwritable_spans(spans, fragment):
    with pytest.raises(DataError, match=fragment) as err:
        spans_to_tags("ab cd ef", spans)
    assert err.value.field == "spans"


def _round_trip(path: Path, labels, head: str) -> tuple[int, int]:
    """(sentences, nested) after checking that every sentence converts back to its original tokens and tags."""
    original = read_conll(path)
    examples, nested = load_conll_examples(path, source="x", split="train", head=head, labels=labels)
    assert len(examples) == len(original)
    for sent, ex in zip(original, examples, strict=True):
        inner = [tuple(s) for s in ex.meta.get("nested_inner_spans", [])]
        assert spans_to_tags(ex.text, ex.spans[head] + inner) == (sent.tokens, sent.tags), ex.id
    return len(examples), nested


def test_round_trip_on_fixtures():
    from training.data.sources import cameo, re3d

    assert _round_trip(RAW / "conflibert_re3d" / "train.txt", re3d.LABELS, "entities") == (3, 0)
    assert _round_trip(RAW / "conflibert_cameo_ner" / "train.txt", cameo.NER_LABELS, "roles") == (7, 1)


def test_round_trip_on_every_real_re3d_and_cameo_sentence(shared_data):
    from training.data.sources import cameo, re3d

    re3d_dir = shared_data / "conflibert_re3d"
    assert _round_trip(re3d_dir / "train.txt", re3d.LABELS, "entities") == (574, 0)
    assert _round_trip(re3d_dir / "dev.txt", re3d.LABELS, "entities") == (191, 0)
    # 3 sentences tag a target inside a source phrase (B-S B-T I-S / B-T I-S ...): read as nested spans
    assert _round_trip(shared_data / "conflibert_cameo_ner" / "train.txt", cameo.NER_LABELS, "roles") == (
        1153,
        3,
    )
