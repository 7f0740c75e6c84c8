"""Token-per-line BIO files (CoNLL style) <-> canonical text + character spans.

Format read: one ``token<SEP>tag`` per line, where SEP is a run of tabs/spaces (re3d: tab + CRLF; cameo_ner: one
space + LF); a blank (or whitespace-only) line ends a sentence; a BOM, CRLF, trailing tabs/spaces and a last
sentence without a final blank line are accepted.  Lines are split on ``\\n`` only (never on other Unicode line
breaks, which may sit inside a token).

Text is the tokens joined by single spaces, so ``spans_to_tags`` can split it back exactly.

Orphan ``I-X`` tags (an ``I-X`` not preceded by ``B-X``/``I-X``).  ``orphan_i="error"`` (strict) rejects them.
``orphan_i="nest"`` accepts the one pattern that can be decoded losslessly: an ``I-X`` right after a span of
another type ``Y`` is read as an outer ``X`` span that contains that ``Y`` span (a nested entity flattened by the
CoNLL export, e.g. ``The/B-S US/B-T President/I-S`` -> S "The US President" containing T "US";
``Thailand/B-T 's/I-S King/I-S`` -> S "Thailand 's King" containing T "Thailand").  ``spans_to_tags`` writes
nested spans back the same way (the innermost span's tag wins a token; the outer span resumes with ``I-``), so
the round trip gives the original tags.  An ``I-X`` after ``O`` or at a sentence start has no such reading and
stays an error in both modes.

Canonical examples must have flat spans per head (a token head cannot train on overlapping spans), so
``load_conll_examples`` keeps the OUTER span of each nest in ``spans`` (the longest span, as re3d resolves its
own overlaps) and moves the inner ones to ``meta["nested_inner_spans"]``: nothing is lost, and
``spans_to_tags(text, spans + nested_inner_spans)`` gives back the original tags.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from training.data.canonical import DataError, Example, Span

logger = logging.getLogger(__name__)

OrphanPolicy = Literal["error", "nest"]

_SEP = re.compile(r"[ \t]+")
_BOM = b"\xef\xbb\xbf"


@dataclass
class Sentence:
    """One sentence of a CoNLL file: tokens, their tags and the file line of each token (1-based)."""

    tokens: list[str]
    tags: list[str]
    lines: list[int]
    file: str
    index: int  # position among all sentences of the file, rejected ones included


@dataclass
class Decoded:
    """Text and spans of one sentence; ``nested`` counts orphan ``I-`` tags read as nested spans."""

    text: str
    spans: list[Span]
    nested: int = 0


@dataclass
class _OpenSpan:
    label: str
    start: int  # token index
    end: int  # token index, inclusive


@dataclass
class _Reader:
    path: str
    skip_bad: bool
    rejects: list[DataError] | None
    index: int = 0
    tokens: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    error: DataError | None = None

    def add(self, lineno: int, raw: bytes) -> None:
        if self.error is not None:
            return  # the sentence is already rejected; skip to its end
        try:
            token, tag = _split_line(raw, self.path, lineno)
        except DataError as err:
            if not self.skip_bad:
                raise
            self.error = err
            return
        self.tokens.append(token)
        self.tags.append(tag)
        self.lines.append(lineno)

    def flush(self) -> Sentence | None:
        has_content = bool(self.tokens) or self.error is not None
        if not has_content:
            return None
        sentence = None
        if self.error is not None:
            if self.rejects is not None:
                self.rejects.append(self.error)
        else:
            sentence = Sentence(self.tokens, self.tags, self.lines, self.path, self.index)
        self.index += 1
        self.tokens, self.tags, self.lines, self.error = [], [], [], None
        return sentence


def _split_line(raw: bytes, path: str, lineno: int) -> tuple[str, str]:
    """Split one non-blank line into (token, tag); undecodable bytes are blamed on the field holding them."""
    text = raw.decode("utf-8", errors="surrogateescape")
    fields = _SEP.split(text.rstrip(" \t"))
    if len(fields) != 2 or not fields[0]:
        raise DataError(
            f"wrong column count: expected 'token<tab or space>tag', got {len(fields)} field(s) "
            f"in {text[:60]!r}",
            file=path,
            line=lineno,
            field="columns",
        )
    for name, value in zip(("token", "tag"), fields, strict=True):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise DataError(
                f"undecodable bytes (not UTF-8) at character {e.start}", file=path, line=lineno, field=name
            ) from e
    return fields[0], fields[1]


def iter_conll(
    path: str | os.PathLike, *, skip_bad: bool = False, rejects: list[DataError] | None = None
) -> Iterator[Sentence]:
    """Stream the sentences of a CoNLL file; with ``skip_bad`` a sentence with a bad line goes to ``rejects``."""
    path_str = str(path)
    data = Path(path).read_bytes()
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    reader = _Reader(path_str, skip_bad, rejects)
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if raw.strip(b" \t"):
            reader.add(lineno, raw)
            continue
        sentence = reader.flush()
        if sentence is not None:
            yield sentence
    sentence = reader.flush()
    if sentence is not None:
        yield sentence


def read_conll(path: str | os.PathLike, **kwargs) -> list[Sentence]:
    """All sentences of a CoNLL file (see ``iter_conll``)."""
    return list(iter_conll(path, **kwargs))


def tokens_to_text(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join tokens with single spaces; returns the text and each token's [start, end) character offsets."""
    offsets: list[tuple[int, int]] = []
    pos = 0
    for tok in tokens:
        if not tok or " " in tok:
            raise ValueError(f"token {tok!r} is empty or contains a space; the text could not be split back")
        offsets.append((pos, pos + len(tok)))
        pos += len(tok) + 1
    return " ".join(tokens), offsets


