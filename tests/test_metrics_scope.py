"""Every metric function sees only what the actor may see: a rep their own customers, a manager
the team's; a figure credited to a person (follow-ups, contracts) counts that person's work on any
customer (data set: tests/helpers_analytics.py; rep2 owns C3 and the deleted C6, rep3 owns C4)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines import metrics, summary
from pipelines.filters import Filters
from tests.helpers_analytics import seeded_store

SEPT = Filters(date_from=date(2026, 9, 1), date_to=date(2026, 9, 30))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    yield from seeded_store(tmp_path_factory)


def figures(store, actor) -> dict:
    """A few figures of every metric function for `actor` in September."""
    ch = metrics.channel_conversion(store, actor, SEPT)
    return {
        "people": sorted(metrics.people(store, actor)["username"].to_list()),
        "follow_ups": metrics.follow_ups(store, actor, SEPT)["follow_ups"].sum(),
        "effective": metrics.effective_follow_ups(store, actor, SEPT)["effective_follow_ups"].sum(),
        "new_customers": metrics.new_customers(store, actor, SEPT)["new_customers"].sum(),
        "stage_entries": metrics.stage_entries(store, actor, SEPT)["entries"].sum(),
        "contracts_signed": metrics.contracts_signed(store, actor, SEPT)["contracts_signed"].sum(),
        "won_amount": metrics.won_amount(store, actor, SEPT)["won_amount"].sum(),
        "weekly_hours": metrics.weekly_hours(store, actor, SEPT)["hours"].sum(),
        "daily_effective": metrics.daily_effective_customers(store, actor, SEPT)["customers"].sum(),
        "funnel": metrics.funnel(store, actor, SEPT)["customers"].to_list(),
        "stage_conversion": metrics.stage_conversion(store, actor, SEPT).height,
        "cohort": metrics.cohort_funnel(store, actor, SEPT)["customers"].to_list(),
        "avg_days": metrics.avg_days_in_stage(store, actor, SEPT)["stays"].sum(),
        "lost": metrics.lost_by_stage(store, actor, SEPT)["customers"].sum(),
        "funnel_customers": metrics.funnel_customers(store, actor, SEPT, "initial_contact")["id"].sort().to_list(),
        "win_rate": metrics.win_rate(store, actor, SEPT)["win_rate"][0],
        "conversion": dict(zip(ch["channel"].to_list(), ch["follow_ups"].to_list())),
        "channel_mix": metrics.channel_mix(store, actor, SEPT)["follow_ups"].sum(),
        "precursors": metrics.contract_precursors(store, actor, SEPT).height,
        "targets": metrics.targets(store, actor, SEPT)["target_amount"].sum(),
        "attainment": metrics.target_attainment(store, actor, SEPT, date(2026, 9, 15)).height,
        "risks": metrics.risk_counts(store, actor, SEPT)["open_at_end"].sum(),
        "satisfaction": metrics.satisfaction(store, actor, SEPT)["surveys"].sum(),
        "team": summary.team_performance(store, actor, SEPT, date(2026, 9, 15))["username"].to_list(),
    }


def test_rep_sees_only_own_customers_in_every_metric(data):
    store, org = data
    got = figures(store, org["rep2"])
    assert got == {
        "people": ["rep2"], "follow_ups": 1, "effective": 1, "new_customers": 1, "stage_entries": 3,
        "contracts_signed": 0, "won_amount": 50_000.5, "weekly_hours": 0.25, "daily_effective": 1,
        "funnel": [1, 1, 0, 0, 0, 0], "stage_conversion": 5, "cohort": [1, 1, 0, 0, 0, 0], "avg_days": 2,
        "lost": 1, "funnel_customers": [3], "win_rate": 0.0, "conversion": {"phone": 1}, "channel_mix": 1,
        "precursors": 0, "targets": 100_000, "attainment": 1, "risks": 1, "satisfaction": 1,
        "team": ["rep2"],
    }


def test_a_contract_counts_for_the_rep_who_signed_it_whoever_owns_the_customer(data):
    """METRICS.md: a contract belongs to the rep recorded on it. K2 was signed by rep2 on rep1's
    customer C7: it is rep2's, in rep2's own view as in the leader's with rep2 chosen (it counted
    for rep1, so a rep's own figures and the leader's for that rep differed)."""
    store, org = data
    mine = metrics.won_amount(store, org["rep2"], SEPT)["won_amount"].sum()
    chosen = Filters(date_from=SEPT.date_from, date_to=SEPT.date_to, rep=("rep2",))
    assert mine == pytest.approx(50_000.50) == metrics.won_amount(store, org["leader"], chosen)["won_amount"].sum()
    assert metrics.won_amount(store, org["rep1"], SEPT)["won_amount"].sum() == pytest.approx(100_000)
    # the contract itself stays with the customer's records: rep2 does not see it listed
    from pipelines import customer_views

    assert customer_views.detail(store, org["rep2"], 7) is None
    assert customer_views.detail(store, org["rep1"], 7).contracts.height == 3  # C7's owner lists them all (K2 too)


def test_a_reps_own_figures_are_the_leaders_with_that_rep_chosen(data):
    """Whoever looks, the same person's figures for the same month are the same."""
    store, org = data
    for rep in ("rep1", "rep2", "rep3"):
        chosen = Filters(date_from=SEPT.date_from, date_to=SEPT.date_to, rep=(rep,))
        for figure in (metrics.follow_ups, metrics.won_amount, metrics.daily_effective_customers,
                       metrics.weekly_hours):
            own, leader = figure(store, org[rep], SEPT), figure(store, org["leader"], chosen)
            assert own.sort(own.columns).equals(leader.sort(leader.columns)), (rep, figure.__name__)
        own = metrics.channel_conversion(store, org[rep], SEPT)
        assert own.equals(metrics.channel_conversion(store, org["leader"], chosen)), rep


def test_manager_sees_own_team_only(data):
    store, org = data
    got = figures(store, org["manager2"])
    assert got["people"] == ["manager2", "rep3"]
    assert got["follow_ups"] == 1  # F7 on C4
    assert got["funnel"] == [1, 1, 0, 0, 0, 0]
    assert got["team"] == ["rep3"]
    team1 = figures(store, org["manager1"])
    assert team1["follow_ups"] == 8 and team1["team"] == ["rep1", "rep2"]


def test_leader_and_admin_see_everything(data):
    store, org = data
    leader, admin = figures(store, org["leader"]), figures(store, org["admin"])
    assert leader == admin
    assert leader["follow_ups"] == 9 and leader["team"] == ["rep1", "rep2", "rep3"]


def test_rep_filter_cannot_widen_scope(data):
    store, org = data
    peek = Filters(date_from=date(2026, 9, 1), date_to=date(2026, 9, 30), rep=("rep1",))
    assert metrics.follow_ups(store, org["rep2"], peek).height == 0
    assert metrics.funnel(store, org["rep2"], peek)["customers"].sum() == 0
    assert metrics.targets(store, org["rep2"], peek).filter(pl.col("target_amount") > 0).height == 0
