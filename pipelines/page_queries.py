"""The queries each analytics page runs on first open with its default view, for `followup bench`
(INTERFACES.md: `queries` = {page: median_ms}). Keep in step with dashboard/pages/*.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pipelines import filters as filter_options
from pipelines import metrics, summary
from pipelines.access import Actor
from pipelines.codes import STAGES
from pipelines.filters import Filters
from pipelines.store import Store


def funnel(store: Store, actor: Actor, f: Filters, today: date) -> None:
    for fn in (metrics.funnel, metrics.cohort_funnel, metrics.win_rate, metrics.avg_days_in_stage,
               metrics.lost_by_stage):
        fn(store, actor, f)
    metrics.funnel_customers(store, actor, f, STAGES[0])


def trends(store: Store, actor: Actor, f: Filters, today: date) -> None:
    summary.daily_sources(store, actor, summary.headline_window(f, f.date_to or today))


def channels(store: Store, actor: Actor, f: Filters, today: date) -> None:
    metrics.channel_conversion(store, actor, f)
    metrics.channel_mix(store, actor, f)
    metrics.contract_precursors(store, actor, f)
    metrics.people(store, actor)


def team(store: Store, actor: Actor, f: Filters, today: date) -> None:
    summary.team_performance(store, actor, f, today)
    metrics.daily_effective_customers(store, actor, f)
    metrics.weekly_hours(store, actor, f)
    metrics.targets(store, actor, f)


def monthly(store: Store, actor: Actor, f: Filters, today: date) -> None:
    summary.monthly_summary(store, actor, f, f.date_from or today, today)


PAGES: dict[str, Callable[[Store, Actor, Filters, date], None]] = {
    "funnel": funnel, "trends": trends, "channels": channels, "team": team, "monthly": monthly}


def run_page(store: Store, actor: Actor, page: str, f: Filters, today: date) -> None:
    """Every query of one page's first open, including the filter bar's options."""
    filter_options.options(store, actor)
    PAGES[page](store, actor, f, today)
