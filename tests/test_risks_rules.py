"""Each computed risk rule fires just over its threshold and not at it (METRICS.md "Risk rules")."""

from __future__ import annotations

import pytest

from pipelines import settings
from pipelines.access import SYSTEM, NotPermitted
from pipelines.rules import risks
from tests.helpers_risks import NOW, complaint, customer, follow_up, open_rules, survey


def evaluate(store) -> risks.Changes:
    return risks.refresh(store, SYSTEM, now=NOW)


@pytest.mark.parametrize("days, expected", [
    (30, set()), (31, {"silent_30d"}), (60, {"silent_30d"}), (61, {"silent_60d"}),
])
def test_silence_thresholds(store, org, days, expected):
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 200), ("needs_confirmed", 10)))
    follow_up(store, cid, rep, days)
    follow_up(store, cid, rep, 2, effective=False)  # not effective: does not break the silence
    evaluate(store)
    assert open_rules(store, cid) == expected


def test_silence_counts_from_first_stage_change_when_never_met(store, org):
    rep = org["rep1"]
    quiet = customer(store, rep, changes=(("initial_contact", 31),))
    fresh = customer(store, rep, changes=(("initial_contact", 30),))
    evaluate(store)
    assert open_rules(store, quiet) == {"silent_30d"}
    assert open_rules(store, fresh) == set()
    evidence = store.scalar("SELECT evidence FROM risks WHERE customer_id = $c", {"c": quiet})
    assert '"met":false' in evidence


@pytest.mark.parametrize("stage", ["after_sales", "lost"])
def test_after_sales_and_lost_are_never_silent_or_stalled(store, org, stage):
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 300), (stage, 200)))
    follow_up(store, cid, rep, 150)
    evaluate(store)
    assert open_rules(store, cid) == set()


@pytest.mark.parametrize("overdue_days, fires", [(7, False), (8, True)])
def test_next_follow_up_overdue(store, org, overdue_days, fires):
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 20),))
    follow_up(store, cid, rep, 10, next_days_ago=overdue_days)
    evaluate(store)
    assert ("next_follow_up_overdue" in open_rules(store, cid)) is fires


def test_only_the_latest_follow_ups_next_date_counts(store, org):
    rep = org["rep1"]
    later_date = customer(store, rep, changes=(("initial_contact", 20),))
    follow_up(store, later_date, rep, 15, next_days_ago=12)
    follow_up(store, later_date, rep, 3, next_days_ago=-5)
    no_date = customer(store, rep, changes=(("initial_contact", 20),))
    follow_up(store, no_date, rep, 15, next_days_ago=12)
    follow_up(store, no_date, rep, 3)
    lost = customer(store, rep, changes=(("initial_contact", 20), ("lost", 10)))
    follow_up(store, lost, rep, 15, next_days_ago=12)
    evaluate(store)
    assert open_rules(store, later_date) == set()
    assert open_rules(store, no_date) == set()
    assert open_rules(store, lost) == set()  # a lost customer is not followed up


@pytest.mark.parametrize("days, fires", [(45, False), (46, True)])
def test_stage_stalled(store, org, days, fires):
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 100), ("proposal", days)))
    follow_up(store, cid, rep, 3)
    evaluate(store)
    assert open_rules(store, cid) == ({"stage_stalled"} if fires else set())


def test_stage_stalled_evidence_names_the_stage(store, org):
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 100), ("negotiation", 50)))
    follow_up(store, cid, rep, 3)
    evaluate(store)
    assert store.scalar("SELECT evidence FROM risks WHERE customer_id = $c", {"c": cid}) == \
        '{"stage":"negotiation","entered":"2026-09-11"}'


@pytest.mark.parametrize("deadline_days_ago, status, kind, fires", [
    (0, "open", "complaint", False),        # the deadline day itself is not past
    (1, "open", "complaint", True),
    (1, "in_progress", "complaint", True),
    (5, "resolved", "complaint", False),
    (5, "open", "feedback", False),         # only complaints
])
def test_complaint_overdue(store, org, deadline_days_ago, status, kind, fires):
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 40), ("after_sales", 30)))
    complaint(store, cid, deadline_days_ago, status=status, kind=kind)
    evaluate(store)
    assert open_rules(store, cid) == ({"complaint_overdue"} if fires else set())
    if fires:
        assert store.scalar("SELECT level FROM risks WHERE customer_id = $c", {"c": cid}) == "red"


@pytest.mark.parametrize("scores, fires", [
    ([3], False), ([2], True), ([1, 4], False), ([5, 2], True),
])
def test_low_satisfaction_uses_the_latest_score(store, org, scores, fires):
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 40), ("after_sales", 30)))
    for i, score in enumerate(scores):
        survey(store, cid, score, days_ago=20 - i)
    survey(store, cid, 0, days_ago=1, scale="nps")  # NPS answers are another question
    evaluate(store)
    assert open_rules(store, cid) == ({"low_satisfaction"} if fires else set())


def test_thresholds_and_switches_come_from_the_settings(store, org):
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 100), ("proposal", 50)))
    follow_up(store, cid, rep, 35)
    evaluate(store)
    assert open_rules(store, cid) == {"silent_30d", "stage_stalled"}
    config = risks.rules(store)
    config["silent_30d"]["days"] = 40
    config["stage_stalled"]["enabled"] = False
    changes = risks.save(store, org["admin"], config, now=NOW)
    assert changes.closed == 2
    assert open_rules(store, cid) == set()
    assert settings.get(store, "risk_rules")["silent_30d"]["days"] == 40


