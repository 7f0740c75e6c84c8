"""Our rules against the well-kept package that does the same job, scored by `conflict-eval records` (issue 14).

    pip install text2num dateparser pysbd          # only this script needs them
    python bench/library_vs_rules.py --model runs/default --root ../shared/data [--limit N]

Each variant swaps one of our rules for the package and tags the same ACLED dev notes with the same model:

- ``dateparser``: ``dateparser.parse`` (relative to the article date, past preferred) resolves every time
  expression the records read, instead of ``inference.events.dates.resolve_date``;
- ``pysbd``: ``pysbd.Segmenter`` splits the articles into sentences, instead of ``inference.text.sentences``;
- ``text2num``: ``text_to_num.text2num`` gives the value of every run of number words ("twenty-two", "one
  hundred and five") our count finder reads, instead of our arithmetic.

It prints the records metrics each variant moves, the wall time of the whole evaluation as a ratio to the rules run,
and how often the package's answer differed from ours (calls), and writes them to JSON. Quality, not speed,
decides; the README says which was kept and why.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import cpu_name, write_report  # noqa: E402

METRICS = (
    "event_type_accuracy",
    "sub_event_type_accuracy",
    "date_match",
    "fatalities_exact",
    "fatalities_within_1",
    "location_match",
    "actor1_match",
    "geo_within_50km",
)
VARIANTS = ("rules", "dateparser", "pysbd", "text2num")


def _clear_caches() -> None:
    from inference.events import dates, numbers

    for module in (dates, numbers):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


@contextlib.contextmanager
def _swapped(variant: str, calls: dict[str, int]):
    """Patch the one rule ``variant`` replaces at the places that call it, counting in ``calls`` how often the
    package's answer differs from ours; restore it after."""
    from inference.events import dates, incidents, numbers, records
    from inference.text import processor
    from inference.text.sentences import split_sentences, trim_ranges

    def count(differs: bool) -> None:
        calls["calls"] = calls.get("calls", 0) + 1
        calls["differ"] = calls.get("differ", 0) + int(differs)

    patches: list[tuple[object, str, object]] = []
    ours_date = dates.resolve_date
    if variant == "dateparser":
        import dateparser

        def resolve(mention: str, article_date) -> dates.ResolvedDate:
            article = dates.parse_article_date(article_date)
            base = dt.datetime.combine(article, dt.time(12)) if article else None
            settings = {"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day"]}
            if base is not None:
                settings["RELATIVE_BASE"] = base
            found = dateparser.parse(mention, languages=["en"], settings=settings)
            day = found.date().isoformat() if found else None
            count(day != ours_date(mention, article_date).iso)
            return dates.ResolvedDate(day, mention, "dateparser")

        patches += [(records, "resolve_date", resolve), (incidents, "resolve_date", resolve)]
    elif variant == "pysbd":
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)

        def split(text: str) -> list[tuple[int, int]]:
            out = trim_ranges(text, [(span.start, span.end) for span in segmenter.segment(text)])
            count(out != split_sentences(text))
            return out

        patches.append((processor, "split_sentences", split))
    elif variant == "text2num":
        from text_to_num import text2num

        ours = numbers._number_words

        def number_words(tokens, i):
            found = ours(tokens, i)
            if found is None:
                return None
            _, j = found
            phrase = " ".join(t.lower for t in tokens[i:j])
            try:
                value = int(text2num(phrase, "en"))
            except ValueError:
                count(True)
                return None  # text2num reads no number here
            count(value != found[0])
            return value, j

        patches.append((numbers, "_number_words", number_words))
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    for obj, name, value in patches:
        setattr(obj, name, value)
    _clear_caches()
    try:
        yield
    finally:
        for obj, name, value in saved:
            setattr(obj, name, value)
        _clear_caches()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="model folder written by training")
    p.add_argument(
        "--root", default="../shared/data", help="raw datasets folder (the acled converter's dev split)"
    )
    p.add_argument("--limit", type=int, help="score only the first N notes")
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, from {VARIANTS}")
    p.add_argument("--out", type=Path, default=Path("bench/results/library_vs_rules.json"))
    args = p.parse_args(argv)

    from inference import Tagger
    from training.evaluation.records_command import acled_notes, evaluate_records

    notes, _ = acled_notes(args.root, "dev")
    notes = notes[: args.limit] if args.limit else notes
    tagger = Tagger.from_pretrained(args.model, device="cpu")
    # warm-up (the place index, lazy imports), so that the first variant's time is comparable
    evaluate_records(tagger, notes[:50])
    results: dict[str, dict] = {}
    for variant in args.variants.split(","):
        calls: dict[str, int] = {}
        with _swapped(variant, calls):
            t0 = time.perf_counter()
            summary, _ = evaluate_records(tagger, notes)
            seconds = time.perf_counter() - t0
        results[variant] = {
            **{m: summary["metrics"].get(m) for m in METRICS},
            "seconds": round(seconds, 1),
            **calls,
        }
        print(f"{variant}: {seconds:.1f} s", file=sys.stderr)

    base = results.get("rules", {}).get("seconds")
    head = (
        f"{'variant':<11}"
        + "".join(f"{m[:18]:>20}" for m in METRICS)
        + f"{'time vs rules':>15}{'differs':>16}"
    )
    lines = [f"{len(notes)} ACLED dev notes, model {args.model}", head]
    for variant, row in results.items():
        cells = "".join(f"{'-' if row[m] is None else format(row[m], '.3f'):>20}" for m in METRICS)
        ratio = f"{row['seconds'] / base:.2f}x" if base else "-"
        differs = f"{row['differ']}/{row['calls']}" if row.get("calls") else "-"
        lines.append(f"{variant:<11}{cells}{ratio:>15}{differs:>16}")
    report = {"notes": len(notes), "model": str(args.model), "cpu": cpu_name(), "results": results}
    write_report(report, args.out, "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
