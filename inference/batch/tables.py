"""Readable tables of conflict-tag output: per article, its event records and its entities grouped by type.

    python -m inference.batch.tables runs/demo/labels.jsonl [MORE.jsonl ...]

Reads the JSONL that ``conflict-tag`` writes (one record per article, with ``events`` and ``entities``) and prints,
for each article, one line per event (type / sub-type, date, actor1 -> actor2, location, fatalities) and the
distinct entity texts of each type. ``make demo`` ends with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from inference.events.from_tagging import clean_mention

MAX_CELL = 36  # characters per table cell; longer texts end with "..."
EVENT_COLUMNS = ("#", "type / sub-type", "date", "actor1 -> actor2", "location", "fatalities")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str, width: int = MAX_CELL) -> str:
    text = _flat(text)
    return text if len(text) <= width else text[: width - 3] + "..."


def _names(items: Iterable[dict[str, Any]], limit: int = 2) -> str:
    names = [_flat(x["text"]) for x in items]
    shown = ", ".join(names[:limit])
    return shown + (f" +{len(names) - limit}" if len(names) > limit else "") if names else "?"


def _fatalities(event: dict[str, Any]) -> str:
    if event.get("fatalities") is not None:
        return str(event["fatalities"])
    rng = event.get("fatalities_range")
    if rng:
        low, high = rng
        return f"{'' if low is None else low}-{'' if high is None else high}"
    return "-"


def event_row(n: int, event: dict[str, Any]) -> list[str]:
    """One event record as table cells."""
    kind = event["event_type"] + (f" / {event['sub_event_type']}" if event.get("sub_event_type") else "")
    date = event.get("date") or (f"? ({_flat(event['date_mention'])})" if event.get("date_mention") else "?")
    actors = f"{_names(event.get('actor1', []))} -> {_names(event.get('actor2', []))}"
    return [
        str(n),
        _cell(kind, 48),
        _cell(date, 24),
        _cell(actors, 48),
        _cell(_names(event.get("location", []), 2)),
        _fatalities(event),
    ]


def table(header: Iterable[str], rows: list[list[str]], indent: str = "  ") -> str:
    """A plain-text table: columns padded to their widest cell."""
    header = list(header)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(indent + "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines)


def entities_by_type(spans: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Distinct entity texts per type (case-insensitive, first spelling kept; edge punctuation trimmed, long ones
    cut, function words alone left out), in text order."""
    out: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for span in spans:
        kept = clean_mention(span["text"], 0, len(span["text"]))
        if kept is None:
            continue  # "the", ",": nothing an entity list should show
        text = _cell(span["text"][kept[0] : kept[1]])
        key = (span["label"], text.casefold())
        if key not in seen:
            seen.add(key)
            out.setdefault(span["label"], []).append(text)
    return out


def format_article(record: dict[str, Any]) -> str:
    """The block printed for one conflict-tag record."""
    title = f"== {record.get('id')}" + (f" ({record['date']})" if record.get("date") else "") + " =="
    lines = [title]
    events = record.get("events") or []
    if events:
        lines.append(f"events ({len(events)}):")
        lines.append(table(EVENT_COLUMNS, [event_row(i, e) for i, e in enumerate(events, start=1)]))
    else:
        lines.append("events: none")
    grouped = entities_by_type(record.get("entities") or [])
    if grouped:
        lines.append("entities:")
        width = max(len(label) for label in grouped)
        lines += [f"  {label.ljust(width)}  {'; '.join(texts)}" for label, texts in grouped.items()]
    elif "entities" in record:
        lines.append("entities: none")
    return "\n".join(lines)


def read_records(paths: Iterable[str | Path]) -> Iterator[dict[str, Any]]:
    """Records of conflict-tag JSONL files, in order."""
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def format_records(records: Iterable[dict[str, Any]]) -> str:
    """Every record's block, separated by blank lines."""
    return "\n\n".join(format_article(r) for r in records)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m inference.batch.tables",
        description="Print the events and entities of conflict-tag JSONL output as tables.",
    )
    p.add_argument("labels", nargs="+", help="JSONL written by conflict-tag")
    args = p.parse_args(argv)
    try:
        print(format_records(read_records(args.labels)))
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(
            f"inference.batch.tables: error: cannot read {', '.join(args.labels)}: {type(e).__name__}: {e}",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
