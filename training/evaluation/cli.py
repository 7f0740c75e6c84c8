"""``conflict-eval``: evaluate a trained model, ``records`` (event records vs ACLED rows,
``records_command``) or ``heads`` (every head the data annotates, as training scores it, ``heads_command``)."""

from __future__ import annotations

import argparse
import logging
import sys

from training.evaluation.command import CommandError

RECORDS_DESCRIPTION = (
    "Score the event records a model builds against ACLED's own rows (see records_command.py)."
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="conflict-eval", description="Evaluate a trained conflict-events model.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "records",
        help="event records vs ACLED rows (coder notes as articles)",
        description=RECORDS_DESCRIPTION,
    )
    r.add_argument("--model", required=True, help="model folder written by training")
    src = r.add_mutually_exclusive_group(required=True)
    src.add_argument("--root", help="raw datasets folder (e.g. ../shared/data): the acled converter's split")
    src.add_argument(
        "--data",
        help="canonical JSONL of ACLED-like notes (labels event_type/sub_event_type, "
        "meta event_date, fatalities, location, admin1, admin2, actor1)",
    )
    r.add_argument("--split", default="dev", help="acled split with --root (default: dev)")
    r.add_argument("--limit", type=int, help="score only the first N notes")
    r.add_argument("--out", help="write the metrics (and counts) as JSON here")
    r.add_argument("--details", help="write one JSON line per note (gold, predicted, matches) here")
    r.add_argument("--batch-size", type=int, default=32, help="token windows per forward pass (default: 32)")
    r.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    r.add_argument(
        "--places",
        help="an ACLED-style place list CSV (conflict-data places --out FILE) the geocoder reads beside GeoNames",
    )

    g = sub.add_parser(
        "geocoder",
        help="the offline geocoder alone on ACLED's gold place names (no model)",
        description="Resolve each ACLED note's location (the note as context) and score it against the row's "
        "coordinates, country and admin1; see training/evaluation/geocoder_command.py.",
    )
    g.add_argument("--root", required=True, help="raw datasets folder (e.g. ../shared/data)")
    g.add_argument("--split", default="dev", help="acled split (default: dev)")
    g.add_argument("--limit", type=int, help="score only the first N notes")
    g.add_argument("--out", help="write the metrics (and counts) as JSON here")
    g.add_argument("--details", help="write one JSON line per note here")
    g.add_argument(
        "--places",
        help="an ACLED-style place list CSV (conflict-data places --out FILE) the geocoder reads beside GeoNames",
    )
    g.add_argument(
        "--unseen-countries",
        action="store_true",
        help="give each note the place list of the acled train split without the note's own country: the list's "
        "worth for a country the user has no ACLED rows of",
    )

    h = sub.add_parser(  # training/evaluation/heads_command.py is imported only to run: it loads torch and transformers
        "heads",
        help="every head the data annotates: span / label metrics as training reports them",
        description="Score a saved model's heads on labelled data (canonical JSONL or a converter's split) exactly "
        "as training scores its dev sets; see training/evaluation/heads_command.py.",
    )
    h.add_argument("--model", required=True, help="model folder written by training")
    src = h.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="canonical JSONL with spans and/or labels")
    src.add_argument("--dataset", help="a registered converter (conflict-data list), read from --root")
    h.add_argument("--root", default="../shared/data", help="raw datasets folder for --dataset")
    h.add_argument("--split", default="dev", help="split of --dataset (default: dev; test is withheld)")
    h.add_argument("--heads", help="comma-separated heads to score (default: all the data annotates)")
    h.add_argument(
        "--where",
        metavar="KEY=V1[,V2...]",
        help="score only the examples whose meta KEY is one of the values (e.g. source=ceha,glocon_sentence)",
    )
    h.add_argument("--out", help="write the scores (per head and label) as JSON here")
    h.add_argument("--batch-size", type=int, default=32, help="examples per forward pass (default: 32)")
    h.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if args.command == "geocoder":
        from training.evaluation.geocoder_command import run_geocoder as run
    elif args.command == "heads":  # each imported only to run: they load torch and transformers
        from training.evaluation.heads_command import run_heads as run
    else:
        from training.evaluation.records_command import run_records as run
    try:
        return run(args)
    except CommandError as e:
        print(f"conflict-eval: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
