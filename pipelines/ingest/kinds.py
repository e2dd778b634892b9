"""What loading means for each kind of file: follow-ups, customers, contacts, contracts.

Each loader runs inside the file's one transaction and works set-wise: names resolved with
joins, duplicates found with one query, rows inserted with one INSERT … SELECT from an
Arrow frame registered with DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import polars as pl

from pipelines import daily_summary, follow_ups, stage_summary
from pipelines.access import Actor
from pipelines.ingest import history, resolve
from pipelines.ingest.readers import ROW
from pipelines.ingest.validate import Checked

FOLLOW_UP_KEY = ["customer_id", "rep_id", "channel", "_minute"]
DUPLICATES_SCHEMA = {ROW: pl.Int64, "same_as": pl.Int64}  # a skipped row and the earlier one it repeats
# the import fields whose values make a row of each kind a duplicate, shown beside the skipped rows
# (for follow-ups then the summary and stage: a skipped row may differ from the one it repeats there)
DUPLICATE_FIELDS = {"follow_ups": ["customer_name", "customer_uscc", "occurred_at", "rep", "channel", "summary",
                                   "stage"],
                    "customers": ["name", "uscc"],
                    "contacts": ["customer_name", "customer_uscc", "name", "phone"],
                    "contracts": ["customer_name", "customer_uscc", "rep", "signed_on", "amount"]}
# The values a row gets for these fields when the file gives none (model defaults). They feed
# figures (effective follow-ups, weekly hours, the risk rules, the funnel), so an import whose
# file has no column for one says so before it loads (assumed()).
ASSUMED: dict[str, dict[str, object]] = {
    "follow_ups": {"effective": True, "duration_minutes": 0},
    "customers": {"stage": "initial_contact", "customer_type": "new"},
}
T = TypeVar("T")


@dataclass
class Outcome:
    loaded: int = 0
    duplicates: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=DUPLICATES_SCHEMA))
    rejects: list[pl.DataFrame] = field(default_factory=list)
    users_new: list[str] = field(default_factory=list)  # names of the rep accounts created
    customers_created: int = 0
    stage_changes: int = 0
    broken: pl.DataFrame | None = None  # the rule-breaking stage changes: source row, from, to, when
    newest: datetime | None = None  # the latest follow-up loaded
    oldest: datetime | None = None  # the earliest (the page links to /records over the two)

    @property
    def rule_broken(self) -> int:
        return self.broken.height if self.broken is not None else 0

    @property
    def duplicate(self) -> int:
        return self.duplicates.height

    @property
    def users_created(self) -> int:
        return len(self.users_new)


def assumed(kind: str, columns: dict[str, str], defaults: dict | None = None) -> dict[str, object]:
    """The ASSUMED fields of `kind` that the file has no column for and the mapping no default:
    every row of the file gets the value shown."""
    return {f: v for f, v in ASSUMED.get(kind, {}).items() if f not in columns and f not in (defaults or {})}


def existing_rows(cur, keys: pl.DataFrame, sql: str) -> set[int]:
    """Source rows of `keys` (registered as imp_keys) that `sql` finds already stored."""
    if keys.height == 0:
        return set()
    cur.register("imp_keys", resolve.row_group_batches(keys).to_arrow())
    try:
        return set(cur.execute(sql).pl().get_column(ROW).to_list())
    finally:
        cur.unregister("imp_keys")


def _split_dupes(rows: pl.DataFrame, key: list[str], stored: set[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows to load, duplicates): stored already, or an earlier row of the file has the same key.
    The duplicates are their source rows with `same_as`, that earlier row (null: stored already),
    so the import can show which rows it skipped and why."""
    if not rows.get_column(ROW).is_sorted():
        rows = rows.sort(ROW)
    # Few rows share a key: only those are ranked (a first-of-each pass over all rows costs twice).
    # The candidates are the rows sharing a hash of the key, cheaper to find than the rows sharing
    # the key itself; a collision only adds a row that ranks first of its own key, and is kept.
    shared = _repeated(rows.select(pl.struct(key).hash()).to_series())
    keep = ~shared
    earlier = pl.DataFrame(schema=DUPLICATES_SCHEMA)
    if shared.any():
        at = shared.arg_true()
        ranked = rows[at].select(ROW, pl.struct(key).is_first_distinct().alias("_first"),
                                 pl.col(ROW).first().over(pl.struct(key)).alias("same_as"))
        keep = keep.scatter(at, ranked.get_column("_first"))
        earlier = ranked.filter(~pl.col("_first")).select(ROW, "same_as")
    found = pl.Series(list(stored), dtype=pl.Int64).implode()
    if stored:
        keep = keep & ~rows.get_column(ROW).is_in(found)
    if keep.all():
        return rows, pl.DataFrame(schema=DUPLICATES_SCHEMA)
    dupes = rows.select(ROW).filter(~keep).join(earlier, on=ROW, how="left", maintain_order="left")
    if stored:  # a row found stored is said to be so, whatever came before it in the file
        dupes = dupes.with_columns(pl.when(pl.col(ROW).is_in(found)).then(None).otherwise("same_as").alias("same_as"))
    return rows.filter(keep), dupes


