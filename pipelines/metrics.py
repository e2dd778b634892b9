"""The figures of ../shared/METRICS.md, each computed in DuckDB SQL (pipelines/sql/metrics/*.sql)
for an acting user and a filter, returned as polars frames.

Every metric file reads only the actor's `v_*` scope views and carries filter markers:
`{customer c}` (customer attributes of the row's customer, joined as `c`), `{customer_of col}` (the
same test on the customer id `col` of a `v_*` row, for files that need nothing else of the customer:
`true` without a customer-attribute filter, so they join the customers once, in the scope view),
`{customer_owner_of col}` (that, and the team and rep filters on the customer's owner),
`{person col}` (team and rep of the person the figure belongs to: a follow-up's rep, a contract's
rep, a customer's owner) and `{channel col}`. They become the shared `Filters` predicates here, so
the team and rep filters always mean the person the figure is credited to.

Count metrics come back per local day and rep (and channel) so pages roll them up to weeks,
months, channels, reps and teams with `pipelines.rollups` instead of scanning again:
follow_ups/effective_follow_ups/weekly hours ← follow_ups.sql; contracts_signed ← stage_entries.sql.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from typing import Any

import duckdb
import polars as pl

from pipelines import config, daily_summary, reads, risk_summary, rollups, sql, stage_summary
from pipelines.access import Actor
from pipelines.codes import CHANNELS, STAGES
from pipelines.filters import Filters
from pipelines.store import Store

_MARKER = re.compile(r"\{(customer_owner_of|work_customer_of|customer_of|customer|person|channel|day)"
                     r" ([A-Za-z_][A-Za-z0-9_.]*)\}")
DAY_US = 86_400_000_000
PRECURSOR_WINDOW_DAYS = 30  # "which channels precede a contract" looks this far back
CONVERSION_WINDOW_DAYS = 14  # channel_conversion: a forward stage change within 14×24 h (METRICS.md)


@cache
def fixed_utc_offset_us() -> int | None:
    """The local zone's UTC offset in microseconds when it has had no daylight saving since 1992
    (Asia/Shanghai: +8 h), else None."""
    zone = config.local_tz()
    offsets = {datetime(year, month, 15, tzinfo=zone).utcoffset() for year in range(1992, 2038) for month in (1, 7)}
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds()) * 1_000_000


def local_day_sql(column: str) -> str:
    """SQL for the local calendar day of a TIMESTAMPTZ column. With a fixed offset it is integer
    arithmetic (days since 1970-01-01, made a date by `run`): several times cheaper than the
    time-zone cast on a million rows; otherwise the session-time-zone cast."""
    offset = fixed_utc_offset_us()
    if offset is None:
        return f"{column}::DATE"
    return f"((epoch_us({column}) + {offset}) // {DAY_US})"


def _predicates(text: str, filters: Filters) -> tuple[str, dict[str, Any]]:
    """Replace the markers of a metric file with the filter's SQL predicates and local days."""
    params: dict[str, Any] = {}
    customer_only = replace(filters, team=())  # team applies to the credited person instead

    def predicate(match: re.Match) -> str:
        kind, column = match.groups()
        if kind == "day":
            return local_day_sql(column)
        if kind == "customer":
            text, extra = customer_only.customer_predicate(column)
        elif kind in ("customer_of", "customer_owner_of", "work_customer_of"):
            # A second join of the customers costs a 100,000-row hash table per query; only a
            # filter on them needs one, as a semi-join on the visible customers.
            parts = [customer_only.customer_predicate("c")]
            if kind == "customer_owner_of":
                parts += [filters.team_predicate("c.owner_id"), filters.rep_predicate("c.owner_id")]
            tests = [(test, more) for test, more in parts if test != "true"]
            extra = {k: v for _, more in tests for k, v in more.items()}
            where = " AND ".join(test for test, _ in tests)
            # a figure credited to a person (work_customer_of) counts their work on any customer
            view = "v_work_customers" if kind == "work_customer_of" else "v_customers"
            text = f"{column} IN (SELECT c.id FROM {view} c WHERE {where})" if tests else "true"
        elif kind == "person":
            team, p1 = filters.team_predicate(column)
            rep, p2 = filters.rep_predicate(column)
            text, extra = f"{team} AND {rep}", {**p1, **p2}
        else:
            text, extra = filters.channel_predicate(column)
        params.update(extra)
        return f"({text})"

    return _MARKER.sub(predicate, text), params


