"""Invariants of the demo data: what a Chinese sales manager would take for real records."""

from __future__ import annotations

import itertools
from datetime import UTC, date

import pytest
from stdnum.cn import uscc

from pipelines import accounts, demo
from pipelines.codes import STAGE_RANK
from pipelines.store import Store


@pytest.fixture(scope="module")
def db(demo_db):
    s = Store(demo_db, read_only=True)
    yield s
    s.close()


def test_counts_match_the_request(db):
    assert db.scalar("SELECT count(*) FROM customers") == 300
    assert db.scalar("SELECT count(*) FROM follow_ups") == 3000


def test_every_credit_code_is_valid_and_unique(db):
    codes = db.query("SELECT uscc FROM customers")["uscc"].to_list()
    assert all(uscc.is_valid(c) for c in codes)
    assert len(set(codes)) == len(codes)


def test_names_unique_and_initials_match(db):
    from pipelines.customers import initials

    df = db.query("SELECT name, name_initials FROM customers")
    assert df["name"].n_unique() == df.height
    for row in df.head(50).iter_rows(named=True):
        assert row["name_initials"] == initials(row["name"])


def test_stage_histories_move_forward_in_order(db):
    df = db.query("SELECT customer_id, from_stage, to_stage, changed_at FROM stage_changes"
                  " ORDER BY customer_id, changed_at, id")
    by_customer: dict[int, list] = {}
    for row in df.iter_rows(named=True):
        by_customer.setdefault(row["customer_id"], []).append(row)
    assert len(by_customer) == 300
    lost = 0
    for changes in by_customer.values():
        assert changes[0]["from_stage"] is None and changes[0]["to_stage"] == "initial_contact"
        for prev, cur in itertools.pairwise(changes):
            assert cur["from_stage"] == prev["to_stage"]
            assert cur["changed_at"] >= prev["changed_at"]
            if cur["to_stage"] == "lost":
                lost += 1
            else:
                assert STAGE_RANK[cur["to_stage"]] == STAGE_RANK[cur["from_stage"]] + 1
    assert lost > 0
    current = db.query("SELECT c.stage, s.to_stage FROM customers c JOIN (SELECT customer_id, arg_max(to_stage,"
                       " changed_at) AS to_stage FROM stage_changes GROUP BY 1) s ON s.customer_id = c.id")
    assert (current["stage"] == current["to_stage"]).all()


def test_three_demos_before_every_proposal(db):
    bad = db.query("""
        SELECT s.customer_id FROM stage_changes s
        WHERE s.to_stage = 'proposal'
          AND (SELECT count(*) FROM follow_ups f WHERE f.customer_id = s.customer_id
               AND f.channel = 'demo' AND f.occurred_at <= s.changed_at) < 3""")
    assert bad.height == 0
    assert db.scalar("SELECT count(*) FROM stage_changes WHERE to_stage = 'proposal'") > 0


def test_every_follow_up_rep_owned_the_customer_then(db):
    bad = db.query("""
        SELECT f.id FROM follow_ups f JOIN customers c ON c.id = f.customer_id
        WHERE f.rep_id <> c.owner_id
          AND NOT EXISTS (SELECT 1 FROM ownership_changes o WHERE o.customer_id = f.customer_id
                          AND o.from_owner_id = f.rep_id AND f.occurred_at < o.changed_at)""")
    assert bad.height == 0
    assert db.scalar("SELECT count(*) FROM ownership_changes") > 0


def test_all_channels_and_months_present(db):
    assert db.scalar("SELECT count(DISTINCT channel) FROM follow_ups") == 8
    months = db.scalar("SELECT count(DISTINCT date_trunc('month', occurred_at)) FROM follow_ups")
    assert months >= 12
    assert db.scalar("SELECT max(occurred_at)::DATE FROM follow_ups") <= date(2026, 10, 31)


def test_contracts_follow_signing(db):
    bad = db.query("""SELECT k.id FROM contracts k WHERE NOT EXISTS (SELECT 1 FROM stage_changes s
                      WHERE s.customer_id = k.customer_id AND s.to_stage = 'contract_signed'
                      AND s.changed_at::DATE <= k.signed_on)""")
    assert bad.height == 0
    assert db.scalar("SELECT min(amount) FROM contracts") > 0


def test_targets_for_every_rep_and_month(db):
    reps = db.scalar("SELECT count(*) FROM users WHERE role = 'rep'")
    months = db.scalar("SELECT count(DISTINCT month) FROM targets")
    assert reps == 8 and months == 24
    assert db.scalar("SELECT count(*) FROM targets") == reps * months


def test_risks_of_every_level_source(db):
    rules = set(db.query("SELECT DISTINCT rule FROM risks")["rule"].to_list())
    assert {"decision_maker_change", "budget_cut", "competitor_engaged"} <= rules


def test_no_warning_is_raised_before_its_customer_was_met(db):
    """A raised warning's card read 「自 2026-09-20 起」 for a customer first met in November."""
    early = db.scalar("SELECT count(*) FROM risks r JOIN customers c ON c.id = r.customer_id"
                      " WHERE r.raised_at < c.created_at")
    assert db.scalar("SELECT count(*) FROM risks WHERE raised_by IS NOT NULL") > 0 and early == 0


def test_demo_accounts(db):
    users = db.query("SELECT username, role, team_id, password_hash FROM users ORDER BY id")
    names = users["username"].to_list()
    assert names[:4] == ["admin", "leader", "manager1", "manager2"]
    assert names[4:] == [f"rep{i}" for i in range(1, 9)]
    assert all(h.startswith("$2") for h in users["password_hash"])
    assert accounts.check_password(demo.DEMO_PASSWORD, users["password_hash"][0])
    team = dict(zip(names, users["team_id"].to_list()))
    assert {team[f"rep{i}"] for i in range(1, 5)} == {team["manager1"]}
    assert {team[f"rep{i}"] for i in range(5, 9)} == {team["manager2"]}


def test_reproducible_with_seed(tmp_path):
    frames = []
    for n in (1, 2):
        s = Store(str(tmp_path / f"r{n}.duckdb"))
        demo.generate(s, follow_ups=500, customers=50, as_of=date(2026, 6, 30), seed=5)
        frames.append(s.query("SELECT customer_id, rep_id, occurred_at, channel, summary FROM follow_ups ORDER BY id"))
        s.close()
    assert frames[0].equals(frames[1])


def test_refuses_a_database_that_has_data(store, org):
    with pytest.raises(demo.DemoError):
        demo.generate(store, follow_ups=100)


def test_nothing_lies_in_the_future(tmp_path):
    """Demo data made today stops at the present moment, not at 17:00 today."""
    from datetime import datetime

    s = Store(str(tmp_path / "today.duckdb"))
    demo.generate(s, follow_ups=1000, customers=100)
    now = datetime.now(UTC)
    latest = {(table, column): s.scalar(f"SELECT max({column}) FROM {table}") for table, column in (
        ("follow_ups", "occurred_at"), ("stage_changes", "changed_at"), ("risks", "raised_at"),
        ("risks", "closed_at"), ("risks", "acknowledged_at"), ("feedback", "resolved_at"))}
    assert latest["risks", "closed_at"] is not None  # some risks were closed: the check is not empty
    assert all(at is None or at <= now for at in latest.values()), latest
    s.close()
