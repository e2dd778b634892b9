"""follow_up_daily: follow-ups counted per (local day, customer owner, rep, channel), kept on write.

The analytics pages' follow_ups/effective_follow_ups/minutes and channel conversion's counts
(METRICS.md) roll up from this table instead of joining every follow-up to its customer
(migration 0006) and to its customer's stage changes (`converted`, migration 0008). It stays
exact because every write that can change a count goes through here, in the writing transaction:
- single-row writes (`pipelines.rows` insert/update of follow_ups and customers): the changed
  row's contribution is taken away before the UPDATE and added back after it, read from the
  tables themselves, so any edit (day, channel, rep, effective, duration, soft delete/restore,
  a customer's reassignment or soft delete/restore) moves exactly what it changes;
- a forward stage change (`add_window` around its INSERT): it converts the customer's follow-ups
  of the 14 days up to it, whose contribution is taken away before and added back after;
- bulk import (`import_counts`/`add_import` for its own follow-ups, `add_windows` for stored
  follow-ups its stage changes convert), demo data and restores of old backups (`rebuild`, the
  migrations).
Backups and `followup migrate` copy the table whole with the rest.

Append-only: writes INSERT signed rows and never UPDATE, so two concurrent saves cannot conflict
on a counter or lose an increment (on either backend). Readers sum a cell's rows; `merge` folds
cells with several rows into one now and then, in one transaction (its snapshot: rows other
transactions add meanwhile are neither merged nor deleted).
"""

from __future__ import annotations

import polars as pl

from pipelines import config
from pipelines.codes import STAGE_RANK, STAGES
from pipelines.signed_rows import SignedTable

SIGNED = SignedTable("follow_up_daily", ("zone", "day", "owner_id", "rep_id", "channel"),
                     ("follow_ups", "effective_follow_ups", "minutes", "converted"), "checks/follow_up_daily")
WINDOW_US = 14 * 24 * 3600 * 1_000_000  # channel conversion's 14×24 h (METRICS.md)
TABLE, COLUMNS = SIGNED.table, SIGNED.columns
# Changed columns that move a row's contribution.
WATCHED = {
    "follow_ups": {"customer_id", "rep_id", "occurred_at", "channel", "effective", "duration_minutes",
                   "deleted_at"},
    "customers": {"owner_id", "deleted_at"},
}

_STAGE_LIST = "[" + ", ".join(f"'{s}'" for s in STAGES) + "]"
_FORWARD = f"list_position({_STAGE_LIST}, s.to_stage) > list_position({_STAGE_LIST}, s.from_stage)"
# converted (METRICS.md's channel_conversion): a live forward stage change of the follow-up's
# customer at or after its time and at most 14×24 h later (a first stage and `lost` are not
# forward). The same test as pipelines/sql/metrics/follow_up_conversion.sql. For many customers
# (rebuild, imports) as a join on every stage change:
CONVERTED = f"""EXISTS (
    SELECT 1 FROM stage_changes s
    WHERE s.customer_id = f.customer_id AND s.deleted_at IS NULL
      AND s.changed_at >= f.occurred_at AND epoch_us(s.changed_at) <= epoch_us(f.occurred_at) + {WINDOW_US}
      AND {_FORWARD})"""
# for one customer (a save), over its forward changes' times read first ($forward): in a write
# transaction the join above cost a save 15-20 ms, reading the customer's changes 2-3 ms.
_CONVERTED_ONE = (f"list_bool_or(list_transform($forward, lambda x: x >= f.occurred_at"
                  f" AND epoch_us(x) <= epoch_us(f.occurred_at) + {WINDOW_US}))")
_FORWARD_TIMES = (f"SELECT coalesce(list(changed_at), []) FROM stage_changes s"
                  f" WHERE s.customer_id = $customer AND s.deleted_at IS NULL AND {_FORWARD}")


def _select(where: str, converted: str = CONVERTED) -> str:
    """The live follow-ups matching `where` (aliases f, c) counted per cell, times $sign."""
    return f"""
SELECT $zone AS zone, timezone($zone, f.occurred_at)::DATE AS day, c.owner_id, f.rep_id, f.channel,
       $sign * count(*) AS follow_ups, $sign * count(*) FILTER (WHERE f.effective) AS effective_follow_ups,
       $sign * sum(f.duration_minutes)::BIGINT AS minutes, $sign * count(*) FILTER (WHERE {converted}) AS converted
FROM follow_ups f JOIN customers c ON c.id = f.customer_id
WHERE {where} AND f.deleted_at IS NULL AND c.deleted_at IS NULL
GROUP BY ALL"""


def _contribution(where: str, converted: str = CONVERTED) -> str:
    return f"INSERT INTO {TABLE} ({COLUMNS}) {_select(where, converted)}"


# One customer's follow-ups: (with its forward changes' times, when it has none).
_ONE = {"follow_ups": "f.id = $id", "customers": "f.customer_id = $id",
        # the follow-ups a forward change at $at can convert: the customer's of the 14 days up to it
        "window": f"f.customer_id = $id AND f.occurred_at <= $at"
                  f" AND epoch_us(f.occurred_at) >= epoch_us($at::TIMESTAMPTZ) - {WINDOW_US}"}
