"""Streaming readers (JSONL, CSV, Parquet, .txt, folders, gzip) with locations; crash-safe writers."""

import csv
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from inference.batch.output_record import output_columns, output_record
from inference.batch.readers import Fields, InputError, check_fields, discover_inputs, iter_records
from inference.batch.writers import (
    CsvSink,
    JsonlSink,
    ParquetSink,
    Progress,
    ResumeError,
)
from inference.model.configuration import HeadSpec
from inference.results import ArticleResult, LabelScore, SentenceResult, SpanResult


def _read(*paths, fields=None):
    return list(iter_records(discover_inputs(paths), fields or Fields()))


def _jsonl(path, lines):
    path.write_bytes(b"".join(x if isinstance(x, bytes) else (json.dumps(x) + "\n").encode() for x in lines))
    return path


def test_jsonl_records_carry_line_locations_and_reasons(tmp_path):
    path = _jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "a", "text": "Rebels attacked.", "date": "2020-01-02"},
            b"\n",
            {"id": 7, "text": "Police left."},
            b"{broken\n",
            {"id": "b", "text": "  \n "},
            {"id": "c", "text": ["not", "text"]},
            {"text": "no id"},
            b'{"id": "d", "text": "bad \xff byte"}\n',
            {"id": "e", "text": "date 2020-01-01\n"},
            [1, 2],
            {"id": True, "text": "a bool id"},
            {"id": "f", "text": "ok", "date": 20200101},
        ],
    )
    recs = _read(path)
    got = [(r.location.rsplit(":", 1)[1], r.id, r.error is None) for r in recs]
    assert got == [
        ("1", "a", True),
        ("3", "7", True),
        ("4", None, False),
        ("5", "b", False),
        ("6", "c", False),
        ("7", None, False),
        ("8", None, False),
        ("9", "e", False),
        ("10", None, False),
        ("11", None, False),
        ("12", "f", False),
    ]
    assert recs[0].date == "2020-01-02" and recs[0].text == "Rebels attacked."
    reasons = [r.error for r in recs if r.error]
    for fragment in [
        "invalid JSON",
        "empty article",
        "must be a string, got list",
        "no 'id' field (fields: text)",
        "undecodable bytes",
        "empty article",
        "expected an object",
        "must be a string or an integer",
        "must be an ISO date string",
    ]:
        assert any(fragment in r for r in reasons), fragment


def test_csv_gzip_and_custom_fields(tmp_path):
    path = tmp_path / "b.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["doc", "body", "published"])
        w.writerow(["x1", "Rebels attacked\nthe village.", "2021-01-01"])  # a row over two lines
        w.writerow(["x2", "", ""])
        w.writerow(["x3", "Police left.", ""])
    recs = _read(path, fields=Fields(id="doc", text="body", date="published"))
    assert [(r.location, r.id, r.error is None) for r in recs] == [
        (f"{path}:2", "x1", True),
        (f"{path}:4", "x2", False),
        (f"{path}:5", "x3", True),
    ]
    assert recs[0].text == "Rebels attacked\nthe village." and recs[0].date == "2021-01-01"
    assert recs[2].date is None
    with pytest.raises(
        InputError, match=r"no column 'text' \(columns: doc, body, published\): set --text-field"
    ):
        check_fields(discover_inputs([path]), Fields(id="doc"))


def test_csv_undecodable_bytes_fail_one_row_only(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"id,text\na,fine text\nb,bad \xff\xfe bytes\nc,more text\n")
    recs = _read(path)
    assert [(r.id, r.error is None) for r in recs] == [("a", True), ("b", False), ("c", True)]
    assert "undecodable" in recs[1].error and recs[1].location.endswith(":3")


