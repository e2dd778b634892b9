"""Move an embedded installation (a DuckDB file) to PostgreSQL, verified by row counts and checksums.

The source is upgraded to the current schema first, then every table is copied in ONE target
transaction (all or nothing), each sequence is set past its table's largest id, and before that
transaction commits both sides are read back through DuckDB: the same count and the same
checksum (a sum of row hashes over the same columns in the same order) for every table, or
nothing is written. `load` is also the last step of a backup restore on PostgreSQL (backup_pg.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines import postgres
from pipelines.store import Store, StoreError, sql_literal

SOURCE = "src"


@dataclass
class Report:
    tables: dict[str, dict[str, object]] = field(default_factory=dict)


def source_tables(cur, source: str = SOURCE) -> dict[str, list[str]]:
    """The app tables of an attached DuckDB database (not schema_version) and their columns, in order."""
    rows = cur.execute("SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns()"
                       " WHERE database_name = $s AND schema_name = 'main' AND table_name <> 'schema_version'"
                       " GROUP BY table_name ORDER BY table_name", {"s": source}).fetchall()
    return dict(rows)


def _fingerprint(cur, relation: str, cols: list[str]) -> tuple[int, str]:
    """Row count and checksum of a table, from the same SQL on either side."""
    n, total = cur.execute(
        f"SELECT count(*), coalesce(sum(hash(r)::HUGEINT), 0)::VARCHAR FROM (SELECT {', '.join(cols)} FROM {relation}) r"
    ).fetchone()
    return n, total


def load(cur, columns: dict[str, list[str]], source: str = SOURCE) -> dict[str, dict[str, object]]:
    """Inside the caller's PostgreSQL transaction: copy every table from the attached `source`, set
    each sequence past its table's largest id, and check count and checksum of every table against
    the source before the caller commits (a mismatch raises: the caller rolls back)."""
    for table, cols in columns.items():
        names = ", ".join(cols)
        cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {source}.main.{table}")
    # Sequences past the copied ids, so the next row saved on PostgreSQL does not collide. Never
    # lowered (setval is not undone by a rollback: a lower value would collide with rows kept).
    sequences = {r[0] for r in cur.execute("SELECT * FROM postgres_query('db', $q)", {
        "q": "SELECT sequencename::text FROM pg_sequences WHERE schemaname = current_schema()"}).fetchall()}
    postgres.execute(cur, " ".join(
        f"SELECT setval('{t}_id_seq', greatest((SELECT max(id) FROM {t}), (SELECT last_value FROM {t}_id_seq)))"
        f" WHERE EXISTS (SELECT 1 FROM {t});" for t in columns if f"{t}_id_seq" in sequences))
    report = {}
    for table, cols in columns.items():
        before = _fingerprint(cur, f"{source}.main.{table}", cols)
        after = _fingerprint(cur, table, cols)
        if before != after:
            raise StoreError(f"校验失败:表 {table} 源 {before[0]} 行,目标 {after[0]} 行,校验和不一致。",
                             f"Verification failed for {table}: {before[0]} rows in the source,"
                             f" {after[0]} in the target, checksums differ.")
        report[table] = {"rows": after[0], "checksum": after[1]}
    return report


def _not_empty(target: Store, tables: list[str]) -> list[str]:
    return [t for t in tables if target.scalar(f"SELECT count(*) FROM {t}") > 0]


def run(source: str, target_url: str, key: str | None = None) -> Report:
    """Copy the DuckDB database at `source` into the empty PostgreSQL database `target_url`."""
    if not postgres.is_url(target_url):
        raise StoreError("目标必须是 postgresql:// 地址。", "The target must be a postgresql:// URL.")
    if postgres.is_url(source):
        raise StoreError("源必须是 DuckDB 数据库文件。", "The source must be a DuckDB database file.")
    Store(source, key=key).close()  # brings an older file up to the current schema
    target = Store(target_url)
    try:
        options = "READ_ONLY" + (f", ENCRYPTION_KEY {sql_literal(key)}" if key else "")
        target.cursor().execute(f"ATTACH {sql_literal(source)} AS {SOURCE} ({options})")
        columns = source_tables(target.cursor())
        if busy := _not_empty(target, list(columns)):
            raise StoreError(f"目标数据库不是空的(已有数据的表:{', '.join(busy)}),未作任何改动。",
                             f"The target database is not empty (tables with rows: {', '.join(busy)}); nothing was changed.")
        report = Report(target.write(lambda cur: load(cur, columns), attempts=1))
        target.cursor().execute(f"DETACH {SOURCE}")
        return report
    finally:
        target.close()
