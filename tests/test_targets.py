"""Setting monthly targets: who may, what is written, the audit entry, all-or-nothing saves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

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
