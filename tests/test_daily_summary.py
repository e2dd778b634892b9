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
    """The table equals the straightforward count, and each actor's follow_ups and conversion
    frames equal follow_ups.sql's and follow_up_conversion.sql's (same rows, same order)."""
    assert daily_summary.differences(store) == 0
    for actor in actors:
        for quick_sql, plain_sql in (("follow_ups_daily", "follow_ups"),
                                     ("follow_up_conversion_daily", "follow_up_conversion")):
            quick = metrics.run(store, actor, quick_sql, ALL)
            plain = metrics.run(store, actor, plain_sql, ALL)
            assert quick.equals(plain), (actor.username, quick_sql, quick, plain)


def _converted(store) -> int:
    return store.scalar("SELECT coalesce(sum(converted), 0) FROM follow_up_daily")


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
    _exact(store, viewers)  # reassignment: c1's follow-ups stay rep1's (who made them), in team 1's figures
    assert metrics.follow_ups(store, manager2, ALL).height == 0
    assert metrics.follow_ups(store, org["manager1"], ALL)["follow_ups"].sum() == 3
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
    assert migrations.apply(store) == [6, 7, 8, 9, 10, 11]
    _exact(store, [org["admin"], rep1])
    assert store.scalar("SELECT count(*) FROM follow_up_daily") == 2


def test_migration_0008_counts_the_converted_follow_ups(store, org):
    admin, rep1 = org["admin"], org["rep1"]
    cid = customers.create(store, rep1, CustomerIn(name="杭州青禾科技有限公司", owner_id=rep1.id), at=AT - timedelta(days=30))
    follow_ups.add(store, rep1, _follow_up(cid, rep1))
    follow_ups.add(store, rep1, _follow_up(cid, rep1, occurred_at=AT - timedelta(days=20), channel="visit"))
    customers.change_stage(store, admin, cid, "needs_confirmed", override_reason="测试", at=AT + timedelta(days=1))

    undo_from(store, 8)  # follow_up_daily without `converted`
    assert migrations.apply(store) == [8, 9, 10, 11]
    _exact(store, [admin, rep1])
    assert _converted(store) == 1  # the one of the day before the change, not the one 21 days before


def test_a_forward_stage_change_converts_the_follow_ups_of_the_14_days_before_it(store, org):
    """METRICS.md's channel_conversion: converted when a forward change of the customer comes at or
    after the follow-up and at most 14×24 h later; a first stage and `lost` are not forward."""
    admin, rep1 = org["admin"], org["rep1"]
    viewers = [admin, org["manager1"], rep1]
    cid = customers.create(store, rep1, CustomerIn(name="杭州青禾科技有限公司", owner_id=rep1.id), at=AT - timedelta(days=60))
    change = AT + timedelta(days=14)
    for at in (AT - timedelta(seconds=1), AT, change - timedelta(hours=1), change, change + timedelta(seconds=1)):
        follow_ups.add(store, rep1, _follow_up(cid, rep1, occurred_at=at))
    _exact(store, viewers)
    assert _converted(store) == 0  # only the first stage so far
    customers.change_stage(store, admin, cid, "needs_confirmed", override_reason="测试", at=change)
    _exact(store, viewers)
    assert _converted(store) == 3  # exactly 14 days before, an hour before, and at the same time
    customers.change_stage(store, admin, cid, "lost", override_reason="测试", at=change + timedelta(days=1))
    _exact(store, viewers)  # into `lost`: not forward, nothing moves
    assert _converted(store) == 3
    # a follow-up saved with a forward stage (the log page): it converts itself and the ones before
    other = customers.create(store, rep1, CustomerIn(name="宁波海川贸易有限公司", owner_id=rep1.id), at=AT - timedelta(days=60))
    follow_ups.add(store, rep1, _follow_up(other, rep1, occurred_at=AT - timedelta(days=3)))
    follow_ups.add(store, rep1, _follow_up(other, rep1, stage_after="needs_confirmed"))
    _exact(store, viewers)
    assert _converted(store) == 5
    customers.delete(store, admin, other)  # and they stop counting with their customer
    _exact(store, viewers)
    assert _converted(store) == 3


def test_an_import_converts_its_own_and_stored_follow_ups(store, org, tmp_path):
    admin, rep1 = org["admin"], org["rep1"]
    stored = customers.create(store, rep1, CustomerIn(name="杭州青禾科技有限公司", owner_id=rep1.id),
                              at=datetime(2026, 2, 1, tzinfo=UTC))
    follow_ups.add(store, rep1, _follow_up(stored, rep1, occurred_at=datetime(2026, 3, 1, 2, tzinfo=UTC)))
    follow_ups.add(store, rep1, _follow_up(stored, rep1, occurred_at=datetime(2026, 2, 1, 2, tzinfo=UTC)))
    rows = [
        # the stored customer moves on 5 March: its stored follow-up of 1 March is converted
        ["杭州青禾科技有限公司", "2026-03-05 10:00", "电话", "rep1", "报价", "需求确认", "是", "30"],
        # a new customer: its first follow-up sets its first stage, the next one moves it 10 days later
        ["宁波海川贸易有限公司", "2026-03-01 10:00", "拜访", "rep1", "初次拜访", "", "是", "60"],
        ["宁波海川贸易有限公司", "2026-03-11 10:00", "电话", "rep1", "确认需求", "需求确认", "是", "20"],
        ["宁波海川贸易有限公司", "2026-03-30 10:00", "电话", "rep1", "回访", "", "是", "20"],
    ]
    path = write_csv(tmp_path / "f.csv", HEADER_ZH, rows)
    assert load_file(store, admin, path).rows_loaded == 4
    _exact(store, [admin, org["manager1"], rep1])
    # stored 1 March, the stored customer's own row (its change comes with it), new 1 and 11 March
    assert _converted(store) == 4
