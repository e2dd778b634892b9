"""Backups and restores: Parquet files and a manifest, checked before restoring.

A backup is a folder `DIR/YYYYmmdd-HHMMSS/` written by one EXPORT DATABASE statement (one
transaction, so the tables agree with each other while the app keeps writing), plus
`manifest.json`: the schema version and, per table, its row count, a content checksum and the
SHA-256 of its file. With a database key the Parquet files are encrypted (DuckDB's Parquet
encryption, key derived from FOLLOWUP_DB_KEY). A restore verifies all of that, builds a fresh
database file beside the live one, checks it against the manifest again, and only then swaps.
On PostgreSQL the same folder is written from one snapshot and restored in one transaction
(pipelines/backup_pg.py); a backup of either backend restores into either.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines import audit, config, migrations
from pipelines.access import SYSTEM, Actor, require_role
from pipelines.hashing import sha256_file
from pipelines.store import CATALOG, Store, StoreError, load_extension, sql_literal

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
PARQUET_KEY_NAME = "followup_backup"
_STAMP = re.compile(r"^\d{8}-\d{6}(-\d+)?$")
log = logging.getLogger(__name__)


class BackupError(StoreError):
    """A backup that cannot be written or a restore that must not go ahead (nothing was changed)."""


@dataclass
class BackupResult:
    path: str
    tables: dict[str, int] = field(default_factory=dict)
    erasures_reapplied: int = 0  # a restore's: erasures made after the backup, made again
    audit_entries_kept: int = 0  # a restore's: audit entries written after the backup, kept


# -- shared helpers --------------------------------------------------------------------------

def parquet_key(db_key: str) -> str:
    """The 256-bit Parquet key (base64) derived from the database key."""
    return base64.b64encode(hashlib.sha256(f"followup-backup:{db_key}".encode()).digest()).decode()


def add_parquet_key(cur, db_key: str | None) -> str:
    """Register the backup key on this connection; the Parquet options that use it ('' without a key)."""
    if db_key is None:
        return ""
    cur.execute(f"PRAGMA add_parquet_key({sql_literal(PARQUET_KEY_NAME)}, {sql_literal(parquet_key(db_key))})")
    return f"ENCRYPTION_CONFIG {{footer_key: {sql_literal(PARQUET_KEY_NAME)}}}"


def table_names(cur, catalog: str = CATALOG) -> list[str]:
    return [r[0] for r in cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = $c AND schema_name = 'main'"
        " ORDER BY table_name", {"c": catalog}).fetchall()]


def content_stats(cur, relation: str) -> tuple[int, str]:
    """Row count and an order-independent checksum of every value of a table or Parquet scan."""
    n, checksum = cur.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM {relation} t").fetchone()
    return int(n), checksum


def table_counts(cur, catalog: str = CATALOG) -> dict[str, int]:
    return {t: cur.execute(f"SELECT count(*) FROM {catalog}.main.{t}").fetchone()[0]
            for t in table_names(cur, catalog)}


def _parquet_scan(path: Path, options: str) -> str:
    enc = f", encryption_config = {{footer_key: {sql_literal(PARQUET_KEY_NAME)}}}" if options else ""
    return f"read_parquet({sql_literal(str(path))}{enc})"


# -- backup ----------------------------------------------------------------------------------

def backup(store: Store, actor: Actor, dest: str | Path, now: datetime | None = None) -> BackupResult:
    """Write a consistent backup of the open store into a new timestamped folder under `dest`."""
    require_role(actor, "admin")
    now = now or datetime.now(config.local_tz())
    root = Path(dest)
    target = root / now.strftime("%Y%m%d-%H%M%S")
    n = 1
    while target.exists():
        target = root / f"{now:%Y%m%d-%H%M%S}-{n}"
        n += 1
    partial = root / f".{target.name}.partial"
    try:
        root.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(partial, ignore_errors=True)
        cur = store.cursor()
        key = _key(store)
        if key is not None and store.backend == "postgres":  # the file backend loaded it on open
            load_extension(cur, "httpfs", "duckdb_extension_httpfs")  # OpenSSL: writing encrypted Parquet
        options = add_parquet_key(cur, key)
        if store.backend == "postgres":
            from pipelines import backup_pg

            version, names = backup_pg.export(cur, partial, options)
        else:
            opts = f"FORMAT parquet{', ' + options if options else ''}"
            version = cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
            cur.execute(f"EXPORT DATABASE {CATALOG} TO {sql_literal(str(partial))} ({opts})")
            names = table_names(cur)
        tables = {}
        for t in names:
            file = partial / f"{t}.parquet"
            rows, checksum = content_stats(cur, _parquet_scan(file, options))
            tables[t] = {"rows": rows, "checksum": checksum, "file": file.name, "sha256": sha256_file(file)}
        (partial / "load.sql").unlink(missing_ok=True)  # restore writes its own: paths move with the folder
        manifest = {"format": FORMAT_VERSION, "created_at": now.isoformat(), "schema_version": version,
                    "backend": store.backend,
                    "encrypted": key is not None, "duckdb": duckdb.__version__, "tables": tables,
                    "schema_sha256": sha256_file(partial / "schema.sql")}
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        partial.rename(target)  # a folder with a manifest is complete
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise _disk_error(exc, root) from exc
    except duckdb.Error as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise _disk_error(exc, root) from exc
    store.write(lambda c: audit.record(c, actor, "backup", detail=str(target)))
    return BackupResult(str(target), {t: v["rows"] for t, v in tables.items()})


def _key(store: Store) -> str | None:
    """The database key that encrypts backups: the file's own, or on PostgreSQL the configured one."""
    if store.backend == "postgres":
        return config.db_key()  # PostgreSQL encrypts at rest by its own means; the backup files need the key
    return config.db_key() if store.encrypted else None


