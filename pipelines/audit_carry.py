"""A restore brings the data back, never the audit log: the log's entries that the restored
backup lacks (written after it was made) are put back, with their ids, so that the log stays
the whole history, the restore itself and the erasures made after the backup included."""

from __future__ import annotations

import polars as pl

from pipelines.store import Store

KEY = ["id", "_at"]  # an entry: its id and the moment it was written (epoch µs)


def live_entries(store: Store) -> pl.DataFrame:
    """Every entry of the log as it is now (read before the restore replaces it)."""
    return store.query("SELECT *, epoch_us(created_at) AS _at FROM audit_log")


def put_back(store: Store, live: pl.DataFrame) -> int:
    """Insert the entries of `live` the restored log does not hold; returns how many. An id the
    restored log gives to another entry (a backup of another database) takes a new one."""
    from pipelines.ingest import resolve

    restored = store.query("SELECT id, epoch_us(created_at) AS _at FROM audit_log")
    missing = live.join(restored, on=KEY, how="anti").sort("_at", "id")
    if missing.height == 0:
        return 0
    taken = pl.col("id").is_in(restored.get_column("id").implode())

    def work(cur) -> int:
        _advance(store, cur, max(missing["id"].max(), restored["id"].max() or 0))
        clashing = missing.filter(taken).height
        fresh = resolve.new_ids(cur, "audit_log", clashing) if clashing else pl.Series([], dtype=pl.Int64)
        rows = missing.with_columns(
            pl.when(taken).then(pl.lit(None, pl.Int64)).otherwise(pl.col("id")).alias("id"))
        if clashing:
            at = rows.get_column("id").is_null().arg_true()
            rows = rows.with_columns(rows.get_column("id").scatter(at, fresh))
        resolve.insert_frame(cur, "audit_back", rows.drop("_at"), "audit_log")
        return rows.height

    return store.write(work)


def _advance(store: Store, cur, top: int) -> None:
    """The id sequence past `top`: the restored one stands where the backup left it, and would
    hand out the ids put back again."""
    if store.backend == "postgres":
        from pipelines import postgres

        postgres.execute(cur, f"SELECT setval('audit_log_id_seq', greatest({int(top)},"
                              " (SELECT last_value FROM audit_log_id_seq)))")
        return
    now = cur.execute("SELECT nextval('audit_log_id_seq')").fetchone()[0]
    if now < top:
        cur.execute("SELECT max(nextval('audit_log_id_seq')) FROM range($n)", {"n": top - now})
