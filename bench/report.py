"""What every benchmark script does at its end: name the CPU, write the JSON, print the table."""

from __future__ import annotations

import json
import platform
from pathlib import Path


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (``platform.processor()`` where there is none)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def write_report(report: dict, output: Path, table: str) -> None:
    """Write ``report`` as sorted, indented JSON to ``output`` and print ``table`` and where the JSON went."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(table)
    print(f"\nwritten: {output}")
