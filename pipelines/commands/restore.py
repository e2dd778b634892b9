"""`followup restore DIR`: verify a backup's manifest, restore it into a fresh file and swap (DuckDB),
or reload every table in one transaction (PostgreSQL)."""

from __future__ import annotations

from pipelines import backup
from pipelines.access import SYSTEM
from pipelines.cli import common, emit
from pipelines.store import open_store


def register(sub) -> None:
    p = sub.add_parser("restore", help="从备份恢复 / restore from a backup")
    common(p)
    p.add_argument("dir", help="a backup folder, or the folder of backups (the newest is used)")
    p.set_defaults(func=run)


def run(args) -> int:
    # Opening the store first proves no other process (a running dashboard) holds the file.
    store = open_store(args.db)
    result = backup.restore(store, SYSTEM, args.dir)
    kept = (" 原文件保留为 / the previous file is kept as"
            f" {store.location}.before-restore") if store.backend == "duckdb" else \
        " 所有副本随即读到恢复后的数据 / every replica reads the restored data from now on."
    emit(args, {"path": result.path, "tables": result.tables, "audit_entries_kept": result.audit_entries_kept,
                "erasures_reapplied": result.erasures_reapplied},
         f"已从 {result.path} 恢复 / restored from {result.path}: {len(result.tables)} 表 tables,"
         f" {sum(result.tables.values())} 行 rows; 保留审计记录 / audit entries kept {result.audit_entries_kept},"
         f" 重新删除个人信息 / erasures made again {result.erasures_reapplied}.{kept}")
    return 0
