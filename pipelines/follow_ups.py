"""Follow-ups: the write path a rep uses dozens of times a day, and its edits.

Saving a follow-up is one short transaction: the row, a stage change when the stage moves
(gates enforced), the audit entry, and the re-evaluation of the customer's risks.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from pipelines import rows
from pipelines.access import Actor, NotPermitted
from pipelines.customers import apply_stage_change, check_seen_stage, load_for_write
from pipelines.models import FollowUpIn
from pipelines.store import Store

# Called with (cursor, [customer_id], created) after every write that can change a customer's risks;
# `created`: those of the customers this transaction inserted (an import), which no other
# transaction can see yet.
after_write_hooks: list = []


def run_hooks(cur, customer_ids: list[int], created: Collection[int] = ()) -> None:
    for hook in after_write_hooks:
        hook(cur, customer_ids, created)


def add(store: Store, actor: Actor, follow_up: FollowUpIn, override_reason: str | None = None,
        seen_stage: str | None = None) -> int:
    """Save a follow-up; raises StageRuleBlocked when the stage change breaks a gate, and
    StageMovedMeanwhile when it would change a stage other than `seen_stage`, the one the form showed."""
    if follow_up.rep_id != actor.id and actor.role not in ("manager", "admin"):
        raise NotPermitted("只能以自己的名义记录跟进。", "You can only log follow-ups as yourself.")
    values = follow_up.model_dump()

    def work(cur):
        customer = load_for_write(cur, actor, follow_up.customer_id)
        check_seen_stage(cur, customer, seen_stage, follow_up.stage_after)
        fid = rows.insert(cur, actor, "follow_ups", values)
        if follow_up.stage_after and follow_up.stage_after != customer["stage"]:
            apply_stage_change(cur, actor, customer, follow_up.stage_after, follow_up.occurred_at,
                               follow_up_id=fid, override_reason=override_reason)
        run_hooks(cur, [follow_up.customer_id])
        return fid

    return store.write(work)


def _load(cur, actor: Actor, follow_up_id: int, include_deleted: bool = False) -> dict:
    row = rows.fetch_one(cur, "follow_ups", follow_up_id)
    if row is None or (row["deleted_at"] is not None and not include_deleted):
        raise NotPermitted("跟进记录不存在或已删除。", "The follow-up does not exist or was deleted.")
    load_for_write(cur, actor, row["customer_id"])
    if actor.role == "rep" and row["rep_id"] != actor.id:
        raise NotPermitted("只能修改自己的跟进记录。", "You can only change your own follow-ups.")
    return row


def update(store: Store, actor: Actor, follow_up_id: int, follow_up: FollowUpIn,
           fields: Collection[str] | None = None) -> None:
    """Edit a follow-up's content; a stage move is made by a new follow-up, not by an edit.
    `fields`: only those are written (rows.only), the ones an edit form changed."""
    values = rows.only(follow_up.model_dump(exclude={"customer_id", "rep_id", "stage_after"}), fields)

    def work(cur):
        row = _load(cur, actor, follow_up_id)
        rows.update(cur, actor, "follow_ups", follow_up_id, values)
        run_hooks(cur, [row["customer_id"]])

    store.write(work)


def delete(store: Store, actor: Actor, follow_up_id: int) -> tuple[str | None, str] | None:
    """Soft delete, recoverable with restore(). Returns the stage change the follow-up made
    (from_stage, to_stage), which stays: the stage history keeps every change, and a stage is
    moved back by a new follow-up."""
    def work(cur):
        row = _load(cur, actor, follow_up_id)
        rows.update(cur, actor, "follow_ups", follow_up_id, {"deleted_at": datetime.now(UTC)},
                    action="delete")
        run_hooks(cur, [row["customer_id"]])
        return cur.execute("SELECT from_stage, to_stage FROM stage_changes WHERE follow_up_id = $id"
                           " AND deleted_at IS NULL ORDER BY id DESC LIMIT 1", {"id": follow_up_id}).fetchone()

    made = store.write(work)
    return tuple(made) if made else None


def restore(store: Store, actor: Actor, follow_up_id: int) -> None:
    def work(cur):
        row = _load(cur, actor, follow_up_id, include_deleted=True)
        rows.update(cur, actor, "follow_ups", follow_up_id, {"deleted_at": None}, action="restore")
        run_hooks(cur, [row["customer_id"]])

    store.write(work)


def _evaluate_risks(cur, customer_ids: list[int], created: Collection[int] = ()) -> None:
    """Re-evaluate the touched customers' computed risks (imported here lazily: the rule engine
    reads settings and SQL files that this module does not need)."""
    from pipelines.rules import risks

    risks.evaluate_hook(cur, customer_ids, created)


after_write_hooks.append(_evaluate_risks)
