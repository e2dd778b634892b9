"""A small hand-made data set for the metric tests; every expected figure is worked out by hand
in tests/test_metrics.py from the rows below. Times are Asia/Shanghai (+08).

Customers (owner): C1 rep1 (industry C), C2 rep1, C3 rep2, C4 rep3 (team 2), C5 rep1,
C6 rep2 (deleted), C7 rep1.
- C1: a phone follow-up exactly 14×24 h before its move to needs_confirmed, another one minute
  earlier, and an email at the very moment of the move.
- C2: skips needs_confirmed (initial_contact → proposal).
- C3: lost from needs_confirmed.
- C4: month boundary: first stage 2026-08-31 23:30 (+08, still August locally), next change
  2026-09-30 23:59, the one after 2026-10-01 00:00:30 (+08, September in UTC); a follow-up at
  2026-09-01 00:05 (+08, August in UTC) and one at 2026-10-01 00:10 (+08).
- C5: a deleted follow-up and a deleted stage change.
- C6: a deleted customer with a follow-up and a first stage in September.
- C7: signs in September; contracts by rep1 and by rep2, a deleted one, one in October.
"""

from __future__ import annotations

from pipelines import daily_summary, risk_summary, stage_summary

CUSTOMERS = [  # id, name, owner, industry, size, deleted
    (1, "杭州青禾科技有限公司", "rep1", "C", "large", False),
    (2, "宁波海川贸易有限公司", "rep1", "F", "small", False),
    (3, "温州明远机械有限公司", "rep2", "C", "medium", False),
    (4, "广州南方物流有限公司", "rep3", "G", "large", False),
    (5, "嘉兴禾丰食品有限公司", "rep1", "C", "micro", False),
    (6, "绍兴已删除有限公司", "rep2", "C", "small", True),
    (7, "苏州瑞丰电子有限公司", "rep1", "I", "large", False),
]

STAGE_CHANGES = [  # customer, from, to, at, deleted
    (1, None, "initial_contact", "2026-08-20 10:00:00", False),
    (1, "initial_contact", "needs_confirmed", "2026-09-15 10:00:00", False),
    (2, None, "initial_contact", "2026-09-02 09:00:00", False),
    (2, "initial_contact", "proposal", "2026-09-10 09:00:00", False),
    (3, None, "initial_contact", "2026-09-03 10:00:00", False),
    (3, "initial_contact", "needs_confirmed", "2026-09-05 10:00:00", False),
    (3, "needs_confirmed", "lost", "2026-09-20 10:00:00", False),
    (4, None, "initial_contact", "2026-08-31 23:30:00", False),
    (4, "initial_contact", "needs_confirmed", "2026-09-30 23:59:00", False),
    (4, "needs_confirmed", "proposal", "2026-10-01 00:00:30", False),
    (5, None, "initial_contact", "2026-07-01 10:00:00", False),
    (5, "initial_contact", "negotiation", "2026-09-12 10:00:00", True),
    (6, None, "initial_contact", "2026-09-04 10:00:00", False),
    (7, None, "initial_contact", "2026-06-01 10:00:00", False),
    (7, "initial_contact", "needs_confirmed", "2026-07-01 10:00:00", False),
    (7, "needs_confirmed", "proposal", "2026-08-01 10:00:00", False),
    (7, "proposal", "negotiation", "2026-08-20 10:00:00", False),
    (7, "negotiation", "contract_signed", "2026-09-25 10:00:00", False),
]

FOLLOW_UPS = [  # name, customer, rep, at, channel, effective, minutes, deleted
    ("F1", 1, "rep1", "2026-09-01 10:00:00", "phone", True, 30, False),
    ("F2", 1, "rep1", "2026-09-01 09:59:00", "phone", False, 10, False),
    ("F3", 1, "rep1", "2026-09-15 10:00:00", "email", True, 20, False),
    ("F4", 2, "rep1", "2026-09-09 10:00:00", "visit", True, 90, False),
    ("F5", 3, "rep2", "2026-09-18 10:00:00", "phone", True, 15, False),
    ("F6", 4, "rep3", "2026-10-01 00:10:00", "wechat", True, 5, False),
    ("F7", 4, "rep3", "2026-09-01 00:05:00", "wechat", True, 60, False),
    ("F8", 5, "rep1", "2026-09-12 10:00:00", "phone", True, 40, True),
    ("F9", 6, "rep2", "2026-09-04 10:00:00", "phone", True, 40, False),
    ("F10", 7, "rep1", "2026-09-20 10:00:00", "demo", True, 60, False),
    ("F11", 7, "rep1", "2026-09-25 10:00:00", "visit", False, 120, False),
    ("F12", 2, "rep1", "2026-09-01 15:00:00", "phone", True, 30, False),
]

CONTRACTS = [  # customer, rep, signed_on, amount, deleted
    (7, "rep1", "2026-09-25", "100000.00", False),
    (7, "rep2", "2026-09-30", "50000.50", False),
    (7, "rep1", "2026-09-26", "999.00", True),
    (7, "rep1", "2026-10-01", "7.00", False),
]

