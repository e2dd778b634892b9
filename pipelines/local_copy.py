"""A replica's local DuckDB copy of the PostgreSQL database, for the analytics reads.

Scanning PostgreSQL through DuckDB's postgres extension is several times slower than reading a
DuckDB file, so on the PostgreSQL backend `Store.query` reads a local DuckDB copy of every app
table (catalog `analytics`, in memory and compressed: about 150 MB per million follow-ups).

Refresh: before a read, when this replica wrote (any write statement, committed) or the shared
data version moved (another replica wrote; reread at most once a second), the copy re-copies the
rows that changed. PostgreSQL logs them (migration 0004: statement triggers write the touched ids
and the transaction id to `followup_changes.log`). A refresh takes the horizon — the oldest
transaction still running, `pg_snapshot_xmin` — BEFORE it reads, and the next refresh reads the log
from that horizon on: a transaction that commits after a later one is still found (rows re-copied
twice are harmless: delete by id, insert what PostgreSQL holds now). So:
- this replica's own writes are in the copy on its next read (never stale);
- another replica's writes are in it at most about VERSION_TTL_SECONDS (1 s) later.
A table without the log triggers (a migration forgot `followup_changes.track`) is re-copied whole
on every refresh; a table with many changed rows (an import) once. The log is pruned after an
hour; a replica that has not refreshed for half an hour rebuilds its copy instead of reading a
log that may have lost entries.
"""

from __future__ import annotations

import os
import re
import threading
import time

import duckdb

CATALOG = "analytics"
LOG = "followup_changes.log"
# The oldest transaction still running: every transaction below it has ended.
HORIZON = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
_WORD = re.compile(r"[a-z_][a-z0-9_]*")
# More changed rows than this in one table: copy it whole (one scan beats a long id join).
WHOLE_TABLE_ROWS = 50_000
PRUNE_AFTER = "1 hour"
PRUNE_EVERY_SECONDS = 600.0
REBUILD_AFTER_SECONDS = 1800.0  # well inside PRUNE_AFTER: the log still holds what we missed


def enabled() -> bool:
    """FOLLOWUP_PG_COPY=off reads PostgreSQL directly (for comparison, or a memory-tight replica)."""
    return os.environ.get("FOLLOWUP_PG_COPY", "on").lower() not in ("off", "0", "false", "no")


