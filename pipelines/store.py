"""Connections and transactions: one root DuckDB connection per process, a cursor per thread.

The database is ATTACHed to an in-memory root as catalog `db` and made the default, so the
same unqualified SQL serves a plain file, an encrypted one (FOLLOWUP_DB_KEY) and a PostgreSQL
database shared by several app replicas (a postgresql:// location; see pipelines/postgres.py).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

from pipelines import config, local_copy, migrations, postgres

log = logging.getLogger(__name__)
T = TypeVar("T")

CATALOG = "db"
# Statements that only read: on PostgreSQL these may go to the replica's local analytics copy.
_READ = re.compile(r"^\s*(SELECT|WITH|FROM)\b", re.IGNORECASE)


class StoreError(Exception):
    """A fault the user can act on; the message is given in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    def text(self, lang: str = "zh_CN") -> str:
        return self.en if lang == "en" else self.zh


def _extension_path(package: str, name: str) -> str | None:
    """Path of an extension binary shipped in a duckdb-extension-* package (no internet needed)."""
    try:
        module = __import__(package)
    except ImportError:
        return None
    found = sorted(Path(module.__file__).parent.rglob(f"{name}.duckdb_extension"))
    return str(found[0]) if found else None


def load_extension(con: duckdb.DuckDBPyConnection, name: str, package: str) -> None:
    """LOAD an extension, from the PyPI package's file when DuckDB cannot fetch it itself."""
    path = _extension_path(package, name)
    if path is None:  # not packaged: DuckDB's own copy, installed beforehand or fetched
        try:
            con.execute(f"LOAD {name}")
            return
        except duckdb.Error:
            raise StoreError(f"缺少 DuckDB 扩展 {name}", f"DuckDB extension {name} is missing") from None
    if name == "postgres":
        path = postgres.extension_file(path)  # must be loaded under its entry point's name
    con.execute(f"LOAD '{path}'")


_UNREACHABLE = re.compile(r"unable to connect|connection refused|could not connect|server closed the connection"
                          r"|connection (?:to server )?(?:was )?(?:lost|reset|timed out)|terminating connection"
                          r"|no connection to the server", re.IGNORECASE)


def unreachable(exc: BaseException) -> bool:
    """Whether an error says the database server cannot be reached (PostgreSQL stopped, restarting
    or cut off): a moment's fault to say as such, not an unexpected one. Its causes count too."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, (duckdb.IOException, duckdb.ConnectionException, StoreError)) \
                and _UNREACHABLE.search(str(seen)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _translate_open_error(exc: duckdb.Error, location: str) -> StoreError:
    text = str(exc)
    if postgres.is_url(location):
        where = postgres.redact(location)
        text = text.replace(location, where)  # the extension quotes the URL, password and all
        return StoreError(f"无法连接 PostgreSQL 数据库 {where}:{text}",
                          f"Cannot reach the PostgreSQL database {where}: {text}")
    if "lock" in text.lower():
        return StoreError(
            f"数据库 {location} 正被另一个进程(通常是正在运行的仪表盘)使用。请在仪表盘的「系统管理」页操作,或先停止仪表盘再重试。",
            f"The database {location} is in use by another process (usually the running dashboard). "
            "Use the dashboard's Administration page, or stop the dashboard and try again.",
        )
    if "without a key" in text.lower():
        return StoreError(
            f"数据库 {location} 已加密:请设置 FOLLOWUP_DB_KEY 后重试。文件未作任何改动。",
            f"The database {location} is encrypted: set FOLLOWUP_DB_KEY and try again. Nothing was changed.",
        )
    if "encrypt" in text.lower() or "key" in text.lower():
        return StoreError(
            f"无法打开数据库 {location}:加密密钥不正确,或文件未加密却提供了密钥。文件未作任何改动。",
            f"Cannot open {location}: wrong encryption key, or a key given for a plain file. Nothing was changed.",
        )
    if "read-only" in text.lower() or "permission" in text.lower():
        return StoreError(
            f"无法写入数据库 {location}:文件或目录是只读的。",
            f"Cannot write the database {location}: the file or its folder is read-only.",
        )
    if "space" in text.lower():
        return StoreError(f"磁盘空间不足,无法写入 {location}。", f"No space left on the disk for {location}.")
    return StoreError(f"无法打开数据库 {location}:{text}", f"Cannot open the database {location}: {text}")


def sql_literal(text: str) -> str:
    """A SQL string literal, for the few statements that take no bound parameters."""
    return "'" + text.replace("'", "''") + "'"


def is_disk_fault(exc: BaseException) -> bool:
    """A full disk or a file that cannot be written: retrying will not help, the user must act."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.Error) and any(
        s in text for s in ("no space left", "read-only file system", "permission denied", "disk full"))


