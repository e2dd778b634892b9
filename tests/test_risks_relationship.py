"""Feedback and complaints (deadline by severity, status moves with notes, time to resolve),
surveys (csat average, NPS), and the risk rules they feed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipelines import relationship
from pipelines.access import NotPermitted
from pipelines.models import FeedbackIn, SurveyIn
from pipelines.risk_actions import RiskActionError
from tests.helpers_risks import at, customer, open_rules


@pytest.fixture
def cid(store, org):
    return customer(store, org["rep1"], changes=(("initial_contact", 40), ("after_sales", 30)))


def test_complaint_deadline_by_severity_and_its_moves(store, org, cid):
    rep1 = org["rep1"]
    created = at(10)
    fid = relationship.record_feedback(store, rep1, FeedbackIn(customer_id=cid, kind="complaint", severity="high",
                                                                description="设备故障响应慢"), at=created)
    row = store.query("SELECT deadline, owner_id, status FROM feedback WHERE id = $i", {"i": fid}).row(0, named=True)
    assert row == {"deadline": created.date() + timedelta(days=3), "owner_id": rep1.id, "status": "open"}
    assert "complaint_overdue" in open_rules(store, cid)  # written 10 days ago with a 3-day deadline
    relationship.move_feedback(store, rep1, fid, "in_progress", "已安排工程师", at=at(5))
    with pytest.raises(RiskActionError):
        relationship.move_feedback(store, rep1, fid, "resolved")  # resolving needs a note
    relationship.move_feedback(store, rep1, fid, "resolved", "更换配件,客户确认", at=at(0))
    assert "complaint_overdue" not in open_rules(store, cid)
    moves = relationship.feedback_history(store, rep1, fid)
    assert moves["to_status"].to_list() == ["open", "in_progress", "resolved"]
    listed = relationship.customer_feedback(store, rep1, cid).row(0, named=True)
    assert listed["days_to_resolve"] == 10.0 and listed["overdue"] is False
    summary = relationship.feedback_summary(store, org["manager1"], date(2026, 1, 1), date(2026, 12, 31))
    assert summary["resolved"] == 1 and summary["avg_days_to_resolve"] == 10.0


def test_feedback_of_another_team_is_refused(store, org, cid):
    with pytest.raises(NotPermitted):
        relationship.record_feedback(store, org["rep3"], FeedbackIn(customer_id=cid, kind="feedback",
                                                                    description="x"))
    with pytest.raises(NotPermitted):
        relationship.record_survey(store, org["leader"], SurveyIn(customer_id=cid, score=4, surveyed_on=date(2026, 10, 1)))


def test_survey_summary_and_low_satisfaction(store, org, cid):
    rep1 = org["rep1"]
    for score, day in ((4, 1), (2, 20)):
        relationship.record_survey(store, rep1, SurveyIn(customer_id=cid, score=score, surveyed_on=date(2026, 10, day)))
    assert "low_satisfaction" in open_rules(store, cid)
    for score in (10, 9, 8, 3):
        relationship.record_survey(store, rep1, SurveyIn(customer_id=cid, scale="nps", score=score,
                                                         surveyed_on=date(2026, 10, 25)))
    summary = relationship.survey_summary(store, org["manager1"], date(2026, 10, 1), date(2026, 10, 31))
    assert summary == {"csat_count": 2, "csat_avg": 3.0, "nps_count": 4, "promoters": 2, "passives": 1,
                       "detractors": 1, "nps": 25.0}
    assert relationship.survey_summary(store, org["rep3"], date(2026, 10, 1), date(2026, 10, 31))["csat_count"] == 0
    relationship.record_survey(store, rep1, SurveyIn(customer_id=cid, score=5, surveyed_on=date(2026, 10, 30)))
    assert "low_satisfaction" not in open_rules(store, cid)


def test_csat_scores_outside_one_to_five_are_refused():
    with pytest.raises(ValueError):
        SurveyIn(customer_id=1, score=6, surveyed_on=date(2026, 10, 1))
