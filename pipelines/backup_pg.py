"""Backups and restores on the PostgreSQL backend: the same commands, folder layout and manifest.

Backup: every app table of PostgreSQL's schema (listed from its catalogue, so tables added by
later migrations come along) is written by `COPY (SELECT * FROM db.public.<t>) TO '<t>.parquet'`,
all inside ONE DuckDB transaction. The postgres extension runs a DuckDB transaction as one
REPEATABLE READ PostgreSQL transaction on one connection (the extra connections of a parallel scan
import its snapshot with SET TRANSACTION SNAPSHOT), so every table comes from the same snapshot
while the replicas keep writing. EXPORT DATABASE is not used: on an attached PostgreSQL database it
also exports the pg_catalog views, and pg_timezone_names/pg_timezone_abbrevs.utc_offset hold
negative INTERVALs, which Parquet cannot store. `schema.sql` holds the DuckDB DDL of the same
schema version (the DuckDB migrations), each sequence starting after PostgreSQL's, so the backup
restores into either backend.

Restore: the backup is verified (manifest, SHA-256 of every file), built into a DuckDB file in a
scratch folder and checked table by table against the manifest (backup.build), and that file is
brought to the current schema — nothing live is touched until then. Then ONE PostgreSQL
transaction locks every app table against writes (reads go on), deletes every row of every app table and reloads it from the file (DELETE, not
TRUNCATE: the statement triggers of migration 0004 log every deleted and inserted id, so each
replica's local copy re-copies them, and the write advances the shared data version that keys all
caches), sets each sequence past its table's largest id and compares every table's count and
checksum with the file before COMMIT (migrate.load): a mismatch rolls all of it back.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from pathlib import Path

from pipelines import config, migrate, migrations, postgres
from pipelines.store import Store, sql_literal

SOURCE = "restore_src"
# A key no other feature takes: scheduled backups of several replicas serialise on it.
SCHEDULE_LOCK = 0x466F6C6C6F777570  # "Followup"
SCHEDULE_CLOCK = "followup_backup_clock"


def _pg(cur, sql: str) -> list[tuple]:
    """Rows of PostgreSQL SQL sent as is (on the cursor's open transaction)."""
    return cur.execute("SELECT * FROM postgres_query('db', $q)", {"q": sql}).fetchall()


def app_tables(cur) -> list[str]:
    """Every table of the app's PostgreSQL schema (schema_version included; the change log lives apart)."""
    return [r[0] for r in _pg(cur, "SELECT c.relname::text FROM pg_class c WHERE c.relkind IN ('r', 'p')"
                                   " AND c.relnamespace = current_schema()::regnamespace ORDER BY 1")]


def export(cur, folder: Path, parquet_options: str) -> tuple[int, list[str]]:
    """Write every table to `folder` from one snapshot, and the matching DuckDB schema; the schema version."""
    folder.mkdir(parents=True)
    opts = f"FORMAT parquet{', ' + parquet_options if parquet_options else ''}"
    cur.execute("BEGIN TRANSACTION")
    try:
        tables = app_tables(cur)
        version = _pg(cur, "SELECT coalesce(max(version), 0) FROM schema_version")[0][0]
        # Sequences are outside snapshots: read here they can only be ahead of the rows, never behind.
        starts = dict(_pg(cur, "SELECT sequencename::text, coalesce(last_value + 1, start_value) FROM pg_sequences"
                               " WHERE schemaname = current_schema()"))
        for t in tables:
            cur.execute(f"COPY (SELECT * FROM db.public.{t}) TO {sql_literal(str(folder / f'{t}.parquet'))} ({opts})")
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    (folder / "schema.sql").write_text(duckdb_schema(version, starts), encoding="utf-8")
    return version, tables


def duckdb_schema(version: int, starts: dict[str, int]) -> str:
    """The DuckDB DDL of schema `version` (as EXPORT DATABASE writes it), sequences starting at `starts`."""
    return re.sub(r"CREATE SEQUENCE (\w+)(.*?) START \d+",
                  lambda m: f"CREATE SEQUENCE {m[1]}{m[2]} START {int(starts.get(m[1], 1))}", _empty_schema(version))


@functools.lru_cache(maxsize=4)
def _empty_schema(version: int) -> str:
    """EXPORT DATABASE's schema.sql of an empty DuckDB database migrated to `version` (once per process)."""
    scratch = Store(":memory:", migrate=False)
    folder = Path(tempfile.mkdtemp(prefix="followup-schema-"))
    try:
        migrations.apply(scratch, upto=version)
        scratch.cursor().execute(f"EXPORT DATABASE db TO {sql_literal(str(folder))} (FORMAT csv)")
        text = (folder / "schema.sql").read_text(encoding="utf-8")
    finally:
        scratch.close()
        shutil.rmtree(folder, ignore_errors=True)
    return text


def erased_ids(store: Store) -> list[dict]:
    """The live database's erasures (from its audit log, whichever replica made them), as ledger entries."""
    rows = store.cursor().execute("SELECT DISTINCT table_name, row_id FROM audit_log WHERE action = 'erase'"
                                  " AND row_id IS NOT NULL ORDER BY ALL").fetchall()
    return [{"kind": "customer" if t == "customers" else "contact", "id": i} for t, i in rows]


def reload(store: Store, folder: Path, manifest: dict, key: str | None) -> dict[str, int]:
    """Replace every table's rows with the verified backup's, in one transaction; rows per table."""
    from pipelines import backup
    from pipelines.store import StoreError

    root = config.data_dir()  # beside the app's data, not in a shared /tmp: the file holds personal data
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".restore-", dir=root))
    file = work / "restore.duckdb"
    try:
        backup.build(folder, manifest, file, key)
        if manifest.get("schema_version", 0) < migrations.latest():
            Store(str(file), key=key).close()  # an older backup: its file is brought to the current schema
        cur = store.cursor()
        options = "READ_ONLY" + (f", ENCRYPTION_KEY {sql_literal(key)}" if key else "")
        cur.execute(f"ATTACH {sql_literal(str(file))} AS {SOURCE} ({options})")
        try:
            columns = migrate.source_tables(cur, SOURCE)
            if extra := set(app_tables(cur)) - set(columns) - {"schema_version"}:
                raise StoreError(f"数据库中有备份里没有的表({', '.join(sorted(extra))}),未作任何改动。",
                                 f"The database has tables the backup lacks ({', '.join(sorted(extra))});"
                                 " nothing was changed.")

            def replace(c) -> dict[str, int]:
                # The lock first, so the snapshot starts after it: a write of another replica either
                # committed before (and is replaced) or waits for the restore; none slips past it.
                # Reads go on. DELETE fires the change-log triggers (TRUNCATE would not): every
                # replica's local copy follows.
                postgres.execute(c, f"LOCK TABLE {', '.join(columns)} IN EXCLUSIVE MODE; "
                                 + " ".join(f"DELETE FROM {t};" for t in columns))
                return {t: v["rows"] for t, v in migrate.load(c, columns, SOURCE).items()}

            return store.write(replace, attempts=1)
        finally:
            cur.execute(f"DETACH {SOURCE}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- scheduled backups: one replica makes each --------------------------------------------------

def claim_schedule(store: Store, every: float, now: float) -> float | None:
    """Claim the next scheduled backup for this replica; None when another replica made or is
    making it. Returns the previous claim time, to give back with `release` if the backup fails.

    The claim time lives in a PostgreSQL sequence: sequences are outside transactions and
    snapshots, so a replica whose snapshot began before another's claim still reads it. Reading
    and advancing it happen under a transaction-level advisory lock: two replicas never both see
    the backup as due.
    """
    cur = store.cursor()
    postgres.execute(cur, f"CREATE SEQUENCE IF NOT EXISTS {SCHEDULE_CLOCK} MINVALUE 0 START 0")
    cur.execute("BEGIN TRANSACTION")
    try:
        if not _pg(cur, f"SELECT pg_try_advisory_xact_lock({SCHEDULE_LOCK})")[0][0]:
            cur.execute("ROLLBACK")
            return None
        last = _pg(cur, f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {SCHEDULE_CLOCK}")[0][0]
        if now - last < every:
            cur.execute("ROLLBACK")
            return None
        _pg(cur, f"SELECT setval('{SCHEDULE_CLOCK}', {int(now)})")
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return float(last)


def release(store: Store, previous: float) -> None:
    """Give a claim back after a failed backup, so the next round (of any replica) tries again."""
    _pg(store.cursor(), f"SELECT setval('{SCHEDULE_CLOCK}', {int(previous)}, {'true' if previous else 'false'})")
