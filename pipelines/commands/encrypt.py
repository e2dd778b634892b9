"""`followup encrypt`: convert a plain database file to an encrypted one with FOLLOWUP_DB_KEY."""

from __future__ import annotations

from pathlib import Path

from pipelines import config
from pipelines.cli import CommandError, common, emit
from pipelines.encryption import encrypt_file


def register(sub) -> None:
    p = sub.add_parser("encrypt", help="加密数据库文件(FOLLOWUP_DB_KEY)/ encrypt the database file")
    common(p)
    p.set_defaults(func=run)


def run(args) -> int:
    key = config.db_key()
    if key is None:
        raise CommandError("请先设置环境变量 FOLLOWUP_DB_KEY / set FOLLOWUP_DB_KEY first")
    location = config.db_location(args.db)
    if "://" in location:
        raise CommandError("只能加密本地 DuckDB 文件 / only a local DuckDB file can be encrypted")
    tables = encrypt_file(location, key)
    plain = [p for p in (f"{location}.before-restore",) if Path(p).exists()]
    warning = ("\n注意 / note: 以下旧副本仍未加密,确认不再需要后请删除 / these older copies are not encrypted;"
               " delete them once no longer needed: " + ", ".join(plain)) if plain else ""
    emit(args, {"path": location, "tables": tables, "plain_copies": plain},
         f"已加密 / encrypted {location}: {len(tables)} 表 tables, {sum(tables.values())} 行 rows.\n"
         "今后打开此文件都需要同一个 FOLLOWUP_DB_KEY / from now on the same FOLLOWUP_DB_KEY is needed to open it." + warning)
    return 0
