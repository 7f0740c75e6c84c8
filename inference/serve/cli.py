"""``conflict-serve --model DIR [--host 127.0.0.1 --port 8000]``: the local page (see ``inference.serve``)."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from inference.batch.readers import Fields
from inference.serve.server import make_server
from inference.serve.service import Limits, TagService
from inference.tagger import ModelLoadError, Tagger


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="conflict-serve",
        description="A local web page: paste an article or upload a JSONL/CSV/TXT file, see its spans, "
        "labels and event records, download labels (JSONL) and events (CSV).",
    )
    p.add_argument("--model", required=True, help="model folder written by training (save_pretrained)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)"
    )
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--device", default="cpu", help="cpu (default), auto, cuda, cuda:N")
    p.add_argument("--quantize", choices=["int8"], help="dynamic int8 Linear layers (CPU)")
    p.add_argument(
        "--places",
        metavar="CSV",
        help="a place list beside GeoNames for the records' places (an ACLED export or `conflict-data places`)",
    )
    p.add_argument("--max-mb", type=float, default=5.0, help="largest upload in MB (default: 5)")
    p.add_argument("--max-articles", type=int, default=5000, help="most articles per upload (default: 5000)")
    p.add_argument("--max-seconds", type=float, default=300.0, help="tagging time per request (default: 300)")
    p.add_argument("--id-field", default="id", help="JSONL/CSV field with the article id (default: id)")
    p.add_argument("--text-field", default="text", help="JSONL/CSV field with the text (default: text)")
    p.add_argument("--date-field", default="date", help="JSONL/CSV field with the date (default: date)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    started = time.perf_counter()
    try:
        tagger = Tagger.from_pretrained(
            args.model, device=args.device, quantize=args.quantize, places=args.places
        )
    except (ModelLoadError, ValueError, OSError, RuntimeError) as e:  # RuntimeError: no GeoNames packages
        print(f"conflict-serve: {e}", file=sys.stderr)
        return 2
    limits = Limits(
        max_bytes=int(args.max_mb * 1024 * 1024), max_articles=args.max_articles, max_seconds=args.max_seconds
    )
    service = TagService(tagger, limits, Fields(args.id_field, args.text_field, args.date_field))
    try:
        server = make_server(service, args.host, args.port)
    except OSError as e:
        print(
            f"conflict-serve: cannot listen on {args.host}:{args.port} ({e.strerror or e})", file=sys.stderr
        )
        return 2
    host, port = server.server_address[:2]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"conflict-serve: listening on {args.host}: other machines can reach this page", file=sys.stderr
        )
    print(
        f"conflict-serve: model {args.model} ready in {time.perf_counter() - started:.1f} s; "
        f"open http://{host}:{port}/ (Ctrl-C stops)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
