"""The funnel and team pages' views read their queries side by side on the read workers
(pipelines.reads): on both backends, for every role and several filters, each view holds the same
frames as its figures read one at a time (data set: tests/helpers_analytics.py)."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from pipelines import metrics, reads, summary
from pipelines.filters import Filters
from tests.conftest import BACKENDS, copy_of_world
from tests.helpers_analytics import seed

SEPT = Filters(date_from=date(2026, 9, 1), date_to=date(2026, 9, 30))
CASES = [SEPT, Filters(), Filters(date_from=date(2026, 9, 1), date_to=date(2026, 9, 30), team=("一组",)),
         Filters(date_from=date(2026, 8, 1), date_to=date(2026, 9, 30), size=("large",)),
         Filters(industry=("C",), rep=("rep1",))]
ROLES = ("rep1", "manager1", "admin")
FUNNEL = ("funnel", "cohort_funnel", "win_rate", "avg_days_in_stage", "lost_by_stage")


@pytest.fixture(params=BACKENDS)
def world(request, tmp_path_factory):
    return copy_of_world(request, tmp_path_factory, "analytics", seed)


def test_funnel_view_equals_each_figure_read_alone(world):
    store, org, _ = world
    for role in ROLES:
        for filters in CASES:
            view = metrics.funnel_view(store, org[role], filters)
            for name in FUNNEL:
                assert view[name].equals(getattr(metrics, name)(store, org[role], filters)), (role, filters, name)
            # funnel_history.sql finds the period's customers itself: the same ones as funnel_period.sql
            period = metrics.funnel_period(store, org[role], filters)
            history = metrics.funnel_history(store, org[role], filters)
            assert sorted(history["id"].to_list()) == sorted(period["id"].to_list()), (role, filters)
            assert view["customers"].sort("id").equals(period.select("id", "top", "moved_at").sort("id"))


def test_team_view_equals_the_team_figures_read_alone(world):
    store, org, _ = world
    today = date(2026, 9, 15)
    for role in ("manager1", "manager2", "admin"):
        for filters in CASES:
            view = summary.team_view(store, org[role], filters, today)
            assert view["team"].equals(summary.team_performance(store, org[role], filters, today)), (role, filters)
            assert view["daily"].equals(metrics.daily_effective_customers(store, org[role], filters))
            assert view["weekly"].equals(metrics.weekly_hours(store, org[role], filters))


def test_a_read_worker_runs_its_own_submissions_at_once():
    """A job that submitted to the two workers and waited would block them for ever once both wait."""
    def outer():
        inner = reads.submit(threading.current_thread)
        return threading.current_thread(), inner.result(timeout=5)

    worker, ran_on = reads.submit(outer).result(timeout=10)
    assert ran_on is worker and worker is not threading.current_thread()


def test_a_failed_read_reaches_the_caller():
    def fails():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        reads.submit(fails).result(timeout=10)
    with pytest.raises(ValueError, match="boom"):
        reads.submit(lambda: reads.submit(fails).result()).result(timeout=10)