def _check_tag(tag: str, labels: Collection[str] | None) -> tuple[str, str]:
    """(prefix, label) of a BIO tag; ValueError if malformed or its label is unknown."""
    if tag == "O":
        return "O", ""
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in ("B", "I") or not label:
        raise ValueError(f"unknown tag {tag!r}: expected O, B-<label> or I-<label>")
    if labels is not None and label not in labels:
        raise ValueError(f"unknown tag {tag!r}: label {label!r} is not one of {', '.join(sorted(labels))}")
    return prefix, label


def tags_to_spans(
    tokens: Sequence[str],
    tags: Sequence[str],
    *,
    labels: Collection[str] | None = None,
    orphan_i: OrphanPolicy = "error",
    file: str | None = None,
    lines: Sequence[int] | None = None,
) -> Decoded:
    """Tokens + BIO tags -> text and character spans (sorted by start, then longest first).

    ``labels`` restricts the allowed span labels; errors name ``file`` and the token's line from ``lines``.
    """
    if len(tokens) != len(tags):
        raise ValueError(f"{len(tokens)} tokens but {len(tags)} tags")
    text, offsets = tokens_to_text(tokens)

    def fail(i: int, msg: str) -> DataError:
        return DataError(msg, file=file, line=lines[i] if lines is not None else None, field="tag")

    done: list[_OpenSpan] = []
    current: _OpenSpan | None = None
    suspended: _OpenSpan | None = None  # the span that was open when ``current`` began with B- (may resume)
    nested = 0
    for i, tag in enumerate(tags):
        try:
            prefix, label = _check_tag(tag, labels)
        except ValueError as e:
            raise fail(i, str(e)) from None
        if prefix == "I" and current is not None and current.label == label:
            current.end = i
            continue
        if prefix == "I":
            if current is None or orphan_i != "nest":
                before = f"after {tags[i - 1]!r}" if i else "at the sentence start"
                raise fail(i, f"I- without B-: {tag!r} {before}")
            nested += 1
            done.append(current)
            if suspended is not None and suspended.label == label:
                outer, suspended = suspended, None  # resume the span the inner one interrupted
                done = [s for s in done if s is not outer]
            else:
                outer = _OpenSpan(label, current.start, i)  # the inner span opened the outer one
            outer.end = i
            current = outer
            continue
        if current is not None:
            done.append(current)
        if prefix == "B":
            suspended = current  # it may resume after the new span (nesting); it is already in ``done``
            current = _OpenSpan(label, i, i)
        else:
            current, suspended = None, None
    if current is not None:
        done.append(current)
    spans = sorted(
        ((offsets[s.start][0], offsets[s.end][1], s.label) for s in done), key=lambda s: (s[0], -s[1], s[2])
    )
    return Decoded(text=text, spans=spans, nested=nested)


