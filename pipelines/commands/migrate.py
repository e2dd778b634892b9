"""`followup migrate --from data/followup.duckdb --to postgresql://…`: move to the PostgreSQL backend."""

from __future__ import annotations

import time

from pipelines import config, migrate, postgres
from pipelines.cli import emit


def register(sub) -> None:
    p = sub.add_parser("migrate", help="迁移到 PostgreSQL / move an embedded database to PostgreSQL")
    p.add_argument("--from", dest="source", default=None,
                   help="DuckDB file (default: FOLLOWUP_DB or data/followup.duckdb)")
    p.add_argument("--to", dest="target", required=True, help="postgresql://user@host:port/db (empty)")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    source = config.db_location(args.source)
    started = time.perf_counter()
    report = migrate.run(source, args.target, key=config.db_key())
    seconds = time.perf_counter() - started
    lines = [f"  {name}: {info['rows']}" for name, info in report.tables.items()]
    total = sum(int(info["rows"]) for info in report.tables.values())
    emit(args, {"from": source, "to": postgres.redact(args.target), "tables": report.tables, "rows": total,
                "seconds": round(seconds, 2)},
         f"已迁移并校验 / copied and verified {total} 行 rows, {len(report.tables)} 表 tables"
         f" ({seconds:.1f}s):\n" + "\n".join(lines))
    return 0
