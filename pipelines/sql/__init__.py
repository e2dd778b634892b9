"""SQL as files: one query or metric per `.sql` file in this folder (and its subfolders).

`scoped(actor, name)` prepends the actor's `v_*` CTEs (pipelines.access) to the file, so
every query file reads only what its actor may see. A file may start with its own WITH.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.access import Actor, scope_ctes

_DIR = Path(__file__).parent
_LEADING_COMMENTS = re.compile(r"^(\s*--[^\n]*\n|\s+)*", re.DOTALL)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


@cache
def load(name: str) -> str:
    """The text of `pipelines/sql/<name>.sql`."""
    return (_DIR / f"{name}.sql").read_text(encoding="utf-8")


def id_list(ids) -> str:
    """Ids written out for a constant `IN (...)` list: integers only (nothing else can get into
    the SQL), `NULL` for none (matches nothing). DuckDB pushes a constant list into the table
    scans, which a bound list parameter it does not."""
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def used_params(sql: str) -> set[str]:
    return set(_PARAM.findall(_COMMENT.sub("", sql)))


def bind(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters that `sql` uses (DuckDB refuses unused named parameters)."""
    wanted = used_params(sql)
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"missing SQL parameters: {sorted(missing)}")
    return {k: params[k] for k in wanted}


def scoped(actor: Actor, name_or_sql: str, params: dict[str, Any] | None = None,
           inline: bool = False) -> tuple[str, dict[str, Any]]:
    """(SQL, parameters) of a query file, or of inline SQL, with the actor's scope CTEs."""
    body = name_or_sql if inline else load(name_or_sql)
    ctes, scope_params = scope_ctes(actor, used=_COMMENT.sub("", body))
    body = _LEADING_COMMENTS.sub("", body, count=1)
    if not ctes:
        text = body
    elif body[:4].upper() == "WITH" and body[4:5].isspace():
        text = f"WITH {ctes},\n{body[5:]}"
    else:
        text = f"WITH {ctes}\n{body}"
    merged = {**(params or {}), **scope_params}
    return text, bind(text, merged)
