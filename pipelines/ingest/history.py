"""Imported stage history: a follow-up's stage that differs from the customer's stage at that
time becomes a stage change at that time, computed set-wise (polars) and inserted at once.

Imports never reject a row for its stage history (SPEC "Stage transition rules"): changes
are recorded as they happened, marked `imported`, and `rule_broken` when they pass an unmet
gate, skip a stage, or move backwards (leaving `lost` counts as moving backwards).
"""

from __future__ import annotations

import polars as pl

from pipelines import daily_summary, settings, stage_summary
from pipelines.codes import LOST, STAGE_RANK
from pipelines.ingest import resolve
from pipelines.ingest.readers import ROW

_RANK = {**STAGE_RANK, LOST: -1}


def _rank(column: str) -> pl.Expr:
    return pl.col(column).replace_strict(_RANK, default=-1, return_dtype=pl.Int32)


def changes(existing: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """The stage changes the events make: an event whose stage differs from the one before it
    (stored history and earlier events of the file, in time order) changes the stage.
    `events` come sorted by customer, time and row (as record() sorts them)."""
    seq = events.select("customer_id", pl.col("occurred_at").alias("at"), "stage", pl.lit(1).alias("src"),
                        pl.col(ROW), "follow_up_id")
    if existing.height:  # stored history goes first at the same time; then the file's order
        seq = pl.concat([
            existing.select("customer_id", pl.col("changed_at").alias("at"), "stage", pl.lit(0).alias("src"),
                            pl.lit(None, pl.Int64).alias(ROW), pl.lit(None, pl.Int64).alias("follow_up_id")),
            seq], how="vertical_relaxed").sort("customer_id", "at", "src", ROW, nulls_last=False)
    # sorted by customer: the stage before is the previous row's when it is the same customer's
    same = pl.col("customer_id") == pl.col("customer_id").shift(1)
    seq = seq.with_columns(pl.when(same).then(pl.col("stage").shift(1)).alias("from_stage"))
    return seq.filter((pl.col("src") == 1) & pl.col("from_stage").ne_missing(pl.col("stage"))).select(
        "customer_id", "from_stage", pl.col("stage").alias("to_stage"), pl.col("at").alias("changed_at"),
        "follow_up_id")


def flag_broken(cur, made: pl.DataFrame) -> pl.Series:
    """True for a change that skips a stage, moves backwards, or passes a gate not met by the
    customer's follow-ups up to that time (the stage_rules setting)."""
    f, t = _rank("from_stage"), _rank("to_stage")
    has_from = pl.col("from_stage").is_not_null()
    live = (pl.col("to_stage") != LOST) & (pl.col("from_stage").fill_null("") != LOST)
    broken = (has_from & live & (t > f + 1)) | (
        has_from & (pl.col("to_stage") != LOST) & ((pl.col("from_stage") == LOST) | (t < f)))
    frame = made.with_columns(broken.alias("broken"), f.alias("_f"), t.alias("_t"))
    for rule in settings.get_in(cur, "stage_rules") or []:
        gate = STAGE_RANK.get(rule.get("to_stage"))
        if gate is None:
            continue
        crossing = frame.filter(live & (pl.col("_f") < gate) & (pl.col("_t") >= gate)).with_row_index("_i")
        if crossing.height == 0:
            continue
        cur.register("imp_gate_customers", crossing.select("customer_id").unique().to_arrow())
        try:
            seen = cur.execute(
                "SELECT customer_id, occurred_at AS changed_at FROM follow_ups WHERE channel = $ch"
                " AND deleted_at IS NULL AND customer_id IN (SELECT customer_id FROM imp_gate_customers)",
                {"ch": rule["channel"]}).pl()
        finally:
            cur.unregister("imp_gate_customers")
        # n-th follow-up on that channel by time; an as-of join gives the count up to each change
        seen = seen.sort("customer_id", "changed_at").with_columns(
            pl.int_range(1, pl.len() + 1).over("customer_id").alias("_n")).sort("changed_at")
        counted = crossing.sort("changed_at").join_asof(seen, on="changed_at", by="customer_id",
                                                        strategy="backward", check_sortedness=False)
        short = counted.filter(pl.col("_n").fill_null(0) < int(rule["min_count"])).get_column("_i")
        hit = crossing.get_column("_key").gather(short) if short.len() else pl.Series([], dtype=pl.Int64)
        frame = frame.with_columns((pl.col("broken") | pl.col("_key").is_in(hit.implode())).alias("broken"))
    return frame.sort("_key").get_column("broken")


def plan(cur, loaded: pl.DataFrame) -> pl.DataFrame:
    """The stage changes the loaded follow-ups make (before anything is inserted): customer_id,
    from_stage, to_stage, changed_at, follow_up_id, in the order they are to be inserted.

    `loaded` holds customer_id, follow_up_id, occurred_at, stage, `_row` and `_created` (customer
    made by this import: no stored history; its first follow-up sets its first stage,
    initial_contact when blank).
    """
    return plan_from(loaded, stored_stages(cur, loaded))


def stored_stages(cur, loaded: pl.DataFrame) -> pl.DataFrame:
    """The stored stage history of the customers of `loaded` that this import did not make (those
    made by it have none): customer_id, changed_at, stage."""
    stored = loaded.filter(~pl.col("_created") & pl.col("stage").is_not_null()).get_column("customer_id").unique()
    if stored.len() == 0:
        return pl.DataFrame(schema={"customer_id": pl.Int64, "changed_at": loaded.schema["occurred_at"],
                                    "stage": pl.String})
    cur.register("imp_stage_customers", stored.to_frame("customer_id").to_arrow())
    try:
        return cur.execute(
            "SELECT customer_id, changed_at, to_stage AS stage FROM stage_changes WHERE deleted_at IS NULL"
            " AND customer_id IN (SELECT customer_id FROM imp_stage_customers)").pl()
    finally:
        cur.unregister("imp_stage_customers")


def plan_from(loaded: pl.DataFrame, existing: pl.DataFrame) -> pl.DataFrame:
    """plan() once the stored history is read (polars only: it can run in a thread)."""
    if not loaded.get_column(ROW).is_sorted():
        loaded = loaded.sort(ROW)
    events = loaded.select("customer_id", "occurred_at", "stage", ROW, "follow_up_id", "_created")
    # each new customer's first follow-up by (time, row): rows are in file order, so the first
    # row at its earliest time (a grouping, instead of sorting every row)
    firsts = events.filter(pl.col("_created")).group_by("customer_id").agg(
        pl.col(ROW).get(pl.col("occurred_at").arg_min())).get_column(ROW)
    first = pl.col(ROW).is_in(firsts.implode())
    # only rows with a stage, and those first ones, can change a stage: the others are not sorted
    events = events.filter(pl.col("stage").is_not_null() | first).with_columns(
        pl.when(first).then(pl.col("stage").fill_null("initial_contact")).otherwise(pl.col("stage")).alias("stage")
    ).sort("customer_id", "occurred_at", ROW)
    return changes(existing, events)


def final_stages(made: pl.DataFrame) -> pl.DataFrame:
    """Each customer's stage after the changes (the last one of `made`, as _set_current picks it
    for a customer with no stored history): customer_id, stage."""
    return made.group_by("customer_id").agg(pl.col("to_stage").last().alias("stage"))


BROKEN_EMPTY = pl.DataFrame(schema={"follow_up_id": pl.Int64, "from_stage": pl.String, "to_stage": pl.String,
                                     "changed_at": pl.Datetime("us", "UTC")})


def record(cur, actor_id: int | None, made: pl.DataFrame, created: pl.DataFrame,
           run_id: int) -> tuple[int, pl.DataFrame]:
    """Insert the planned stage changes (flagged), once their follow-ups are stored (a gate counts
    them), and set the current stage of the stored customers they change (`created`: id and
    owner_id of the customers this import made, already inserted with their final stage; `run_id`:
    this import, whose own follow-ups the daily summary counts from its frame).
    Returns (changes, the rule-breaking ones: follow_up_id, from_stage, to_stage, changed_at)."""
    if made.height == 0:
        return 0, BROKEN_EMPTY
    made = made.with_row_index("_key")
    # ids taken in plan order: a customer's changes at one time then rank by id in file order, as
    # the stage summary counted below from this frame (and _set_current) take them
    made = made.with_columns(flag_broken(cur, made).alias("rule_broken")).select(
        resolve.new_ids(cur, "stage_changes", made.height).alias("id"),
        "customer_id", "from_stage", "to_stage", "changed_at", pl.lit(actor_id, pl.Int64).alias("changed_by"),
        "follow_up_id", pl.lit(True).alias("imported"), "rule_broken")
    new = pl.col("customer_id").is_in(created.get_column("id").implode())
    stored = made.filter(~new).get_column("customer_id").unique()
    # the stage summary: the stored customers' counts out and in again around the older history;
    # the customers this import made have no stage changes but these, counted from the frame (reading
    # them back joined to the customers cost DuckDB 0.5-1 s for 100,000 customers)
    # and the stored follow-ups of the 14 days before a forward change of a stored customer, which
    # it converts
    windows = daily_summary.forward(made.filter(~new))
    stage_summary.add_customers(cur, stored.to_list(), -1)
    daily_summary.add_windows(cur, windows, run_id, -1)
    resolve.insert_frame(cur, "imp_changes", made, "stage_changes")
    stage_summary.add_customers(cur, stored.to_list(), +1)
    daily_summary.add_windows(cur, windows, run_id, +1)
    owners = created.select(pl.col("id").alias("customer_id"), "owner_id")
    stage_summary.add_new_customers(cur, made.filter(new).join(owners, on="customer_id", maintain_order="left"))
    if stored.len():
        _set_current(cur, stored.sort().to_list())
    return made.height, made.filter(pl.col("rule_broken")).select(*BROKEN_EMPTY.columns)


def _set_current(cur, customer_ids: list[int]) -> None:
    """A customer's stage is the one its latest stage change entered (imports may be older)."""
    cur.execute("""
        UPDATE customers SET stage = l.to_stage, updated_at = current_timestamp
        FROM (SELECT customer_id, to_stage,
                     row_number() OVER (PARTITION BY customer_id ORDER BY changed_at DESC, id DESC) AS n
              FROM stage_changes WHERE deleted_at IS NULL AND customer_id IN (SELECT unnest($ids))) l
        WHERE customers.id = l.customer_id AND l.n = 1 AND customers.stage <> l.to_stage""",
                {"ids": customer_ids})