def is_conflict(exc: BaseException) -> bool:
    """A write-write conflict under DuckDB's optimistic concurrency: worth retrying."""
    text = str(exc)
    if "could not serialize" in text or "deadlock detected" in text:  # PostgreSQL REPEATABLE READ
        return True
    if isinstance(exc, duckdb.ConstraintException) and 'Duplicate key "id:' in text:
        # Ids come from sequences, so a clash on one is two transactions adding the same
        # one-row-per-customer row (customer_activity) at once: DuckDB reports that as a
        # constraint error, not a conflict. A clash on any other key is the user's and is not retried.
        return True
    return isinstance(exc, duckdb.TransactionException) or "Conflict" in text or "conflict" in text


_writer = threading.local()  # the store whose write transaction this thread is running
TURN_WAIT_S = 30.0


def take_turn(key: object) -> None:
    """Inside a write transaction: wait until no other thread of this process is writing under
    `key` (e.g. one customer), and hold it until this transaction ends.

    Optimistic concurrency makes two transactions that write the same row conflict and retry;
    when many threads save to one customer at once they can keep failing each other. Taking
    turns here turns that into a short wait; across processes (PostgreSQL replicas) the
    database's own conflict detection and the store's retries still apply.
    """
    store = getattr(_writer, "store", None)
    if store is not None:
        store._take_turn(key)


