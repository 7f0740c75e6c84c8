"""Fuzzing the Tagger and ``conflict-tag`` on the tiny random model with hypothesis.

Properties: every article comes back once, in order; every span and sentence offset indexes the caller's
original text (``original[start:end] == text``), in text order; scores are finite numbers that JSON can hold;
``conflict-tag`` accounts for every non-blank input line: tagged or in the errors file, never both or neither.
An untrained model predicts spans all over the text, which is what offset checks want.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pytest
import torch
from fuzz_strategies import FAST, NASTY, SLOW, nasty_text
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.batch.cli import main as tag_main
from inference.batch.output_record import output_record
from inference.results import Article
from inference.tagger import Tagger

# one folder per test session for the many per-example files, removed when the session ends
_SCRATCH = tempfile.TemporaryDirectory(prefix="fuzz-session-")

WORDS = ["Rebels", "attacked", "the", "village", "Police", "Kabul", ".", "!", "?", "\u2019s", "3", "Mr."]
article_text = st.one_of(
    nasty_text,
    st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(NASTY)), max_size=60).map(" ".join),
    st.sampled_from(["", " ", "\n\n\t", "\x00", "date 2020-01-01\n", "\u200f\u202e"]),
)


@pytest.fixture(scope="module")
def tagger(tiny_model):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield Tagger.from_pretrained(tiny_model, device="cpu")
    torch.set_num_threads(before)


def _check_offsets(original: str, start: int, end: int, text: str) -> None:
    assert 0 <= start <= end <= len(original)
    assert original[start:end] == text


def check_tagging(tagger: Tagger, texts: list[str], batch_size: int) -> None:
    articles = [Article(f"a{i}", t, None) for i, t in enumerate(texts)]
    results = tagger.tag_articles(articles, batch_size)
    assert [r.id for r in results] == [a.id for a in articles]
    for art, res in zip(articles, results):
        last = 0
        for s in res.sentences:
            _check_offsets(art.text, s.start, s.end, s.text)
            assert s.start >= last  # in order, not overlapping
            last = s.end
            assert s.text.strip()
        for spans in res.spans.values():
            assert [s.start for s in spans] == sorted(s.start for s in spans)
            for s in spans:
                _check_offsets(art.text, s.start, s.end, s.text)
                assert s.end > s.start and math.isfinite(s.score)
                assert any(x.start <= s.start and s.end <= x.end for x in res.sentences)
        record = output_record(res, tagger.heads, ndigits=4)
        json.dumps(record, allow_nan=False, ensure_ascii=False).encode("utf-8")


tag_args = dict(texts=st.lists(article_text, min_size=1, max_size=4), batch_size=st.integers(1, 8))


@FAST
@given(**tag_args)
def test_fuzz_tagger_offsets_index_the_original_text(tagger, texts, batch_size):
    check_tagging(tagger, texts, batch_size)


@pytest.mark.slow
@SLOW
@given(**tag_args)
def test_fuzz_tagger_offsets_index_the_original_text_slow(tagger, texts, batch_size):
    check_tagging(tagger, texts, batch_size)


def test_long_article_keeps_offsets_across_windows(tagger):
    """A 200 kB article of mixed scripts (many windows per sentence, sentences of every length)."""
    piece = "Rebels attacked \u0627\u0644\u062c\u064a\u0634 in Kabul e\u0301 \U0001f468\u200d\U0001f469 \x00 "
    text = (piece * 20 + "\r\n" + piece * 3 + ". ") * 170
    assert len(text) > 150_000
    check_tagging(tagger, [text, "Police arrested two men."], 16)


# ---- conflict-tag: every line accounted for ------------------------------------------------------------------
cli_lines = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["a", "b", "c", "a"]), article_text),  # repeated ids are rejected
        st.binary(max_size=40),
        st.sampled_from([b'{"id": 1, "text": ["x"]}', b'{"id": true, "text": "x"}', b"[" * 5000]),
    ),
    min_size=1,
    max_size=8,
)


def check_cli(model: Path, lines: list, chunk_size: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-cli-", dir=_SCRATCH.name))
    raw = [
        json.dumps({"id": x[0], "text": x[1]}, ensure_ascii=False).encode()
        if isinstance(x, tuple)
        else x.replace(b"\n", b" ")
        for x in lines
    ]
    src = folder / "in.jsonl"
    src.write_bytes(b"\n".join(raw) + b"\n")
    out = folder / "out.jsonl"
    code = tag_main([str(src), "--model", str(model), "-o", str(out), "--chunk-size", str(chunk_size), "-q"])
    tagged = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    errors = [
        json.loads(x) for x in (folder / "out.jsonl.errors.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    body = raw[:]
    if body and body[0].startswith(b"\xef\xbb\xbf"):
        body[0] = body[0][3:]
    expected = [i + 1 for i, line in enumerate(body) if line.strip()]
    assert len(tagged) + len(errors) == len(expected)
    assert code == (1 if errors else 0)
    assert len({r["id"] for r in tagged}) == len(tagged)
    assert all(e["location"].startswith(f"{src}:") and e["reason"] for e in errors)
    error_lines = {int(e["location"].rsplit(":", 1)[1]) for e in errors}
    assert error_lines <= set(expected) and len(error_lines) == len(errors)


@settings(FAST, max_examples=25)
@given(lines=cli_lines, chunk_size=st.integers(1, 4))
def test_fuzz_conflict_tag_accounts_for_every_line(tiny_model, lines, chunk_size):
    check_cli(tiny_model, lines, chunk_size)
