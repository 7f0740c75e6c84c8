"""Fuzzing the input readers (JSONL, CSV, .txt, each also gzipped) with hypothesis.

Properties: no exception escapes a reader; every record that was written comes back exactly once, either as a
record whose text is the original string or as an error with a location; locations name the physical line
where the record starts. The default run is budgeted at ``FUZZ_EXAMPLES`` cases per test (a few seconds);
``-m slow`` runs the same properties with ``SLOW_EXAMPLES`` (both in fuzz_strategies.py).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import tempfile
from pathlib import Path

import pytest
from fuzz_strategies import FAST, SLOW, nasty_text
from hypothesis import given
from hypothesis import strategies as st

from inference.batch.readers import Fields, InputFile, iter_file_records, jsonl_record

# one folder per test session for the many per-example files, removed when the session ends
_SCRATCH = tempfile.TemporaryDirectory(prefix="fuzz-session-")

# what a JSON value can be: scalars of every type, nested lists and objects
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | nasty_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


def _write(data: bytes, suffix: str, gzipped: bool) -> InputFile:
    """A file under a fresh temporary folder (hypothesis reruns a test body many times: no tmp_path)."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-", dir=_SCRATCH.name))
    name = "input" + suffix + (".gz" if gzipped else "")
    path = folder / name
    path.write_bytes(gzip.compress(data, mtime=0) if gzipped else data)
    return InputFile(path, suffix.lstrip("."), gzipped, name)


def _line_of(location: str) -> int:
    m = re.fullmatch(r".*:(\d+)", location)
    assert m, location
    return int(m.group(1))


# ---- JSONL ------------------------------------------------------------------------------------------------------
def _good_record(rec_id: str, text: str) -> bytes:
    return json.dumps({"id": rec_id, "text": text, "date": "2020-01-02"}, ensure_ascii=False).encode("utf-8")


jsonl_lines = st.one_of(
    st.tuples(st.just("good"), st.text(min_size=1, max_size=8), nasty_text),
    st.tuples(st.just("value"), json_values),  # any JSON document, typed right or wrong
    st.tuples(st.just("bytes"), st.binary(max_size=60)),  # random bytes, invalid UTF-8 included
    st.tuples(st.just("deep"), st.integers(10, 200_000)),  # nesting deeper than the JSON decoder's recursion
    st.tuples(st.just("blank"), st.sampled_from([b"", b" ", b"\t", b"\r", b" \r"])),
)


def _jsonl_line(kind: tuple) -> bytes:
    if kind[0] == "good":
        return _good_record(kind[1], kind[2])
    if kind[0] == "value":
        return json.dumps(kind[1], ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")
    if kind[0] == "deep":
        return b'{"id": "d", "text": ' + b"[" * kind[1] + b"]" * kind[1] + b"}"
    return kind[1].replace(b"\n", b" ")


def check_jsonl(lines: list[tuple], crlf: list[bool], gzipped: bool, bom: bool) -> None:
    raw = [_jsonl_line(k) for k in lines]
    data = b"".join(line + (b"\r\n" if c else b"\n") for line, c in zip(raw, crlf + [False] * len(raw)))
    if bom:
        data = b"\xef\xbb\xbf" + data
    records = list(iter_file_records(_write(data, ".jsonl", gzipped), Fields()))
    # one record per physical line that is not blank; locations are those lines, in order
    physical = data.split(b"\n")[: len(raw)]
    if physical and physical[0].startswith(b"\xef\xbb\xbf"):  # one leading BOM is not content
        physical[0] = physical[0][3:]
    expected = [i + 1 for i, line in enumerate(physical) if line.strip()]
    assert [_line_of(r.location) for r in records] == expected
    for r, kind in zip(records, [k for k, line in zip(lines, physical) if line.strip()]):
        assert (r.error is None) != (r.text is None)
        if r.error is None:
            assert isinstance(r.id, str) and r.id.strip()
            if kind[0] == "good":
                assert r.text == kind[2] and r.id == kind[1]
        if kind[0] == "deep":
            assert r.error is not None
        if kind[0] == "good" and r.error is not None:  # only an empty article or a blank id is refused
            assert "empty" in r.error


jsonl_args = dict(
    lines=st.lists(jsonl_lines, max_size=12),
    crlf=st.lists(st.booleans(), max_size=12),
    gzipped=st.booleans(),
    bom=st.booleans(),
)


@FAST
@given(**jsonl_args)
def test_fuzz_jsonl_accounts_for_every_line(lines, crlf, gzipped, bom):
    check_jsonl(lines, crlf, gzipped, bom)


@pytest.mark.slow
@SLOW
@given(**jsonl_args)
def test_fuzz_jsonl_accounts_for_every_line_slow(lines, crlf, gzipped, bom):
    check_jsonl(lines, crlf, gzipped, bom)


# ---- CSV --------------------------------------------------------------------------------------------------------
csv_rows = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=6),
        nasty_text,
        st.integers(-2, 2),  # ragged: fields missing (<0) or extra (>0)
    ),
    max_size=10,
)


