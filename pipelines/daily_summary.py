"""follow_up_daily: follow-ups counted per (local day, customer owner, rep, channel), kept on write.

The analytics pages' follow_ups/effective_follow_ups/minutes (METRICS.md) roll up from this
table instead of joining every follow-up to its customer (migration 0006). It stays exact
because every write that can change a count goes through here, in the writing transaction:
- single-row writes (`pipelines.rows` insert/update of follow_ups and customers): the changed
  row's contribution is taken away before the UPDATE and added back after it, read from the
  tables themselves, so any edit (day, channel, rep, effective, duration, soft delete/restore,
  a customer's reassignment or soft delete/restore) moves exactly what it changes;
- bulk import (`add_import`), demo data and restores of old backups (`rebuild`, the migration).
Backups and `followup migrate` copy the table whole with the rest.

Append-only: writes INSERT signed rows and never UPDATE, so two concurrent saves cannot conflict
on a counter or lose an increment (on either backend). Readers sum a cell's rows; `merge` folds
cells with several rows into one now and then, in one transaction (its snapshot: rows other
transactions add meanwhile are neither merged nor deleted).
"""

from __future__ import annotations

import polars as pl

from pipelines import config
from pipelines.signed_rows import SignedTable

SIGNED = SignedTable("follow_up_daily", ("zone", "day", "owner_id", "rep_id", "channel"),
                     ("follow_ups", "effective_follow_ups", "minutes"), "checks/follow_up_daily")
TABLE, COLUMNS = SIGNED.table, SIGNED.columns
# Changed columns that move a row's contribution.
WATCHED = {
    "follow_ups": {"customer_id", "rep_id", "occurred_at", "channel", "effective", "duration_minutes",
                   "deleted_at"},
    "customers": {"owner_id", "deleted_at"},
}

def _select(where: str) -> str:
    """The live follow-ups matching `where` (aliases f, c) counted per cell, times $sign."""
    return f"""
SELECT $zone AS zone, timezone($zone, f.occurred_at)::DATE AS day, c.owner_id, f.rep_id, f.channel,
       $sign * count(*) AS follow_ups, $sign * count(*) FILTER (WHERE f.effective) AS effective_follow_ups,
       $sign * sum(f.duration_minutes)::BIGINT AS minutes
FROM follow_ups f JOIN customers c ON c.id = f.customer_id
WHERE {where} AND f.deleted_at IS NULL AND c.deleted_at IS NULL
GROUP BY ALL"""


def _contribution(where: str) -> str:
    return f"INSERT INTO {TABLE} ({COLUMNS}) {_select(where)}"


_BY_ROW = {"follow_ups": _contribution("f.id = $id"), "customers": _contribution("f.customer_id = $id")}


def watches(table: str, changed) -> bool:
    return bool(WATCHED.get(table, set()) & set(changed))


def add_row(cur, table: str, row_id: int, sign: int) -> None:
    """Add (+1) or take away (-1) the current contribution of one follow-up or of one customer's
    follow-ups; called around a single-row write by pipelines.rows."""
    cur.execute(_BY_ROW[table], {"zone": config.tz_name(), "sign": sign, "id": row_id})
    SIGNED.merge_now_and_then(cur, sign)


def import_counts(rows: pl.DataFrame) -> pl.DataFrame:
    """The cells of follow-ups a bulk import inserts, counted from the import's own frame as
    _select() counts stored ones: `rows` holds occurred_at, owner_id (the customer's), rep_id,
    channel, effective and duration_minutes as stored (no nulls), all live. Pure polars (no
    cursor), so it can run in a thread while the follow-ups are inserted; reading 1,000,000 rows
    back with a time zone conversion each took DuckDB 0.6 s."""
    zone = config.tz_name()
    return rows.group_by(
        pl.col("occurred_at").dt.convert_time_zone(zone).dt.date().alias("day"), "owner_id", "rep_id", "channel",
    ).agg(pl.len().cast(pl.Int64).alias("follow_ups"),
          pl.col("effective").sum().cast(pl.Int64).alias("effective_follow_ups"),
          pl.col("duration_minutes").cast(pl.Int64).sum().alias("minutes"),
    ).sort("day", "owner_id", "rep_id", "channel").select(pl.lit(zone).alias("zone"), pl.all())


def add_import(cur, counts: pl.DataFrame) -> None:
    """Add the cells import_counts() counted (in the import's transaction, with its rows)."""
    SIGNED.add_frame(cur, counts)


def rebuild(cur) -> None:
    """Recount the whole table from follow_ups (demo data; another time zone), in day order
    (period filters then skip row groups by their zone maps)."""
    cur.execute(f"DELETE FROM {TABLE}")
    cur.execute(f"{_contribution('true')} ORDER BY day, owner_id, rep_id, channel",
                {"zone": config.tz_name(), "sign": 1})


merge, usable, differences = SIGNED.merge, SIGNED.usable, SIGNED.differences
