"""stage_daily: stage changes counted per (local day, customer owner, stage entered), with each
customer's first stage change (new_customers), kept on write (migration 0007).

new_customers and the stage entries (contracts_signed, trends' entries chart) of METRICS.md roll
up from this table instead of reading every customer's stage history joined to the customers. It
stays exact the way follow_up_daily does (pipelines/daily_summary.py): the unit of change is one
customer, whose whole contribution (its live stage changes, and its first one, while it is live)
is taken away before a write and added back after it, in the writing transaction:
- a stage change recorded for one customer (`customers.create`, `customers.apply_stage_change`);
- a customer's reassignment, soft delete or restore (`pipelines.rows` update of owner_id/deleted_at);
- imports (`pipelines.ingest`: the stored customers whose history an import extends, all at once;
  the customers it creates, whose only stage changes are its own, counted from its frame);
- demo data (`rebuild`), and restores of backups made before 0007 (the migration's backfill).
Backups and `followup migrate` copy the table whole with the rest.

Append-only with signed rows, as follow_up_daily: concurrent saves never update one row.
"""

from __future__ import annotations

import polars as pl

from pipelines import config, sql
from pipelines.signed_rows import SignedTable

SIGNED = SignedTable("stage_daily", ("zone", "day", "owner_id", "stage"),
                     ("entries", "new_customers"), "checks/stage_daily")
TABLE, COLUMNS = SIGNED.table, SIGNED.columns
WATCHED = {"customers": {"owner_id", "deleted_at"}}  # columns of a customer that move its contribution
INLINE_IDS = 1000  # more customers than this (an import): matched by a join, not a constant list


def _contribution(scope: str) -> str:
    """INSERT the contribution of the customers matching `scope` (on `customer_id`), times $sign:
    every live stage change of a live customer, and one new customer on its first change's cell
    (earliest by changed_at, then id)."""
    # the scope on both sides: the customers' scan then skips by the id's zone maps too
    live = f"sc.customer_id {scope} AND c.id {scope} AND sc.deleted_at IS NULL AND c.deleted_at IS NULL"
    return f"""
INSERT INTO {TABLE} ({COLUMNS})
SELECT $zone, day, owner_id, stage, $sign * sum(entries), $sign * sum(new_customers)
FROM (
    SELECT timezone($zone, sc.changed_at)::DATE AS day, c.owner_id, sc.to_stage AS stage,
           1 AS entries, 0 AS new_customers
    FROM stage_changes sc JOIN customers c ON c.id = sc.customer_id WHERE {live}
    UNION ALL
    SELECT timezone($zone, min(sc.changed_at))::DATE, c.owner_id, arg_min(sc.to_stage, (sc.changed_at, sc.id)), 0, 1
    FROM stage_changes sc JOIN customers c ON c.id = sc.customer_id WHERE {live}
    GROUP BY sc.customer_id, c.owner_id
) x
GROUP BY ALL"""


def watches(table: str, changed) -> bool:
    return bool(WATCHED.get(table, set()) & set(changed))


def add_customers(cur, customer_ids, sign: int) -> None:
    """Add (+1) or take away (-1) the current contribution of these customers (around a write to
    their stage history, owner or deleted state)."""
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return
    params = {"zone": config.tz_name(), "sign": sign}
    if len(ids) <= INLINE_IDS:  # a constant list reaches the table scans (a save: one customer)
        cur.execute(_contribution(f"IN ({sql.id_list(ids)})"), params)
    else:
        cur.execute(_contribution("IN (SELECT unnest($ids))"), {**params, "ids": ids})
    SIGNED.merge_now_and_then(cur, sign)


def add_new_customers(cur, changes: pl.DataFrame) -> None:
    """Add the contribution of customers an import created, counted from the import's frame as
    _contribution() counts stored rows: `changes` holds all their stage changes (customer_id,
    owner_id, to_stage, changed_at), each customer's first one (by changed_at, then id) first
    among its rows. They and their customers are live, and nothing of theirs was counted before."""
    if changes.height == 0:
        return
    zone = config.tz_name()
    counts = changes.with_columns(pl.col("customer_id").is_first_distinct().alias("_first")).group_by(
        pl.col("changed_at").dt.convert_time_zone(zone).dt.date().alias("day"), "owner_id",
        pl.col("to_stage").alias("stage"),
    ).agg(pl.len().cast(pl.Int64).alias("entries"),
          pl.col("_first").sum().cast(pl.Int64).alias("new_customers"))
    SIGNED.add_frame(cur, counts.sort("day", "owner_id", "stage").select(pl.lit(zone).alias("zone"), pl.all()))


def rebuild(cur) -> None:
    """Recount the whole table from stage_changes (demo data; another time zone), in day order."""
    cur.execute(f"DELETE FROM {TABLE}")
    cur.execute(f"{_contribution('IS NOT NULL')} ORDER BY day, owner_id, stage",
                {"zone": config.tz_name(), "sign": 1})


merge, usable, differences = SIGNED.merge, SIGNED.usable, SIGNED.differences
