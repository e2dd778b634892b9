"""The PostgreSQL backend: DuckDB ATTACHes the PostgreSQL database as catalog `db`.

Several app replicas share one PostgreSQL database; every query stays DuckDB SQL and runs
through DuckDB's `postgres` extension. Two things the extension does not do are handled here:
- RETURNING on INSERT/UPDATE into a PostgreSQL table ("not yet supported"): `PgCursor`
  runs such a statement as plain steps (ids from the table's sequence, then a read-back);
- DDL: migrations in `pipelines/migrations/postgres/` are PostgreSQL DDL sent with
  `postgres_execute`, recorded in the same `schema_version` table.
The data version is a PostgreSQL sequence advanced after every committed write, so a write
on one replica reaches the caches of all (nextval takes no row lock: no contention).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from pipelines.store import Store

PREFIXES = ("postgresql://", "postgres://")
VERSION_SEQUENCE = "followup_data_version"
# How long a replica trusts the data version it last read before asking PostgreSQL again.
VERSION_TTL_SECONDS = 1.0
# PostgreSQL connections one replica may open (DuckDB's pool per attached database).
CONNECTIONS = int(os.environ.get("FOLLOWUP_PG_CONNECTIONS", "32"))


def is_url(location: str) -> bool:
    return location.startswith(PREFIXES)


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"^(\w+://[^:/@]+):.*@", r"\1:***@", url)


def extension_file(packaged: str) -> str:
    """The packaged binary copied under its entry point's name, which DuckDB requires to LOAD it.

    The copy goes beside the original in the installed package (no other user can swap it),
    else into the user's cache folder; DuckDB checks its signature on every LOAD either way.
    """
    source = Path(packaged)
    for folder in (source.parent, Path.home() / ".cache" / "followup" / f"duckdb-{duckdb.__version__}"):
        target = folder / "postgres_scanner.duckdb_extension"
        if target.exists() and target.stat().st_size == source.stat().st_size:
            return str(target)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f".postgres_scanner.{os.getpid()}.partial"
            shutil.copyfile(source, partial)
            partial.replace(target)  # atomic: another process never loads half a file
            return str(target)
        except OSError:
            continue
    raise OSError(f"cannot copy {source} under the name postgres_scanner.duckdb_extension")


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def execute(cur, sql: str) -> None:
    """Run PostgreSQL SQL (DDL, several statements) on the attached database."""
    cur.execute("CALL postgres_execute('db', $sql)", {"sql": sql})


def pg_scalar(cur, sql: str) -> Any:
    """One value from a PostgreSQL query sent as is (on the cursor's open transaction if any)."""
    row = cur.execute("SELECT * FROM postgres_query('db', $sql)", {"sql": sql}).fetchone()
    return row[0] if row else None


# -- migrations ------------------------------------------------------------------------------

_SCHEMA_VERSION = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
    " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp);"
    f" CREATE SEQUENCE IF NOT EXISTS {VERSION_SEQUENCE};"
)


def current(store: Store) -> int:
    cur = store.cursor()
    execute(cur, _SCHEMA_VERSION)
    return pg_scalar(cur, "SELECT coalesce(max(version), 0) FROM schema_version")


def apply(store: Store, files: list[tuple[int, Path]], upto: int | None) -> list[int]:
    """Apply the PostgreSQL twins of the migrations, each file and its record in one transaction.

    The schema_version row is inserted first: a second replica migrating at the same moment
    waits on its primary key and then fails, and takes the schema the first one made.
    """
    applied = []
    for version, path in files:
        if version <= current(store) or (upto is not None and version > upto):
            continue
        record = f"INSERT INTO schema_version (version, name) VALUES ({version}, {quote(path.stem)});"
        if version > 4:  # 0004's change-log trigger on schema_version logs an `id` it has not got
            record = (f"ALTER TABLE schema_version DISABLE TRIGGER followup_log_insert; {record}"
                      " ALTER TABLE schema_version ENABLE TRIGGER followup_log_insert;")
        batch = f"BEGIN; {record}\n{path.read_text(encoding='utf-8')}\n; COMMIT;"
        try:
            execute(store.cursor(), batch)
        except duckdb.Error as exc:
            if "schema_version_pkey" in str(exc):
                continue  # another replica applied it meanwhile
            raise
        applied.append(version)
    store.cursor().execute("CALL pg_clear_cache()")
    return applied


