"""``conflict-tag --events-out``: one row per event record in ACLED's columns, by suffix, and what it refuses."""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from inference.batch.cli import main
from inference.batch.event_rows import ACLED_COLUMNS, EVENTS_COLUMNS, event_row, event_rows

ACLED_ORDER = (
    "event_date event_type sub_event_type actor1 inter1 actor2 inter2 interaction country admin1 admin2 location "
    "latitude longitude geo_precision fatalities notes"
).split()
TEXTS = [
    "Rebels attacked the village of Kafr Nabudah in Hama province, Syria, on Monday, killing three soldiers.",
    "Police arrested two men in Kano. Protesters marched in Abuja, Nigeria.",
    "Gunmen abducted a village chief near Mogadishu on Tuesday.",
]


def _record(**geo):
    return {
        "id": "a1",
        "events": [
            {
                "event_type": "Battles",
                "event_type_score": 0.91,
                "sub_event_type": "Armed clash",
                "sub_event_type_score": 0.8,
                "date": "2020-06-08",
                "actor1": [{"text": "Hurras\nal-Deen", "start": 5, "end": 19}],
                "actor2": [],
                "location": [
                    {"text": "Sahl al-Ghab", "start": 30, "end": 42},
                    {"text": "Hama", "start": 50, "end": 54},
                ],
                **geo,
                "fatalities": None,
                "fatalities_range": [10, None],
                "evidence": [
                    {"text": "They  attacked.", "start": 0, "end": 15},
                    {"text": "Dead.", "start": 16, "end": 21},
                ],
            }
        ],
    }


def test_actor_categories_fill_acleds_columns_and_name_generic_state_forces():
    record = _record(country="Syria")
    event = record["events"][0]
    event["actor1"] = [{"text": "the\narmy", "start": 0, "end": 8}]
    event["actor2"] = [{"text": "Hurras al-Deen", "start": 10, "end": 24}]
    event.update(inter1="State forces", inter2="Rebel group", interaction=12)
    [row] = event_rows([record])
    assert (row["actor1"], row["inter1"]) == ("Military Forces of Syria", "State forces")
    assert (row["actor2"], row["inter2"], row["interaction"]) == ("Hurras al-Deen", "Rebel group", 12)
    event["inter1"] = "Rebel group"  # typed otherwise: the text stays
    assert event_rows([record])[0]["actor1"] == "the army"
    event.update(inter1="State forces", country=None)  # no country: the text stays
    assert event_rows([record])[0]["actor1"] == "the army"


def test_columns_start_with_acleds_layout():
    assert list(ACLED_COLUMNS) == ACLED_ORDER and EVENTS_COLUMNS[: len(ACLED_ORDER)] == tuple(ACLED_ORDER)


def test_an_event_row_holds_acled_values_and_our_offsets():
    geo = {"geo_status": "found", "geo_name": "Hama", "country": "Syria", "iso": "SY", "admin1": "Hama",
           "admin2": None, "latitude": 35.13, "longitude": 36.75, "geonameid": None, "geo_precision": 3}  # fmt: skip
    [row] = event_rows([_record(**geo)])
    assert list(row) == list(EVENTS_COLUMNS)
    assert row["actor1"] == "Hurras al-Deen" and row["actor2"] is None
    assert (row["inter1"], row["inter2"], row["interaction"]) == (None, None, None)
    assert (row["location"], row["admin1"], row["geo_precision"], row["latitude"]) == (
        "Hama",
        "Hama",
        3,
        35.13,
    )
    assert row["notes"] == "They attacked. Dead."
    assert row["evidence_offsets"] == "0-15;16-21" and row["place_mentions"] == "Sahl al-Ghab; Hama"
    assert (row["fatalities"], row["fatalities_min"], row["fatalities_max"]) == (None, 10, None)
    assert (row["article_id"], row["event_index"]) == ("a1", 1)
    # no place resolved: the first place name stands in as location, and no coordinates are made up
    unresolved = event_row("a1", 1, _record(geo_status="not_found")["events"][0])
    assert unresolved["location"] == "Sahl al-Ghab" and unresolved["latitude"] is None


@pytest.fixture()
def src(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"a{i}", "text": t, "date": "2020-06-08"}) + "\n" for i, t in enumerate(TEXTS)
        )
    )
    return path


def test_csv_and_parquet_events_files_hold_one_row_per_record(tiny_model, src, tmp_path):
    out = tmp_path / "out.jsonl"
    assert (
        main(
            [
                str(src),
                "--model",
                str(tiny_model),
                "-o",
                str(out),
                "-q",
                "--events-out",
                str(tmp_path / "e.csv"),
            ]
        )
        == 0
    )
    records = [json.loads(line) for line in out.read_text().splitlines()]
    expected = [(r["id"], k) for r in records for k, _ in enumerate(r["events"], 1)]
    assert expected, "the tiny model gave no event records: the test checks nothing"
    with open(tmp_path / "e.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(EVENTS_COLUMNS)
    assert [(r["article_id"], int(r["event_index"])) for r in rows] == expected
    assert all(r["geo_status"] in {"found", "country_only", "not_found"} for r in rows)
    assert all(r["inter1"] == "" for r in rows)

    out2 = tmp_path / "out2.jsonl"
    assert (
        main(
            [
                str(src),
                "--model",
                str(tiny_model),
                "-o",
                str(out2),
                "-q",
                "--events-out",
                str(tmp_path / "e.parquet"),
            ]
        )
        == 0
    )
    table = pq.read_table(tmp_path / "e.parquet")
    assert (
        table.schema.field("latitude").type == pa.float64()
        and table.schema.field("geo_precision").type == pa.int64()
    )
    assert table.num_rows == len(expected)
    assert table.column("article_id").to_pylist() == [r["article_id"] for r in rows]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--no-events"], "--no-events"),
        (["--events-out-suffix"], "suffix"),
    ],
)
def test_unsupported_combinations_are_one_error_line(tiny_model, src, tmp_path, capsys, extra, message):
    events = tmp_path / ("e.txt" if extra == ["--events-out-suffix"] else "e.csv")
    extra = [] if extra == ["--events-out-suffix"] else extra
    code = main(
        [
            str(src),
            "--model",
            str(tiny_model),
            "-o",
            str(tmp_path / "o.jsonl"),
            "--events-out",
            str(events),
            *extra,
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("conflict-tag: error:") and message in err[0]
    assert not events.exists()


def test_several_processes_with_events_out_are_refused(tiny_model, src, tmp_path, capsys):
    class TwoProcesses:
        rank, world = 0, 2

    argv = [
        str(src),
        "--model",
        str(tiny_model),
        "-o",
        str(tmp_path / "o.jsonl"),
        "--events-out",
        str(tmp_path / "e.csv"),
    ]
    assert main(argv, TwoProcesses()) == 2
    assert "several processes" in capsys.readouterr().err


def test_an_existing_events_file_is_not_overwritten_without_asking(tiny_model, src, tmp_path, capsys):
    events = tmp_path / "e.csv"
    events.write_text("keep me\n")
    argv = [
        str(src),
        "--model",
        str(tiny_model),
        "-o",
        str(tmp_path / "o.jsonl"),
        "-q",
        "--events-out",
        str(events),
    ]
    assert main(argv) == 2 and events.read_text() == "keep me\n"
    assert "--overwrite" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0 and events.read_text().startswith("event_date,")