def spans_to_tags(text: str, spans: Sequence[Span]) -> tuple[list[str], list[str]]:
    """Inverse of ``tags_to_spans``: split ``text`` on single spaces and tag each token with BIO.

    Spans must start and end on token boundaries and be disjoint or nested (not crossing); a token covered by
    several spans takes the innermost one's tag, ``B-`` on that span's first token and ``I-`` after it.
    """
    tokens = text.split(" ")
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    pos = 0
    for i, tok in enumerate(tokens):
        starts[pos] = i
        ends[pos + len(tok)] = i
        pos += len(tok) + 1
    token_spans: list[tuple[int, int, str]] = []
    for k, (start, end, label) in enumerate(spans):
        if not 0 <= start < end <= len(text):
            raise DataError(
                f"span {k} [{start}, {end}) out of range for text of length {len(text)}", field="spans"
            )
        if start not in starts or end not in ends:
            raise DataError(
                f"span {k} [{start}, {end}) {text[start:end]!r} does not start and end on token boundaries",
                field="spans",
            )
        token_spans.append((starts[start], ends[end], label))
    # Outer spans first, so inner spans overwrite the tokens they cover.
    token_spans.sort(key=lambda s: (-(s[1] - s[0]), s[0], s[2]))
    owner: list[int | None] = [None] * len(tokens)
    for k, (first, last, _label) in enumerate(token_spans):
        covered = {owner[t] for t in range(first, last + 1)}
        for other in covered - {None}:
            o_first, o_last, _ = token_spans[other]
            if not o_first <= first <= last <= o_last:
                raise DataError(
                    f"spans {token_spans[other]} and {token_spans[k]} (token indices) cross; "
                    "only disjoint or nested spans can be written as BIO",
                    field="spans",
                )
            if (o_first, o_last) == (first, last):
                raise DataError(
                    f"two spans cover the same tokens {first}..{last}; BIO can hold only one", field="spans"
                )
        for t in range(first, last + 1):
            owner[t] = k
    tags: list[str] = []
    for t, k in enumerate(owner):
        if k is None:
            tags.append("O")
            continue
        first, _last, label = token_spans[k]
        tags.append(f"B-{label}" if t == first else f"I-{label}")
    return tokens, tags


def split_nested(spans: Sequence[Span]) -> tuple[list[Span], list[Span]]:
    """(outer, inner): spans inside a longer span go to ``inner``; ``outer`` is then a flat (disjoint) list."""
    outer: list[Span] = []
    inner: list[Span] = []
    for span in spans:
        start, end, _ = span
        contained = any(
            o is not span and o[0] <= start and end <= o[1] and (o[0], o[1]) != (start, end) for o in spans
        )
        (inner if contained else outer).append(span)
    return outer, inner


def load_conll_examples(
    path: str | os.PathLike,
    *,
    source: str,
    split: str,
    head: str,
    labels: Collection[str],
    orphan_i: OrphanPolicy = "nest",
    skip_bad: bool = False,
    rejects: list[DataError] | None = None,
) -> tuple[list[Example], int]:
    """Read a CoNLL file as canonical examples ``{source}-{split}-{n}`` (n = sentence position in the file).

    Returns the examples and how many orphan ``I-`` tags were read as nested spans (see the module doc).
    """
    examples: list[Example] = []
    nested_total = 0
    for sent in iter_conll(path, skip_bad=skip_bad, rejects=rejects):
        try:
            decoded = tags_to_spans(
                sent.tokens, sent.tags, labels=labels, orphan_i=orphan_i, file=sent.file, lines=sent.lines
            )
        except DataError as err:
            if not skip_bad:
                raise
            if rejects is not None:
                rejects.append(err)
            continue
        outer, inner = split_nested(decoded.spans)
        meta: dict = {"source": source, "split": split}
        if inner:
            meta["nested_inner_spans"] = [list(s) for s in inner]
            nested_total += decoded.nested
        examples.append(
            Example(id=f"{source}-{split}-{sent.index}", text=decoded.text, spans={head: outer}, meta=meta)
        )
    if nested_total:
        logger.info("%s: %d orphan I- tag(s) read as nested spans", path, nested_total)
    return examples, nested_total
