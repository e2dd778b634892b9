"""risk_daily: risk warnings counted per (local day, customer owner, level, rule), kept on write
(migration 0007), so that the monthly summary's risk counts (open at the period's end, raised in
it: pipelines/sql/metrics/risk_counts.sql) read a few ten thousand summary rows instead of every
risk joined to its customer twice.

Each warning of a live customer counts `raised` 1 on the day it was raised, and `closed` 1 on the
day it stopped being open: the day of its close (or of its raising, when it was closed earlier than
raised, or marked resolved without a close time: it never counts as open). Open at the end E of a
period is then sum(raised - closed) over the days before E, as risk_counts.sql defines it
(raised before E, and closed at or after E or still unresolved), since E is a local midnight.

Kept exact like follow_up_daily and stage_daily, with signed append-only rows, in the writing
transaction: a risk's (or a customer's) contribution is taken away before a write and added back
after it:
- `pipelines.rows`: a risk raised, acknowledged or resolved by a person (risk_actions), a
  customer's reassignment, soft delete or restore;
- `rules.risks.evaluate`: the customers it evaluates (a save's, or everyone for `risks refresh`,
  replays and large imports), around its close / update / open statements;
- demo data (`rebuild`), restores of backups made before 0007 (the migration's backfill).
"""

from __future__ import annotations

from pipelines import config, sql
from pipelines.signed_rows import SignedTable

SIGNED = SignedTable("risk_daily", ("zone", "day", "owner_id", "level", "rule"),
                     ("raised", "closed"), "checks/risk_daily")
TABLE, COLUMNS = SIGNED.table, SIGNED.columns
WATCHED = {
    "risks": {"customer_id", "level", "rule", "status", "raised_at", "closed_at"},
    "customers": {"owner_id", "deleted_at"},
}
INLINE_IDS = 1000  # more customers than this: matched by a join, not a constant list


def _contribution(where: str) -> str:
    """INSERT the contribution of the risks matching `where` (aliases r, c) of live customers,
    times $sign."""
    stop = ("CASE WHEN r.closed_at IS NOT NULL THEN greatest(r.raised_at, r.closed_at)"
            " WHEN r.status = 'resolved' THEN r.raised_at END")
    return f"""
INSERT INTO {TABLE} ({COLUMNS})
SELECT $zone, day, owner_id, level, rule, $sign * sum(raised), $sign * sum(closed)
FROM (
    SELECT timezone($zone, r.raised_at)::DATE AS day, c.owner_id, r.level, r.rule, 1 AS raised, 0 AS closed
    FROM risks r JOIN customers c ON c.id = r.customer_id WHERE {where} AND c.deleted_at IS NULL
    UNION ALL
    SELECT timezone($zone, {stop})::DATE, c.owner_id, r.level, r.rule, 0, 1
    FROM risks r JOIN customers c ON c.id = r.customer_id
    WHERE {where} AND c.deleted_at IS NULL AND ({stop}) IS NOT NULL
) x
GROUP BY ALL"""


def _params(sign: int) -> dict:
    return {"zone": config.tz_name(), "sign": sign}


def watches(table: str, changed) -> bool:
    return bool(WATCHED.get(table, set()) & set(changed))


def add_row(cur, table: str, row_id: int, sign: int) -> None:
    """Add (+1) or take away (-1) the contribution of one risk, or of one customer's risks;
    called around a single-row write by pipelines.rows."""
    where = "r.id = $id" if table == "risks" else "r.customer_id = $id AND c.id = $id"
    cur.execute(_contribution(where), {**_params(sign), "id": row_id})
    _merge_now_and_then(cur, sign)


def add_customers(cur, customer_ids: list[int] | None, sign: int) -> None:
    """Add or take away the contribution of these customers' risks (None: every customer's)."""
    if customer_ids is None:
        cur.execute(_contribution("true"), _params(sign))
        if sign > 0:
            merge(cur)  # a pass over everyone doubled every cell: fold them now
        return
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return
    if len(ids) <= INLINE_IDS:  # a constant list reaches the table scan (a save: one customer)
        listed = sql.id_list(ids)  # on both sides: the customers' scan skips by the id's zone maps too
        cur.execute(_contribution(f"r.customer_id IN ({listed}) AND c.id IN ({listed})"), _params(sign))
    else:
        cur.execute(_contribution("r.customer_id IN (SELECT unnest($ids))"), {**_params(sign), "ids": ids})
    _merge_now_and_then(cur, sign)


def _merge_now_and_then(cur, sign: int) -> None:
    SIGNED.merge_now_and_then(cur, sign)


def rebuild(cur) -> None:
    """Recount the whole table from the risks (demo data; another time zone), in day order."""
    cur.execute(f"DELETE FROM {TABLE}")
    cur.execute(f"{_contribution('true')} ORDER BY day, owner_id, level, rule", _params(1))


merge, usable, differences = SIGNED.merge, SIGNED.usable, SIGNED.differences
