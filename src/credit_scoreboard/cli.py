"""`credit-scoreboard`: generate, run, serve, cut (CONTRACT.md section 4).

Heavy modules (dbt, Great Expectations, Dash) are imported inside the commands so that
`--help` and `generate` stay fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

from credit_scoreboard import settings


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="credit-scoreboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a realistic synthetic landing folder")
    generate.add_argument("--out", type=Path, required=True, help="landing folder to write")
    generate.add_argument("--customers", type=int, default=2000)
    generate.add_argument("--years", type=float, default=3.0)
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument(
        "--format", choices=("csv", "csv-fr", "parquet"), default="csv",
        help="csv: UTF-8, ',' and ISO dates; csv-fr: Windows-1252, ';', decimal comma, "
        "DD/MM/YYYY; parquet: typed columns (the choice for large books)",
    )
    generate.add_argument("--end-date", type=_date, default=None,
                          help="last day of the book (default: 2026-10-31)")
    generate.add_argument("--invoices", type=int, default=None,
                          help="target invoice count; overrides --customers to reach it")
    generate.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    run = commands.add_parser("run", help="ingest, validate, build, test, publish")
    run.add_argument("--landing", type=Path, required=True, help="landing folder of extracts")
    run.add_argument("--warehouse", type=Path, default=None,
                     help=f"published DuckDB file (default {settings.default_warehouse()})")
    run.add_argument("--as-of", type=_date, default=None,
                     help="as-of date (default: the latest date seen in the extracts)")

    cut = commands.add_parser(
        "cut", help="copy a landing folder as it was known at a date (the no-leakage check)")
    cut.add_argument("--landing", type=Path, required=True, help="landing folder to cut")
    cut.add_argument("--out", type=Path, required=True, help="new or empty folder to write")
    cut.add_argument("--at", type=_date, required=True,
                     help="keep what was known at this date (YYYY-MM-DD)")

    serve = commands.add_parser("serve", help="serve the dashboard on the published warehouse")
    serve.add_argument("--warehouse", type=Path, default=None)
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--host", default="127.0.0.1")

    users = commands.add_parser(
        "users", add_help=False,
        help="manage dashboard users: users add NAME --role R | users list | users unlock NAME"
    )
    users.add_argument("users_args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["users"]:  # its own parser (dashboards.users), options and all
        from dashboards.users import main as users_main

        return users_main(argv[1:])
    args = build_parser().parse_args(argv)
    # Progress lines go to stderr so operators (and the fault-injection tests) see which
    # step is running; the summary alone goes to stdout.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s",
                        stream=sys.stderr)
    for noisy in ("great_expectations", "dbt", "py.warnings"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command == "generate":
        from credit_scoreboard.generate import generate_landing

        generate_landing(
            out_dir=args.out, customers=args.customers, years=args.years, seed=args.seed,
            fmt=args.format, end_date=args.end_date, target_invoices=args.invoices,
            progress=not args.no_progress,
        )
        return 0
    if args.command == "run":
        from credit_scoreboard.pipeline import PipelineError, run_pipeline

        try:
            summary = run_pipeline(
                landing_dir=args.landing,
                warehouse=args.warehouse or settings.default_warehouse(),
                as_of=args.as_of,
            )
        except PipelineError as error:
            print(f"credit-scoreboard run failed: {error}", file=sys.stderr)
            return 1
        print(summary.render())
        return 0
    if args.command == "cut":
        from credit_scoreboard.cut import cut_landing
        from credit_scoreboard.ingest import ExtractError

        try:
            counts = cut_landing(args.landing, args.out, args.at)
        except (ExtractError, ValueError) as error:
            print(f"credit-scoreboard cut failed: {error}", file=sys.stderr)
            return 1
        skipped = counts.pop("skipped_files")
        print(f"cut {args.landing} at {args.at} into {args.out}")
        for entity, count in counts.items():
            print(f"{entity}: {count['rows']} rows in {count['files']} file(s), "
                  f"{count['removed']} removed, {count['reopened']} re-opened")
        if skipped:
            print(f"not copied: {', '.join(skipped)}")
        return 0
    if args.command == "serve":
        from dashboards.app import serve

        serve(warehouse=args.warehouse or settings.default_warehouse(), host=args.host,
              port=args.port)
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
