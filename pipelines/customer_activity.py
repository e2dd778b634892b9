"""`customer_activity`: one row per customer with its follow-up and risk facts (migration 0005).

The risk board ranks every customer by its open risks, and the home page and the customer picker
read each customer's latest follow-up; computed from the base tables those are aggregations over
a million follow-ups and every risk on each read. This table keeps the facts, recomputed exactly
(`FACTS`, the same definition as the migration's backfill) for the customers a write touched,
inside that write's transaction:

- `rules.risks.evaluate` ends with it: every write that changes a customer's follow-ups, stages,
  feedback, surveys or owner/deleted state reaches it through `follow_ups.run_hooks`, and
  `risks refresh`, `replay` and the demo generator (which replays) through the whole-database
  evaluation, after the risks have been opened and closed;
- `risk_actions` (risks raised, acknowledged, resolved by a person).

Backups and `followup migrate` copy the table with the others. Concurrent writes to the same
customer both delete its row, so the later one conflicts and the store retries it (DuckDB's
write-write conflict, PostgreSQL's serialization failure), recomputing from the first one's result.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pipelines.sql import id_list
from pipelines.store import take_turn

COLUMNS = ("id", "last_follow_up_at", "last_effective_at", "next_follow_up_on", "open_red", "open_yellow",
           "open_since", "last_closed_at")
WHOLE = 1000  # more customers than this (an import): recompute every row in one pass

# Per customer: the live follow-ups' latest time, latest effective time and the next follow-up
# date of the latest one (by occurred_at, then id); the open (not resolved) red and yellow risks,
# since when the oldest of the worst level is open (the board's column is that level's, and its
# cards are ordered by how long that level has been open: a red card by its oldest red, not by an
# older yellow beside it; migration 0011), and when the last resolved risk closed.
# SCOPE becomes `true` or `IN (<ids>)` (integers written out: the filter reaches each scan).
FACTS = """
SELECT c.id, f.last_follow_up_at, f.last_effective_at, f.next_follow_up_on, coalesce(r.open_red, 0) AS open_red,
       coalesce(r.open_yellow, 0) AS open_yellow, r.open_since, r.last_closed_at
