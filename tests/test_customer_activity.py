"""customer_activity (migration 0005) equals its definition (customer_activity.FACTS, written from
METRICS.md: latest follow-up, latest effective one, its next date; open red/yellow risks, since
when, last closing) after every kind of write, on both backends; and the board read from it
equals the board computed from the risks."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from pipelines import customer_activity, customers, follow_ups, pipl, risk_actions, risk_board
from pipelines.access import SYSTEM
from pipelines.codes import RISK_RULES
from pipelines.config import local_tz
from pipelines.ingest import load_file
from pipelines.models import CustomerIn, FollowUpIn
from pipelines.rules import risks
from tests.helpers_ingest import HEADER_ZH, rows_zh, write_csv
from tests.helpers_risks import customer, follow_up


def exact(store) -> None:
    assert customer_activity.mismatches(store.cursor()) == []


def _fu(cid: int, rep, hours_ago: float, effective: bool = True, next_in_days: int | None = None) -> FollowUpIn:
    when = datetime.now(local_tz()) - timedelta(hours=hours_ago)
    return FollowUpIn(customer_id=cid, rep_id=rep.id, occurred_at=when, channel="phone", summary="沟通",
                      effective=effective,
                      next_follow_up_date=None if next_in_days is None else (when + timedelta(days=next_in_days)).date())


@pytest.fixture
def world(store, org):
    """rep1's customers: one quiet for 90 days (silent, stalled), one followed up lately."""
    rep1 = org["rep1"]
    quiet = customer(store, rep1, changes=(("initial_contact", 90),), name="沉默客户")
    busy = customer(store, rep1, changes=(("initial_contact", 20), ("proposal", 3)), name="活跃客户")
    follow_up(store, busy, rep1, 2, next_days_ago=-5)
    follow_up(store, quiet, rep1, 80, effective=False)
    risks.refresh(store, SYSTEM)  # the rows above were written behind the hooks' back
    exact(store)
    return {"quiet": quiet, "busy": busy}


def test_follow_up_insert_edit_delete_restore(store, org, world):
    rep1 = org["rep1"]
    first = follow_ups.add(store, rep1, _fu(world["quiet"], rep1, 30, next_in_days=3))
    exact(store)
    second = follow_ups.add(store, rep1, _fu(world["quiet"], rep1, 5, effective=False))
    exact(store)
    row = store.query("SELECT * FROM customer_activity WHERE id = $c", {"c": world["quiet"]}).row(0, named=True)
    assert row["next_follow_up_on"] is None and row["last_effective_at"] < row["last_follow_up_at"]
    follow_ups.update(store, rep1, second, _fu(world["quiet"], rep1, 5, next_in_days=9))
    exact(store)
    follow_ups.delete(store, rep1, first)
    exact(store)
    follow_ups.restore(store, rep1, first)
    exact(store)


def test_customer_stage_reassign_delete_restore_create(store, org, world):
    manager, rep1, rep2 = org["manager1"], org["rep1"], org["rep2"]
    customers.change_stage(store, manager, world["quiet"], "lost", override_reason="测试")
    exact(store)
    customers.reassign(store, manager, world["busy"], rep2.id)
    exact(store)
    customers.delete(store, manager, world["busy"])
    exact(store)
    customers.restore(store, manager, world["busy"])
    exact(store)
    # a new customer has no row until its first write (none of the facts: zero open risks) ...
    new = customers.create(store, rep1, CustomerIn(name="新客户", owner_id=rep1.id, stage="initial_contact"))
    exact(store)
    # ... which inserts it
    follow_ups.add(store, rep1, _fu(new, rep1, 1))
    exact(store)
    assert store.scalar("SELECT count(*) FROM customer_activity WHERE id = $c", {"c": new}) == 1


def test_risks_raised_acknowledged_resolved_refreshed(store, org, world):
    manager = org["manager1"]
    red = risk_actions.raise_risk(store, manager, world["busy"], "decision_maker_change")
    exact(store)
    yellow = risk_actions.raise_risk(store, manager, world["busy"], "budget_cut")
    exact(store)
    risk_actions.acknowledge(store, manager, yellow)
    exact(store)
    risk_actions.resolve(store, manager, red, "新决策人已确认")
    exact(store)
    # a later day: the rules open and close risks for everyone at once
    risks.refresh(store, SYSTEM, now=datetime.now(local_tz()) + timedelta(days=70))
    exact(store)
    day = datetime.now(local_tz()).date()
    risks.replay(store, day, day)  # a past-date evaluation (one step)
    exact(store)


def test_import_pipl_erase(store, org, world, tmp_path):
    result = load_file(store, org["admin"], write_csv(tmp_path / "fu.csv", HEADER_ZH, rows_zh(4)))
    assert result.rows_loaded == 4
    exact(store)
    pipl.erase(store, org["admin"], "customer", world["busy"], reason="客户书面要求")
    exact(store)


def test_concurrent_saves_on_one_customer_stay_exact(store, org, world):
    rep1 = org["rep1"]
    errors: list[Exception] = []

    def save(offset: int) -> None:
        try:
            for i in range(3):
                follow_ups.add(store, rep1, _fu(world["quiet"], rep1, 10 + offset + 2 * i, next_in_days=i + offset))
        except Exception as exc:  # noqa: BLE001 - reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.scalar("SELECT count(*) FROM follow_ups WHERE customer_id = $c", {"c": world["quiet"]}) == 7
    exact(store)


def test_board_from_the_summary_equals_the_board_from_the_risks(store, org, world):
    manager = org["manager1"]
    risk_actions.raise_risk(store, manager, world["busy"], "manual", note="人工", level="red")
    customer(store, org["rep2"], changes=(("initial_contact", 3),), name="绿色客户")  # no row yet: green
    for actor in (org["admin"], manager, org["rep1"]):
        summary = risk_board.board(store, actor)  # the default view reads customer_activity
        computed = risk_board.board(store, actor, risk_board.BoardFilter(rules=tuple(RISK_RULES)))
        assert summary.to_dicts() == computed.to_dicts()
    assert risk_board.column_counts(risk_board.board(store, manager)) == {"red": 2, "yellow": 0, "green": 1}


def test_whole_refresh_rewrites_exactly_the_rows_that_differ(store, org, world):
    cur = store.cursor()
    cur.execute("UPDATE customer_activity SET open_red = open_red + 5 WHERE id = $c", {"c": world["busy"]})
    cur.execute("DELETE FROM customer_activity WHERE id = $c", {"c": world["quiet"]})
    cur.execute("INSERT INTO customer_activity (id) VALUES (999999)")  # no such customer
    assert {r["id"] for r in customer_activity.mismatches(cur)} == {world["busy"], world["quiet"], 999999}
    risks.refresh(store, SYSTEM)
    exact(store)


def test_migration_0011_recomputes_open_since_as_the_worst_levels(store, org, world):
    """A database from before 0011 kept each customer's oldest open risk of either level."""
    from pipelines import migrations
    from tests.helpers_migrations import undo_from

    risks.refresh(store, SYSTEM)
    old = ("SELECT customer_id, min(raised_at) FILTER (WHERE status <> 'resolved' AND level IN ('red', 'yellow')) AS s"
           " FROM risks GROUP BY customer_id")
    store.write(lambda cur: cur.execute(f"UPDATE customer_activity SET open_since = x.s FROM ({old}) x"
                                        " WHERE customer_activity.id = x.customer_id"))
    assert customer_activity.mismatches(store.cursor())  # the quiet customer: a red beside an older yellow
    undo_from(store, 11)
    assert migrations.apply(store) == [11]
    exact(store)
