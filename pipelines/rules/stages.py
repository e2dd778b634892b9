"""Stage transition rules (manual 1.2.5): gates a customer must pass to move forward.

A gate {to_stage, channel, min_count} applies to a forward move that enters `to_stage` or
skips past it. The rules govern changes made in the app; imported history is recorded as it
happened and only flagged (`rule_broken`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipelines import settings
from pipelines.codes import LOST, STAGE_RANK


@dataclass(frozen=True)
class Unmet:
    to_stage: str
    channel: str
    needed: int
    found: int


def gates_between(rules: list[dict], from_stage: str | None, to_stage: str) -> list[dict]:
    """The gates a move from `from_stage` to `to_stage` passes through."""
    if to_stage == LOST or from_stage == LOST:
        return []
    low = STAGE_RANK.get(from_stage, -1) if from_stage else -1
    high = STAGE_RANK[to_stage]
    return [r for r in rules if low < STAGE_RANK.get(r["to_stage"], -99) <= high]


def unmet_gates(cur, customer_id: int, from_stage: str | None, to_stage: str,
                at: datetime) -> list[Unmet]:
    """The gates of this move that the customer's follow-ups up to `at` do not meet."""
    rules = gates_between(settings.get_in(cur, "stage_rules") or [], from_stage, to_stage)
    unmet = []
    for rule in rules:
        found = cur.execute(
            "SELECT count(*) FROM follow_ups WHERE customer_id = $c AND channel = $ch"
            " AND deleted_at IS NULL AND occurred_at <= $at",
            {"c": customer_id, "ch": rule["channel"], "at": at}).fetchone()[0]
        if found < int(rule["min_count"]):
            unmet.append(Unmet(rule["to_stage"], rule["channel"], int(rule["min_count"]), found))
    return unmet