def run(store: Store, actor: Actor, name: str, filters: Filters, **params: Any) -> pl.DataFrame:
    """Run `pipelines/sql/metrics/<name>.sql` for `actor` under `filters`."""
    text, filter_params = _predicates(sql.load(f"metrics/{name}"), filters)
    merged = {**filters.period_params(), "stages": list(STAGES), **filter_params, **params}
    frame = store.query(*sql.scoped(actor, text, merged, inline=True))
    if "day" in frame.columns and frame.schema["day"].is_integer():
        frame = frame.with_columns(pl.col("day").cast(pl.Int32).cast(pl.Date))
    return frame


# -- labels ---------------------------------------------------------------------------------

def people(store: Store, actor: Actor) -> pl.DataFrame:
    """The accounts the actor may see: rep_id, username, display_name, role, active, team."""
    return run(store, actor, "people", Filters())


# -- counts per day (roll up with pipelines.rollups) --------------------------------------

# Filters on the customer's attributes: the daily summary tables cannot apply them.
CUSTOMER_ATTRIBUTES = ("industry", "size", "province", "customer_type", "stage")


def _summary_serves(store: Store, filters: Filters, summary) -> bool:
    """Can a daily summary table (daily_summary, stage_summary, risk_summary) give the figures under
    `filters`: no customer-attribute filter, and every row counted in the configured zone."""
    return not any(getattr(filters, k) for k in CUSTOMER_ATTRIBUTES) and summary.usable(store)


