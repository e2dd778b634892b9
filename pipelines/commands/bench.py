"""`followup bench`: ingest, every page's queries, saves and memory, on N follow-ups."""

from __future__ import annotations

import importlib
import sys

from pipelines import postgres
from pipelines.cli import CommandError, common, emit


def register(sub) -> None:
    p = sub.add_parser("bench", help="性能基准 / benchmark ingest, page queries, saves and memory")
    common(p)
    p.add_argument("--follow-ups", type=int, default=1_000_000, dest="follow_ups")
    p.add_argument("--runs", type=int, default=5, help="measured runs per figure (median; ≥ 5 for the README)")
    p.add_argument("--browser", action="store_true", help="also time /funnel in headless chromium")
    p.add_argument("--no-ingest", action="store_true", help="skip the ingest figures")
    p.add_argument("--saves", type=int, default=25, help="saves per writer, 20 writers (default 25: 500 saves)")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.follow_ups < 1000 or args.runs < 1 or args.saves < 1:
        raise CommandError("--follow-ups ≥ 1000, --runs ≥ 1, --saves ≥ 1")
    if args.db and "://" in args.db and not postgres.is_url(args.db):
        raise CommandError("--db: a DuckDB file path or a postgresql:// URL (an empty database, or an earlier bench's)")
    # The bench times the dashboard's own cached query path, so it lives beside the dashboard.
    bench = importlib.import_module("benchmarks.bench")
    path = args.db or f"data/bench-{args.follow_ups}.duckdb"
    result = bench.run(path, args.follow_ups, runs=args.runs, browser=args.browser, ingest=not args.no_ingest,
                       saves_each=args.saves, log=lambda m: print(m, file=sys.stderr))
    emit(args, result, bench.table(result))
    return 0