def _repeated(hashes: pl.Series) -> pl.Series:
    """is_duplicated() of nearly distinct values, by a sort: neighbours that are equal give the
    few repeated values, then one lookup marks their rows. At 1,000,000 distinct hashes this is
    31 ms against is_duplicated's 164 (a hash table that large misses the cache)."""
    ordered = hashes.sort()
    twice = ordered.filter(ordered == ordered.shift(1))
    if twice.len() == 0:
        return pl.repeat(False, hashes.len(), eager=True)
    return hashes.is_in(twice.unique().implode())


def local_minute(at: pl.Series) -> pl.Series:
    """Each time truncated to its minute in the configured zone, as DuckDB's date_trunc('minute')
    does. From 1972 on every zone's offset from UTC is whole minutes, so truncating in UTC gives
    the same minute without a time zone conversion per row; older times take the slow way."""
    zone = at.dtype.time_zone  # type: ignore[attr-defined]
    early = at.min()
    if early is None or early >= datetime(1972, 2, 1, tzinfo=UTC):
        return at.dt.convert_time_zone("UTC").dt.truncate("1m").dt.convert_time_zone(zone)
    return at.dt.truncate("1m")


def load_follow_ups(cur, actor: Actor, checked: Checked, run_id: int) -> Outcome:
    out = Outcome()
    rows, rej, out.users_new = resolve.reps(cur, actor, checked.good, "rep", run_id)
    out.rejects.append(rej)
    rows, rej, new = resolve.match_customers(cur, actor, rows, "customer_name", "customer_uscc",
                                             owner_col="rep_id", order_col="occurred_at")
    out.rejects.append(rej)
    with_initials = resolve.initials_later(new)
    rows = rows.with_columns(local_minute(rows.get_column("occurred_at")).alias("_minute"))
    stored = existing_rows(cur, rows.filter(~pl.col("_created")).select(ROW, *FOLLOW_UP_KEY), f"""
        SELECT k.{ROW} FROM imp_keys k WHERE EXISTS (
            SELECT 1 FROM follow_ups f WHERE f.customer_id = k.customer_id AND f.rep_id = k.rep_id
               AND f.channel = k.channel AND date_trunc('minute', f.occurred_at) = k._minute)""")
    loaded, out.duplicates = _split_dupes(rows, FOLLOW_UP_KEY, stored)
    loaded = loaded.with_columns(resolve.new_ids(cur, "follow_ups", loaded.height).alias("follow_up_id"))
    stored_rows = loaded.select(
        pl.col("follow_up_id").alias("id"), "customer_id", "rep_id", "occurred_at", "channel", "summary",
        "participants",
        pl.col("duration_minutes").fill_null(ASSUMED["follow_ups"]["duration_minutes"]).cast(pl.Int32),
        pl.col("effective").fill_null(ASSUMED["follow_ups"]["effective"]), "outcome",
        pl.col("stage").alias("stage_after"), "next_follow_up_date", "next_action",
        pl.lit(run_id, dtype=pl.Int64).alias("import_run_id"))
    owners = pl.concat([new.select("id", "owner_id"),
                        resolve.owners(cur, loaded.filter(~pl.col("_created")).get_column("customer_id"))])
    history_before = history.stored_stages(cur, loaded)
    stored_forward = daily_summary.stored_forward(cur, loaded.filter(~pl.col("_created")).get_column("customer_id"))

    def count_daily() -> pl.DataFrame:  # the summary kept on write (customers' owners, as stored)
        # converted: by the file's forward stage changes and the stored customers' stored ones
        utc = pl.col("changed_at").dt.convert_time_zone("UTC")
        changes = pl.concat([daily_summary.forward(planning.result()).select("customer_id", utc),
                             stored_forward.select(pl.col("customer_id").cast(pl.Int64), utc)])
        return daily_summary.import_counts(stored_rows.select(
            "customer_id", "occurred_at",
            pl.col("customer_id").replace_strict(owners.get_column("id"), owners.get_column("owner_id"))
            .alias("owner_id"), "rep_id", "channel", "effective", "duration_minutes"), changes)

    # The stage history and the daily counts are polars work over every row: done in threads
    # while DuckDB inserts the follow-ups (ids are known, so nothing waits for the INSERT).
    planning = _in_thread(history.plan_from, loaded, history_before)
    counting = _in_thread(count_daily)
    resolve.insert_frame(cur, "imp_rows", stored_rows, "follow_ups")
    made = planning.result()
    # new customers are inserted at their stage after the file's changes (no UPDATE afterwards)
    new = with_initials().join(history.final_stages(made).rename({"customer_id": "id"}), on="id", how="left") \
        .with_columns(pl.col("stage").fill_null("initial_contact"))
    out.customers_created = resolve.create_customers(cur, actor, new, run_id)
    daily_summary.add_import(cur, counting.result())
    out.loaded = loaded.height
    out.newest = loaded.get_column("occurred_at").max() if loaded.height else None
    out.oldest = loaded.get_column("occurred_at").min() if loaded.height else None
    out.stage_changes, broken = history.record(cur, actor.id, made, new.select("id", "owner_id"), run_id)
    out.broken = broken.join(loaded.select("follow_up_id", ROW), on="follow_up_id", how="left") \
        .select(ROW, "from_stage", "to_stage", "changed_at").sort(ROW)
    if loaded.height:
        follow_ups.run_hooks(cur, loaded.get_column("customer_id").unique().sort().to_list(),
                             set(new.get_column("id").to_list()))
    return out