def test_parquet_rows_stream_with_row_locations(tmp_path, monkeypatch):
    import inference.batch.readers as readers

    monkeypatch.setattr(readers, "PARQUET_BATCH_ROWS", 2)  # several record batches
    path = tmp_path / "d.parquet"
    table = pa.table(
        {
            "id": ["p0", "p1", "p2", "p3", "p4"],
            "text": ["One.", None, "Three.", "Four.", "Five."],
            "date": ["2020-01-01", None, None, None, None],
            "other": [1, 2, 3, 4, 5],
        }
    )
    pq.write_table(table, path)
    recs = _read(path)
    assert [(r.location, r.id, r.error is None) for r in recs] == [
        (f"{path}:row {i}", f"p{i}", i != 1) for i in range(5)
    ]
    assert recs[0].date == "2020-01-01" and recs[4].text == "Five."


def test_folders_of_text_files_use_relative_paths_as_ids_and_the_date_prefix(tmp_path):
    root = tmp_path / "dump"
    (root / "sub").mkdir(parents=True)
    (root / "b.txt").write_text("date 2020-06-08\nBEIRUT - Clashes\nleft 19 dead.\n")
    with gzip.open(root / "sub" / "a.txt.gz", "wt") as f:
        f.write(" date 2021-01-01 KABUL - Text.")
    (root / "empty.txt").write_text("date 2020-01-01\n\n")
    (root / "notes.md").write_text("ignored")
    (root / ".hidden.txt").write_text("ignored")
    recs = _read(root)
    assert [(r.id, r.date, r.error is None) for r in recs] == [
        ("b.txt", "2020-06-08", True),
        ("empty.txt", None, False),
        ("sub/a.txt.gz", "2021-01-01", True),
    ]
    assert recs[0].text.startswith("date 2020-06-08\n")  # the text is handed on untouched
    assert recs[0].location == str(root / "b.txt")


def test_unusable_paths_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        discover_inputs([tmp_path / "missing.jsonl"])
    (tmp_path / "x.xml").write_text("<a/>")
    with pytest.raises(InputError, match="unsupported file type"):
        discover_inputs([tmp_path / "x.xml"])
    with pytest.raises(InputError, match="holds no input files"):
        discover_inputs([tmp_path])


