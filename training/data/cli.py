"""``conflict-data``: list the dataset converters, show a dataset's statistics, convert it to canonical JSONL,
write the ACLED notes' place list (``places``).

Exit codes: 0 success, 2 bad input (unknown dataset, missing data folder, a bad record without --skip-bad, bad
arguments).  Outputs carry no timestamps or absolute paths, so converting twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.data.canonical import DataError, Example, save_examples
from training.data.registry import Conversion, Converter, get_converter, names
from training.data.stats import compute_stats

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
REJECTS = "rejects.jsonl"
_SPLIT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


class CliError(Exception):
    """A problem to report in one line, with exit code 2."""


def _converter(name: str) -> Converter:
    try:
        return get_converter(name)
    except KeyError as e:
        raise CliError(e.args[0]) from None
    except Exception as e:  # a converter module that fails to import (e.g. still being written)
        raise CliError(f"converter '{name}' could not be loaded: {type(e).__name__}: {e}") from None


def _run(name: str, root: str, skip_bad: bool) -> tuple[Converter, Conversion]:
    if Path(root).exists() and not Path(root).is_dir():
        raise CliError(
            f"data root {root} is a file, not a folder: pass --root the folder that holds the datasets"
        )
    if not Path(root).is_dir():
        raise CliError(
            f"data root {root} does not exist; pass --root pointing at the shared data (e.g. ../shared/data)"
        )
    conv = _converter(name)
    try:
        return conv, conv(root, skip_bad=skip_bad)
    except FileNotFoundError as e:
        raise CliError(str(e)) from None


def _validate(conversion: Conversion, skip_bad: bool) -> None:
    """Re-check every example as a reader would (spans in range, types, unique ids); drop or raise."""
    seen: set[str] = set()
    for split, examples in conversion.splits.items():
        if not _SPLIT_NAME.match(split):
            raise CliError(f"split name {split!r} cannot be a file name")
        kept: list[Example] = []
        for i, ex in enumerate(examples):
            where = {"file": f"{split}.jsonl", "line": i + 1}
            try:
                try:
                    obj = json.loads(ex.to_json())
                except (TypeError, ValueError) as e:
                    raise DataError(f"not JSON-serialisable: {e}", **where) from None
                checked = Example.from_dict(obj, **where)
                if checked.id in seen:
                    raise DataError(f"duplicate id {checked.id!r}", field="id", **where)
            except DataError as err:
                err = DataError(
                    f"example {ex.id!r}: {err.reason}", file=err.file, line=err.line, field=err.field
                )
                if not skip_bad:
                    raise err from None
                conversion.rejects.append(err)
                continue
            seen.add(checked.id)
            kept.append(ex)
        conversion.splits[split] = kept


def _relative(file: str | None, root: str) -> str | None:
    """A reject's file relative to the data root, so outputs do not depend on how --root was spelled."""
    if file is None:
        return None
    try:
        return Path(os.path.abspath(file)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return file


def _find_seeds(meta: Any, prefix: str = "") -> dict[str, Any]:
    """Every ``seed`` value in the converter's meta, keyed by its dotted path."""
    found: dict[str, Any] = {}
    if isinstance(meta, dict):
        for key, value in meta.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "seed":
                found[path] = value
            else:
                found.update(_find_seeds(value, path))
    return found


def _write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _json_default(value: Any) -> Any:
    """Sets (sorted) and other non-JSON values in converter meta, written deterministically."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _remove_stale(out: Path, keep: set[str]) -> None:
    """Delete files a previous manifest in ``out`` listed that this run does not write."""
    try:
        old = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        listed = old.get("files", {}) if isinstance(old, dict) else {}
    except (OSError, ValueError):
        return
    for name in listed:
        if isinstance(name, str) and name not in keep and "/" not in name and (out / name).is_file():
            (out / name).unlink()


def cmd_convert(args: argparse.Namespace) -> int:
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise CliError(
            f"--out {args.out} is a file: name a folder (convert writes the splits and {MANIFEST} into it)"
        )
    conv, conversion = _run(args.name, args.root, args.skip_bad)
    _validate(conversion, args.skip_bad)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = [f"{split}.jsonl" for split in conversion.splits] + ([REJECTS] if args.skip_bad else [])
    _remove_stale(out, set(written))
    for split, examples in conversion.splits.items():
        save_examples(out / f"{split}.jsonl", examples)
    if args.skip_bad:
        rows = [err.to_dict() | {"file": _relative(err.file, args.root)} for err in conversion.rejects]
        _write_text(out / REJECTS, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    manifest = {
        "dataset": conv.name,
        "source_folder": conv.folder,
        "heads": list(conv.heads),
        "counts": {split: len(exs) for split, exs in conversion.splits.items()},
        "rejects": len(conversion.rejects),
        "skip_bad": args.skip_bad,
        "seeds": _find_seeds(conversion.meta),
        "converter_meta": conversion.meta,
        "files": {name: _sha256(out / name) for name in written},
    }
    _write_text(
        out / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False, default=_json_default) + "\n"
    )
    counts = ", ".join(f"{split} {n}" for split, n in manifest["counts"].items())
    print(f"{conv.name}: {counts}; rejects {len(conversion.rejects)} -> {out}")
    return 0


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: bool = True) -> str:
    """Aligned columns; the first is left-aligned, the others right-aligned when ``numeric``."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i and numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in cells
    ]
    return "\n".join(line.rstrip() for line in lines)


