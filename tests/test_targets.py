"""Setting monthly targets: who may, what is written, the audit entry, all-or-nothing saves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from pipelines import metrics, targets
from pipelines.access import NotPermitted
from pipelines.filters import Filters
from pipelines.models import TargetIn

OCT = date(2026, 10, 1)


def target(org, rep: str, amount: str = "80000") -> TargetIn:
    return TargetIn(rep_id=org[rep].id, month=date(2026, 10, 15), amount=Decimal(amount), effective_follow_ups=40)


def test_manager_sets_own_team_targets_with_audit(store, org):
    assert targets.save(store, org["manager1"], [target(org, "rep1"), target(org, "rep2", "60000")]) == 2
    got = metrics.targets(store, org["manager1"], Filters(date_from=OCT, date_to=date(2026, 10, 31)))
    assert dict(zip(got["rep_id"].to_list(), got["target_amount"].to_list())) == {
        org["rep1"].id: 80000.0, org["rep2"].id: 60000.0}
    assert store.scalar("SELECT month FROM targets WHERE rep_id = $r", {"r": org["rep1"].id}) == OCT
    # an edit updates the same row and records before/after
    assert targets.save(store, org["manager1"], [target(org, "rep1", "90000")]) == 1
    assert store.scalar("SELECT count(*) FROM targets") == 2
    audit = store.query("SELECT action, username, before, after FROM audit_log WHERE table_name = 'targets'"
                        " ORDER BY id")
    assert audit["action"].to_list() == ["create", "create", "update"]
    assert audit["username"].to_list() == ["manager1"] * 3
    assert "80000" in audit["before"][2] and "90000" in audit["after"][2]
    assert targets.save(store, org["manager1"], [target(org, "rep1", "90000")]) == 0  # unchanged


def test_manager_cannot_set_another_teams_target_and_nothing_is_saved(store, org):
    with pytest.raises(NotPermitted):
        targets.save(store, org["manager1"], [target(org, "rep1"), target(org, "rep3")])
    assert store.scalar("SELECT count(*) FROM targets") == 0


@pytest.mark.parametrize("who", ["leader", "rep1"])
def test_leader_and_reps_may_not_set_targets(store, org, who):
    with pytest.raises(NotPermitted):
        targets.save(store, org[who], [target(org, "rep1")])
    assert store.scalar("SELECT count(*) FROM targets") == 0


def test_admin_sets_any_rep_but_not_a_manager(store, org):
    assert targets.save(store, org["admin"], [target(org, "rep3")]) == 1
    with pytest.raises(NotPermitted):
        targets.save(store, org["admin"], [TargetIn(rep_id=org["manager1"].id, month=OCT)])


def test_negative_target_is_refused_by_the_model(org):
    with pytest.raises(ValueError):
        target(org, "rep1", "-1")


@pytest.mark.parametrize(("amount", "effective", "new", "expected"), [
    ("290,000", "40", "3", (Decimal(290000), 40, 3)),
    ("¥290000", "1,200", " 3 ", (Decimal(290000), 1200, 3)),
    ("29万", "", None, (Decimal(290000), 0, 0)),
    ("29.5万元", "40", "3", (Decimal(295000), 40, 3)),
    (None, None, None, (Decimal(0), 0, 0)),
])
def test_targets_grid_reads_amounts_as_people_type_them(amount, effective, new, expected):
    got = targets.from_cells(1, date(2026, 12, 1), amount, effective, new)
    assert (got.amount, got.effective_follow_ups, got.new_customers) == expected


@pytest.mark.parametrize(("amount", "effective", "new", "refused"), [
    ("-50000", "40", "3", {"amount": "greater_than_equal"}),
    ("29万", "1.5", "三", {"effective_follow_ups": "int_parsing", "new_customers": "int_parsing"}),
    ("290000.555", "-1", "3", {"amount": "decimal_max_places", "effective_follow_ups": "greater_than_equal"}),
    ("abc万", "40", "3", {"amount": "decimal_parsing"}),
])
def test_targets_grid_refuses_what_it_cannot_read(amount, effective, new, refused):
    with pytest.raises(ValidationError) as caught:
        targets.from_cells(1, date(2026, 12, 1), amount, effective, new)
    assert {e["loc"][0]: e["type"] for e in caught.value.errors()} == refused


def test_targets_grid_shows_amounts_with_separators():
    assert targets.amount_text(Decimal(290000)) == "290,000"
    assert targets.amount_text(Decimal("1234.5")) == "1,234.50"
    assert targets.amount_text(None) == "0"