def _in_thread(work: Callable[..., T], *args) -> Future[T]:
    """Start polars work in a thread: polars and DuckDB both leave the interpreter free, so it
    runs while the transaction's statements do."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(work, *args)
    finally:
        pool.shutdown(wait=False)


def load_customers(cur, actor: Actor, checked: Checked, run_id: int) -> Outcome:
    """New customers only: one already stored (same credit code, else same name) is a duplicate."""
    out = Outcome()
    rows, rej, out.users_new = resolve.reps(cur, actor, checked.good, "owner", run_id)
    out.rejects.append(rej)
    rows = rows.with_columns(pl.coalesce("uscc", "name").alias("_key"))
    stored = existing_rows(cur, rows.select(ROW, "_key", pl.col("uscc").is_not_null().alias("_u")), f"""
        SELECT k.{ROW} FROM imp_keys k WHERE EXISTS (
            SELECT 1 FROM customers c WHERE c.deleted_at IS NULL
               AND ((k._u AND c.uscc = k._key) OR (NOT k._u AND c.name = k._key)))""")
    loaded, out.duplicates = _split_dupes(rows, ["_key"], stored)
    new = loaded.select(
        "name", "uscc", "industry", "size", "province", "city", "district",
        pl.col("customer_type").fill_null(ASSUMED["customers"]["customer_type"]), "group_name",
        pl.col("tags").fill_null("").str.replace_all("[,、]", ",").str.split(",")
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.len_chars() > 0)).alias("tags"),
        pl.col("owner_id"), pl.col("stage").fill_null(ASSUMED["customers"]["stage"]))
    if new.height:
        new = resolve.with_initials(new)
        made = resolve.insert_frame(cur, "imp_customers", new, "customers", "id, stage")
        ids = made.get_column("id").to_list()
        resolve.audit_created(cur, actor, "customers", ids, run_id)
        cur.register("imp_made", made.to_arrow())
        try:
            cur.execute("INSERT INTO stage_changes (customer_id, from_stage, to_stage, changed_at, changed_by,"
                        " imported) SELECT id, NULL, stage, current_timestamp, $by, true FROM imp_made",
                        {"by": actor.id})
        finally:
            cur.unregister("imp_made")
        stage_summary.add_customers(cur, ids, +1)  # new customers: nothing counted before
        out.customers_created = out.stage_changes = len(ids)
    out.loaded = new.height
    return out


def load_contacts(cur, actor: Actor, checked: Checked, run_id: int) -> Outcome:
    """Contacts of known customers; the same name and phone at a customer is a duplicate."""
    out = Outcome()
    rows, rej, _ = resolve.customers(cur, actor, checked.good, "customer_name", "customer_uscc", run_id,
                                     owner_col=None)
    out.rejects.append(rej)
    rows = rows.with_columns(pl.col("phone").fill_null("").alias("_phone"))
    stored = existing_rows(cur, rows.select(ROW, "customer_id", "name", "_phone"), f"""
        SELECT k.{ROW} FROM imp_keys k WHERE EXISTS (
            SELECT 1 FROM contacts c WHERE c.customer_id = k.customer_id AND c.name = k.name
               AND coalesce(c.phone, '') = k._phone)""")
    loaded, out.duplicates = _split_dupes(rows, ["customer_id", "name", "_phone"], stored)
    resolve.insert_frame(cur, "imp_rows", loaded.select("customer_id", "name", "position", "decision_role", "phone", "email",
                                   "wechat"), "contacts")
    out.loaded = loaded.height
    return out


def load_contracts(cur, actor: Actor, checked: Checked, run_id: int) -> Outcome:
    """Contracts; the same customer, rep, date and amount is a duplicate."""
    out = Outcome()
    rows, rej, out.users_new = resolve.reps(cur, actor, checked.good, "rep", run_id)
    out.rejects.append(rej)
    rows, rej, out.customers_created = resolve.customers(cur, actor, rows, "customer_name", "customer_uscc",
                                                         run_id, owner_col="rep_id", order_col="signed_on")
    out.rejects.append(rej)
    key = ["customer_id", "rep_id", "signed_on", "amount"]
    stored = existing_rows(cur, rows.select(ROW, *key), f"""
        SELECT k.{ROW} FROM imp_keys k WHERE EXISTS (
            SELECT 1 FROM contracts c WHERE c.customer_id = k.customer_id AND c.rep_id = k.rep_id
               AND c.signed_on = k.signed_on AND c.amount = k.amount)""")
    loaded, out.duplicates = _split_dupes(rows, key, stored)
    resolve.insert_frame(cur, "imp_rows", loaded.select("customer_id", "rep_id", "signed_on", "amount", "products"), "contracts")
    out.loaded = loaded.height
    return out


LOADERS = {"follow_ups": load_follow_ups, "customers": load_customers, "contacts": load_contacts,
           "contracts": load_contracts}