def _disk_error(exc: Exception, where: Path) -> BackupError:
    text = str(exc)
    if "space" in text.lower() or getattr(exc, "errno", None) == 28:
        return BackupError(f"磁盘空间不足,备份未完成:{where}", f"No space left on the disk; the backup to {where} was not made.")
    if "permission" in text.lower() or "read-only" in text.lower() or getattr(exc, "errno", None) in (13, 30):
        return BackupError(f"无法写入备份目录 {where}(只读或无权限)。", f"Cannot write to the backup folder {where} (read-only or no permission).")
    return BackupError(f"备份失败:{text}", f"The backup failed: {text}")


# -- restore ---------------------------------------------------------------------------------

def find_backup(path: str | Path) -> Path:
    """`path` itself when it holds a manifest, else its newest complete backup folder."""
    p = Path(path)
    if (p / MANIFEST).is_file():
        return p
    found = sorted(d for d in p.iterdir() if d.is_dir() and _STAMP.match(d.name) and (d / MANIFEST).is_file()) \
        if p.is_dir() else []
    if not found:
        raise BackupError(f"{p} 中没有找到备份(缺少 manifest.json)。", f"No backup found in {p} (no manifest.json).")
    return found[-1]


def verify(folder: Path, key: str | None) -> dict:
    """Check a backup's manifest and files before anything is replaced; returns the manifest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        tables = manifest["tables"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"备份清单无法读取:{exc}", f"The backup manifest cannot be read: {exc}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError("备份格式不受支持。", "Unsupported backup format.")
    if manifest.get("schema_version", 0) > migrations.latest():
        raise BackupError("备份来自更新版本的程序,请先升级。", "The backup comes from a newer version; upgrade first.")
    if manifest.get("encrypted") and key is None:
        raise BackupError("备份已加密,需要设置 FOLLOWUP_DB_KEY。", "The backup is encrypted: set FOLLOWUP_DB_KEY.")
    files = {"schema.sql": manifest.get("schema_sha256")} | {v["file"]: v["sha256"] for v in tables.values()}
    for name, digest in files.items():
        f = folder / name
        if not f.is_file():
            raise BackupError(f"备份缺少文件 {name}。", f"The backup lacks the file {name}.")
        if sha256_file(f) != digest:
            raise BackupError(f"备份文件 {name} 的校验和不符,文件已损坏或被改动。",
                              f"The checksum of {name} does not match: the file is damaged or was changed.")
    return manifest


def _statements(schema_sql: str) -> list[str]:
    return [s.strip() for s in schema_sql.split(";") if s.strip()]


def build(folder: Path, manifest: dict, target: Path, key: str | None) -> dict[str, int]:
    """Create `target` from the backup and check it against the manifest (the live file is untouched)."""
    for f in (target, Path(f"{target}.wal")):
        f.unlink(missing_ok=True)
    con = duckdb.connect(":memory:")
    try:
        opts = ""
        if key is not None:
            load_extension(con, "httpfs", "duckdb_extension_httpfs")
            opts = f" (ENCRYPTION_KEY {sql_literal(key)})"
        con.execute(f"ATTACH {sql_literal(str(target))} AS restored{opts}")
        con.execute("USE restored")
        options = add_parquet_key(con, key if manifest.get("encrypted") else None)
        con.execute("BEGIN TRANSACTION")
        for stmt in _statements((folder / "schema.sql").read_text(encoding="utf-8")):
            con.execute(stmt)
        counts = {}
        for t, info in manifest["tables"].items():
            scan = _parquet_scan(folder / info["file"], options)
            # By name: a backup made on PostgreSQL may list a table's columns in another order.
            con.execute(f"INSERT INTO restored.main.{t} BY NAME SELECT * FROM {scan}")
            cols = ", ".join(f'"{r[0]}"' for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall())
            rows, checksum = content_stats(con, f"(SELECT {cols} FROM restored.main.{t})")
            if (rows, checksum) != (info["rows"], info["checksum"]):
                raise BackupError(f"恢复后的表 {t} 与备份清单不符({rows} 行)。",
                                  f"The restored table {t} does not match the manifest ({rows} rows).")
            counts[t] = rows
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        con.execute("USE memory")
        con.execute("DETACH restored")
    except duckdb.Error as exc:
        con.close()
        target.unlink(missing_ok=True)
        text = str(exc)
        if "encrypt" in text.lower() or "key" in text.lower():
            raise BackupError("无法解密备份:密钥与备份时不同。", "Cannot decrypt the backup: the key differs from the one used to make it.") from exc
        raise _disk_error(exc, target.parent) from exc
    except BaseException:
        con.close()
        target.unlink(missing_ok=True)
        raise
    con.close()
    return counts


def swap(location: str, fresh: Path) -> str:
    """Put `fresh` in place of the database file; the previous one is kept as `<file>.before-restore`."""
    live = Path(location)
    kept = Path(f"{location}.before-restore")
    if live.exists():
        os.replace(live, kept)
        wal = Path(f"{location}.wal")
        if wal.exists():  # a stale log must never be replayed onto the restored file
            os.replace(wal, Path(f"{kept}.wal"))
    os.replace(fresh, live)
    return str(kept)


def restore_file(location: str, source: str | Path, key: str | None) -> tuple[Path, dict[str, int]]:
    """Verify a backup and restore it into `location` (which no process may hold open)."""
    folder = find_backup(source)
    manifest = verify(folder, key)
    fresh = Path(f"{location}.restoring")
    fresh.parent.mkdir(parents=True, exist_ok=True)
    counts = build(folder, manifest, fresh, key)
    swap(location, fresh)
    return folder, counts


def data_rows(tables: dict[str, int]) -> int:
    """The rows a backup holds as a person counts them: the data, not schema_version (the
    migrations' own record, which a restore rebuilds instead of loading). The backup list said
    51,727 rows and the restore of it 51,716."""
    return sum(rows for name, rows in tables.items() if name != "schema_version")


def restore(store: Store, actor: Actor, source: str | Path) -> BackupResult:
    """Restore a backup over the file of an open store (the app's own, from /admin).

    The store is closed and must not be used afterwards: reopen with `open_store(location)`.
    Erasures made after the backup was taken are applied again (PIPL: an erased person does not
    come back with an old backup), and the audit log keeps its entries written since
    (pipelines.audit_carry).
    """
    from pipelines import audit_carry, pipl
    from pipelines.store import open_store, while_closed

    require_role(actor, "admin")
    location = store.location
    key = _key(store)
    folder = find_backup(source)
    manifest = verify(folder, key)
    if store.backend == "postgres":
        return _restore_postgres(store, actor, folder, manifest, key)
    fresh = Path(f"{location}.restoring")
    counts = build(folder, manifest, fresh, key)
    log_now = audit_carry.live_entries(store)

    def replace() -> None:
        store.close()
        swap(location, fresh)

    while_closed(location, replace)
    reopened = open_store(location)
    kept = audit_carry.put_back(reopened, log_now)
    erased = pipl.reapply_erasures(reopened, actor)
    reopened.write(lambda c: audit.record(c, actor, "restore_backup", detail=str(folder),
                                          after={"tables": counts, "erasures_reapplied": erased,
                                                 "audit_entries_kept": kept}))
    return BackupResult(str(folder), counts, erased, kept)


def _restore_postgres(store: Store, actor: Actor, folder: Path, manifest: dict, key: str | None) -> BackupResult:
    """The store stays open: the restore is one PostgreSQL transaction, which every replica follows."""
    from pipelines import audit_carry, backup_pg, pipl

    live_erasures = backup_pg.erased_ids(store)  # made on any replica; the ledger is per replica
    log_now = audit_carry.live_entries(store)
    counts = backup_pg.reload(store, folder, manifest, key)
    kept = audit_carry.put_back(store, log_now)
    erased = pipl.reapply_erasures(store, actor, also=live_erasures)
    store.write(lambda c: audit.record(c, actor, "restore_backup", detail=str(folder),
                                       after={"tables": counts, "erasures_reapplied": erased,
                                              "audit_entries_kept": kept}))
    return BackupResult(str(folder), counts, erased, kept)


# -- scheduled backups inside the app process ----------------------------------------------------

def prune(folder: str | Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` backups in `folder` (old copies of erased people age out)."""
    found = sorted(d for d in Path(folder).iterdir() if d.is_dir() and _STAMP.match(d.name)
                   and (d / MANIFEST).is_file()) if Path(folder).is_dir() else []
    gone = found[:-keep] if keep > 0 else []
    for d in gone:
        shutil.rmtree(d)
    return [str(d) for d in gone]


def due(folder: str | Path, every: float, now: float) -> bool:
    """Is a backup due: none yet, or the newest older than `every` seconds?"""
    newest = [d for d in Path(folder).iterdir() if (d / MANIFEST).is_file()] if Path(folder).is_dir() else []
    return not newest or now - max(d.stat().st_mtime for d in newest) >= every


_scheduled: dict[str, tuple[threading.Thread, threading.Event]] = {}
_scheduled_lock = threading.Lock()


def start_schedule(location: str) -> threading.Thread | None:
    """Back up on a schedule from inside the process that holds the file (the dashboard).

    A running dashboard holds DuckDB's file lock, so a cron job's `followup backup` cannot open the
    file; the server makes the backups itself when FOLLOWUP_BACKUP_DIR is set:
    every FOLLOWUP_BACKUP_EVERY_HOURS (default 24), keeping FOLLOWUP_BACKUP_KEEP (default 14).
    One thread per database; each round uses the process's current store (a restore reopens it).
    On PostgreSQL every replica runs the schedule and the one that claims a round makes that backup
    (backup_pg.claim_schedule: an advisory lock and a claim time kept in PostgreSQL); point
    FOLLOWUP_BACKUP_DIR at storage all replicas share, so the backups and their pruning are in one place.
    """
    from pipelines.store import open_store

    folder = config.backup_dir()
    if folder is None:
        return None
    every = float(os.environ.get("FOLLOWUP_BACKUP_EVERY_HOURS", "24")) * 3600
    keep = int(os.environ.get("FOLLOWUP_BACKUP_KEEP", "14"))

    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                store = open_store(location)
                if store.backend == "postgres":
                    _scheduled_round_postgres(store, folder, every, keep)
                elif due(folder, every, time.time()):
                    backup(store, SYSTEM, folder)
                    prune(folder, keep)
            except Exception:
                log.exception("scheduled backup to %s failed", folder)
            stop.wait(max(1.0, min(every / 4, 600)))

    with _scheduled_lock:
        if location not in _scheduled:
            _scheduled[location] = (threading.Thread(target=loop, name="followup-backups", daemon=True), stop)
            _scheduled[location][0].start()
        return _scheduled[location][0]


def _scheduled_round_postgres(store: Store, folder: str | Path, every: float, keep: int) -> None:
    from pipelines import backup_pg

    previous = backup_pg.claim_schedule(store, every, time.time())
    if previous is None:
        return  # not due, or another replica is making it
    try:
        backup(store, SYSTEM, folder)
    except BaseException:
        backup_pg.release(store, previous)
        raise
    prune(folder, keep)


def stop_schedule(location: str) -> None:
    with _scheduled_lock:
        found = _scheduled.pop(location, None)
    if found:
        found[1].set()
        found[0].join()