def format_stats(name: str, stats: dict[str, Any]) -> str:
    """The ``stats`` dict as plain tables."""
    splits = list(stats["examples"])
    parts = [
        f"{name}: {sum(stats['examples'].values())} examples, {stats['rejects']} rejects",
        _table(["split", "examples"], [[s, n] for s, n in stats["examples"].items()]),
    ]
    for kind, what in (("token_heads", "spans per label"), ("sequence_heads", "examples per label")):
        for head, counts in stats[kind].items():
            rows = [[label, *(per[s] for s in splits)] for label, per in counts["labels"].items()]
            rows.append(["(absent)", *(counts["absent"][s] for s in splits)])
            rows.append(["(empty)", *(counts["empty"][s] for s in splits)])
            parts.append(f"{kind.split('_')[0]} head '{head}' ({what})\n" + _table(["label", *splits], rows))
    rows = [
        [f"{split} {unit}", *v.values()]
        for split, lengths in stats["text_length"].items()
        for unit, v in lengths.items()
    ]
    parts.append("text length\n" + _table(["split unit", "p50", "p90", "p99", "max"], rows))
    return "\n\n".join(parts)


def cmd_stats(args: argparse.Namespace) -> int:
    conv, conversion = _run(args.name, args.root, args.skip_bad)
    stats = compute_stats(conversion)
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
    else:
        print(format_stats(conv.name, stats))
    return 0


def cmd_places(args: argparse.Namespace) -> int:
    from training.data.place_list import place_rows_csv

    out = Path(args.out)
    if out.is_dir():
        raise CliError(f"--out {out} is a folder: name a .csv file")
    conv, conversion = _run("acled", args.root, True)
    if args.split not in conversion.splits:
        raise CliError(
            f"the acled converter has no '{args.split}' split (it has {sorted(conversion.splits)})"
        )
    text, n = place_rows_csv(conversion.splits[args.split])
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_text(out, text)
    print(f"acled:{args.split}: {n} place rows -> {out} (bad source rows skipped: {len(conversion.rejects)})")
    return 0


def _one_line(text: str, width: int = 100) -> str:
    """The first sentence of a description, cut to ``width`` characters."""
    first = re.split(r"(?<=[a-z0-9)]\.)\s", " ".join(text.split()), maxsplit=1)[0]
    return first if len(first) <= width else first[: width - 3] + "..."


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for name in names():
        try:
            conv = get_converter(name)
            rows.append([name, ",".join(conv.heads), _one_line(conv.description)])
        except Exception as e:  # one broken module must not hide the others
            rows.append([name, "?", _one_line(f"(unavailable: {type(e).__name__}: {e})")])
    print(_table(["name", "heads", "description"], rows, numeric=False))
    return 0


def _dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="dataset name (see `conflict-data list`)")
    p.add_argument("--root", default="../shared/data", help="folder holding the raw datasets")
    p.add_argument("--skip-bad", action="store_true", help="set bad records aside instead of stopping")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="conflict-data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="registered converters, their heads and descriptions").set_defaults(
        fn=cmd_list
    )
    stats = sub.add_parser("stats", help="counts per split, labels per head, text lengths")
    _dataset_args(stats)
    stats.add_argument("--json", action="store_true", help="print the statistics as JSON")
    stats.set_defaults(fn=cmd_stats)
    convert = sub.add_parser("convert", help="write canonical JSONL splits + manifest.json")
    _dataset_args(convert)
    convert.add_argument("--out", required=True, help="output folder")
    convert.set_defaults(fn=cmd_convert)
    places = sub.add_parser(
        "places",
        help="the ACLED notes' places as a CSV place list for the geocoder (--places of conflict-tag)",
    )
    places.add_argument("--root", default="../shared/data", help="folder holding the raw datasets")
    places.add_argument(
        "--split", default="train", help="acled split to take the places from (default train)"
    )
    places.add_argument("--out", required=True, help="output .csv file")
    places.set_defaults(fn=cmd_places)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (errors are one line on stderr, no traceback)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else 2
    try:
        return args.fn(args)
    except (CliError, DataError) as e:
        print(f"conflict-data {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
