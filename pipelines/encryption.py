"""Converting a plain database file to an encrypted one (DuckDB's AES-GCM, FOLLOWUP_DB_KEY).

The copy is made with COPY FROM DATABASE into a new file, its row counts are checked, the
files are swapped, the new file is opened again with the key and checked once more; only then
is the plain original (kept meanwhile as `<file>.bak`) deleted: a plain copy left on disk would
defeat the encryption.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from pipelines.backup import table_counts
from pipelines.store import Store, StoreError, load_extension, sql_literal


def is_encrypted(location: str) -> bool:
    """Does the file need a key? (A plain file opens without one.)"""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH {sql_literal(location)} AS probe (READ_ONLY)")
        return False
    except duckdb.Error as exc:
        if "encrypt" in str(exc).lower() or "key" in str(exc).lower():
            return True
        raise
    finally:
        con.close()


def encrypt_file(location: str, key: str) -> dict[str, int]:
    """Encrypt the plain database at `location` in place; returns the row count of each table."""
    path = Path(location)
    if not path.is_file():
        raise StoreError(f"数据库文件不存在:{location}", f"No database file at {location}")
    try:
        if is_encrypted(location):
            raise StoreError(f"{location} 已经加密。", f"{location} is already encrypted.")
    except duckdb.Error as exc:
        raise StoreError(f"无法打开 {location}:{exc}", f"Cannot open {location}: {exc}") from exc
    Store(location).close()  # applies pending migrations and folds the WAL into the file (needs the lock)
    fresh, kept = Path(f"{location}.encrypting"), Path(f"{location}.bak")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect(":memory:")
    try:
        load_extension(con, "httpfs", "duckdb_extension_httpfs")
        con.execute(f"ATTACH {sql_literal(location)} AS src (READ_ONLY)")
        con.execute(f"ATTACH {sql_literal(str(fresh))} AS dst (ENCRYPTION_KEY {sql_literal(key)})")
        con.execute("COPY FROM DATABASE src TO dst")
        before, copied = table_counts(con, "src"), table_counts(con, "dst")
        con.execute("CHECKPOINT dst")
        con.execute("DETACH dst")
        con.execute("DETACH src")
    except duckdb.Error as exc:
        fresh.unlink(missing_ok=True)
        raise StoreError(f"加密失败,原文件未改动:{exc}", f"Encryption failed; the original is unchanged: {exc}") from exc
    finally:
        con.close()
    if before != copied:
        fresh.unlink(missing_ok=True)
        raise StoreError("加密副本的行数与原文件不符,原文件未改动。",
                         "The encrypted copy's row counts differ from the original; the original is unchanged.")
    os.replace(path, kept)
    os.replace(fresh, path)
    try:
        check = Store(location, key=key, read_only=True)
        reopened = table_counts(check.cursor(), "db")
        check.close()
    except StoreError:
        reopened = None
    if reopened != before:
        os.replace(kept, path)  # put the original back
        raise StoreError("加密后的文件校验失败,已恢复原文件。", "The encrypted file failed its check; the original was put back.")
    kept.unlink()
    return before
