"""MUC-4 (ConfliBERT/GRIT json): document-level role fillers located as character spans in the document.

``train.json`` / ``dev.json`` map docid -> ``{"doc": UPPERCASE text, "roles": {role: [[mention, ...], ...]}}``
(each inner list = the mentions of one entity).  The test file is never read.  Text is kept exactly as published
(uppercase, line breaks included).

Locating mentions: EVERY occurrence of every mention string becomes a span (labelling only the first would teach
the model that identical later occurrences are not fillers).  Matching is case-sensitive, on word boundaries,
and any whitespace run in a mention matches any whitespace run in the text (mentions cross line breaks); a
mention absent as written may match with a plural S/ES ending.
Overlaps are resolved to a flat set, like re3d: longest span first, then earliest, then role order; the dropped
ones are counted.  Mentions found nowhere (bracketed expansions, typos) are counted and listed in the
Conversion's meta, per split and role.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from training.data.canonical import DataError, Example, Span
from training.data.registry import Conversion, register

HEAD = "muc4_roles"
# raw key -> span label, in the order used to break ties between equal spans
ROLES = {
    "perp_individual_id": "perp_individual",
    "perp_organization_id": "perp_org",
    "phys_tgt_id": "phys_target",
    "hum_tgt_name": "hum_target",
    "incident_instrument_id": "instrument",
}
SPLITS = ("train", "dev")
_ROLE_RANK = {label: i for i, label in enumerate(ROLES.values())}


def mention_pattern(mention: str, *, plural: bool = False) -> re.Pattern[str]:
    """Regex for a mention: its words in order, any whitespace between, not inside a longer word.

    ``plural`` also accepts an S/ES ending ("GRENADE LAUNCHER" -> "GRENADE LAUNCHERS"); used only when the
    mention as written is absent.
    """
    words = mention.split()
    suffix = r"(?:E?S)" if plural else ""
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + suffix + r"(?!\w)")


def resolve_overlaps(spans: set[Span]) -> tuple[list[Span], int]:
    """Keep a flat set of spans (longest, then earliest, then role order wins); returns (kept, dropped)."""
    kept: list[Span] = []
    taken: list[tuple[int, int]] = []
    for start, end, label in sorted(spans, key=lambda s: (s[0] - s[1], s[0], _ROLE_RANK.get(s[2], 99), s[2])):
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        kept.append((start, end, label))
        taken.append((start, end))
    return sorted(kept), len(spans) - len(kept)


def _line_of(raw: str, docid: str) -> int | None:
    pos = raw.find(json.dumps(docid) + ":")
    return raw.count("\n", 0, pos) + 1 if pos >= 0 else None


def _load_json(path: Path) -> tuple[str, dict[str, Any]]:
    data = path.read_bytes()
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DataError(f"undecodable bytes (not UTF-8) at byte {e.start}", file=path, line=line) from e
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as e:
        raise DataError(f"invalid JSON: {e.msg} at column {e.colno}", file=path, line=e.lineno) from e
    if not isinstance(obj, dict):
        raise DataError(
            f"expected a JSON object docid -> document, got {type(obj).__name__}", file=path, line=1
        )
    return raw, obj


def _document(
    docid: str, record: Any, split: str, path: Path, raw: str
) -> tuple[Example, Counter[str], list[list[str]], int]:
    """One raw record -> (example, not-found count per role, not-found [docid, role, mention], dropped overlaps)."""

    def fail(msg: str, fld: str) -> DataError:
        return DataError(f"document {docid!r}: {msg}", file=path, line=_line_of(raw, docid), field=fld)

    if not isinstance(record, dict) or not isinstance(record.get("doc"), str):
        raise fail("must be an object with a string 'doc'", "doc")
    roles = record.get("roles")
    if not isinstance(roles, dict):
        raise fail("must be an object role -> list of entity mention lists", "roles")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise fail(f"unknown role(s) {unknown}; known: {', '.join(ROLES)}", "roles")
    text = record["doc"]
    spans: set[Span] = set()
    missing: Counter[str] = Counter()
    missing_list: list[list[str]] = []
    for key, label in ROLES.items():
        entities = roles.get(key, [])
        if not isinstance(entities, list) or not all(isinstance(e, list) for e in entities):
            raise fail("must be a list of mention lists", f"roles.{key}")
        for entity in entities:
            for mention in entity:
                if not isinstance(mention, str) or not mention.strip():
                    raise fail(f"mention {mention!r} must be a non-empty string", f"roles.{key}")
                found = [(m.start(), m.end(), label) for m in mention_pattern(mention).finditer(text)]
                if not found:
                    found = [
                        (m.start(), m.end(), label)
                        for m in mention_pattern(mention, plural=True).finditer(text)
                    ]
                if not found:
                    missing[label] += 1
                    missing_list.append([docid, label, mention])
                spans.update(found)
    kept, dropped = resolve_overlaps(spans)
    example = Example(
        id=f"muc4-{split}-{docid}",
        text=text,
        spans={HEAD: kept},
        meta={"source": "muc4", "split": split, "docid": docid},
    )
    return example, missing, missing_list, dropped


@register(
    "muc4",
    folder="conflibert_muc4",
    heads=(HEAD,),
    description="MUC-4 terrorism reports: perpetrator/target/instrument role fillers located as spans",
)
def convert_muc4(folder: Path, *, skip_bad: bool = False) -> Conversion:
    """train.json / dev.json -> documents with spans on head ``muc4_roles`` (see the module doc)."""
    splits: dict[str, list[Example]] = {}
    rejects: list[DataError] = []
    not_found: dict[str, dict[str, int]] = {}
    not_found_list: list[list[str]] = []
    dropped: dict[str, int] = {}
    found_spans: dict[str, int] = {}
    for split in SPLITS:
        path = folder / f"{split}.json"
        if not path.is_file():
            raise FileNotFoundError(f"muc4: missing {path}")
        raw, docs = _load_json(path)
        examples: list[Example] = []
        missing: Counter[str] = Counter()
        dropped[split] = 0
        for docid, record in docs.items():
            try:
                example, miss, miss_list, n_dropped = _document(docid, record, split, path, raw)
            except DataError as err:
                if not skip_bad:
                    raise
                rejects.append(err)
                continue
            examples.append(example)
            missing.update(miss)
            not_found_list.extend([split, *m] for m in miss_list)
            dropped[split] += n_dropped
        splits[split] = examples
        not_found[split] = {label: missing.get(label, 0) for label in ROLES.values()}
        found_spans[split] = sum(len(ex.spans[HEAD]) for ex in examples)
    meta = {
        "labels": list(ROLES.values()),
        "role_keys": dict(ROLES),
        "matching": "every occurrence, case-sensitive, word boundaries, flexible whitespace",
        "spans": found_spans,
        "overlaps_dropped": dropped,
        "mentions_not_found": not_found,
        "mentions_not_found_list": not_found_list,
        "test": "withheld, not read",
    }
    return Conversion(splits=splits, rejects=rejects, meta=meta)
