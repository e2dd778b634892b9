"""follow_up_daily (pipelines/daily_summary.py) equals counting the follow-ups by METRICS.md's
definitions after every kind of write, on both backends; and the analytics frame read from it
equals the one read from every follow-up."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from pipelines import customers, daily_summary, follow_ups, metrics, migrations
from pipelines.filters import Filters
from pipelines.ingest import load_file
from pipelines.models import CustomerIn, FollowUpIn
from tests.helpers_ingest import HEADER_ZH, rows_zh, write_csv
from tests.helpers_migrations import undo_from

AT = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)  # 1 October 00:30 in Shanghai
ALL = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))


def _exact(store, actors=()) -> None:
    """The table equals the straightforward count, and each actor's follow_ups frame equals
    follow_ups.sql's (same rows, same order)."""
    assert daily_summary.differences(store) == 0
    for actor in actors:
        quick = metrics.run(store, actor, "follow_ups_daily", ALL)
        plain = metrics.run(store, actor, "follow_ups", ALL)
        assert quick.equals(plain), (actor.username, quick, plain)


def _follow_up(cid: int, rep, **changes) -> FollowUpIn:
    values = dict(customer_id=cid, rep_id=rep.id, occurred_at=AT, channel="phone", summary="电话沟通",
                  duration_minutes=20, effective=True)
    return FollowUpIn(**{**values, **changes})


def _two_customers(store, org) -> tuple[int, int, int, int]:
    """c1 (rep1, team 1) with a phone and an ineffective visit follow-up; c2 (rep2) with one."""
    rep1, rep2 = org["rep1"], org["rep2"]
    c1 = customers.create(store, rep1, CustomerIn(name="杭州青禾科技有限公司", owner_id=rep1.id))
    c2 = customers.create(store, rep2, CustomerIn(name="宁波海川贸易有限公司", owner_id=rep2.id))
    f1 = follow_ups.add(store, rep1, _follow_up(c1, rep1))
    f2 = follow_ups.add(store, rep1, _follow_up(c1, rep1, channel="visit", effective=False))
    follow_ups.add(store, rep2, _follow_up(c2, rep2, duration_minutes=45))
    return c1, c2, f1, f2


def test_follow_up_insert_edit_delete_restore_keep_the_summary_exact(store, org):
    rep1 = org["rep1"]
    viewers = [org["manager1"], rep1]
    c1, _, f1, f2 = _two_customers(store, org)
    _exact(store, viewers)  # insert
    assert store.scalar("SELECT sum(follow_ups) FROM follow_up_daily WHERE day = DATE '2026-10-01'") == 3
    follow_ups.update(store, rep1, f2, _follow_up(c1, rep1, occurred_at=AT - timedelta(hours=1), channel="wechat",
                                                  effective=True, duration_minutes=5))
    _exact(store, viewers)  # edit: local day (back to 30 September), channel, effective, duration
    assert store.scalar("SELECT sum(effective_follow_ups) FROM follow_up_daily WHERE day = DATE '2026-09-30'") == 1
    follow_ups.delete(store, rep1, f1)
    _exact(store, viewers)  # delete
    follow_ups.restore(store, rep1, f1)
    _exact(store, viewers)  # restore
    assert store.scalar("SELECT count(*) FROM follow_up_daily WHERE follow_ups < 0") > 0  # signed rows