# -- data version ----------------------------------------------------------------------------

class Version:
    """The shared data version: read at most once a second, advanced after each own commit."""

    def __init__(self) -> None:
        self.value = 0
        self.read_at = 0.0

    def bump(self, cur) -> int:
        self.value = pg_scalar(cur, f"SELECT nextval('{VERSION_SEQUENCE}')")
        self.read_at = time.monotonic()
        return self.value

    def get(self, cur) -> int:
        if time.monotonic() - self.read_at > VERSION_TTL_SECONDS:
            self.value = pg_scalar(cur, f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {VERSION_SEQUENCE}")
            self.read_at = time.monotonic()
        return self.value


# -- RETURNING -------------------------------------------------------------------------------

_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*(.*?)\s+RETURNING\s+(.+?)\s*;?\s*$",
                     re.DOTALL | re.IGNORECASE)
_UPDATE = re.compile(r"^\s*UPDATE\s+(\w+)(?:\s+(?:AS\s+)?(?!SET\b)(\w+))?\s+SET\s+(.*?)\s+RETURNING\s+(.+?)\s*;?\s*$",
                     re.DOTALL | re.IGNORECASE)
_FROM_WHERE = re.compile(r"\sFROM\s+(.*?)\s+WHERE\s+(.*)$|\sWHERE\s+(.*)$", re.DOTALL | re.IGNORECASE)
_PARAM = re.compile(r"\$([A-Za-z_]\w*)")
# Statements after which this replica's local analytics copy must refresh before its next read.
_WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|COMMIT|CALL|COPY|CREATE|DROP|ALTER|TRUNCATE|MERGE)\b", re.IGNORECASE)
# `SELECT [max(]nextval('t_id_seq')[) AS id] [FROM range($n)]`: sequences live in PostgreSQL.
_NEXTVAL = re.compile(r"^\s*SELECT\s+([\w(]*)nextval\('(\w+)'\)([\w\s)]*?)(?:\s+FROM\s+range\((\$\w+|\d+)\))?\s*;?\s*$",
                      re.DOTALL | re.IGNORECASE)


def _used(sql: str, params: Any) -> Any:
    """Only the named parameters a statement uses (DuckDB refuses the others)."""
    if not isinstance(params, dict):
        return params
    names = set(_PARAM.findall(sql))
    return {k: v for k, v in params.items() if k in names}


