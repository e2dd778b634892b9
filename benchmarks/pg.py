"""PostgreSQL databases for the bench: an empty one for ingest, a copy of the bench one for saves.

CREATE DATABASE cannot run in a transaction, so it is sent on the server's maintenance database
(`postgres`) with postgres_execute(…, use_transaction=false); the bench's role needs CREATEDB.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import duckdb

from pipelines.store import load_extension, sql_literal


def with_database(url: str, name: str) -> str:
    """The same server, user and options; another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin(url: str, sql: str) -> None:
    con = duckdb.connect(":memory:")
    try:
        load_extension(con, "postgres", "duckdb_extension_postgres")
        con.execute(f"ATTACH {sql_literal(with_database(url, 'postgres'))} AS adm (TYPE postgres)")
        con.execute("CALL postgres_execute('adm', $q, use_transaction=false)", {"q": sql})
    finally:
        con.close()


@contextlib.contextmanager
def scratch(url: str, suffix: str, template: str | None = None) -> Iterator[str]:
    """A database beside `url`'s (empty, or a file copy of `template`), dropped afterwards.

    A template must have no open connection: close this process's stores of it first.
    """
    name = f"{database_name(url)}_{suffix}"
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    copy = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
    _admin(url, f'CREATE DATABASE "{name}"{copy}')
    try:
        yield with_database(url, name)
    finally:
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
