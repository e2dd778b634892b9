"""Data checks: each `pipelines/sql/checks/<name>.sql` selects the rows that break a rule.

No foreign keys hold the tables together (DuckDB rewrites a row on update and would refuse
them), so these queries stand in: zero rows from every check means the database is sound.
They read the raw tables, not the v_* scope: they check the whole database, for admins.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.sql import load
from pipelines.store import Store

_DIR = Path(__file__).parent / "sql" / "checks"


def names() -> list[str]:
    return sorted(p.stem for p in _DIR.glob("*.sql"))


def run(store: Store) -> dict[str, int]:
    """The number of bad rows each check finds (all zero when the database is sound)."""
    return {name: store.query(load(f"checks/{name}")).height for name in names()}


def failed(store: Store) -> dict[str, int]:
    return {name: n for name, n in run(store).items() if n}