class PgCursor:
    """A DuckDB cursor on the attached PostgreSQL database that also runs INSERT/UPDATE … RETURNING."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, on_write=None):
        self._cur = cur
        self._on_write = on_write  # told after each statement that writes (the local copy's freshness)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)

    def execute(self, sql: str, params: Any = None):
        result = self._execute(sql, params)
        if self._on_write is not None and _WRITES.match(sql):
            self._on_write()
        return result

    def _execute(self, sql: str, params: Any = None):
        if "nextval(" in sql and (m := _NEXTVAL.match(sql)):
            return self._nextval(m, params or {})
        if "RETURNING" in sql.upper():
            if m := _INSERT.match(sql):
                return self._insert(m, params or {})
            if m := _UPDATE.match(sql):
                return self._update(m, params or {})
        if params is None:
            return self._cur.execute(sql)
        return self._cur.execute(sql, params)

    def _run(self, sql: str, params: Any):
        return self._cur.execute(sql, _used(sql, params))

    def _nextval(self, m: re.Match, params: Any):
        before, sequence, after, count = m.groups()
        if count is not None and count.startswith("$"):
            count = params[count[1:]]
        rows = f" FROM generate_series(1, {int(count)})" if count is not None else ""
        return self._cur.execute("SELECT * FROM postgres_query('db', $q)",
                                 {"q": f"SELECT {before}nextval({quote(sequence)}){after}{rows}"})

    def _insert(self, m: re.Match, params: Any):
        table, cols, source, returning = m.group(1), [c.strip() for c in m.group(2).split(",")], m.group(3), m.group(4)
        if "id" in cols:
            raise NotImplementedError("INSERT … RETURNING with an explicit id on PostgreSQL")
        names = ", ".join(cols)
        if re.match(r"VALUES\s*\((.*)\)$", source, re.DOTALL | re.IGNORECASE) and not re.search(r"\)\s*,\s*\(", source):
            new_id = pg_scalar(self._cur, f"SELECT nextval('{table}_id_seq')")
            values = re.match(r"VALUES\s*\((.*)\)$", source, re.DOTALL | re.IGNORECASE).group(1)
            self._run(f"INSERT INTO {table} (id, {names}) VALUES ({new_id}, {values})", params)
            return self._cur.execute(f"SELECT {returning} FROM {table} WHERE id = {new_id}")
        # INSERT … SELECT (or several VALUES rows): stage the rows, number them, give each an id.
        aliases = ", ".join(f"c{i}" for i in range(len(cols)))
        self._run(f"CREATE OR REPLACE TEMP TABLE pg_returning AS SELECT row_number() OVER () AS n, *"
                  f" FROM ({source}) s({aliases})", params)
        count = self._cur.execute("SELECT count(*) FROM temp.pg_returning").fetchone()[0]
        if count == 0:
            return self._cur.execute(f"SELECT {returning} FROM {table} WHERE false")
        ids = [r[0] for r in self._cur.execute(
            "SELECT * FROM postgres_query('db', $q)",
            {"q": f"SELECT nextval('{table}_id_seq') FROM generate_series(1, {count})"}).fetchall()]
        self._cur.execute(f"INSERT INTO {table} (id, {names}) SELECT i.id, {aliases} FROM temp.pg_returning r"
                          " JOIN (SELECT unnest($ids) AS id, generate_subscripts($ids, 1) AS n) i USING (n)",
                          {"ids": ids})
        self._cur.execute("DROP TABLE temp.pg_returning")
        return self._cur.execute(f"SELECT {returning} FROM {table} WHERE id BETWEEN $lo AND $hi"
                                 " AND list_contains($ids, id) ORDER BY id",
                                 {"lo": min(ids), "hi": max(ids), "ids": ids})

    def _update(self, m: re.Match, params: Any):
        table, alias, rest, returning = m.group(1), m.group(2), m.group(3), m.group(4)
        ref = alias or table
        where = _FROM_WHERE.search(rest)
        if where is None:
            scope = f"FROM {table} {alias or ''}"
        elif where.group(3) is not None:
            scope = f"FROM {table} {alias or ''} WHERE {where.group(3)}"
        else:
            scope = f"FROM {table} {alias or ''}, {where.group(1)} WHERE {where.group(2)}"
        # REPEATABLE READ (the extension's transactions): the UPDATE sees exactly these rows.
        ids = [r[0] for r in self._run(f"SELECT DISTINCT {ref}.id {scope}", params).fetchall()]
        head = f"UPDATE {table}{' ' + alias if alias else ''} SET {rest}"
        self._run(head, params)
        if not ids:
            return self._cur.execute(f"SELECT {returning} FROM {table} {alias or ''} WHERE false")
        return self._cur.execute(f"SELECT {returning} FROM {table} {alias or ''} WHERE {ref}.id BETWEEN $lo AND $hi"
                                 f" AND list_contains($ids, {ref}.id) ORDER BY {ref}.id",
                                 {"lo": min(ids), "hi": max(ids), "ids": ids})