def _physical_lines(s: str) -> int:
    """Line breaks as the CSV reader counts them (CR, LF and CRLF)."""
    return len(re.findall(r"\r\n|\r|\n", s))


def check_csv(rows: list[tuple], gzipped: bool, crlf: bool) -> None:
    buf = io.StringIO()
    terminator = "\r\n" if crlf else "\n"
    plain = csv.writer(buf, lineterminator=terminator)
    # csv.writer leaves a lone CR unquoted unless the terminator holds one: quote such rows (as our CsvSink does)
    quoted = csv.writer(buf, lineterminator=terminator, quoting=csv.QUOTE_ALL)
    plain.writerow(["id", "text", "date"])
    starts, kinds = [], []
    line = 2
    for rec_id, text, ragged in rows:
        row = [rec_id, text, "2020-01-02"]
        row = row[: 3 + ragged] if ragged < 0 else row + ["x"] * ragged
        before = buf.tell()
        (quoted if any("\r" in v for v in row) else plain).writerow(row)
        written = buf.getvalue()[before:]
        if written.strip("\r\n"):  # a row of one empty field is a blank line: csv skips it
            starts.append(line)
            kinds.append((rec_id, text, ragged))
        line += _physical_lines(written)
    data = buf.getvalue().encode("utf-8")
    records = list(iter_file_records(_write(data, ".csv", gzipped), Fields()))
    assert [_line_of(r.location) for r in records] == starts
    for r, (rec_id, text, ragged) in zip(records, kinds):
        assert (r.error is None) != (r.text is None)
        if ragged >= -1 and r.error is None:
            assert r.text == text and r.id == rec_id
        if ragged < -1:
            assert r.error is not None  # no text column in this row (or a bad id before it)


csv_args = dict(rows=csv_rows, gzipped=st.booleans(), crlf=st.booleans())


@FAST
@given(**csv_args)
def test_fuzz_csv_ragged_rows_and_embedded_newlines(rows, gzipped, crlf):
    check_csv(rows, gzipped, crlf)


@pytest.mark.slow
@SLOW
@given(**csv_args)
def test_fuzz_csv_ragged_rows_and_embedded_newlines_slow(rows, gzipped, crlf):
    check_csv(rows, gzipped, crlf)


def check_random_bytes(data: bytes, suffix: str, gzipped: bool) -> None:
    records = list(iter_file_records(_write(data, suffix, gzipped), Fields()))
    lines = [_line_of(r.location) for r in records] if suffix != ".txt" else []
    assert lines == sorted(lines)
    for r in records:
        assert (r.error is None) != (r.text is None)
        if r.error is None:
            r.text.encode("utf-8")  # never a lone surrogate from undecodable bytes
    if suffix == ".txt":
        assert len(records) == 1
        if records[0].error is None:
            assert records[0].text == data.decode("utf-8-sig")
    if suffix == ".jsonl":
        body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data  # a leading BOM is not content
        assert len(records) == sum(1 for line in body.split(b"\n") if line.strip())


bytes_args = dict(
    data=st.one_of(st.binary(max_size=300), nasty_text.map(lambda s: s.encode("utf-8", "surrogatepass"))),
    suffix=st.sampled_from([".jsonl", ".csv", ".txt"]),
    gzipped=st.booleans(),
)