FROM customers c
LEFT JOIN (
    SELECT customer_id, max(occurred_at) AS last_follow_up_at,
           max(occurred_at) FILTER (WHERE effective) AS last_effective_at,
           arg_max_null(next_follow_up_date, (occurred_at, id)) AS next_follow_up_on
    FROM follow_ups WHERE deleted_at IS NULL AND customer_id __SCOPE__ GROUP BY customer_id
) f ON f.customer_id = c.id
LEFT JOIN (
    SELECT customer_id,
           count(*) FILTER (WHERE status <> 'resolved' AND level = 'red') AS open_red,
           count(*) FILTER (WHERE status <> 'resolved' AND level = 'yellow') AS open_yellow,
           coalesce(min(raised_at) FILTER (WHERE status <> 'resolved' AND level = 'red'),
                    min(raised_at) FILTER (WHERE status <> 'resolved' AND level = 'yellow')) AS open_since,
           max(closed_at) FILTER (WHERE status = 'resolved') AS last_closed_at
    FROM risks WHERE customer_id __SCOPE__ GROUP BY customer_id
) r ON r.customer_id = c.id
WHERE c.id __SCOPE__
"""


def facts_sql(customer_ids: list[int] | None) -> str:
    """FACTS for these customers (None: all)."""
    if customer_ids is None:
        return FACTS.replace("customer_id __SCOPE__", "true").replace("c.id __SCOPE__", "true")
    return FACTS.replace("__SCOPE__", f"IN ({id_list(customer_ids)})")


def refresh(cur, customer_ids: list[int] | None, created: Collection[int] = ()) -> None:
    """Recompute the rows of these customers (None: all) inside the caller's transaction.
    `created`: customers this transaction inserted (an import); no other transaction can see them
    yet, so their first rows need no lock (see _lock_new)."""
    if customer_ids is None or len(set(customer_ids)) > WHOLE:
        _refresh_all(cur, created)
        return
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return
    # Written whether changed or not: a concurrent write to the same customer then conflicts
    # with this one, so neither keeps a row computed without the other's change.
    have = {r[0] for r in cur.execute(f"SELECT id FROM customer_activity WHERE id IN ({id_list(ids)})").fetchall()}
    _lock_new(cur, [i for i in ids if i not in have], created)
    if have:
        # UPDATE, not DELETE + INSERT: two writers replacing one key that way get DuckDB's
        # "Duplicate key" (not retried) instead of a write-write conflict (retried).
        sets = ", ".join(f"{c} = x.{c}" for c in COLUMNS if c != "id")
        cur.execute(f"UPDATE customer_activity SET {sets} FROM ({facts_sql(sorted(have))}) x"
                    " WHERE customer_activity.id = x.id")
    new = [i for i in ids if i not in have]
    if new:
        cur.execute(f"INSERT INTO customer_activity ({', '.join(COLUMNS)}) {facts_sql(new)}")


def claim(cur, customer_ids: list[int]) -> None:
    """Write these customers' rows without changing them, at the start of a write to them (see
    customers.load_for_write). Every column refresh() writes: DuckDB detects update conflicts per
    column, so touching one column would not make two writers of the others collide."""
    for customer_id in sorted(customer_ids):  # one order everywhere: no two writes wait on each other
        take_turn(("customer", int(customer_id)))
    sets = ", ".join(f"{c} = {c}" for c in COLUMNS if c != "id")
    cur.execute(f"UPDATE customer_activity SET {sets} WHERE id IN ({id_list(customer_ids)})")


def _lock_new(cur, ids: list[int], created: Collection[int] = ()) -> None:
    """Before inserting customers' first rows: two writes inserting one at once would both find it
    missing, and PostgreSQL reports that as a key violation, not a retryable conflict. Touching the
    customers' rows first makes the second writer conflict (and retry) instead. Customers in
    `created` were inserted by this transaction: no other one can write their rows (an import
    of 100,000 new customers would otherwise rewrite them all once more)."""
    if created:
        skip = created if isinstance(created, (set, frozenset)) else set(created)
        ids = [i for i in ids if i not in skip]
    if ids:
        cur.execute(f"UPDATE customers SET updated_at = updated_at WHERE id IN ({id_list(ids)})")


def _refresh_all(cur, created: Collection[int] = ()) -> None:
    """Every customer (`risks refresh`, replay, a large import): only the rows that differ are
    rewritten (deleting and inserting 100,000 rows costs more than computing them). A row left as
    it is was computed from base rows this transaction did not change in any way that shows in
    it, so a concurrent write to that customer keeps its own exact row."""
    cols = ", ".join(COLUMNS)
    cur.execute("DELETE FROM customer_activity WHERE id NOT IN (SELECT id FROM customers)")
    changed = cur.execute(f"SELECT * FROM ({facts_sql(None)}) EXCEPT SELECT {cols} FROM customer_activity"
                          ).to_arrow_table()
    if changed.num_rows == 0:
        return
    ids = changed.column("id").to_pylist()
    cur.register("activity_changed", changed)
    try:
        have = {r[0] for r in cur.execute("SELECT a.id FROM customer_activity a"
                                          " JOIN activity_changed x ON x.id = a.id").fetchall()}
        _lock_new(cur, [i for i in ids if i not in have], created)
        cur.execute("DELETE FROM customer_activity WHERE id IN (SELECT id FROM activity_changed)")
        cur.execute(f"INSERT INTO customer_activity ({cols}) SELECT {cols} FROM activity_changed ORDER BY id")
    finally:
        cur.unregister("activity_changed")


def mismatches(cur) -> list[dict[str, Any]]:
    """Rows of the table that differ from FACTS (a customer with no row counts as one with no
    facts): empty when the table is exact (tests/test_customer_activity.py)."""
    cols = ", ".join(COLUMNS)
    stored = ("SELECT c.id, a.last_follow_up_at, a.last_effective_at, a.next_follow_up_on,"
              " coalesce(a.open_red, 0), coalesce(a.open_yellow, 0), a.open_since, a.last_closed_at"
              " FROM customers c LEFT JOIN customer_activity a ON a.id = c.id")
    text = (f"(({facts_sql(None)}) EXCEPT ({stored})) UNION ALL (({stored}) EXCEPT ({facts_sql(None)}))"
            f" UNION ALL (SELECT {cols} FROM customer_activity WHERE id NOT IN (SELECT id FROM customers))")
    result = cur.execute(f"SELECT * FROM ({text}) ORDER BY 1")
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]