class Store:
    """The data of one installation, opened once per process."""

    def __init__(self, location: str, key: str | None = None, read_only: bool = False, migrate: bool = True):
        self.location = location
        self.read_only = read_only
        self.encrypted = key is not None
        self._local = threading.local()
        self._turns: dict[object, threading.Lock] = {}
        self._turns_guard = threading.Lock()
        self._version = itertools.count(1)
        self._current_version = 0
        # Names this opening in cache keys: a version number alone repeats across openings (a
        # restored file, another database in the same process) and would hand back their figures.
        self.opening = uuid.uuid4().hex
        self._version_lock = threading.Lock()
        self.backend = "postgres" if postgres.is_url(location) else "duckdb"
        self._shared_version = postgres.Version() if self.backend == "postgres" else None
        self._copy: local_copy.LocalCopy | None = None
        self._own_writes = itertools.count(1)
        self._writes = 0  # write statements this process ran on PostgreSQL (the copy's freshness key)
        if location != ":memory:" and self.backend == "duckdb":
            Path(location).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._root = duckdb.connect(":memory:")
            options = []
            if self.backend == "postgres":
                # PostgreSQL encrypts at rest by its own means; FOLLOWUP_DB_KEY is for the embedded file.
                load_extension(self._root, "postgres", "duckdb_extension_postgres")
                # Each open transaction holds a pooled connection; the default pool (4) would make
                # the 5th concurrent writer wait on one that may need a second connection itself.
                self._root.execute(f"SET pg_connection_limit = {postgres.CONNECTIONS}")
                options.append("TYPE postgres")
                self.encrypted = False
            elif key is not None:
                # Writing an encrypted file needs OpenSSL from httpfs (DuckDB's own crypto is read-only).
                load_extension(self._root, "httpfs", "duckdb_extension_httpfs")
                options.append(f"ENCRYPTION_KEY {sql_literal(key)}")
            if read_only:
                options.append("READ_ONLY")
            opts = f" ({', '.join(options)})" if options else ""
            # ATTACH takes no bound parameters: literals are quoted by sql_literal.
            self._root.execute(f"ATTACH {sql_literal(location)} AS {CATALOG}{opts}")
            self._root.execute(f"USE {CATALOG}")
        except duckdb.Error as exc:
            raise _translate_open_error(exc, location) from exc
        if migrate and not read_only:
            migrations.apply(self)
        if self.backend == "postgres" and local_copy.enabled():
            self._copy = local_copy.LocalCopy(self._root)  # filled on the first read

    # -- connections ----------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the root connection (DuckDB connections are not thread-safe)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._root.cursor()
            cur.execute(f"USE {CATALOG}")
            cur.execute("SET TimeZone = $tz", {"tz": config.tz_name()})
            if self.backend == "postgres":
                cur = postgres.PgCursor(cur, on_write=self._wrote)
            self._local.cursor = cur
        return cur

    def _wrote(self) -> None:
        self._writes = next(self._own_writes)

    def _reader(self, sql: str) -> duckdb.DuckDBPyConnection:
        """Where a query runs: the local analytics copy (PostgreSQL, a plain read outside a write
        transaction; refreshed first if anything was written since), else the database itself."""
        if self._copy is None or getattr(self._local, "writing", False) or not _READ.match(sql) \
                or "nextval(" in sql:
            return self.cursor()
        self._copy.ensure((self._writes, self.data_version), sql)
        cur = getattr(self._local, "reader", None)
        if cur is None:
            cur = self._root.cursor()
            cur.execute(f"USE {local_copy.CATALOG}")
            cur.execute("SET TimeZone = $tz", {"tz": config.tz_name()})
            self._local.reader = cur
        return cur

    def warm(self) -> None:
        """PostgreSQL: copy every table into the local analytics copy now (else: on first reads)."""
        if self._copy is not None:
            self._copy.fill((self._writes, self.data_version))

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self._root.execute("DETACH " + CATALOG)
        self._root.close()  # the local analytics copy, in memory, goes with it

    # -- reads ----------------------------------------------------------------------------

    def query(self, sql: str, params: dict[str, Any] | list | None = None) -> pl.DataFrame:
        """Run a read query; the result as a polars frame."""
        return self._reader(sql).execute(sql, params or {}).pl()

    def scalar(self, sql: str, params: dict[str, Any] | list | None = None) -> Any:
        row = self._reader(sql).execute(sql, params or {}).fetchone()
        return row[0] if row else None

    # -- writes ---------------------------------------------------------------------------

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T], attempts: int = 10) -> T:
        """Run `work(cursor)` in one short transaction; retried on a write-write conflict."""
        if self.read_only:
            raise StoreError("数据库以只读方式打开,不能写入。", "The database is open read-only.")
        cur = self.cursor()
        outer = getattr(self._local, "writing", False)
        for attempt in range(1, attempts + 1):
            cur.execute("BEGIN TRANSACTION")
            self._local.writing = True  # reads inside see the open transaction, not the copy
            _writer.store = self
            try:
                result = work(cur)
                cur.execute("COMMIT")
            except Exception as exc:
                self._local.writing = outer
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                finally:
                    self._end_turns(outer)
                if is_disk_fault(exc):  # before the conflict check: DuckDB reports some as TransactionException
                    raise _translate_open_error(exc, self.location) from exc
                if is_conflict(exc) and attempt < attempts:
                    # Exponential backoff with jitter: writers that collided on one row (saves
                    # to the same customer) spread out instead of colliding again at once.
                    time.sleep(random.uniform(0.002, min(0.4, 0.01 * 2 ** attempt)))
                    continue
                if isinstance(exc, duckdb.IOException):
                    raise _translate_open_error(exc, self.location) from exc
                raise
            self._local.writing = outer
            self._end_turns(outer)
            self._bump(cur)
            return result
        raise AssertionError("unreachable")

    def _take_turn(self, key: object) -> None:
        held = self._local.__dict__.setdefault("turns", set())
        if key in held:
            return
        with self._turns_guard:
            lock = self._turns.setdefault(key, threading.Lock())
        if not lock.acquire(timeout=TURN_WAIT_S):  # two writes waiting on each other's keys
            raise duckdb.TransactionException(f"Conflict: waited {TURN_WAIT_S:.0f} s for {key!r}")
        held.add(key)

    def _end_turns(self, outer: bool) -> None:
        """Release the keys this thread's transaction held (once the outermost write ends)."""
        if outer:
            return
        _writer.store = None
        for key in self._local.__dict__.pop("turns", ()):
            self._turns[key].release()

    def _bump(self, cur) -> None:
        with self._version_lock:
            if self._shared_version is not None:
                self._current_version = self._shared_version.bump(cur)
            else:
                self._current_version = next(self._version)

    @property
    def data_version(self) -> int:
        """Advances on every committed write (on PostgreSQL: of any replica); caches key on it."""
        if self._shared_version is not None:
            with self._version_lock:
                return self._shared_version.get(self.cursor())
        return self._current_version

    def checkpoint(self) -> None:
        if self.backend == "duckdb":  # PostgreSQL checkpoints by itself
            self.cursor().execute("FORCE CHECKPOINT")


_stores: dict[tuple[str, bool], Store] = {}
_stores_lock = threading.Lock()


def open_store(location: str | None = None, read_only: bool = False) -> Store:
    """The process-wide store for `location` (FOLLOWUP_DB by default), opened on first use."""
    where = config.db_location(location)
    with _stores_lock:
        store = _stores.get((where, read_only))
        if store is None:
            store = Store(where, key=config.db_key(), read_only=read_only)
            _stores[(where, read_only)] = store
        return store


def forget(location: str) -> None:
    """Close and drop the cached store of a location (tests, restore)."""
    with _stores_lock:
        for k in [k for k in _stores if k[0] == location]:
            _stores.pop(k).close()


def while_closed(location: str, work: Callable[[], T]) -> T:
    """Close this process's store of `location` and run `work` before any thread can reopen it.

    A restore swaps the database file: no connection may hold the old one meanwhile.
    """
    with _stores_lock:
        for k in [k for k in _stores if k[0] == location]:
            _stores.pop(k).close()
        return work()
