"""stage_daily (pipelines/stage_summary.py) equals counting the stage changes by METRICS.md's
definitions (new_customers, stage entries) after every kind of write, on both backends; and the
frames read from it equal new_customers.sql's and stage_entries.sql's for each role."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pipelines import customers, follow_ups, metrics, migrations, stage_summary
from pipelines.filters import Filters
from pipelines.ingest import load_file
from pipelines.models import CustomerIn, FollowUpIn
from tests.helpers_ingest import HEADER_ZH, rows_zh, write_csv
from tests.helpers_migrations import undo_from

AT = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)  # 1 October 00:30 in Shanghai
ALL = Filters(date_from=date(2025, 1, 1), date_to=date(2027, 12, 31))


def _exact(store, actors=()) -> None:
    """The table equals the straightforward count, and each actor's frames equal the raw SQL's
    (same rows, same order, same types)."""
    assert stage_summary.differences(store) == 0
    for actor in actors:
        new, entries = metrics.stage_daily(store, actor, ALL)
        assert new.equals(metrics.run(store, actor, "new_customers", ALL)), (actor.username, new)
        assert entries.equals(metrics.run(store, actor, "stage_entries", ALL)), (actor.username, entries)


def _customer(store, rep, name: str, at: datetime = AT) -> int:
    return customers.create(store, rep, CustomerIn(name=name, owner_id=rep.id), at=at)


def test_new_customers_stage_changes_and_a_back_dated_first_keep_the_summary_exact(store, org):
    rep1, admin = org["rep1"], org["admin"]
    viewers = [admin, org["manager1"], org["manager2"], rep1, org["rep2"]]
    c1 = _customer(store, rep1, "杭州青禾科技有限公司")
    _customer(store, org["rep2"], "宁波海川贸易有限公司", at=AT - timedelta(days=40))
    _exact(store, viewers)  # customers created: their first stage change
    assert store.scalar("SELECT sum(new_customers) FROM stage_daily WHERE day = DATE '2026-10-01'") == 1
    customers.change_stage(store, admin, c1, "needs_confirmed", override_reason="测试", at=AT + timedelta(days=2))
    follow_ups.add(store, admin, FollowUpIn(customer_id=c1, rep_id=rep1.id, occurred_at=AT + timedelta(days=3),
                                            channel="visit", summary="拜访", duration_minutes=30, effective=True,
                                            stage_after="proposal"), override_reason="测试")
    _exact(store, viewers)  # stage changes: by hand and with a follow-up
    # a change recorded before the customer's first one: the customer becomes new a month earlier
    customers.change_stage(store, admin, c1, "negotiation", override_reason="补录", at=AT - timedelta(days=31))
    _exact(store, viewers)
    assert store.scalar("SELECT sum(new_customers) FROM stage_daily WHERE day = DATE '2026-10-01'") == 0
    assert store.scalar("SELECT sum(new_customers) FROM stage_daily WHERE day = DATE '2026-08-31'") == 1
    assert store.scalar("SELECT sum(entries) FROM stage_daily") == 5
    assert store.scalar("SELECT count(*) FROM stage_daily WHERE entries < 0 OR new_customers < 0") > 0  # signed


def test_customer_reassign_delete_restore_and_merge_keep_the_summary_exact(store, org):
    admin, manager2 = org["admin"], org["manager2"]
    viewers = [admin, org["manager1"], manager2, org["rep1"], org["rep3"]]
    c1 = _customer(store, org["rep1"], "杭州青禾科技有限公司")
    customers.change_stage(store, admin, c1, "needs_confirmed", override_reason="测试", at=AT + timedelta(days=1))
    _customer(store, org["rep2"], "宁波海川贸易有限公司")
    customers.reassign(store, admin, c1, org["rep3"].id)
    _exact(store, viewers)  # reassignment: team 2 now sees c1's stage changes, team 1 no longer
    assert metrics.stage_entries(store, manager2, ALL)["entries"].sum() == 2
    assert metrics.new_customers(store, manager2, ALL)["new_customers"].sum() == 1
    customers.delete(store, admin, c1)
    _exact(store, viewers)  # customer delete
    assert metrics.new_customers(store, admin, ALL)["new_customers"].sum() == 1
    customers.restore(store, admin, c1)
    _exact(store, viewers)  # customer restore
    rows = store.scalar("SELECT count(*) FROM stage_daily")
    store.write(stage_summary.merge)
    _exact(store, viewers)  # merge folds each cell into one row and drops the ones that cancel out
    assert store.scalar("SELECT count(*) FROM stage_daily") < rows


def test_imports_and_rebuild_keep_the_summary_exact(store, org, tmp_path):
    viewers = [org["admin"], org["manager1"], org["rep1"]]
    path = write_csv(tmp_path / "f.csv", HEADER_ZH, rows_zh(4))
    assert load_file(store, org["admin"], path).rows_loaded == 4  # new customers with their stages
    _exact(store, viewers)
    assert store.scalar("SELECT sum(new_customers) FROM stage_daily") == 4
    # older history of the same customers: an earlier first stage change for each
    older = [[r[0], r[1].replace("2026-03", "2026-01"), r[2], r[3], r[4], "初步接触", r[6], r[7]]
             for r in rows_zh(4)]
    assert load_file(store, org["admin"], write_csv(tmp_path / "g.csv", HEADER_ZH, older)).rows_loaded == 4
    _exact(store, viewers)
    assert store.scalar("SELECT sum(new_customers) FROM stage_daily WHERE day < DATE '2026-02-01'") == 4
    store.write(stage_summary.rebuild)
    _exact(store, viewers)
    assert store.scalar("SELECT sum(new_customers) FROM stage_daily") == 4


def test_the_summary_is_used_only_where_it_holds(store, org, monkeypatch):
    rep1 = org["rep1"]
    customers.create(store, rep1, CustomerIn(name="杭州青禾科技有限公司", owner_id=rep1.id, industry="C"),
                     at=AT)
    used = []
    real = metrics.run
    monkeypatch.setattr(metrics, "run", lambda s, a, name, f, **p: used.append(name) or real(s, a, name, f, **p))
    metrics.stage_daily(store, rep1, ALL)
    metrics.stage_daily(store, rep1, Filters(industry=("C",)))  # a customer attribute: raw rows
    assert used == ["stage_daily", "new_customers", "stage_entries"]
    monkeypatch.setenv("FOLLOWUP_TZ", "Europe/Berlin")  # rows counted in another zone: raw rows
    assert not stage_summary.usable(store)
    metrics.stage_daily(store, rep1, ALL)
    assert used[-1] == "stage_entries"
    store.write(stage_summary.rebuild)
    assert stage_summary.usable(store)


def test_migration_backfills_existing_stage_changes(store, org):
    admin, rep1 = org["admin"], org["rep1"]
    c1 = _customer(store, rep1, "杭州青禾科技有限公司")
    customers.change_stage(store, admin, c1, "needs_confirmed", override_reason="测试", at=AT - timedelta(days=3))
    _customer(store, org["rep3"], "宁波海川贸易有限公司")

    # the database as it was before 0007
    undo_from(store, 7)
    assert migrations.apply(store) == [7, 8, 9, 10, 11]
    _exact(store, [admin, rep1, org["manager2"]])
    assert store.scalar("SELECT sum(entries) FROM stage_daily") == 3


def test_merging_folds_each_tables_cells_and_keeps_every_figure(store, org):
    """The merge shared by the three daily tables (pipelines/signed_rows.py) leaves one row per
    cell, drops cells that cancel out, and changes no figure."""
    from pipelines import daily_summary, risk_summary

    rep1, admin = org["rep1"], org["admin"]
    c1 = _customer(store, rep1, "杭州青禾科技有限公司", at=AT - timedelta(days=60))
    for day in (1, 2):
        follow_ups.add(store, admin, FollowUpIn(customer_id=c1, rep_id=rep1.id, occurred_at=AT - timedelta(days=day),
                                                channel="phone", summary="电话", duration_minutes=10, effective=True,
                                                stage_after="needs_confirmed" if day == 1 else None),
                       override_reason="测试")
    customers.reassign(store, admin, c1, org["rep2"].id)  # takes away and adds back: rows that cancel
    for summary in (daily_summary, stage_summary, risk_summary):
        table, keys = summary.SIGNED.table, ", ".join(summary.SIGNED.keys)
        sums = ", ".join(f"sum({m})" for m in summary.SIGNED.measures)
        before = store.query(f"SELECT {keys}, {sums} FROM {table} GROUP BY ALL HAVING {sums.replace(', ', ' <> 0 OR ')} <> 0"
                             f" ORDER BY ALL")
        assert store.scalar(f"SELECT count(*) FROM (SELECT {keys} FROM {table} GROUP BY ALL HAVING count(*) > 1)") > 0
        store.write(summary.merge)
        assert store.scalar(f"SELECT count(*) FROM (SELECT {keys} FROM {table} GROUP BY ALL HAVING count(*) > 1)") == 0
        assert store.query(f"SELECT {keys}, {sums} FROM {table} GROUP BY ALL ORDER BY ALL").equals(before), table
        assert summary.differences(store) == 0, table


def test_an_import_counts_its_new_customers_changes_at_one_time_in_file_order(store, org, tmp_path):
    """Customers an import creates are counted from the import's own frame: two stage changes at
    the same time rank by id, in file order, so the first stage entered is the earlier row's."""
    viewers = [org["admin"], org["manager1"], org["rep1"]]
    rows = [["甲方科技有限公司", "2026-03-01 10:00", "电话", "rep1", "初次沟通", "initial_contact", "是", "30"],
            ["甲方科技有限公司", "2026-03-01 10:00", "邮件", "rep1", "确认需求", "needs_confirmed", "是", "10"],
            ["甲方科技有限公司", "2026-03-09 15:00", "拜访", "rep1", "方案", "proposal", "是", "60"],
            ["乙方贸易有限公司", "2026-03-02 11:00", "电话", "rep2", "确认需求", "needs_confirmed", "是", "5"],
            ["乙方贸易有限公司", "2026-03-02 11:00", "微信", "rep2", "初次沟通", "initial_contact", "是", "5"]]
    summary = load_file(store, org["admin"], write_csv(tmp_path / "f.csv", HEADER_ZH, rows))
    assert (summary.rows_loaded, summary.customers_created) == (5, 2)
    _exact(store, viewers)
    firsts = store.query("SELECT stage, sum(new_customers)::INT AS n FROM stage_daily GROUP BY ALL"
                         " HAVING sum(new_customers) > 0 ORDER BY stage")
    assert firsts.rows() == [("initial_contact", 1), ("needs_confirmed", 1)]
    # a later import of older rows for one of them: a stored customer, counted out and in by SQL
    older = [["乙方贸易有限公司", "2026-02-01 09:00", "电话", "rep2", "早先的接触", "initial_contact", "是", "5"]]
    assert load_file(store, org["admin"], write_csv(tmp_path / "g.csv", HEADER_ZH, older)).rows_loaded == 1
    _exact(store, viewers)