def _pg(cur, sql: str) -> list[tuple]:
    """Rows of PostgreSQL SQL sent as is (on the cursor's open transaction)."""
    return cur.execute("SELECT * FROM postgres_query('db', $q)", {"q": sql}).fetchall()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class LocalCopy:
    """The copy of one Store: `ensure(key)` before a read, then read catalog `analytics`."""

    def __init__(self, root: duckdb.DuckDBPyConnection):
        # In memory, compressed: nothing to sync on commit, nothing left behind by a killed replica.
        root.execute(f"ATTACH ':memory:' AS {CATALOG} (COMPRESS)")
        self._cur = root.cursor()  # used only under the lock, one refresh at a time
        self._lock = threading.Lock()
        self.key: tuple | None = None  # (own write count, data version) the copy is fresh for
        self.horizon: int | None = None
        self.tables: set[str] = set()  # the app's tables in PostgreSQL
        self.columns: dict[str, list[str]] = {}  # the tables copied so far: each on the first read that names it
        self.tracked: set[str] = set()
        self.refreshed_at = 0.0
        self.pruned_at = time.monotonic()
        self.refreshes = 0  # for tests and the bench

    def ensure(self, key: tuple, sql: str) -> None:
        """Bring the copy up to what PostgreSQL held when `key` was read, if it is not already,
        with every table `sql` may read (a table is copied on the first read that names it)."""
        if key == self.key and not self._missing(sql):
            return
        with self._lock:
            if key != self.key:
                if self.horizon is None or time.monotonic() - self.refreshed_at > REBUILD_AFTER_SECONDS:
                    self._in_transaction(self._build)
                else:
                    self._in_transaction(self._apply)
                    self._prune()
                self.key = key
                self.refreshed_at = time.monotonic()
                self.refreshes += 1
            if missing := self._missing(sql):
                added: dict[str, list[str]] = {}
                self._in_transaction(lambda cur: self._add(cur, missing, added))
                # named copied only once committed: a reader that finds its tables copied (the check
                # above, without the lock) must find them in the catalog ("Table teams does not
                # exist" came from another thread's read while the copy was still uncommitted)
                self.columns.update(added)

    def fill(self, key: tuple) -> None:
        """Every table copied now, not on first reads (the bench; a replica warming up)."""
        self.ensure(key, "")
        self.ensure(key, " ".join(self.tables))

    def _missing(self, sql: str) -> set[str]:
        if len(self.columns) == len(self.tables) and self.tables:
            return set()
        return (self.tables & set(_WORD.findall(sql.lower()))) - self.columns.keys()

    # -- refresh ----------------------------------------------------------------------------

    def _in_transaction(self, step) -> None:
        """One refresh step; it returns the horizon it read before (or with) the rows it copied."""
        cur = self._cur
        cur.execute("BEGIN TRANSACTION")
        try:
            horizon = step(cur)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        if horizon is not None:
            self.horizon = horizon

    def _build(self, cur) -> int:
        """Start over: the list of tables (each copied whole on its first read), a horizon."""
        horizon = _pg(cur, f"SELECT {HORIZON}")[0][0]
        # The app's tables, and whether each logs its changes (asked of PostgreSQL: DuckDB's own
        # catalogue functions would load every attached schema, ten times slower on a small database).
        tables = _pg(cur, "SELECT c.relname::text, EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid"
                          " AND g.tgname = 'followup_log_insert') FROM pg_class c"
                          " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' ORDER BY 1")
        self.tracked = {t for t, logged in tables if logged}
        self.tables = {t for t, _ in tables}
        for table in self.columns:  # a rebuild: replaced whole, never dropped under a reader
            self._copy_whole(cur, table)
        return horizon

    def _add(self, cur, tables: set[str], added: dict[str, list[str]]) -> None:
        """Copy tables not copied yet (their columns into `added`). Their snapshot is newer than the
        horizon, which stays as it was: the next refresh re-applies a little more of the log to
        them, harmlessly."""
        for table in sorted(tables):
            self._copy_whole(cur, table)
            added[table] = [d[0] for d in cur.execute(f"SELECT * FROM {CATALOG}.main.{table} LIMIT 0").description]

    def _apply(self, cur) -> int:
        """The logged rows since the last horizon, and untracked tables whole (none after migration 0004)."""
        if not self.tracked:  # a database without the log (opened without migrating)
            horizon, counts = _pg(cur, f"SELECT {HORIZON}")[0][0], {}
        else:  # one round trip: the new horizon and what changed since the last one, in one snapshot
            rows = _pg(cur, f"SELECT h.x, l.table_name, l.n FROM (SELECT {HORIZON} AS x) h LEFT JOIN"
                            f" (SELECT table_name, sum(cardinality(ids))::bigint AS n FROM {LOG}"
                            f" WHERE xid >= {int(self.horizon)} GROUP BY 1) l ON true")
            horizon, counts = rows[0][0], {t: n for _, t, n in rows if t is not None}
        for table in self.columns:
            if table not in self.tracked or counts.get(table, 0) > WHOLE_TABLE_ROWS:
                self._copy_whole(cur, table)
            elif counts.get(table):
                self._copy_changed(cur, table)
        return horizon

    def _copy_whole(self, cur, table: str) -> None:
        cur.execute(f"CREATE OR REPLACE TABLE {CATALOG}.main.{table} AS SELECT * FROM db.public.{table}")

    def _copy_changed(self, cur, table: str) -> None:
        # One PostgreSQL query, one snapshot: each logged id with its row now (NULL once deleted).
        changed = (f"SELECT c.copy_id, t.* FROM (SELECT DISTINCT unnest(ids) AS copy_id FROM {LOG}"
                   f" WHERE xid >= {int(self.horizon)} AND table_name = {_quote(table)}) c"
                   f" LEFT JOIN public.{table} t ON t.id = c.copy_id")
        cols = ", ".join(self.columns[table])
        cur.execute(f"CREATE OR REPLACE TABLE {CATALOG}.main.copy_stage AS"
                    " SELECT * FROM postgres_query('db', $q)", {"q": changed})
        cur.execute(f"DELETE FROM {CATALOG}.main.{table} WHERE id IN (SELECT copy_id FROM {CATALOG}.main.copy_stage)")
        cur.execute(f"INSERT INTO {CATALOG}.main.{table} ({cols}) SELECT {cols} FROM {CATALOG}.main.copy_stage"
                    " WHERE id IS NOT NULL")
        cur.execute(f"DROP TABLE {CATALOG}.main.copy_stage")

    def _prune(self) -> None:
        """Drop log entries no replica still needs (one that would, rebuilds instead)."""
        if time.monotonic() - self.pruned_at < PRUNE_EVERY_SECONDS:
            return
        self.pruned_at = time.monotonic()
        self._cur.execute("CALL postgres_execute('db', $q)",
                          {"q": f"DELETE FROM {LOG} WHERE logged_at < now() - interval '{PRUNE_AFTER}'"})
