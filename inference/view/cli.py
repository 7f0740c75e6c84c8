"""``conflict-view``: ``conflict-tag`` JSONL output (+ the input it tagged) -> one self-contained HTML report.

    conflict-view labels.jsonl --input articles.jsonl -o report.html

The output records hold sentences, spans and events but not the article text, so the input files (the same
JSONL / CSV / Parquet / .txt files or folders given to ``conflict-tag``, same ``--id-field`` / ``--text-field``)
supply it, matched by id. Without ``--input`` (or for an id the input lacks) the text is rebuilt from the
record's sentences. Exit status: 0 written, 2 usage or input errors (one line naming the file and line).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from inference.batch.readers import Fields, InputError, discover_inputs, iter_records
from inference.batch.writers import write_bytes_atomic
from inference.view.article import ViewArticle, view_article
from inference.view.html import plural, render_html

logger = logging.getLogger(__name__)


class ViewError(ValueError):
    """A labels file that cannot be read; the message names the file and line."""


def iter_output_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a ``conflict-tag`` JSONL file (blank lines skipped)."""
    try:
        fh = path.open(encoding="utf-8")
    except OSError as e:
        raise ViewError(f"{path}: cannot read ({e.strerror or e})") from e
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise ViewError(f"{path}:{n}: not JSON ({e.msg} at column {e.colno})") from e
            if not isinstance(record, dict) or not isinstance(record.get("sentences"), list):
                raise ViewError(
                    f"{path}:{n}: not a conflict-tag record (no 'sentences' list): give conflict-tag's JSONL output"
                )
            yield record


def fits(record: dict[str, Any], text: str) -> bool:
    """Whether ``text`` is the text the record was tagged from: every sentence sits at its offsets."""
    return all(text[int(s["start"]) : int(s["end"])] == s["text"] for s in record["sentences"])


def load_texts(inputs: list[str], fields: Fields) -> dict[str, str]:
    """Article id -> text from the tagged inputs (records the reader rejects are left out)."""
    texts: dict[str, str] = {}
    for rec in iter_records(discover_inputs(inputs), fields):
        if rec.error is None and rec.id is not None and rec.text is not None:
            texts.setdefault(rec.id, rec.text)
    return texts


def build_views(records: list[dict[str, Any]], texts: dict[str, str] | None) -> tuple[list[ViewArticle], int]:
    """One view per record, with its input text where it is there and fits; and how many were rebuilt."""
    views, rebuilt = [], 0
    for record in records:
        text = (texts or {}).get(str(record.get("id")))
        if text is not None and not fits(record, text):
            logger.warning(
                "article %s: the input text does not match its sentences; rebuilt", record.get("id")
            )
            text = None
        views.append(view_article(record, text))
        rebuilt += text is None
    return views, rebuilt


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="conflict-view",
        description="Render conflict-tag JSONL output as one self-contained HTML page: spans by head and "
        "label, sentence labels, event records linked to their evidence sentences.",
        epilog="Exit status: 0 written, 2 usage or input errors.",
    )
    p.add_argument("labels", nargs="+", metavar="LABELS.jsonl", help="conflict-tag JSONL output file(s)")
    p.add_argument(
        "--input",
        nargs="+",
        default=[],
        metavar="INPUT",
        help="the files or folders conflict-tag read (for the article texts); without it the text is "
        "rebuilt from the sentences",
    )
    p.add_argument("-o", "--output", required=True, help="the HTML file to write")
    p.add_argument("--id-field", default="id", help="input field/column with the article id (default: id)")
    p.add_argument("--text-field", default="text", help="input field/column with the text (default: text)")
    p.add_argument("--date-field", default="date", help="input field/column with the date (default: date)")
    p.add_argument("--limit", type=int, help="only the first N articles")
    p.add_argument("--title", default="conflict-events: what the model read", help="page title")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    if args.limit is not None and args.limit < 1:
        print("conflict-view: --limit must be at least 1", file=sys.stderr)
        return 2
    try:
        records: list[dict[str, Any]] = []
        for path in args.labels:
            for record in iter_output_records(Path(path)):
                records.append(record)
                if args.limit and len(records) >= args.limit:
                    break
            if args.limit and len(records) >= args.limit:
                break
        fields = Fields(args.id_field, args.text_field, args.date_field)
        texts = load_texts(args.input, fields) if args.input else None
    except (ViewError, InputError) as e:
        print(f"conflict-view: {e}", file=sys.stderr)
        return 2
    views, rebuilt = build_views(records, texts)
    page = render_html(views, title=args.title)
    write_bytes_atomic(Path(args.output), page.encode("utf-8"))
    note = f" ({rebuilt} with text rebuilt from sentences)" if rebuilt else ""
    print(
        f"wrote {args.output}: {plural(len(views), 'article')}, "
        f"{plural(sum(len(v.events) for v in views), 'event record')}{note}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
