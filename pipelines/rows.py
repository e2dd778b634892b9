"""Small helpers for writing one row inside a transaction, with its audit entry."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pipelines import audit, daily_summary, risk_summary, stage_summary
from pipelines.access import Actor


def fetch_one(cur, table: str, row_id: int) -> dict[str, Any] | None:
    rel = cur.execute(f"SELECT * FROM {table} WHERE id = $id", {"id": row_id})
    row = rel.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in rel.description], row))


def insert(cur, actor: Actor, table: str, values: dict[str, Any], audited: bool = True) -> int:
    """INSERT one row and return its id; the audit entry holds the new values."""
    cols = list(values)
    sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('$' + c for c in cols)})"
           " RETURNING id")
    row_id = cur.execute(sql, values).fetchone()[0]
    if table == "follow_ups":  # the daily follow-up summary counts it (a new customer has none yet)
        daily_summary.add_row(cur, table, row_id, +1)
    if table == "risks":  # and the risk summary a risk raised by a person
        risk_summary.add_row(cur, table, row_id, +1)
    if audited:
        audit.record(cur, actor, "create", table, row_id, after=values)
    return row_id


def only(values: dict[str, Any], fields: Collection[str] | None) -> dict[str, Any]:
    """The values of `fields` (all of them for None): an edit form's changed fields, written
    alone so that two people editing one record at once keep each other's changes (the whole
    form written back undid a change saved since the form was drawn)."""
    return values if fields is None else {k: v for k, v in values.items() if k in fields}


def update(cur, actor: Actor, table: str, row_id: int, changes: dict[str, Any],
           action: str = "update", detail: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """UPDATE one row; the audit entry holds the changed columns before and after."""
    before = fetch_one(cur, table, row_id)
    if before is None:
        raise LookupError(f"{table} {row_id} not found")
    changed = {k: v for k, v in changes.items() if before.get(k) != v}
    if not changed:
        return before, before
    sets = ", ".join(f"{c} = ${c}" for c in changed)
    moves = daily_summary.watches(table, changed)  # the row's daily-summary counts: out, then in again
    stages_move = stage_summary.watches(table, changed)  # a customer's stage counts (owner, deleted)
    risks_move = risk_summary.watches(table, changed)  # a risk's or a customer's risk counts
    if moves:
        daily_summary.add_row(cur, table, row_id, -1)
    if stages_move:
        stage_summary.add_customers(cur, [row_id], -1)
    if risks_move:
        risk_summary.add_row(cur, table, row_id, -1)
    cur.execute(f"UPDATE {table} SET {sets}, updated_at = current_timestamp WHERE id = $id",
                {**changed, "id": row_id})
    if moves:
        daily_summary.add_row(cur, table, row_id, +1)
    if stages_move:
        stage_summary.add_customers(cur, [row_id], +1)
    if risks_move:
        risk_summary.add_row(cur, table, row_id, +1)
    audit.record(cur, actor, action, table, row_id,
                 before={k: before.get(k) for k in changed}, after=changed, detail=detail)
    after = {**before, **changed}
    return before, after
