"""The home page's figures: the day's due follow-ups, effective follow-ups today against the cap,
this week's communication hours against the reference, open risks; the company at a glance.

Everything is scoped to the acting user (a rep: own customers; a manager: the team's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from pipelines import settings, sql
from pipelines.access import Actor
from pipelines.config import local_tz
from pipelines.periods import month_start, next_month
from pipelines.store import Store


def today() -> date:
    return datetime.now(local_tz()).date()


# The home page lists this many due customers and open risks (its cards count them all): a
# whole company's lists are tens of thousands of rows, which no one reads on a home page and
# which made even a cached visit slow (the cache copies its results on every read).
SHOWN = 200


def started(store: Store, actor: Actor) -> bool:
    """Whether the actor sees any customer yet (started.sql)."""
    return bool(store.scalar(*sql.scoped(actor, "home/started", {})))


def due(store: Store, actor: Actor, on: date | None = None, limit: int | None = None) -> pl.DataFrame:
    """Customers due for a follow-up on `on` or earlier (METRICS.md "Due"), with `overdue`;
    the first `limit` (None: all), today's first, then the overdue ones from the most recently due,
    `due_total` and `overdue_total` counting all."""
    on = on or today()
    cadence = settings.get(store, "cadence_days") or {}
    df = store.query(*sql.scoped(actor, "home/due", {
        "today": on, "cad_stages": list(cadence), "cad_days": [int(v) for v in cadence.values()], "limit": limit}))
    return df.with_columns((pl.col("due_on") < on).alias("overdue"))


def next_date(store: Store, stage: str, after: date) -> date | None:
    """The default next follow-up date: `after` plus the stage's cadence (none for `lost`)."""
    days = (settings.get(store, "cadence_days") or {}).get(stage)
    return after + timedelta(days=int(days)) if days else None


def per_rep(store: Store, actor: Actor, on: date | None = None) -> pl.DataFrame:
    """Per account in scope: distinct effective customers on `on`, hours in its ISO week."""
    on = on or today()
    week_start = on - timedelta(days=on.weekday())
    return store.query(*sql.scoped(actor, "home/rep_day", {"today": on, "week_start": week_start}))


def open_risks(store: Store, actor: Actor, limit: int | None = None) -> pl.DataFrame:
    """Open red and yellow risks, red first, oldest first: the first `limit` (None: all), with
    `total` and `red_total` counting all."""
    first = store.query(*sql.scoped(actor, "home/open_risks", {"limit": limit}))
    ids = first.get_column("id").to_list()
    text = (sql.load("home/risk_details").replace("__IDS__", sql.id_list(ids))
            .replace("__LO__", sql.id_list(ids and [min(ids)])).replace("__HI__", sql.id_list(ids and [max(ids)])))
    details = store.query(*sql.scoped(actor, text, inline=True))
    return first.join(details, on="id", how="left", maintain_order="left").select(
        *details.columns, "total", "red_total")


def total(df: pl.DataFrame, column: str) -> int:
    """A whole-list count carried on every row of a limited list (0 when the list is empty)."""
    return int(df[column][0]) if df.height else 0


def company(store: Store, actor: Actor, on: date | None = None) -> pl.DataFrame:
    """This month's headline figures by team (leadership's glance)."""
    start = month_start(on or today())
    return store.query(*sql.scoped(actor, "home/company", {"month_start": start, "month_end": next_month(start)}))


@dataclass(frozen=True)
class Caps:
    daily_effective: int
    weekly_hours: float


def caps(store: Store) -> Caps:
    return Caps(int(settings.get(store, "daily_effective_cap") or 15),
                float(settings.get(store, "weekly_hours_cap") or 8))