def test_invalid_settings_are_refused(store, org):
    config = risks.rules(store)
    config["silent_60d"]["days"] = 20
    with pytest.raises(risks.RuleError) as err:
        risks.save(store, org["admin"], config)
    assert err.value.key == "error_silent_order"
    config = risks.rules(store)
    config["stage_stalled"]["days"] = 0
    with pytest.raises(risks.RuleError):
        risks.save(store, org["admin"], config)
    # every wrong number of one save is named at once (the second was said only on the next try)
    config = risks.rules(store)
    config["silent_30d"]["days"], config["silent_60d"]["days"] = -5, 2.5
    with pytest.raises(risks.RuleError) as err:
        risks.save(store, org["admin"], config)
    assert [(e.key, e.values["rule"]) for e in err.value.all] == [
        ("error_threshold", "silent_30d"), ("error_threshold", "silent_60d")]
    with pytest.raises(risks.RuleError) as err:
        risks.save_days(store, org["admin"], "feedback_deadline_days", {"high": 0, "medium": 400, "low": 14},
                        ("high", "medium", "low"))
    assert [e.values["code"] for e in err.value.all] == ["high", "medium"]


def test_rule_names_state_the_configured_days(store, org):
    assert risks.rule_names(store, org["rep1"], "zh_CN")["silent_30d"] == "30天无有效跟进"
    config = risks.rules(store)
    config["silent_30d"]["days"], config["silent_60d"]["days"] = 45, 90
    risks.save(store, org["admin"], config, now=NOW)
    names = risks.rule_names(store, org["rep1"], "zh_CN")
    assert (names["silent_30d"], names["silent_60d"], names["stage_stalled"]) == ("45天无有效跟进", "90天无有效跟进", "阶段停滞")
    assert risks.rule_names(store, org["rep1"], "en")["silent_60d"] == "No effective follow-up for 90 days"
    assert risks.rule_name("silent_30d", "zh_CN") == "30天无有效跟进"  # no rules given: the catalog's name
    # the two silence rules' order, refused with the days typed (their names would state those)
    config["silent_60d"]["days"] = 40
    with pytest.raises(risks.RuleError) as err:
        risks.save(store, org["admin"], config)
    assert (err.value.key, err.value.values) == ("error_silent_order", {"long": 40, "short": 45})


def test_level_change_updates_open_risks(store, org):
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 100), ("proposal", 50)))
    follow_up(store, cid, rep, 3)
    evaluate(store)
    config = risks.rules(store)
    config["stage_stalled"]["level"] = "red"
    changes = risks.save(store, org["admin"], config, now=NOW)
    assert changes == risks.Changes(updated=1)
    assert store.scalar("SELECT level FROM risks WHERE customer_id = $c", {"c": cid}) == "red"


def test_cadence_and_deadline_days_are_checked_and_stored(store, org):
    from pipelines.codes import SEVERITIES, STAGES

    cadence = {**settings.get(store, "cadence_days"), "proposal": 9}
    assert risks.save_days(store, org["admin"], "cadence_days", cadence, STAGES)["proposal"] == 9
    assert settings.get(store, "cadence_days")["proposal"] == 9
    with pytest.raises(risks.RuleError):
        risks.save_days(store, org["admin"], "feedback_deadline_days", {"high": 0, "medium": 7, "low": 14}, SEVERITIES)
    with pytest.raises(NotPermitted):
        risks.save_days(store, org["manager1"], "cadence_days", cadence, STAGES)


def test_saving_the_values_in_force_writes_nothing(store, org):
    """The form sent back unchanged (or with a value the browser kept to itself): no write, no
    audit entry whose before and after are the same, and the caller can say nothing changed."""
    from pipelines.codes import STAGES

    audits = "SELECT count(*) FROM audit_log WHERE action = 'settings'"
    before = store.scalar(audits)
    assert risks.save(store, org["admin"], risks.rules(store), now=NOW) is None
    assert risks.save_days(store, org["admin"], "cadence_days", settings.get(store, "cadence_days"), STAGES) is None
    assert store.scalar(audits) == before


def test_a_rule_firing_again_since_the_same_moment_reopens_its_risk(store, org):
    """A follow-up deleted and restored: the silence it broke comes back with the same start,
    and goes again. One risk in the customer's history, opened twice and closed twice (was a
    second resolved row with the same start)."""
    rep = org["rep1"]
    cid = customer(store, rep, changes=(("initial_contact", 200), ("needs_confirmed", 30)))
    follow_up(store, cid, rep, 40)
    evaluate(store)
    assert open_rules(store, cid) == {"silent_30d"}
    fresh = follow_up(store, cid, rep, 2)
    evaluate(store)
    for deleted in ("now()", "NULL"):  # the follow-up deleted, then restored
        store.cursor().execute(f"UPDATE follow_ups SET deleted_at = {deleted} WHERE id = $i", {"i": fresh})
        evaluate(store)
    rows = store.query("SELECT id, status FROM risks WHERE customer_id = $c AND rule = 'silent_30d'", {"c": cid})
    assert rows["status"].to_list() == ["resolved"], rows
    events = store.query("SELECT action FROM risk_events WHERE risk_id = $r ORDER BY id", {"r": rows["id"][0]})
    assert events["action"].to_list() == ["opened", "closed", "opened", "closed"]
    assert open_rules(store, cid) == set()

