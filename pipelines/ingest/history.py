"""Imported stage history: a follow-up's stage that differs from the customer's stage at that
time becomes a stage change at that time, in one set-wise statement.

Imports never reject a row for its stage history (SPEC "Stage transition rules"): changes
are recorded as they happened, marked `imported`, and `rule_broken` when they pass an unmet
gate, skip a stage, or move backwards (leaving `lost` counts as moving backwards).
"""

from __future__ import annotations

import polars as pl

from pipelines import settings
from pipelines.codes import LOST, STAGE_RANK


def _rank(column: str) -> str:
    cases = " ".join(f"WHEN '{s}' THEN {r}" for s, r in STAGE_RANK.items())
    return f"(CASE {column} {cases} ELSE -1 END)"


def _broken(cur) -> tuple[str, dict]:
    """SQL predicate (over `c`: customer_id, from_stage, to_stage, changed_at) and its parameters."""
    f, t = _rank("c.from_stage"), _rank("c.to_stage")
    live = f"c.to_stage <> '{LOST}' AND coalesce(c.from_stage, '') <> '{LOST}'"
    parts = [f"(c.from_stage IS NOT NULL AND {live} AND {t} > {f} + 1)",  # skips a stage
             f"(c.from_stage IS NOT NULL AND c.to_stage <> '{LOST}'"
             f" AND (c.from_stage = '{LOST}' OR {t} < {f}))"]  # moves backwards
    params: dict = {}
    for i, rule in enumerate(settings.get_in(cur, "stage_rules") or []):
        if rule.get("to_stage") not in STAGE_RANK:
            continue
        params[f"ch{i}"], params[f"n{i}"] = rule["channel"], int(rule["min_count"])
        parts.append(
            f"({live} AND {f} < {STAGE_RANK[rule['to_stage']]} AND {t} >= {STAGE_RANK[rule['to_stage']]}"
            f" AND (SELECT count(*) FROM follow_ups g WHERE g.customer_id = c.customer_id"
            f" AND g.channel = $ch{i} AND g.deleted_at IS NULL AND g.occurred_at <= c.changed_at) < $n{i})")
    return " OR ".join(parts), params


def record(cur, actor_id: int | None, loaded: pl.DataFrame, run_id: int) -> tuple[int, int, list[int]]:
    """Insert the stage changes of the loaded follow-ups and set each customer's current stage.

    `loaded` holds customer_id, rep_id, channel, occurred_at, stage and `_created` (customer made
    by this import: its first follow-up sets its first stage, initial_contact when blank).
    Returns (changes, rule-breaking changes, customer ids whose stage history changed).
    """
    first = (loaded.filter(pl.col("_created")).sort("occurred_at", "_row").unique("customer_id", keep="first")
             .select("_row"))
    events = loaded.with_columns(
        pl.when(pl.col("_row").is_in(first.get_column("_row").implode()))
        .then(pl.col("stage").fill_null("initial_contact")).otherwise(pl.col("stage")).alias("stage"))
    events = events.filter(pl.col("stage").is_not_null()).select(
        "customer_id", "rep_id", "channel", "occurred_at", "stage", "_row")
    if events.height == 0:
        return 0, 0, []
    broken, params = _broken(cur)
    cur.register("imp_stage_events", events.to_arrow())
    try:
        made = cur.execute(f"""
            INSERT INTO stage_changes (customer_id, from_stage, to_stage, changed_at, changed_by,
                                       follow_up_id, imported, rule_broken)
            WITH ev AS (
                SELECT customer_id, changed_at AS ev_at, to_stage AS stage, 0 AS src, NULL::BIGINT AS rn,
                       NULL::BIGINT AS rep_id, NULL::VARCHAR AS channel
                FROM stage_changes
                WHERE deleted_at IS NULL AND customer_id IN (SELECT customer_id FROM imp_stage_events)
                UNION ALL
                SELECT customer_id, occurred_at, stage, 1, _row, rep_id, channel FROM imp_stage_events
            ), seq AS (
                SELECT *, lag(stage) OVER (PARTITION BY customer_id ORDER BY ev_at, src, rn) AS prev FROM ev
            ), c AS (
                SELECT s.customer_id, s.prev AS from_stage, s.stage AS to_stage, s.ev_at AS changed_at,
                       f.id AS follow_up_id
                FROM seq s LEFT JOIN follow_ups f
                  ON f.import_run_id = $run AND f.customer_id = s.customer_id AND f.rep_id = s.rep_id
                 AND f.channel = s.channel AND f.occurred_at = s.ev_at
                WHERE s.src = 1 AND s.prev IS DISTINCT FROM s.stage
            )
            SELECT c.customer_id, c.from_stage, c.to_stage, c.changed_at, $by, c.follow_up_id, true,
                   coalesce({broken}, false)
            FROM c RETURNING rule_broken""", {"run": run_id, "by": actor_id, **params}).fetchall()
    finally:
        cur.unregister("imp_stage_events")
    ids = events.get_column("customer_id").unique().to_list()
    _set_current(cur, ids)
    return len(made), sum(1 for (b,) in made if b), ids


def _set_current(cur, customer_ids: list[int]) -> None:
    """A customer's stage is the one its latest stage change entered (imports may be older)."""
    cur.execute("""
        UPDATE customers SET stage = l.to_stage, updated_at = current_timestamp
        FROM (SELECT customer_id, to_stage,
                     row_number() OVER (PARTITION BY customer_id ORDER BY changed_at DESC, id DESC) AS n
              FROM stage_changes WHERE deleted_at IS NULL AND customer_id IN (SELECT unnest($ids))) l
        WHERE customers.id = l.customer_id AND l.n = 1 AND customers.stage <> l.to_stage""",
                {"ids": customer_ids})
