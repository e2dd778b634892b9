"""`followup report --month 2026-09 --json` on the demo database equals the same figures computed
here by independent, straightforward SQL on the raw tables (written from METRICS.md)."""

from __future__ import annotations

import json

import pytest

from pipelines import cli
from pipelines.codes import CHANNELS, STAGES
from pipelines.store import Store

START = "TIMESTAMPTZ '2026-09-01 00:00:00+08'"
END = "TIMESTAMPTZ '2026-10-01 00:00:00+08'"
RANKS = "(VALUES " + ", ".join(f"('{s}', {i})" for i, s in enumerate(STAGES)) + ") AS r(stage, rank)"
LIVE_FU = ("FROM follow_ups f JOIN customers c ON c.id = f.customer_id"
           f" WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL AND f.occurred_at >= {START} AND f.occurred_at < {END}")


def one(store: Store, sql: str):
    return store.scalar(sql)


@pytest.fixture(scope="module")
def report(demo_db):
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["report", "--db", demo_db, "--month", "2026-09", "--json"]) == 0
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def raw(demo_db):
    store = Store(demo_db, read_only=True)
    yield store
    store.close()


def test_report_keys_and_types(report):
    for key in ("month", "follow_ups", "effective_follow_ups", "new_customers", "contracts_signed",
                "won_amount", "funnel", "channel_conversion", "reps"):
        assert key in report
    assert report["month"] == "2026-09"
    assert list(report["funnel"]) == list(STAGES)  # every stage but lost
    assert all(0 <= r <= 1 for r in report["channel_conversion"].values())  # fractions
    assert isinstance(report["won_amount"], float)


def test_report_counts_match_plain_sql(report, raw):
    assert report["follow_ups"] == one(raw, f"SELECT count(*) {LIVE_FU}")
    assert report["effective_follow_ups"] == one(raw, f"SELECT count(*) {LIVE_FU} AND f.effective")
    assert report["new_customers"] == one(raw, f"""
        SELECT count(*) FROM (SELECT customer_id, min(changed_at) AS first_at FROM stage_changes
                              WHERE deleted_at IS NULL GROUP BY customer_id) s
        JOIN customers c ON c.id = s.customer_id
        WHERE c.deleted_at IS NULL AND s.first_at >= {START} AND s.first_at < {END}""")
    assert report["contracts_signed"] == one(raw, f"""
        SELECT count(*) FROM stage_changes s JOIN customers c ON c.id = s.customer_id
        WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL AND s.to_stage = 'contract_signed'
          AND s.changed_at >= {START} AND s.changed_at < {END}""")
    won = one(raw, """
        SELECT sum(k.amount) FROM contracts k JOIN customers c ON c.id = k.customer_id
        WHERE k.deleted_at IS NULL AND c.deleted_at IS NULL
          AND k.signed_on >= DATE '2026-09-01' AND k.signed_on < DATE '2026-10-01'""")
    assert report["won_amount"] == pytest.approx(float(won))
    assert report["follow_ups"] > 0 and report["contracts_signed"] > 0  # the month is not empty


def test_report_funnel_matches_plain_sql(report, raw):
    for i, stage in enumerate(STAGES):
        later = ", ".join(f"'{s}'" for s in STAGES[i:])
        expected = one(raw, f"""
            SELECT count(DISTINCT s.customer_id) FROM stage_changes s JOIN customers c ON c.id = s.customer_id
            WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL AND s.to_stage IN ({later})
              AND s.changed_at >= {START} AND s.changed_at < {END}""")
        assert report["funnel"][stage] == expected, stage


def test_report_channel_conversion_matches_plain_sql(report, raw):
    rows = raw.query(f"""
        SELECT f.channel,
               avg(CASE WHEN EXISTS (
                   SELECT 1 FROM stage_changes s
                   JOIN {RANKS.replace('AS r(', 'AS rf(')} ON rf.stage = s.from_stage
                   JOIN {RANKS.replace('AS r(', 'AS rt(')} ON rt.stage = s.to_stage
                   WHERE s.customer_id = f.customer_id AND s.deleted_at IS NULL AND rt.rank > rf.rank
                     AND s.changed_at >= f.occurred_at AND s.changed_at <= f.occurred_at + INTERVAL 14 DAY)
                   THEN 1.0 ELSE 0.0 END) AS rate
        {LIVE_FU}
        GROUP BY f.channel""")
    expected = dict(zip(rows["channel"].to_list(), rows["rate"].to_list()))
    assert set(report["channel_conversion"]) == set(expected)
    assert set(expected) <= set(CHANNELS)
    for channel, rate in expected.items():
        assert report["channel_conversion"][channel] == pytest.approx(rate), channel


def test_report_reps_match_plain_sql(report, raw):
    reps = raw.query("SELECT id, username FROM users WHERE role = 'rep' AND active ORDER BY username")
    assert [r["username"] for r in report["reps"]] == reps["username"].to_list()
    for entry, rep_id in zip(report["reps"], reps["id"].to_list()):
        assert entry["effective_follow_ups"] == one(raw, f"SELECT count(*) {LIVE_FU} AND f.effective AND f.rep_id = {rep_id}")
        target = one(raw, f"SELECT amount FROM targets WHERE rep_id = {rep_id} AND month = DATE '2026-09-01'")
        assert entry["target_amount"] == pytest.approx(float(target or 0))
        won = one(raw, f"""SELECT coalesce(sum(k.amount), 0) FROM contracts k JOIN customers c ON c.id = k.customer_id
                           WHERE k.deleted_at IS NULL AND c.deleted_at IS NULL AND k.rep_id = {rep_id}
                             AND k.signed_on BETWEEN DATE '2026-09-01' AND DATE '2026-09-30'""")
        assert entry["won_amount"] == pytest.approx(float(won))


def test_report_rejects_a_bad_month(demo_db, capsys):
    assert cli.main(["report", "--db", demo_db, "--month", "2026-13"]) == 1
    assert "YYYY-MM" in capsys.readouterr().err
