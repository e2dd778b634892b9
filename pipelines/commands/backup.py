"""`followup backup DIR`: a consistent, timestamped backup (Parquet + manifest) under DIR."""

from __future__ import annotations

from pipelines import backup
from pipelines.access import SYSTEM
from pipelines.cli import common, emit
from pipelines.store import open_store


def register(sub) -> None:
    p = sub.add_parser("backup", help="备份数据库 / back up the database (Parquet + manifest)")
    common(p)
    p.add_argument("dir", help="folder that receives DIR/YYYYmmdd-HHMMSS/")
    p.set_defaults(func=run)


def run(args) -> int:
    # A running dashboard holds the file's lock: open_store then says to use the Administration page.
    result = backup.backup(open_store(args.db), SYSTEM, args.dir)
    emit(args, {"path": result.path, "tables": result.tables},
         f"备份完成 / backup written: {result.path} ({len(result.tables)} 表 tables,"
         f" {sum(result.tables.values())} 行 rows)")
    return 0