def test_truncated_gzip_reports_the_rest_as_unreadable(tmp_path):
    path = tmp_path / "e.jsonl.gz"
    data = gzip.compress(
        b"".join(json.dumps({"id": str(i), "text": "x " * 50}).encode() + b"\n" for i in range(200))
    )
    path.write_bytes(data[: len(data) // 2])
    recs = _read(path)
    assert all(r.error is None for r in recs[:-1]) and len(recs) > 2
    assert "cannot read further" in recs[-1].error


# ---- writers ---------------------------------------------------------------------------------------------------
HEADS = [HeadSpec("entities", "token", ["Location"]), HeadSpec("event_type", "sequence", ["none", "Battles"])]


def _result(i):
    return ArticleResult(
        id=f"a{i}",
        date="2020-01-01",
        spans={"entities": [SpanResult(0, 6, "Location", "Aleppo", 0.912345)]},
        labels={"event_type": [LabelScore("Battles", 0.8765432)]},
        sentences=[SentenceResult(0, 10, "Aleppo is.", {"event_type": [LabelScore("Battles", 0.8765432)]})],
        model={"name": "m", "sha256": "0" * 64},
    )


def test_output_record_layout():
    rec = output_record(_result(1), HEADS)
    assert list(rec) == ["id", "entities", "event_type", "sentences", "events", "date", "model"]
    assert list(rec) == output_columns(HEADS, events=True)
    assert rec["entities"] == [{"start": 0, "end": 6, "label": "Location", "text": "Aleppo", "score": 0.9123}]
    assert rec["event_type"] == [{"label": "Battles", "score": 0.8765}]
    assert output_columns(HEADS, all_scores=True)[-1] == "all_scores"
    with pytest.raises(ValueError, match="clash"):
        output_columns([HeadSpec("date", "sequence", ["a", "b"])])


def test_jsonl_sink_resume_cuts_a_torn_tail(tmp_path):
    path = tmp_path / "out.jsonl"
    sink = JsonlSink(path)
    sink.start(0)
    sink.append([output_record(_result(0), HEADS)])
    committed = sink.state()
    sink.append([output_record(_result(1), HEADS)])  # written, but the crash came before its progress record
    sink.close()
    with open(path, "ab") as f:
        f.write(b'{"id": "a2", "enti')  # and a half line
    sink = JsonlSink(path)
    sink.start(committed)
    sink.append([output_record(_result(3), HEADS)])
    sink.close()
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["a0", "a3"]
    with pytest.raises(ResumeError, match="file was changed"):
        JsonlSink(path).start(committed * 10)


def test_csv_sink_writes_json_columns(tmp_path):
    path = tmp_path / "out.csv"
    sink = CsvSink(path, output_columns(HEADS))
    sink.start(0)
    sink.append([output_record(_result(i), HEADS) for i in range(2)])
    sink.close()
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ["a0", "a1"]
    assert json.loads(rows[0]["entities"])[0]["text"] == "Aleppo"
    assert json.loads(rows[1]["sentences"])[0]["labels"]["event_type"][0]["label"] == "Battles"


def test_outputs_survive_ids_and_texts_with_lone_cr_and_unicode_line_breaks(tmp_path):
    """Found by fuzzing: csv.writer leaves a lone CR unquoted, and raw U+2028/U+0085 break str.splitlines()."""
    records = [
        dict(output_record(_result(i), HEADS), id=rid) for i, rid in enumerate(["a\rb", "c\u2028d\x85e"])
    ]
    path = tmp_path / "out.csv"
    sink = CsvSink(path, output_columns(HEADS))
    sink.start(0)
    sink.append(records)
    sink.close()
    with open(path, newline="", encoding="utf-8") as f:
        assert [r["id"] for r in csv.DictReader(f)] == ["a\rb", "c\u2028d\x85e"]
    path = tmp_path / "out.jsonl"
    sink = JsonlSink(path)
    sink.start(0)
    sink.append(records)
    sink.close()
    assert [json.loads(x)["id"] for x in path.read_text(encoding="utf-8").splitlines()] == [
        "a\rb",
        "c\u2028d\x85e",
    ]


def test_parquet_sink_parts_survive_a_crash_and_concatenate(tmp_path):
    path = tmp_path / "out.parquet"
    cols = output_columns(HEADS)
    sink = ParquetSink(path, cols)
    sink.start(0)
    sink.append([output_record(_result(0), HEADS)])
    sink.append([output_record(_result(1), HEADS)])  # not recorded as done
    (sink.parts / "part-000002.parquet.tmp").write_bytes(b"half")  # a torn write
    sink = ParquetSink(path, cols)
    sink.start(1)
    sink.append([output_record(_result(5), HEADS), output_record(_result(6), HEADS)])
    sink.finish()
    table = pq.read_table(path)
    assert table.column_names == cols
    assert table.column("id").to_pylist() == ["a0", "a5", "a6"]
    assert not sink.parts.exists()


def test_progress_round_trip_and_corruption(tmp_path):
    path = tmp_path / "p.json"
    Progress({"inputs": [["x", 1]]}, consumed=5, output=10).save(path)
    assert Progress.load(path).consumed == 5
    assert not (tmp_path / "p.json.tmp").exists()
    path.write_text("{")
    with pytest.raises(ResumeError, match="not a readable progress record"):
        Progress.load(path)
    assert Progress.load(tmp_path / "missing.json") is None


@pytest.mark.parametrize("text", ["plain", "a\u2028b", "x\x85y\u2029z", "\u2028", "ü 東京 \n tab\t"])
def test_a_json_line_is_one_line_for_every_line_splitter_and_reads_back(text):
    from inference.batch.writers import json_line

    line = json_line({"id": "a", "text": text})
    assert line.endswith(b"\n") and len(line.decode("utf-8").splitlines()) == 1
    assert json.loads(line) == {"id": "a", "text": text}
