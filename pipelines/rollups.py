"""Pure polars arithmetic on metric frames: roll day-level counts up to weeks, months, channels,
reps or teams; rates with their 95% Wilson interval; changes between periods.

No SQL and no I/O here: the counting itself is defined in pipelines/sql/metrics/*.sql.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from pipelines.periods import month_end

Z95 = 1.959963984540054  # two-sided 95% normal quantile
GRAINS = ("period", "day", "week", "month")
_TRUNCATE = {"week": "1w", "month": "1mo"}  # polars weeks start on Monday (ISO)


def rollup(frame: pl.DataFrame, values: list[str], grain: str = "period", by: str | None = None,
           people: pl.DataFrame | None = None) -> pl.DataFrame:
    """Sum `values` per time bucket (`bucket`, the first day of the week/month) and per `by`.

    `by` is a column of the frame (channel, rep_id, stage) or "team", which maps rep_id to
    the rep's team through `people` (rep_id, team); figures of people outside it go to None.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain {grain!r} not in {GRAINS}")
    keys: list[str] = []
    if grain != "period":
        day = pl.col("day")
        frame = frame.with_columns(bucket=day if grain == "day" else day.dt.truncate(_TRUNCATE[grain]))
        keys.append("bucket")
    if by == "team":
        if people is None:
            raise ValueError("rolling up by team needs people")
        frame = frame.join(people.select("rep_id", "team"), on="rep_id", how="left")
    if by:
        keys.append(by)
    if not keys:
        return frame.select([pl.col(v).sum() for v in values])
    return frame.group_by(keys).agg([pl.col(v).sum() for v in values]).sort(keys, nulls_last=True)


def every_bucket(frame: pl.DataFrame, values: list[str], grain: str, start: date | None, end: date | None,
                 by: str | None = None) -> pl.DataFrame:
    """A rollup (week or month) with every bucket from `start`'s to `end`'s, each value of `by`
    in each: a bucket with nothing counted is 0, not missing. A line drawn over a missing month
    read as a value between its neighbours (a team that signed nothing in July read ¥1.25M there).
    Without `start` or `end`, the frame's first or last bucket."""
    if frame.is_empty() or grain not in _TRUNCATE:
        return frame
    bounds = pl.DataFrame({"day": [start or frame["bucket"].min(), end or frame["bucket"].max()]},
                          schema={"day": frame.schema["bucket"]})
    first, last = bounds.select(pl.col("day").dt.truncate(_TRUNCATE[grain]))["day"].to_list()
    grid = pl.date_range(first, last, interval=_TRUNCATE[grain], eager=True).cast(frame.schema["bucket"])
    grid = grid.alias("bucket").to_frame()
    keys = ["bucket"]
    if by:
        grid = grid.join(frame.select(by).unique(), how="cross")
        keys.append(by)
    return (grid.join(frame, on=keys, how="left", nulls_equal=True)
            .with_columns(pl.col(v).fill_null(0) for v in values).sort(keys, nulls_last=True))


def partial_buckets(buckets: list[date], grain: str, start: date | None, end: date | None,
                    today: date) -> frozenset[date]:
    """The buckets (first days of weeks or months) only part of which the figures cover: cut by
    the period's first or last day, or not over yet. Today is not over: a week that ends today
    is still under way."""
    cut = set()
    for bucket in buckets:
        last = bucket + timedelta(days=6) if grain == "week" else month_end(bucket)
        if (start and bucket < start) or (end and last > end) or last >= today:
            cut.add(bucket)
    return frozenset(cut)


def safe_ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator, None where the denominator is 0 or missing."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def with_rate(frame: pl.DataFrame, k: str, n: str) -> pl.DataFrame:
    """Add `rate` = k / n and its 95% Wilson score interval `low`, `high` (None when n is 0)."""
    kk, nn = pl.col(k).cast(pl.Float64), pl.col(n).cast(pl.Float64)
    p = kk / nn
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
    half = Z95 * (p * (1 - p) / nn + z2 / (4 * nn * nn)).sqrt() / (1 + z2 / nn)
    valid = pl.col(n) > 0
    return frame.with_columns(
        rate=pl.when(valid).then(p).otherwise(None),
        low=pl.when(valid).then((centre - half).clip(0, 1)).otherwise(None),
        high=pl.when(valid).then((centre + half).clip(0, 1)).otherwise(None),
    )


def wilson(k: int, n: int) -> tuple[float, float] | None:
    """The 95% Wilson score interval of k successes out of n, as plain numbers."""
    if n <= 0:
        return None
    row = with_rate(pl.DataFrame({"k": [k], "n": [n]}), "k", "n").row(0, named=True)
    return row["low"], row["high"]


def change(this: float | None, last: float | None) -> float | None:
    """Month over month: (this − last) / last; None ("—") when last is 0 or unknown."""
    if this is None or not last:
        return None
    return (this - last) / last


def elapsed_share(start: date, end: date, today: date) -> float | None:
    """Share of the period [start, end) elapsed by the end of `today`; None before it starts."""
    total = (end - start).days
    elapsed = min(max((today - start).days + 1, 0), total)
    return elapsed / total if total > 0 and elapsed > 0 else None
