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

import itertools

from pipelines import config, sql

TABLE = "risk_daily"
COLUMNS = "zone, day, owner_id, level, rule, raised, closed"
WATCHED = {
    "risks": {"customer_id", "level", "rule", "status", "raised_at", "closed_at"},
    "customers": {"owner_id", "deleted_at"},
}
MERGE_EVERY = 500  # signed-row writes per process between merges
INLINE_IDS = 1000  # more customers than this: matched by a join, not a constant list

_writes = itertools.count(1)


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
    if sign > 0 and next(_writes) % MERGE_EVERY == 0:
        merge(cur)


def rebuild(cur) -> None:
    """Recount the whole table from the risks (demo data; another time zone), in day order."""
    cur.execute(f"DELETE FROM {TABLE}")
    cur.execute(f"{_contribution('true')} ORDER BY day, owner_id, level, rule", _params(1))


def merge(cur) -> None:
    """Fold every cell that has several rows into one row (or none, when they cancel out)."""
    cur.execute(f"""
CREATE OR REPLACE TEMP TABLE risk_daily_merge AS
SELECT * FROM {TABLE} WHERE (zone, day, owner_id, level, rule) IN (
    SELECT zone, day, owner_id, level, rule FROM {TABLE} GROUP BY ALL HAVING count(*) > 1)""")
    cur.execute(f"DELETE FROM {TABLE} WHERE id IN (SELECT id FROM temp.risk_daily_merge)")
    cur.execute(f"""
INSERT INTO {TABLE} ({COLUMNS})
SELECT zone, day, owner_id, level, rule, sum(raised)::BIGINT, sum(closed)::BIGINT
FROM temp.risk_daily_merge GROUP BY ALL
HAVING sum(raised) <> 0 OR sum(closed) <> 0""")
    cur.execute("DROP TABLE temp.risk_daily_merge")


def usable(store) -> bool:
    """Is every row in the configured time zone (else the counts come from the risks)?"""
    return not store.query(f"SELECT 1 FROM {TABLE} WHERE zone <> $zone LIMIT 1",
                           {"zone": config.tz_name()}).height


def differences(store) -> int:
    """Cells where the table differs from counting the risks now, and rows counted in another
    zone: 0 when exact (the data check pipelines/sql/checks/risk_daily.sql)."""
    return store.query(sql.load("checks/risk_daily")).height