_BY_ONE = {k: (_contribution(where, _CONVERTED_ONE), _contribution(where, "false")) for k, where in _ONE.items()}
# The same for many changes at once (an import's, in the registered frame imp_windows: customer_id,
# changed_at), leaving out the import's own follow-ups ($run), which it counts from its frame.
_WINDOWS = _contribution(f"""f.id IN (
    SELECT g.id FROM follow_ups g JOIN imp_windows w ON w.customer_id = g.customer_id
    WHERE g.occurred_at <= w.changed_at AND epoch_us(g.occurred_at) >= epoch_us(w.changed_at) - {WINDOW_US})
  AND f.import_run_id IS DISTINCT FROM $run""")


def _add_one(cur, kind: str, customer_id: int, params: dict) -> None:
    forward = cur.execute(_FORWARD_TIMES, {"customer": customer_id}).fetchone()[0]
    with_changes, without = _BY_ONE[kind]
    if forward:
        cur.execute(with_changes, {**params, "forward": forward})
    else:
        cur.execute(without, params)


def watches(table: str, changed) -> bool:
    return bool(WATCHED.get(table, set()) & set(changed))


def add_row(cur, table: str, row_id: int, sign: int) -> None:
    """Add (+1) or take away (-1) the current contribution of one follow-up or of one customer's
    follow-ups; called around a single-row write by pipelines.rows."""
    customer = row_id if table == "customers" else \
        cur.execute("SELECT customer_id FROM follow_ups WHERE id = $id", {"id": row_id}).fetchone()[0]
    _add_one(cur, table, customer, {"zone": config.tz_name(), "sign": sign, "id": row_id})
    SIGNED.merge_now_and_then(cur, sign)


def add_window(cur, customer_id: int, at, sign: int) -> None:
    """Take away (-1) or add (+1) the contribution of the follow-ups a forward stage change of the
    customer at `at` can convert; called around the change's INSERT."""
    _add_one(cur, "window", customer_id, {"zone": config.tz_name(), "sign": sign, "id": customer_id, "at": at})
    SIGNED.merge_now_and_then(cur, sign)


def add_windows(cur, changes: pl.DataFrame, run_id: int, sign: int) -> None:
    """add_window for an import's forward changes of stored customers (customer_id, changed_at),
    without the import's own follow-ups (run `run_id`): around the changes' INSERT."""
    if changes.height == 0:
        return
    cur.register("imp_windows", changes.select("customer_id", "changed_at").to_arrow())
    try:
        cur.execute(_WINDOWS, {"zone": config.tz_name(), "sign": sign, "run": run_id})
    finally:
        cur.unregister("imp_windows")


def stored_forward(cur, customer_ids: pl.Series) -> pl.DataFrame:
    """The stored forward stage changes of these customers: customer_id, changed_at."""
    ids = customer_ids.unique()
    if ids.len() == 0:
        return pl.DataFrame(schema={"customer_id": pl.Int64, "changed_at": pl.Datetime("us", "UTC")})
    cur.register("imp_forward_customers", ids.to_frame("customer_id").to_arrow())
    try:
        return cur.execute(f"""
            SELECT customer_id, changed_at FROM stage_changes s
            WHERE deleted_at IS NULL AND customer_id IN (SELECT customer_id FROM imp_forward_customers)
              AND {_FORWARD}""").pl()
    finally:
        cur.unregister("imp_forward_customers")


def forward(changes: pl.DataFrame) -> pl.DataFrame:
    """The forward ones of stage changes (from_stage, to_stage): from a stage to a later one."""
    def rank(column: str) -> pl.Expr:  # null for `lost` and a first stage's missing from_stage
        return pl.col(column).replace_strict(STAGE_RANK, default=None, return_dtype=pl.Int32)

    return changes.filter(rank("to_stage") > rank("from_stage"))


def with_converted(rows: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """`rows` (follow-ups with customer_id and occurred_at), in time order, with `converted`: the
    first of the forward `changes` (customer_id, changed_at) of its customer at or after its time
    is at most 14×24 h later. An as-of join by customer on epoch microseconds."""
    at = rows.with_columns(pl.col("occurred_at").dt.epoch("us").alias("_at")).sort("_at")
    if changes.height == 0:
        return at.drop("_at").with_columns(pl.lit(False).alias("converted"))
    nxt = changes.select(pl.col("customer_id").cast(at.schema["customer_id"]),
                         pl.col("changed_at").dt.epoch("us").alias("_next")).sort("_next")
    joined = at.join_asof(nxt, left_on="_at", right_on="_next", by="customer_id", strategy="forward",
                          check_sortedness=False)
    return joined.with_columns(((pl.col("_next") - pl.col("_at")) <= WINDOW_US).fill_null(False).alias("converted")) \
        .drop("_at", "_next")


def import_counts(rows: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """The cells of follow-ups a bulk import inserts, counted from the import's own frame as
    _select() counts stored ones: `rows` holds customer_id, occurred_at, owner_id (the customer's),
    rep_id, channel, effective and duration_minutes as stored (no nulls), all live; `changes` the
    forward stage changes of their customers (with_converted). Pure polars (no cursor), so it can
    run in a thread while the follow-ups are inserted; reading 1,000,000 rows back with a time zone
    conversion each took DuckDB 0.6 s."""
    zone = config.tz_name()
    return with_converted(rows, changes).group_by(
        pl.col("occurred_at").dt.convert_time_zone(zone).dt.date().alias("day"), "owner_id", "rep_id", "channel",
    ).agg(pl.len().cast(pl.Int64).alias("follow_ups"),
          pl.col("effective").sum().cast(pl.Int64).alias("effective_follow_ups"),
          pl.col("duration_minutes").cast(pl.Int64).sum().alias("minutes"),
          pl.col("converted").sum().cast(pl.Int64).alias("converted"),
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