TARGETS = [  # rep, month, amount, effective follow-ups, new customers
    ("rep1", "2026-09-01", "300000", 10, 4), ("rep2", "2026-09-01", "100000", 0, 0), ("rep1", "2026-10-01", "1000", 0, 0)]

RISKS = [  # customer, level, rule, status, raised_at, closed_at
    (1, "red", "decision_maker_change", "open", "2026-09-10 10:00:00", None),
    (2, "yellow", "budget_cut", "resolved", "2026-08-01 10:00:00", "2026-09-05 10:00:00"),
    (3, "yellow", "silent_30d", "resolved", "2026-09-28 10:00:00", "2026-10-02 10:00:00"),
    (6, "red", "manual", "open", "2026-09-10 10:00:00", None),
]

SURVEYS = [  # customer, scale, score, on
    (7, "csat", 4, "2026-09-26"), (1, "csat", 2, "2026-09-27"), (2, "nps", 10, "2026-09-28"),
    (3, "nps", 5, "2026-09-28"), (5, "nps", 9, "2026-09-29"), (4, "nps", 9, "2026-10-01"),
]


def _at(text: str | None) -> str | None:
    return None if text is None else text + "+08"


def seed(store, org) -> dict[str, int]:
    """Insert the data set; returns {follow-up name: id}."""
    cur = store.cursor()
    uid = {name: org[name].id for name in ("rep1", "rep2", "rep3", "manager1")}
    for cid, name, owner, industry, size, deleted in CUSTOMERS:
        cur.execute("INSERT INTO customers (id, name, owner_id, industry, size, stage, deleted_at)"
                    " VALUES ($id, $n, $o, $i, $s, 'initial_contact', $d)",
                    {"id": cid, "n": name, "o": uid[owner], "i": industry, "s": size,
                     "d": "2026-09-10 00:00:00+08" if deleted else None})
    for cust, frm, to, at, deleted in STAGE_CHANGES:
        cur.execute("INSERT INTO stage_changes (customer_id, from_stage, to_stage, changed_at, deleted_at)"
                    " VALUES ($c, $f, $t, $at::TIMESTAMPTZ, $d::TIMESTAMPTZ)",
                    {"c": cust, "f": frm, "t": to, "at": _at(at), "d": _at(at) if deleted else None})
    ids = {}
    for name, cust, rep, at, channel, effective, minutes, deleted in FOLLOW_UPS:
        ids[name] = cur.execute(
            "INSERT INTO follow_ups (customer_id, rep_id, occurred_at, channel, summary, effective,"
            " duration_minutes, deleted_at) VALUES ($c, $r, $at::TIMESTAMPTZ, $ch, $s, $e, $m, $d::TIMESTAMPTZ)"
            " RETURNING id",
            {"c": cust, "r": uid[rep], "at": _at(at), "ch": channel, "s": name, "e": effective, "m": minutes,
             "d": _at(at) if deleted else None}).fetchone()[0]
    for cust, rep, signed, amount, deleted in CONTRACTS:
        cur.execute("INSERT INTO contracts (customer_id, rep_id, signed_on, amount, deleted_at)"
                    " VALUES ($c, $r, $s::DATE, $a::DECIMAL(18,2), $d::TIMESTAMPTZ)",
                    {"c": cust, "r": uid[rep], "s": signed, "a": amount,
                     "d": "2026-09-27 00:00:00+08" if deleted else None})
    for rep, month, amount, effective, new in TARGETS:
        cur.execute("INSERT INTO targets (rep_id, month, amount, effective_follow_ups, new_customers)"
                    " VALUES ($r, $m::DATE, $a::DECIMAL(18,2), $e, $n)",
                    {"r": uid[rep], "m": month, "a": amount, "e": effective, "n": new})
    for cust, level, rule, status, raised, closed in RISKS:
        cur.execute("INSERT INTO risks (customer_id, level, rule, status, raised_at, closed_at)"
                    " VALUES ($c, $l, $r, $s, $ra::TIMESTAMPTZ, $cl::TIMESTAMPTZ)",
                    {"c": cust, "l": level, "r": rule, "s": status, "ra": _at(raised), "cl": _at(closed)})
    for cust, scale, score, on in SURVEYS:
        cur.execute("INSERT INTO surveys (customer_id, scale, score, surveyed_on) VALUES ($c, $s, $v, $o::DATE)",
                    {"c": cust, "s": scale, "v": score, "o": on})
    daily_summary.rebuild(cur)  # the rows above bypass the write path that keeps the summaries
    stage_summary.rebuild(cur)
    risk_summary.rebuild(cur)
    return ids


def seeded_store(tmp_path_factory):
    """A fresh database with the organisation of tests/conftest.py and this data set (a generator
    for module-scoped fixtures: the metric tests only read it)."""
    from pipelines.store import Store
    from tests.conftest import Org

    store = Store(str(tmp_path_factory.mktemp("analytics") / "analytics.duckdb"))
    org = Org(store)
    seed(store, org)
    yield store, org
    store.close()