@FAST
@given(**bytes_args)
def test_fuzz_random_bytes_in_every_format(data, suffix, gzipped):
    check_random_bytes(data, suffix, gzipped)


@pytest.mark.slow
@SLOW
@given(**bytes_args)
def test_fuzz_random_bytes_in_every_format_slow(data, suffix, gzipped):
    check_random_bytes(data, suffix, gzipped)


def check_truncated_gzip(data: bytes, cut: int, suffix: str) -> None:
    """A gzip file cut short ends in one error record that says the rest of the file is skipped."""
    blob = gzip.compress(data, mtime=0)
    f = _write(b"", suffix, True)
    f.path.write_bytes(blob[: min(cut, len(blob) - 1)])
    records = list(iter_file_records(f, Fields()))
    assert records and records[-1].error is not None
    assert "rest of this file is skipped" in records[-1].error or suffix == ".txt"


gzip_args = dict(
    data=st.binary(min_size=1, max_size=400),
    cut=st.integers(1, 400),
    suffix=st.sampled_from([".jsonl", ".csv", ".txt"]),
)


@FAST
@given(**gzip_args)
def test_fuzz_truncated_gzip_ends_in_one_error_record(data, cut, suffix):
    check_truncated_gzip(data, cut, suffix)


@pytest.mark.slow
@SLOW
@given(**gzip_args)
def test_fuzz_truncated_gzip_ends_in_one_error_record_slow(data, cut, suffix):
    check_truncated_gzip(data, cut, suffix)


def check_cut_json_line(text: str, cut: int, newline: bool) -> None:
    """A JSONL line cut anywhere (a torn write) is one bad record that says the line is cut off."""
    line = json.dumps({"id": "x", "text": text, "date": "2023-01-02"}, ensure_ascii=False)
    head = line[: cut % len(line)]
    raw = (head + ("\n" if newline else "")).encode("utf-8", "surrogatepass")
    rec = jsonl_record("f:1", raw, Fields())
    assert rec.error is not None and rec.text is None
    assert "cut off" in rec.error or "undecodable" in rec.error, rec.error


cut_args = dict(text=nasty_text, cut=st.integers(0, 10_000), newline=st.booleans())


@FAST
@given(**cut_args)
def test_fuzz_cut_json_line_says_it_is_cut_off(text, cut, newline):
    check_cut_json_line(text, cut, newline)


@pytest.mark.slow
@SLOW
@given(**cut_args)
def test_fuzz_cut_json_line_says_it_is_cut_off_slow(text, cut, newline):
    check_cut_json_line(text, cut, newline)


# ---- huge inputs (deterministic) ---------------------------------------------------------------------------------
def test_five_megabyte_articles_and_huge_lines_come_back_whole(tmp_path):
    big = ("Rebels attacked the village. \u0627\u0644\u062c\u064a\u0634 e\u0301 \U0001f44d\x00 " * 110_000)[
        : 5 * 2**20
    ]
    assert len(big.encode("utf-8")) > 5 * 10**6
    lines = [
        _good_record("big", big),
        b"x" * (3 * 2**20),  # a 3 MB line that is not JSON
        _good_record("after", "still read"),
    ]
    data = b"\n".join(lines) + b"\n"
    got = list(iter_file_records(_write(data, ".jsonl", True), Fields()))
    assert [(r.id, r.error is None) for r in got] == [("big", True), (None, False), ("after", True)]
    assert got[0].text == big and got[2].text == "still read"

    buf = io.StringIO()
    csv.writer(buf).writerows([["id", "text"], ["big", big], ["after", "x"]])
    got = list(iter_file_records(_write(buf.getvalue().encode(), ".csv", False), Fields()))
    assert [r.id for r in got] == ["big", "after"] and got[0].text == big

    got = list(iter_file_records(_write(big.encode(), ".txt", True), Fields()))
    assert got[0].text == big


def test_deeply_nested_json_is_one_bad_record_not_a_crash(tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    data = deep + b"\n" + _good_record("ok", "Rebels attacked.") + b"\n"
    got = list(iter_file_records(_write(data, ".jsonl", False), Fields()))
    assert got[0].error is not None and "nested" in got[0].error
    assert got[1].id == "ok" and got[1].error is None