def test_customer_reassign_delete_restore_and_merge_keep_the_summary_exact(store, org):
    admin, manager2 = org["admin"], org["manager2"]
    viewers = [admin, org["manager1"], manager2]
    c1, _, _, _ = _two_customers(store, org)
    customers.reassign(store, admin, c1, org["rep3"].id)
    _exact(store, viewers)  # reassignment: rep3's team now sees c1's follow-ups, team 1 no longer
    assert metrics.follow_ups(store, manager2, ALL)["follow_ups"].sum() == 2
    customers.delete(store, admin, c1)
    _exact(store, viewers)  # customer delete
    assert metrics.follow_ups(store, admin, ALL)["follow_ups"].sum() == 1
    customers.restore(store, admin, c1)
    _exact(store, viewers)  # customer restore
    cells = store.scalar("SELECT count(*) FROM (SELECT DISTINCT zone, day, owner_id, rep_id, channel"
                         " FROM follow_up_daily)")
    store.write(daily_summary.merge)
    _exact(store, viewers)  # merge folds each cell into one row and drops the ones that cancel out
    assert store.scalar("SELECT count(*) FROM follow_up_daily") <= cells
    assert store.scalar("SELECT count(*) FROM follow_up_daily WHERE follow_ups <= 0") == 0


def test_import_and_rebuild_keep_the_summary_exact(store, org, tmp_path):
    path = write_csv(tmp_path / "f.csv", HEADER_ZH, rows_zh(6))
    assert load_file(store, org["admin"], path).rows_loaded == 6
    _exact(store, [org["admin"], org["manager1"], org["rep1"]])
    assert store.scalar("SELECT sum(follow_ups) FROM follow_up_daily") == 6
    assert load_file(store, org["admin"], path).rows_loaded == 0  # all duplicates: nothing added
    _exact(store)
    store.write(daily_summary.rebuild)
    _exact(store)
    assert store.scalar("SELECT sum(minutes) FROM follow_up_daily") == 180


def test_the_summary_is_used_only_where_it_holds(store, org, monkeypatch):
    rep1 = org["rep1"]
    cid = customers.create(store, rep1, CustomerIn(name="杭州青禾科技有限公司", owner_id=rep1.id, industry="C"))
    follow_ups.add(store, rep1, _follow_up(cid, rep1))
    used = []
    real = metrics.run
    monkeypatch.setattr(metrics, "run", lambda s, a, name, f, **p: used.append(name) or real(s, a, name, f, **p))
    metrics.follow_ups(store, rep1, ALL)
    metrics.follow_ups(store, rep1, Filters(industry=("C",)))  # a customer attribute: raw rows
    assert used == ["follow_ups_daily", "follow_ups"]
    # rows counted in another time zone: every figure comes from follow_ups until a rebuild
    monkeypatch.setenv("FOLLOWUP_TZ", "Europe/Berlin")
    assert not daily_summary.usable(store)
    metrics.follow_ups(store, rep1, ALL)
    assert used[-1] == "follow_ups"
    store.write(daily_summary.rebuild)
    assert daily_summary.usable(store)


def test_concurrent_saves_on_the_same_cell_lose_nothing(store, org):
    rep1 = org["rep1"]
    # one customer per writer (same owner, rep, channel and day: the same summary cell)
    cids = [customers.create(store, rep1, CustomerIn(name=f"杭州青禾科技{i}号有限公司", owner_id=rep1.id))
            for i in range(3)]
    errors: list[Exception] = []

    def save(cid: int):
        try:
            for _ in range(2):
                follow_ups.add(store, rep1, _follow_up(cid, rep1))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(cid,)) for cid in cids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.scalar("SELECT sum(follow_ups) FROM follow_up_daily") == 6
    _exact(store)


def test_migration_backfills_existing_follow_ups(store, org):
    rep1 = org["rep1"]
    cid = customers.create(store, rep1, CustomerIn(name="杭州青禾科技有限公司", owner_id=rep1.id))
    follow_ups.add(store, rep1, _follow_up(cid, rep1))
    follow_ups.add(store, rep1, _follow_up(cid, rep1, channel="visit", effective=False))

    # the database as it was before 0006 (and 0007, which comes after it)
    undo_from(store, 6)
    assert migrations.apply(store) == [6, 7]
    _exact(store, [org["admin"], rep1])
    assert store.scalar("SELECT count(*) FROM follow_up_daily") == 2
