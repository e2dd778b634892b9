"""Never stale after a write: a saved follow-up shows at once in every figure it belongs to,
read through the dashboard's own cache (keyed on the data version every write advances)."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from pipelines import customers, follow_ups, home, metrics
from pipelines.access import Actor
from pipelines.config import local_tz
from pipelines.explorer import count
from pipelines.filters import Filters
from pipelines.models import CustomerIn, FollowUpIn


@pytest.fixture
def app_store(tmp_path, monkeypatch):
    from dashboard import data
    from pipelines.store import forget, open_store
    from tests.conftest import Org

    path = str(tmp_path / "fresh.duckdb")
    monkeypatch.setenv("FOLLOWUP_DB", path)
    data._store.clear()
    data._cached.clear()
    store = open_store(path)
    yield store, Org(store)
    data._store.clear()
    forget(path)


def _total(frame: pl.DataFrame, column: str) -> float:
    return float(frame[column].sum()) if frame.height else 0.0


def test_a_saved_follow_up_shows_in_every_aggregate_at_once(app_store):
    from dashboard import data

    store, org = app_store
    rep: Actor = org["rep1"]
    now = datetime.now(local_tz()).replace(microsecond=0)
    today = now.date()
    cid = customers.create(store, rep, CustomerIn(name="杭州青禾科技有限公司", owner_id=rep.id),
                           at=now - timedelta(days=3))
    period = Filters(date_from=today - timedelta(days=today.weekday()), date_to=today)

    def figures() -> dict[str, float]:
        def cached(fn, *args):  # the dashboard's cache path, as a page calls it
            return data._cached(fn.__name__, fn.__module__, rep, args, (), store.data_version)

        return {
            "follow_ups": _total(cached(metrics.follow_ups, period), "follow_ups"),
            "effective": _total(cached(metrics.follow_ups, period), "effective_follow_ups"),
            "weekly_hours": _total(cached(metrics.weekly_hours, period), "hours"),
            "daily_effective_customers": _total(cached(metrics.daily_effective_customers, period), "customers"),
            "home_today": _total(cached(home.per_rep, today), "effective_customers"),
            "records": float(cached(count, period)),
            "funnel_needs_confirmed": _total(
                cached(metrics.funnel, period).filter(pl.col("stage") == "needs_confirmed"), "customers"),
        }

    before = figures()
    assert figures() == before  # served from the cache
    follow_ups.add(store, rep, FollowUpIn(customer_id=cid, rep_id=rep.id, occurred_at=now - timedelta(minutes=1),
                                          channel="visit", summary="上门拜访,确认需求", duration_minutes=60,
                                          effective=True, stage_after="needs_confirmed"))
    after = figures()
    assert after["follow_ups"] == before["follow_ups"] + 1
    assert after["effective"] == before["effective"] + 1
    assert after["weekly_hours"] == pytest.approx(before["weekly_hours"] + 1)
    assert after["daily_effective_customers"] == before["daily_effective_customers"] + 1
    assert after["home_today"] == before["home_today"] + 1
    assert after["records"] == before["records"] + 1
    assert after["funnel_needs_confirmed"] == before["funnel_needs_confirmed"] + 1


def test_two_databases_opened_in_turn_never_share_cached_figures(tmp_path, monkeypatch):
    """A database opened after another (a restored file; page tests switching databases) starts
    its data version again: the dashboard's cache must not hand it the other one's figures."""
    from dashboard import data
    from pipelines import accounts
    from pipelines.store import forget, open_store
    from tests.conftest import Org

    data._store.clear()
    data._cached.clear()
    seen, versions = [], []
    for name, extra in (("a", 0), ("b", 2)):
        path = str(tmp_path / f"{name}.duckdb")
        monkeypatch.setenv("FOLLOWUP_DB", path)
        data._store.clear()
        store = open_store(path)
        org = Org(store)  # written through a cursor: no write bumps either database's version
        for i in range(extra):
            store.cursor().execute("INSERT INTO users (username, display_name, role) VALUES ($u, $u, 'rep')",
                                   {"u": f"extra{i}"})
        versions.append(store.data_version)
        monkeypatch.setattr(data, "actor", lambda org=org: org["admin"])
        seen.append(data.cached(accounts.list_users).height)
        data._store.clear()
        forget(path)
    assert versions[0] == versions[1]  # what the cache would have keyed on alone
    assert seen == [7, 9]