def follow_ups(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """follow_ups, effective_follow_ups and minutes per (day, rep_id, channel): from the daily
    summary kept on write when the filter allows it, else from every follow-up."""
    if _summary_serves(store, filters, daily_summary):
        return run(store, actor, "follow_ups_daily", filters)
    return run(store, actor, "follow_ups", filters)


def effective_follow_ups(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """effective_follow_ups per (day, rep_id, channel): the effective part of follow_ups.sql."""
    return follow_ups(store, actor, filters).select("day", "rep_id", "channel", "effective_follow_ups")


def new_customers(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """new_customers per (day, rep_id = owner)."""
    return stage_daily(store, actor, filters)[0]


def stage_entries(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """Stage changes into each stage per (day, rep_id = owner, stage)."""
    return stage_daily(store, actor, filters)[1]


def stage_daily(store: Store, actor: Actor, filters: Filters) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(new_customers, stage_entries): from the stage summary kept on write in one read when the
    filter allows it, else new_customers.sql and stage_entries.sql on every stage change."""
    if not _summary_serves(store, filters, stage_summary):
        return run(store, actor, "new_customers", filters), run(store, actor, "stage_entries", filters)
    cells = run(store, actor, "stage_daily", filters)
    new = (cells.filter(pl.col("new_customers") != 0).group_by("day", "rep_id")
           .agg(pl.col("new_customers").sum()).sort("day", "rep_id"))
    entries = cells.filter(pl.col("entries") != 0).select("day", "rep_id", "stage", "entries")
    return new, entries


def contracts_signed(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """contracts_signed per (day, rep_id = owner): entries into `contract_signed`."""
    entries = stage_entries(store, actor, filters)
    return (entries.filter(pl.col("stage") == "contract_signed")
            .select("day", "rep_id", pl.col("entries").alias("contracts_signed")))


def won_amount(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """contracts and won_amount per (signing day, rep_id of the contract)."""
    return run(store, actor, "won_amount", filters)


def weekly_hours(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """Weekly communication hours per (rep_id, ISO week starting Monday)."""
    return hours_from(follow_ups(store, actor, filters))


def hours_from(daily: pl.DataFrame) -> pl.DataFrame:
    """weekly_hours from follow_ups' frame."""
    return (rollups.rollup(daily, ["minutes"], "week", "rep_id")
            .select("rep_id", "bucket", (pl.col("minutes") / 60).alias("hours"))
            .rename({"bucket": "week"}))


def daily_effective_customers(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """Distinct customers with an effective follow-up per (rep_id, day)."""
    return run(store, actor, "daily_effective_customers", filters)


# -- the funnel ------------------------------------------------------------------------------
# Two queries read the stage changes for every funnel figure: funnel_period.sql (the period's
# changes per customer, scoped and filtered) and funnel_history.sql (the whole history of the same
# customers). Each figure is then its own .sql file run over those rows (`_over`), so the funnel
# page reads the stage changes twice instead of scanning them once per figure.


def funnel_period(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """Per customer with a stage change in the period: id, top, moved_at, signed, lost_from."""
    return run(store, actor, "funnel_period", filters)


def funnel_history(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """Per customer with a stage change in the period (funnel_period's): id, cohort, top_ever,
    stays (stage, days)."""
    return run(store, actor, "funnel_history", filters)


_private = threading.local()


def _over(names: tuple[str, ...], **frames: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Run each `pipelines/sql/metrics/<name>.sql` of `names` over frames already read for the
    acting user (each registered once under its keyword's name), in a private in-memory DuckDB of
    this thread: the rows are scoped and filtered, so no store and no scope CTEs are needed."""
    con = getattr(_private, "con", None)
    if con is None:
        con = _private.con = duckdb.connect(":memory:", config={"threads": 1})  # a few small frames
    for key, frame in frames.items():
        con.register(key, frame.to_arrow())
    try:
        out = {}
        for name in names:
            text = sql.load(f"metrics/{name}")
            out[name] = con.execute(text, {"stages": list(STAGES)} if "$stages" in text else None).pl()
        return out
    finally:
        for key in frames:
            con.unregister(key)


def funnel_from(period: pl.DataFrame) -> pl.DataFrame:
    """funnel[stage] and conversion to the next stage, from funnel_period."""
    return _over(("funnel",), period=period)["funnel"]


def win_rate_from(period: pl.DataFrame) -> pl.DataFrame:
    """contracts_signed, lost_customers, win_rate (None when both are 0), from funnel_period."""
    return _over(("win_rate",), period=period)["win_rate"]


def lost_by_stage_from(period: pl.DataFrame) -> pl.DataFrame:
    """from_stage, customers (distinct), forward order with NULL (lost at once) first."""
    return _over(("lost_by_stage",), period=period)["lost_by_stage"]


def funnel_customers_from(period: pl.DataFrame, names: pl.DataFrame, stage: str, limit: int) -> pl.DataFrame:
    """The first `limit` customers that reached `stage` or later, latest move first, from
    funnel_period and the names of (at least) those customers."""
    first = (period.filter(pl.col("top") >= STAGES.index(stage) + 1)
             .sort(["moved_at", "id"], descending=[True, False]).head(limit).select("id", "moved_at"))
    return (first.join(names, on="id", how="inner", maintain_order="left")
            .select("id", "name", "owner", "stage", "industry", "province", "moved_at"))


def funnel_customer_names(store: Store, actor: Actor, period: pl.DataFrame, limit: int) -> pl.DataFrame:
    """id, name, owner, stage, industry, province of the first `limit` customers behind each bar."""
    ids: set[int] = set()
    ordered = period.filter(pl.col("top").is_not_null()).sort(["moved_at", "id"], descending=[True, False])
    for pos in range(1, len(STAGES) + 1):
        ids.update(ordered.filter(pl.col("top") >= pos).head(limit)["id"].to_list())
    return store.query(*sql.scoped(actor, "metrics/funnel_customer_names", {"ids": sorted(ids)}))


def cohort_from(history: pl.DataFrame) -> pl.DataFrame:
    """stage, customers, cohort, share: how far the period's new contacts have come by now."""
    return _over(("cohort_funnel",), history=history)["cohort_funnel"]


def avg_days_from(history: pl.DataFrame) -> pl.DataFrame:
    """stage, customers, stays, avg_days over the stays of $stages left in the period."""
    return _over(("avg_days_in_stage",), history=history)["avg_days_in_stage"]


def _history_figures(store: Store, actor: Actor, filters: Filters) -> dict[str, pl.DataFrame]:
    """cohort_funnel and avg_days_in_stage, from funnel_history."""
    return _over(("cohort_funnel", "avg_days_in_stage"), history=funnel_history(store, actor, filters))


def funnel_view(store: Store, actor: Actor, filters: Filters, limit: int = 500) -> dict[str, pl.DataFrame]:
    """Everything the funnel page shows, from three queries of the store: funnel, cohort_funnel,
    win_rate, avg_days_in_stage, lost_by_stage, and `customers` with `names` for
    funnel_customers_from."""
    # The history and its figures (the larger part) on a read worker while this thread reads the
    # period, then the names on the other worker while this thread counts the period's figures.
    pending = [reads.submit(_history_figures, store, actor, filters)]
    try:
        period = funnel_period(store, actor, filters)
        pending.append(reads.submit(funnel_customer_names, store, actor, period, limit))
        figures = _over(("funnel", "win_rate", "lost_by_stage"), period=period)
        figures.update(pending[0].result())
        names = pending[1].result()
    finally:
        reads.cancel(pending)
    return {**figures, "customers": period.select("id", "top", "moved_at"), "names": names}


def funnel(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """Period funnel: stage, customers, next_customers, conversion_to_next (every stage but lost)."""
    return funnel_from(funnel_period(store, actor, filters))


def stage_conversion(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """funnel[next] / funnel[stage]: stage, next_stage, customers, next_customers, conversion."""
    f = funnel(store, actor, filters)
    return (f.with_columns(next_stage=pl.col("stage").shift(-1))
            .filter(pl.col("next_stage").is_not_null())
            .select("stage", "next_stage", "customers", "next_customers",
                    pl.col("conversion_to_next").alias("conversion")))


def cohort_funnel(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """stage, customers, cohort, share: how far the period's new contacts have come by now."""
    return cohort_from(funnel_history(store, actor, filters))


def avg_days_in_stage(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """stage, customers, stays, avg_days over stays left in the period."""
    return avg_days_from(funnel_history(store, actor, filters))


def lost_by_stage(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """from_stage, customers: the period's lost customers by the stage they left from."""
    return lost_by_stage_from(funnel_period(store, actor, filters))


def funnel_customers(store: Store, actor: Actor, filters: Filters, stage: str,
                     limit: int = 500) -> pl.DataFrame:
    """The customers behind one funnel bar (reached `stage` or later in the period)."""
    period = funnel_period(store, actor, filters)
    return funnel_customers_from(period, funnel_customer_names(store, actor, period, limit), stage, limit)


def win_rate(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """One row: contracts_signed, lost_customers, win_rate (None when both are 0)."""
    return win_rate_from(funnel_period(store, actor, filters))


# -- channels ----------------------------------------------------------------------------------

def follow_up_conversion(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """follow_ups and converted (forward change within 14 days) per (rep_id, channel): from the
    daily summary kept on write when the filter allows it, else from every follow-up."""
    if _summary_serves(store, filters, daily_summary):
        return run(store, actor, "follow_up_conversion_daily", filters)
    return run(store, actor, "follow_up_conversion", filters)


def channel_conversion(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """channel, follow_ups, converted, rate, low, high (95% Wilson), in CHANNELS order."""
    return channel_rates(follow_up_conversion(store, actor, filters))


def channel_rates(counts: pl.DataFrame) -> pl.DataFrame:
    """channel_conversion from follow_up_conversion's counts (rep_id, channel, follow_ups, converted)."""
    by_channel = rollups.rollup(counts, ["follow_ups", "converted"], "period", "channel")
    order = pl.DataFrame({"channel": list(CHANNELS), "_order": range(len(CHANNELS))})
    return (rollups.with_rate(by_channel, "converted", "follow_ups")
            .join(order, on="channel", how="left").sort("_order").drop("_order"))


def channel_mix(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """rep_id, channel, follow_ups, share of the rep's follow-ups."""
    daily = follow_ups(store, actor, filters)
    per = daily.group_by("rep_id", "channel").agg(pl.col("follow_ups").sum())
    return (per.with_columns(share=pl.col("follow_ups") / pl.col("follow_ups").sum().over("rep_id"))
            .sort("rep_id", "channel"))


def contract_precursors(store: Store, actor: Actor, filters: Filters,
                        window_days: int = PRECURSOR_WINDOW_DAYS) -> pl.DataFrame:
    """channel, contracts, follow_ups, share, signings: channels seen before the period's signings."""
    return run(store, actor, "contract_precursors", filters, window_days=window_days)


# -- targets, risks, satisfaction -------------------------------------------------------------

def targets(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """Per active rep: target_amount, target_effective_follow_ups, target_new_customers."""
    return run(store, actor, "targets", filters)


def target_attainment(store: Store, actor: Actor, filters: Filters, today: date,
                      won_daily: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per active rep: won_amount, target_amount, attainment and pacing for the filter's period, and
    the period's other two targets, target_effective_follow_ups and target_new_customers
    (`won_daily`: won_amount's frame for that period when the caller has it already)."""
    if won_daily is None:
        won_daily = won_amount(store, actor, filters)
    won = rollups.rollup(won_daily, ["won_amount"], "period", "rep_id")
    goal = targets(store, actor, filters).select("rep_id", "target_amount", "target_effective_follow_ups",
                                                  "target_new_customers")
    frame = goal.join(won, on="rep_id", how="left").with_columns(pl.col("won_amount").fill_null(0.0))
    start, end = filters.period_params()["period_start"], filters.period_params()["period_end"]
    elapsed = rollups.elapsed_share(start, end, today)
    return frame.with_columns(
        attainment=rollups.safe_ratio(pl.col("won_amount"), pl.col("target_amount")),
        pacing=(rollups.safe_ratio(pl.col("won_amount"), pl.col("target_amount")) / elapsed
                if elapsed else pl.lit(None, dtype=pl.Float64)),
    )


def risk_counts(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """level, rule, open_at_end, raised, closed (the risks table is kept by the risk engine): from the risk
    summary kept on write when the filter allows it, else from every risk."""
    if _summary_serves(store, filters, risk_summary):
        return run(store, actor, "risk_counts_daily", filters)
    return run(store, actor, "risk_counts", filters)


def satisfaction(store: Store, actor: Actor, filters: Filters) -> pl.DataFrame:
    """scale, surveys, avg_score, nps (nps only for the `nps` scale)."""
    return run(store, actor, "satisfaction", filters)
