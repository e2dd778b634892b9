"""risk_daily (pipelines/risk_summary.py) equals counting the risks after every kind of write, on
both backends, and the monthly summary's risk counts read from it equal risk_counts.sql's (open
at the period's end, raised in it) for each role and period."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pipelines import customers, follow_ups, metrics, migrations, risk_actions, risk_summary
from pipelines.filters import Filters
from pipelines.models import CustomerIn, FollowUpIn
from pipelines.rules import risks
from tests.helpers_migrations import undo_from
from tests.helpers_risks import NOW, at

PERIODS = [Filters(date_from=date(2026, m, 1), date_to=date(2026, m + 1, 1) - timedelta(days=1))
           for m in (8, 9, 10)] + [
    Filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)),
    Filters(date_from=date(2025, 1, 1), date_to=date(2027, 12, 31))]


def _exact(store, actors=()) -> None:
    """The table equals the straightforward count, and each actor's risk counts equal the raw
    query's for every period (same rows, same order, same types)."""
    assert risk_summary.differences(store) == 0
    for actor in actors:
        for period in PERIODS:
            quick = metrics.run(store, actor, "risk_counts_daily", period)
            plain = metrics.run(store, actor, "risk_counts", period)
            assert quick.equals(plain), (actor.username, period, quick, plain)


def _silent_customer(store, rep, name: str) -> int:
    """A customer first met 40 days before NOW and never followed up: silent_30d fires."""
    return customers.create(store, rep, CustomerIn(name=name, owner_id=rep.id), at=at(40))


def test_evaluation_person_actions_and_follow_ups_keep_the_summary_exact(store, org):
    admin, rep1 = org["admin"], org["rep1"]
    viewers = [admin, org["manager1"], org["manager2"], rep1, org["rep2"]]
    c1 = _silent_customer(store, rep1, "杭州青禾科技有限公司")
    _silent_customer(store, org["rep2"], "宁波海川贸易有限公司")
    assert risks.refresh(store, admin, NOW).opened >= 2  # the whole-database evaluation
    _exact(store, viewers)
    assert metrics.risk_counts(store, admin, PERIODS[2]).filter(rule="silent_30d")["open_at_end"][0] == 2
    rid = risk_actions.raise_risk(store, admin, c1, "budget_cut", at=at(3))  # a person raises one
    _exact(store, viewers)
    risk_actions.acknowledge(store, admin, rid, at=at(2))
    _exact(store, viewers)
    risk_actions.resolve(store, admin, rid, at=at(1))
    _exact(store, viewers)
    # an effective follow-up: the save's evaluation closes c1's silence (at the time of the save)
    follow_ups.add(store, rep1, FollowUpIn(customer_id=c1, rep_id=rep1.id, occurred_at=at(0), channel="phone",
                                           summary="电话沟通", duration_minutes=10, effective=True))
    _exact(store, viewers)
    assert store.scalar("SELECT count(*) FROM risk_daily WHERE raised < 0") > 0  # signed rows


def test_customer_reassign_delete_restore_and_merge_keep_the_summary_exact(store, org):
    admin, manager2 = org["admin"], org["manager2"]
    viewers = [admin, org["manager1"], manager2, org["rep1"], org["rep3"]]
    c1 = _silent_customer(store, org["rep1"], "杭州青禾科技有限公司")
    _silent_customer(store, org["rep2"], "宁波海川贸易有限公司")
    risks.refresh(store, admin, NOW)
    customers.reassign(store, admin, c1, org["rep3"].id)
    _exact(store, viewers)  # team 2 now sees c1's risks, team 1 no longer
    assert metrics.risk_counts(store, manager2, PERIODS[-1])["raised"].sum() >= 1
    customers.delete(store, admin, c1)
    _exact(store, viewers)
    customers.restore(store, admin, c1)
    _exact(store, viewers)
    rows = store.scalar("SELECT count(*) FROM risk_daily")
    store.write(risk_summary.merge)
    _exact(store, viewers)
    assert store.scalar("SELECT count(*) FROM risk_daily") < rows


def test_odd_risks_count_as_risk_counts_defines_them(store, org):
    """Closed before raised, resolved without a close time, closed on a period's first instant,
    still open: rebuilt from raw rows, every period's counts match the raw query."""
    admin, rep1 = org["admin"], org["rep1"]
    cid = customers.create(store, rep1, CustomerIn(name="杭州青禾科技有限公司", owner_id=rep1.id), at=at(90))
    october = datetime(2026, 10, 1, tzinfo=NOW.tzinfo)
    for status, raised, closed in (("resolved", at(60), at(70)), ("resolved", at(60), None),
                                   ("resolved", at(50), october), ("open", at(45), None),
                                   ("acknowledged", at(40), None), ("resolved", at(35), at(5))):
        store.cursor().execute("INSERT INTO risks (customer_id, level, rule, status, raised_at, closed_at)"
                               " VALUES ($c, 'yellow', 'manual', $s, $r, $x)",
                               {"c": cid, "s": status, "r": raised, "x": closed})
    store.write(risk_summary.rebuild)
    _exact(store, [admin, rep1, org["manager2"]])
    september = metrics.risk_counts(store, admin, PERIODS[1]).filter(rule="manual").row(0, named=True)
    # closed in September: the one closed before it was raised (at its raising), the one resolved
    # with no close time (at its raising); the one closed on October's first instant is October's
    assert (september["open_at_end"], september["raised"], september["closed"]) == (4, 6, 2)


def test_the_summary_is_used_only_where_it_holds(store, org, monkeypatch):
    rep1 = org["rep1"]
    used = []
    real = metrics.run
    monkeypatch.setattr(metrics, "run", lambda s, a, name, f, **p: used.append(name) or real(s, a, name, f, **p))
    metrics.risk_counts(store, rep1, PERIODS[0])
    metrics.risk_counts(store, rep1, Filters(industry=("C",)))  # a customer attribute: raw rows
    assert used == ["risk_counts_daily", "risk_counts"]
    _silent_customer(store, rep1, "杭州青禾科技有限公司")
    risks.refresh(store, org["admin"], NOW)  # rows counted in Shanghai days
    monkeypatch.setenv("FOLLOWUP_TZ", "Europe/Berlin")  # another zone: raw rows until a rebuild
    assert not risk_summary.usable(store)
    metrics.risk_counts(store, rep1, PERIODS[0])
    assert used[-1] == "risk_counts"
    store.write(risk_summary.rebuild)
    assert risk_summary.usable(store)


def test_migration_backfills_existing_risks(store, org):
    admin, rep1 = org["admin"], org["rep1"]
    _silent_customer(store, rep1, "杭州青禾科技有限公司")
    _silent_customer(store, org["rep3"], "宁波海川贸易有限公司")
    risks.refresh(store, admin, NOW)

    undo_from(store, 7)
    assert migrations.apply(store) == [7, 8, 9, 10, 11]
    _exact(store, [admin, rep1, org["manager2"]])
    assert store.scalar("SELECT sum(raised) FROM risk_daily") == store.scalar("SELECT count(*) FROM risks")
