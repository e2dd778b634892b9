"""Versioned schema migrations, applied on open: `NNNN_name.sql` files in this folder.

The `schema_version` table records each applied file; opening an older database applies the
files it lacks, each in its own transaction, so a failure leaves the last good version.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.store import Store

_DIR = Path(__file__).parent
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available(backend: str = "duckdb") -> list[tuple[int, Path]]:
    """The migration files; PostgreSQL has its own DDL twins in postgres/ with the same numbers."""
    folder = _DIR / "postgres" if backend == "postgres" else _DIR
    files = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return sorted(files)


def latest() -> int:
    return available()[-1][0]


def current(store: Store) -> int:
    if store.backend == "postgres":
        from pipelines import postgres

        return postgres.current(store)
    cur = store.cursor()
    cur.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    return cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def apply(store: Store, upto: int | None = None) -> list[int]:
    """Bring the schema up to `upto` (default: the newest); returns the versions applied."""
    if store.backend == "postgres":
        from pipelines import postgres

        return postgres.apply(store, available("postgres"), upto)
    done = current(store)
    applied = []
    for version, path in available():
        if version <= done or (upto is not None and version > upto):
            continue
        sql = path.read_text(encoding="utf-8")

        def run(cur, sql=sql, version=version, path=path):
            cur.execute(sql)
            cur.execute("INSERT INTO schema_version (version, name) VALUES ($v, $n)",
                        {"v": version, "n": path.stem})

        store.write(run, attempts=1)
        applied.append(version)
    return applied
