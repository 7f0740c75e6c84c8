"""Host stage costs of this checkout against an earlier commit, measured in one run: ratios, not absolute times.

    .venv/bin/python bench/pipeline_vs.py BASELINE_REV [--model DIR] [--n 60] [--rounds 3] [--repeats 2]

Checks BASELINE_REV out into a temporary git worktree and runs its own ``bench/pipeline.py`` and this checkout's,
alternately, ``--repeats`` times each, with the same arguments (same generated articles, same model, this
checkout's Python environment). Each stage's number is its best over the repeats (the least disturbed by other
work on the machine); the ratio is this checkout's over the baseline's. Prints the table and writes
bench/results/pipeline_vs.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

from bench.report import cpu_name, write_report  # noqa: E402


def run_pipeline(root: Path, args: argparse.Namespace, output: Path) -> dict:
    """``bench/pipeline.py`` of the checkout at ``root``, run from there, its JSON report."""
    cmd = [sys.executable, "bench/pipeline.py", "--n", str(args.n), "--rounds", str(args.rounds)]
    cmd += ["--output", str(output)] + (["--model", str(args.model.resolve())] if args.model else [])
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"bench/pipeline.py in {root} failed (exit {done.returncode}):\n{done.stderr[-2000:]}"
        )
    return json.loads(output.read_text())


def best(reports: list[dict]) -> dict[str, float]:
    """Per stage (and ``host``), the least ms per article over the repeats."""
    stages = reports[0]["ms_per_article"]
    out = {s: min(r["ms_per_article"][s] for r in reports) for s in stages}
    out["host"] = min(r["host_ms_per_article"] for r in reports)
    return out


def table(report: dict) -> str:
    base, new = report["baseline_ms"], report["this_ms"]
    lines = [
        f"{report['baseline']} (baseline) vs this checkout, {report['articles']} articles x {report['rounds']} "
        f"rounds, best of {report['repeats']} alternating runs each, model {report['model']}",
        "",
        f"| {'stage':<15} | {'baseline ms':>11} | {'this ms':>8} | {'ratio':>6} |",
        f"|{'-' * 17}|{'-' * 13}|{'-' * 10}|{'-' * 8}|",
    ]
    for s in base:
        ratio = f"{new[s] / base[s]:.2f}" if base[s] else "-"
        lines.append(f"| {s:<15} | {base[s]:>11.3f} | {new[s]:>8.3f} | {ratio:>6} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("baseline", help="the commit (or any git revision) to compare with")
    p.add_argument("--model", type=Path, help="model folder (default: bench/pipeline.py's untrained MiniLM)")
    p.add_argument("--n", type=int, default=60, help="articles (default 60)")
    p.add_argument("--rounds", type=int, default=3, help="rounds per run (default 3)")
    p.add_argument("--repeats", type=int, default=2, help="alternating runs of each side (default 2)")
    p.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "pipeline_vs.json")
    args = p.parse_args(argv)
    if min(args.n, args.rounds, args.repeats) < 1:
        p.error("--n, --rounds and --repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rev = subprocess.run(
        ["git", "rev-parse", "--verify", "--short", f"{args.baseline}^{{commit}}"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if rev.returncode != 0:
        raise SystemExit(f"not a commit of {REPO}: {args.baseline}")
    commit = rev.stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-vs-") as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), commit], cwd=REPO, check=True)
        try:
            if not (tree / "bench" / "pipeline.py").is_file():
                raise SystemExit(f"{commit} has no bench/pipeline.py to compare with")
            runs: dict[str, list[dict]] = {"baseline": [], "this": []}
            for k in range(args.repeats):
                for side, root in (("baseline", tree), ("this", REPO)):
                    runs[side].append(run_pipeline(root, args, Path(tmp) / f"{side}-{k}.json"))
                    print(
                        f"{side} run {k + 1}/{args.repeats}: host {runs[side][-1]['host_ms_per_article']:.3f} ms"
                    )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=False)
    report = {
        "baseline": commit,
        "model": runs["this"][0]["model"],
        "articles": args.n,
        "rounds": args.rounds,
        "repeats": args.repeats,
        "cpu": cpu_name(),
        "command": "bench/pipeline_vs.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "baseline_ms": best(runs["baseline"]),
        "this_ms": best(runs["this"]),
    }
    report["ratio"] = {s: report["this_ms"][s] / v for s, v in report["baseline_ms"].items() if v}
    write_report(report, args.output, table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
