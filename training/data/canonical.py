"""The canonical example: the one format every later stage consumes.

One JSON object per line::

    {"id": "re3d-train-17", "text": "...",
     "spans": {"entities": [[0, 14, "Organisation"]]},
     "labels": {"event_type": ["Battles"]},
     "meta": {"source": "re3d"}}

A head missing from ``spans``/``labels`` is *unknown* for that example; an empty list means *known to have none*.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class DataError(ValueError):
    """Bad input, located: which file, which line, which field, and what was wrong."""

    def __init__(
        self,
        message: str,
        *,
        file: str | os.PathLike | None = None,
        line: int | None = None,
        field: str | None = None,
    ):
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        self.reason = message
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        prefix = f"{where}: " if where else ""
        fld = f"field '{field}': " if field else ""
        super().__init__(f"{prefix}{fld}{message}")

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "reason": self.reason}


Span = tuple[int, int, str]


@dataclass
class Example:
    """A text with character spans per token head and labels per sequence head."""

    id: str
    text: str
    spans: dict[str, list[Span]] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "spans": {h: [list(s) for s in spans] for h, spans in self.spans.items()},
            "labels": {h: list(v) for h, v in self.labels.items()},
            "meta": self.meta,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(
        cls, obj: Any, *, file: str | os.PathLike | None = None, line: int | None = None
    ) -> Example:
        """Validate a decoded JSON object and build an Example; errors name file, line and field."""

        def fail(msg: str, fld: str | None = None) -> DataError:
            return DataError(msg, file=file, line=line, field=fld)

        if not isinstance(obj, dict):
            raise fail(f"expected a JSON object, got {type(obj).__name__}")
        unknown = set(obj) - {"id", "text", "spans", "labels", "meta"}
        if unknown:
            raise fail(f"unknown key(s) {sorted(unknown)}; allowed: id, text, spans, labels, meta")
        ex_id = obj.get("id")
        if not isinstance(ex_id, str) or not ex_id:
            raise fail("must be a non-empty string", "id")
        text = obj.get("text")
        if not isinstance(text, str):
            raise fail(f"must be a string, got {type(text).__name__}", "text")
        spans_in = obj.get("spans", {})
        if not isinstance(spans_in, dict):
            raise fail("must be an object mapping head name -> [[start, end, label], ...]", "spans")
        spans: dict[str, list[Span]] = {}
        for head, items in spans_in.items():
            fld = f"spans.{head}"
            if not isinstance(items, list):
                raise fail("must be a list of [start, end, label] triples", fld)
            out: list[Span] = []
            for i, item in enumerate(items):
                if (
                    not isinstance(item, list | tuple)
                    or len(item) != 3
                    or not all(isinstance(v, int) and not isinstance(v, bool) for v in item[:2])
                    or not isinstance(item[2], str)
                ):
                    raise fail(f"item {i} must be [start:int, end:int, label:str], got {item!r}", fld)
                start, end, label = item
                if not 0 <= start < end <= len(text):
                    raise fail(
                        f"item {i} span [{start}, {end}) out of range for text of length {len(text)}", fld
                    )
                out.append((start, end, label))
            spans[head] = out
        labels_in = obj.get("labels", {})
        if not isinstance(labels_in, dict):
            raise fail("must be an object mapping head name -> [label, ...]", "labels")
        labels: dict[str, list[str]] = {}
        for head, items in labels_in.items():
            if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
                raise fail("must be a list of strings", f"labels.{head}")
            labels[head] = list(items)
        meta = obj.get("meta", {})
        if not isinstance(meta, dict):
            raise fail("must be an object", "meta")
        return cls(id=ex_id, text=text, spans=spans, labels=labels, meta=meta)


def iter_examples(
    path: str | os.PathLike, *, skip_bad: bool = False, rejects: list[DataError] | None = None
) -> Iterator[Example]:
    """Stream examples from a canonical JSONL file; with ``skip_bad`` bad lines go to ``rejects`` instead."""
    path = Path(path)
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise DataError(
                        f"undecodable bytes at offset {e.start} (not UTF-8)", file=path, line=lineno
                    ) from e
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise DataError(
                        f"invalid JSON: {e.msg} at column {e.colno}", file=path, line=lineno
                    ) from e
                yield Example.from_dict(obj, file=path, line=lineno)
            except DataError as err:
                if not skip_bad:
                    raise
                if rejects is not None:
                    rejects.append(err)


def load_examples(path: str | os.PathLike, **kwargs: Any) -> list[Example]:
    """Read a whole canonical JSONL file (see ``iter_examples``)."""
    return list(iter_examples(path, **kwargs))


def save_examples(path: str | os.PathLike, examples: Iterable[Example]) -> int:
    """Write examples as JSONL atomically (temp file + rename); returns how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            for ex in examples:
                fh.write(ex.to_json())
                fh.write("\n")
                n += 1
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return n
