"""The risk board: counts, green computed on read, idempotent refresh, automatic closing,
raised-risk actions and who may see and act on them, `followup risks` JSON, demo coverage."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import polars as pl
import pytest

from pipelines import customer_views, customers, follow_ups, risk_actions, risk_board
from pipelines.access import SYSTEM, NotPermitted
from pipelines.codes import RISK_RULES
from pipelines.models import FollowUpIn
from pipelines.rules import risks
from pipelines.store import Store
from tests.helpers_risks import NOW, TODAY, at, customer, follow_up, open_rules


@pytest.fixture
def board_db(store, org):
    """rep1: one silent 60d (red), one stalled (yellow), one on track, one lost;
    rep3 (other team): one stalled (yellow)."""
    rep1, rep3 = org["rep1"], org["rep3"]
    ids = {
        "red": customer(store, rep1, changes=(("initial_contact", 90),), name="沉默客户"),
        "yellow": customer(store, rep1, changes=(("initial_contact", 90), ("proposal", 50)), name="停滞客户"),
        "green": customer(store, rep1, changes=(("initial_contact", 10),), name="正常客户"),
        "lost": customer(store, rep1, changes=(("initial_contact", 200), ("lost", 100)), name="输单客户"),
        "other": customer(store, rep3, changes=(("initial_contact", 90), ("negotiation", 60)), name="二组客户"),
    }
    follow_up(store, ids["yellow"], rep1, 5)
    follow_up(store, ids["other"], rep3, 5)
    risks.refresh(store, SYSTEM, now=NOW)
    return ids


def test_board_counts_by_level(store, org, board_db):
    cards = risk_board.board(store, org["manager1"], today=TODAY)
    assert risk_board.column_counts(cards) == {"red": 1, "yellow": 1, "green": 1}
    assert set(cards["customer_name"]) == {"沉默客户", "停滞客户", "正常客户"}
    everyone = risk_board.board(store, org["leader"], today=TODAY)
    assert risk_board.column_counts(everyone) == {"red": 1, "yellow": 2, "green": 1}
    # the silent customer has been in its first stage for 90 days too: one red and one yellow entry
    assert risk_board.open_counts(store, org["admin"], today=TODAY) == {"red": 1, "yellow": 3, "green": 1}
    assert risk_board.board_open_counts(everyone) == {"red": 1, "yellow": 3, "green": 1}


def test_listing_has_one_on_track_entry_per_quiet_active_customer(store, org, board_db):
    entries = risk_board.listing(store, org["admin"], today=TODAY)
    assert {(e["customer_id"], e["level"], e["rule"]) for e in entries} == {
        (board_db["red"], "red", "silent_60d"), (board_db["red"], "yellow", "stage_stalled"),
        (board_db["yellow"], "yellow", "stage_stalled"),
        (board_db["other"], "yellow", "stage_stalled"), (board_db["green"], "green", "on_track")}
    assert set(entries[0]) == {"customer_id", "customer_name", "level", "rule", "since"}
    assert [e["rule"] for e in risk_board.listing(store, org["admin"], level="green", today=TODAY)] == ["on_track"]


def test_board_filters(store, org, board_db):
    flt = risk_board.BoardFilter(rules=("stage_stalled",))
    assert set(risk_board.board(store, org["admin"], flt, today=TODAY)["customer_id"]) == \
        {board_db["red"], board_db["yellow"], board_db["other"]}
    flt = risk_board.BoardFilter(team=("二组",))
    assert set(risk_board.board(store, org["admin"], flt, today=TODAY)["customer_id"]) == {board_db["other"]}
    # open for 40+ days: only the silent customer's stalled entry (44 days; its silence: 29)
    flt = risk_board.BoardFilter(rep=("rep1",), min_age_days=40)
    assert set(risk_board.board(store, org["admin"], flt, today=TODAY)["customer_id"]) == {board_db["red"]}


def test_refresh_is_idempotent(store, org, board_db):
    before = store.query("SELECT * FROM risks ORDER BY id")
    events = store.scalar("SELECT count(*) FROM risk_events")
    assert risks.refresh(store, SYSTEM, now=NOW) == risks.Changes()
    assert store.query("SELECT * FROM risks ORDER BY id").equals(before)
    assert store.scalar("SELECT count(*) FROM risk_events") == events


def test_a_computed_risk_closes_itself_when_its_condition_ends(store, org, board_db):
    rep1 = org["rep1"]
    cid = board_db["red"]
    follow_ups.add(store, rep1, FollowUpIn(customer_id=cid, rep_id=rep1.id, occurred_at=at(0),
                                           channel="visit", summary="上门拜访,重新建立联系"))
    row = store.query("SELECT status, closed_at FROM risks WHERE customer_id = $c AND rule = 'silent_60d'",
                      {"c": cid}).row(0, named=True)
    assert row["status"] == "resolved" and row["closed_at"] is not None
    assert store.scalar("SELECT count(*) FROM risk_events WHERE customer_id = $c AND action = 'closed'",
                        {"c": cid}) == 1
    # the customer is green now, the silence history stays
    assert risk_board.listing(store, rep1, today=TODAY)[-1]["rule"] == "on_track"
    assert set(risk_board.history(store, rep1, cid)["action"]) == {"opened", "closed"}


def test_stage_change_and_delete_re_evaluate(store, org, board_db):
    cid = board_db["yellow"]
    customers.change_stage(store, org["manager1"], cid, "negotiation", at=at(0))
    assert "stage_stalled" not in open_rules(store, cid)
    customers.delete(store, org["manager1"], board_db["red"])
    assert open_rules(store, board_db["red"]) == set()


def test_raise_acknowledge_note_resolve(store, org, board_db):
    rep1, cid = org["rep1"], board_db["green"]
    rid = risk_actions.raise_risk(store, rep1, cid, "decision_maker_change", "新任总经理上任")
    assert store.scalar("SELECT level FROM risks WHERE id = $i", {"i": rid}) == "red"
    assert risk_board.column_counts(risk_board.board(store, rep1, today=TODAY))["red"] == 2
    with pytest.raises(risk_actions.RiskActionError):  # one open warning per rule
        risk_actions.raise_risk(store, rep1, cid, "decision_maker_change", "again")
    risk_actions.acknowledge(store, org["manager1"], rid)
    risk_actions.add_note(store, rep1, rid, "已约见新总经理")
    # the note is read back: on the board's card and in the customer's risks (the 备注 column)
    card = risk_board.board(store, org["manager1"], today=TODAY).filter(pl.col("customer_id") == cid).row(0, named=True)
    entry = next(e for e in card["entries"] if e["risk_id"] == rid)
    assert (entry["latest_note"], entry["note"]) == ("已约见新总经理", "新任总经理上任")
    assert entry["latest_note_by"] == rep1.display_name
    shown = customer_views.detail(store, org["manager1"], cid).risks.filter(pl.col("id") == rid)
    assert shown["latest_note"].to_list() == ["已约见新总经理"]
    with pytest.raises(risk_actions.RiskActionError) as unsaid:  # a red one: how it was resolved is asked
        risk_actions.resolve(store, org["manager1"], rid, "  ")
    assert unsaid.value.key == "error_resolve_red_note"
    risk_actions.resolve(store, org["manager1"], rid, "关系已重建")
    assert store.scalar("SELECT detail FROM audit_log WHERE table_name = 'risks' AND row_id = $i"
                        " AND after LIKE '%resolved%'", {"i": rid}) == "关系已重建"  # how, in the audit log
    row = store.query("SELECT status, closed_by, acknowledged_by FROM risks WHERE id = $i", {"i": rid}).row(0, named=True)
    assert row == {"status": "resolved", "closed_by": org["manager1"].id, "acknowledged_by": org["manager1"].id}
    history = risk_board.history(store, rep1, cid)
    assert history["action"].to_list() == ["resolved", "note", "acknowledged", "raised"]
    assert store.scalar("SELECT count(*) FROM audit_log WHERE table_name = 'risks' AND row_id = $i", {"i": rid}) >= 4
    with pytest.raises(risk_actions.RiskActionError):
        risk_actions.resolve(store, rep1, rid)  # already closed
    assert risks.refresh(store, SYSTEM, now=NOW) == risks.Changes()  # a raised risk stays as people left it


def test_manual_risks_need_a_note_and_a_level(store, org, board_db):
    rep1, cid = org["rep1"], board_db["green"]
    with pytest.raises(risk_actions.RiskActionError):
        risk_actions.raise_risk(store, rep1, cid, "manual", "", "red")
    with pytest.raises(risk_actions.RiskActionError):
        risk_actions.raise_risk(store, rep1, cid, "silent_30d", "computed rules are not raised")
    rid = risk_actions.raise_risk(store, rep1, cid, "manual", "客户内部审计", "yellow")
    assert store.scalar("SELECT level FROM risks WHERE id = $i", {"i": rid}) == "yellow"


def test_computed_risks_are_not_resolved_by_hand(store, org, board_db):
    rid = store.scalar("SELECT id FROM risks WHERE customer_id = $c", {"c": board_db["red"]})
    risk_actions.acknowledge(store, org["rep1"], rid)
    with pytest.raises(risk_actions.RiskActionError) as err:
        risk_actions.resolve(store, org["rep1"], rid)
    assert err.value.key == "error_computed"


def test_a_rep_cannot_see_or_act_on_another_reps_risks(store, org, board_db):
    rid = risk_actions.raise_risk(store, org["rep3"], board_db["other"], "budget_cut", "预算砍半")
    rep1_view = risk_board.board(store, org["rep1"], today=TODAY)
    assert board_db["other"] not in set(rep1_view["customer_id"])
    assert risk_board.history(store, org["rep1"], board_db["other"]).is_empty()
    for who in ("rep1", "rep2", "manager1", "leader"):
        with pytest.raises(NotPermitted):
            risk_actions.resolve(store, org[who], rid)
        with pytest.raises(NotPermitted):
            risk_actions.acknowledge(store, org[who], rid)
    with pytest.raises(NotPermitted):
        risk_actions.raise_risk(store, org["rep1"], board_db["other"], "budget_cut", "x")
    risk_actions.resolve(store, org["manager2"], rid, "已处理")
    assert store.scalar("SELECT status FROM risks WHERE id = $i", {"i": rid}) == "resolved"


def test_cli_json(store, org, board_db, capsys):
    from pipelines import cli

    path = store.location
    store.checkpoint()
    store.close()
    assert cli.main(["risks", "refresh", "--db", path, "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"opened", "updated", "closed"}
    assert cli.main(["risks", "list", "--db", path, "--json", "--level", "yellow"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert list(payload) == ["risks"]
    assert payload["risks"] and {e["level"] for e in payload["risks"]} == {"yellow"}
    assert set(payload["risks"][0]) == {"customer_id", "customer_name", "level", "rule", "since"}
    from pipelines.store import forget
    forget(path)


def test_every_rule_fires_on_the_demo_database(demo_db):
    demo = Store(demo_db, read_only=True)
    try:
        fired = set(demo.query("SELECT DISTINCT rule FROM risks WHERE status <> 'resolved'")["rule"])
        entries = risk_board.listing(demo, SYSTEM, today=date(2026, 10, 31))
    finally:
        demo.close()
    assert fired | {e["rule"] for e in entries} == set(RISK_RULES)


def test_trend_counts_risks_open_at_each_week_end(store, org):
    cid = customer(store, org["rep1"], changes=(("initial_contact", 100),))
    cur = store.cursor()
    # week ends (Sundays): 2026-10-18, 10-25, 11-01; TODAY is Saturday 2026-10-31
    for level, raised, closed in (("red", at(40), None),        # open throughout
                                  ("yellow", at(12), at(8)),    # 10-19 → 10-23: open at no week end
                                  ("yellow", at(14), at(5))):   # 10-17 → 10-26: open at 10-18 and 10-25
        cur.execute("INSERT INTO risks (customer_id, level, rule, status, raised_at, closed_at)"
                    " VALUES ($c, $l, 'manual', $s, $r, $x)",
                    {"c": cid, "l": level, "s": "resolved" if closed else "open", "r": raised, "x": closed})
    frame = risk_board.trend(store, org["manager1"], weeks=3, today=TODAY)
    got = {(str(w), lvl): n for w, lvl, n in frame.iter_rows()}
    assert got == {("2026-10-18", "red"): 1, ("2026-10-18", "yellow"): 1, ("2026-10-25", "red"): 1,
                   ("2026-10-25", "yellow"): 1, ("2026-11-01", "red"): 1, ("2026-11-01", "yellow"): 0}
    assert risk_board.trend(store, org["rep3"], weeks=3, today=TODAY)["open_risks"].sum() == 0


def test_board_cards_carry_each_entrys_evidence_and_note(store, org, board_db):
    """Evidence and notes are read apart from the ranking: each entry gets its own."""
    rid = risk_actions.raise_risk(store, org["rep1"], board_db["yellow"], "budget_cut", note="预算砍半", at=NOW)
    cards = risk_board.board(store, org["admin"], today=TODAY)
    entries = {(cid, e["rule"]): e for cid, row in cards.select("customer_id", "entries").iter_rows() for e in row}
    stored = dict(store.query("SELECT customer_id || rule, evidence FROM risks WHERE status <> 'resolved'").iter_rows())
    assert len(entries) == len(stored) + 1  # and one on-track entry
    for (cid, rule), entry in entries.items():
        assert entry["evidence"] == stored.get(f"{cid}{rule}")
    assert json.loads(entries[(board_db["red"], "silent_60d")]["evidence"])["last"]
    budget = entries[(board_db["yellow"], "budget_cut")]
    assert budget["risk_id"] == rid and budget["note"] == "预算砍半"
    assert entries[(board_db["green"], "on_track")]["note"] is None


def test_one_customer_evaluations_leave_what_a_whole_evaluation_would(store, org, board_db):
    """Saves evaluate only their customer (skipping the statements with nothing to do); a whole
    evaluation afterwards finds nothing left to change."""
    rep1 = org["rep1"]
    follow_up(store, board_db["red"], rep1, 1)  # silence ends: closes silent_60d
    follow_up(store, board_db["green"], rep1, 9, next_days_ago=8)  # opens next_follow_up_overdue
    store.cursor().execute("UPDATE settings SET value = '{\"stage_stalled\": {\"level\": \"red\"}}'"
                           " WHERE key = 'risk_rules'")  # updates every stalled risk's level
    if not store.scalar("SELECT count(*) FROM settings WHERE key = 'risk_rules'"):
        store.cursor().execute("INSERT INTO settings (key, value) VALUES ('risk_rules',"
                               " '{\"stage_stalled\": {\"level\": \"red\"}}')")
    changes = [store.write(lambda cur, c=c: risks.evaluate(cur, [c], NOW)) for c in board_db.values()]
    assert sum(changes, risks.Changes()) == risks.Changes(opened=1, updated=3, closed=1)
    assert open_rules(store, board_db["red"]) == {"stage_stalled"}
    assert "next_follow_up_overdue" in open_rules(store, board_db["green"])
    assert store.write(lambda cur: risks.evaluate(cur, None, NOW)) == risks.Changes()
    assert [store.write(lambda cur, c=c: risks.evaluate(cur, [c], NOW)) for c in board_db.values()] == \
        [risks.Changes()] * len(board_db)


def test_a_resolved_risks_evidence_counts_days_to_when_it_was_resolved():
    """Counted to today, a resolved warning's "41 days" grew every day on the customer page."""
    facts = json.dumps({"met": True, "last": "2026-09-01"})
    closed = datetime(2026, 10, 1, 17, 0, tzinfo=UTC)  # 2026-10-02 01:00 in Shanghai
    text = risk_board.evidence_text("silent_30d", facts, "zh-CN", today=date(2027, 6, 1), closed_at=closed)
    assert text == "最近一次有效跟进在 31 天前(2026-09-01)(截至解决时)"
    english = risk_board.evidence_text("silent_30d", facts, "en", today=date(2027, 6, 1), closed_at=closed)
    assert english == "Last effective follow-up 31 days ago (2026-09-01) (when it was resolved)"
    assert risk_board.evidence_text("silent_30d", facts, "zh-CN", today=date(2026, 10, 11)) \
        == "最近一次有效跟进在 40 天前(2026-09-01)"


@pytest.mark.parametrize("age", [0, 1])  # the default board (customer_activity) and a filtered one (every risk)
def test_a_card_is_placed_by_how_long_its_columns_level_is_open(store, org, board_db, age):
    """The red column was ordered by each card's oldest warning of any level: a 647-day yellow
    阶段停滞 beside a 12-day red put that card first, above reds open for months."""
    cards = risk_board.board(store, org["manager1"], risk_board.BoardFilter(min_age_days=age), today=TODAY)
    red = cards.filter(pl.col("column_level") == "red").row(0, named=True)
    assert {e["level"] for e in red["entries"]} == {"red", "yellow"}
    assert red["since"] == min(e["since"] for e in red["entries"] if e["level"] == "red")
    assert red["since"] > min(e["since"] for e in red["entries"])  # its yellow is older, and does not count
