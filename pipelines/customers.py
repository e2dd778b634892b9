"""Customers: create, edit, reassign, change stage, soft delete and restore, for an acting user."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from typing import Any

from pypinyin import Style, lazy_pinyin

from pipelines import audit, customer_activity, daily_summary, i18n, rows, stage_summary
from pipelines.access import Actor, FieldRefused, NotPermitted, can_write_owner, require_writer
from pipelines.codes import is_forward
from pipelines.models import CustomerIn
from pipelines.rules import stages
from pipelines.store import Store


def initials(name: str) -> str:
    """Pinyin initials for search: 杭州青禾 → hzqh (letters and digits kept as they are)."""
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()


class StageRuleBlocked(Exception):
    """A stage change that a gate forbids; a manager may override it with a reason."""

    def __init__(self, unmet: list[stages.Unmet]):
        super().__init__("stage rule not met")
        self.unmet = unmet


class StageMovedMeanwhile(Exception):
    """A save that would change a customer's stage from one its user did not see: someone else
    moved the customer (to 输单/流失, say) after the form was drawn. Saved as it was, the second
    save silently undid the first. `seen`: the stage the form showed; `now`, `by` (a name or
    None) and `at`: the stage stored and its last change."""

    def __init__(self, seen: str, now: str, by: str | None, at: datetime | None):
        super().__init__("stage moved meanwhile")
        self.seen, self.now, self.by, self.at = seen, now, by, at


def check_seen_stage(cur, customer: dict[str, Any], seen: str | None, to_stage: str | None) -> None:
    """Raise StageMovedMeanwhile when saving `to_stage` would change the stored stage and the user
    saw another one (`seen`, None: not known, nothing checked)."""
    if seen is None or customer["stage"] == seen or not to_stage or to_stage == customer["stage"]:
        return
    # the change recorded last (its time may be back-dated: a follow-up logged for yesterday)
    last = cur.execute("SELECT u.display_name, s.changed_at FROM stage_changes s LEFT JOIN users u"
                       " ON u.id = s.changed_by WHERE s.customer_id = $c AND s.deleted_at IS NULL"
                       " ORDER BY s.id DESC LIMIT 1", {"c": customer["id"]}).fetchone()
    raise StageMovedMeanwhile(seen, customer["stage"], last[0] if last else None, last[1] if last else None)


def _owner_team(cur, owner_id: int) -> int | None:
    row = cur.execute("SELECT team_id FROM users WHERE id = $id", {"id": owner_id}).fetchone()
    if row is None:
        raise NotPermitted("负责人不存在。", "The owner does not exist.")
    return row[0]


def check_owner(cur, actor: Actor, owner_id: int) -> None:
    """May the actor act on customers owned by `owner_id`?"""
    require_writer(actor)
    if not can_write_owner(actor, owner_id, _owner_team(cur, owner_id)):
        raise NotPermitted("只能操作自己(经理:本团队)的客户。",
                           "You may only change your own customers (managers: the team's).")


def load_for_write(cur, actor: Actor, customer_id: int, include_deleted: bool = False) -> dict[str, Any]:
    # Every write to a customer ends by rewriting its customer_activity row, and a transaction
    # conflicts on that row with each one that committed to it since it began. Touching the row
    # first keeps that window short: concurrent saves to one customer take turns (the later one
    # conflicts at once and is retried) instead of each failing at the end of its work.
    customer_activity.claim(cur, [customer_id])
    row = rows.fetch_one(cur, "customers", customer_id)
    if row is None or (row["deleted_at"] is not None and not include_deleted):
        raise NotPermitted("客户不存在或已删除。", "The customer does not exist or was deleted.")
    check_owner(cur, actor, row["owner_id"])
    return row


def check_unique(cur, actor: Actor, values: dict[str, Any], customer_id: int | None = None) -> None:
    """One customer per company (SPEC: the credit code is unique when present; the importer finds
    customers by code, else by exact name): a live customer with the same credit code, or the
    same name, refuses the value beside its field. Its name is said only to whoever may see it."""
    for refused in _clashes(cur, actor, values, customer_id):
        raise refused


def clashes(store: Store, actor: Actor, values: dict[str, Any], customer_id: int | None = None
            ) -> dict[str, FieldRefused]:
    """check_unique's refusals of every field at once, without writing: a form says them together
    with the model's own messages, rather than in a second round once those are mended."""
    return {r.field: r for r in _clashes(store.cursor(), actor, values, customer_id)}


def _clashes(cur, actor: Actor, values: dict[str, Any], customer_id: int | None) -> Iterator[FieldRefused]:
    for field in ("uscc", "name"):
        value = values.get(field)
        if not value:
            continue
        row = cur.execute(f"SELECT id, owner_id, name FROM customers WHERE {field} = $v AND deleted_at IS NULL"
                          " AND id <> $id ORDER BY id LIMIT 1", {"v": value, "id": customer_id or -1}).fetchone()
        if row is None:
            continue
        visible = actor.sees_all or can_write_owner(actor, row[1], _owner_team(cur, row[1]))
        key = f"error.customer_exists_{field}" if visible else "error.customer_exists_elsewhere"
        # a code's other customer by its name too: a number alone had to be looked up
        yield FieldRefused(field, *(i18n.t(key, lang, field=i18n.t(f"field.{field}", lang), id=row[0], name=row[2])
                                    for lang in ("zh_CN", "en")))


def create(store: Store, actor: Actor, customer: CustomerIn, at: datetime | None = None) -> int:
    """Add a customer; its first stage is recorded as its first stage change."""
    at = at or datetime.now(UTC)
    values = customer.model_dump()
    values["name_initials"] = initials(customer.name)

    def work(cur):
        check_owner(cur, actor, customer.owner_id)
        check_unique(cur, actor, values)
        cid = rows.insert(cur, actor, "customers", values)
        cur.execute("INSERT INTO stage_changes (customer_id, from_stage, to_stage, changed_at, changed_by)"
                    " VALUES ($c, NULL, $s, $at, $by)",
                    {"c": cid, "s": customer.stage, "at": at, "by": actor.id})
        stage_summary.add_customers(cur, [cid], +1)  # a new customer: nothing counted before
        return cid

    return store.write(work)


def update(store: Store, actor: Actor, customer_id: int, customer: CustomerIn,
           fields: Collection[str] | None = None) -> None:
    """Edit base information; owner and stage change through reassign() and change_stage().
    `fields`: only those are written (rows.only), the ones an edit form changed."""
    values = rows.only(customer.model_dump(exclude={"owner_id", "stage"}), fields)
    if "name" in values:
        values["name_initials"] = initials(customer.name)

    def work(cur):
        row = load_for_write(cur, actor, customer_id)
        # only a changed value is checked: an old pair of duplicates can still be edited
        check_unique(cur, actor, {f: values[f] for f in ("uscc", "name") if f in values and values[f] != row[f]},
                     customer_id)
        rows.update(cur, actor, "customers", customer_id, values)

    store.write(work)


def reassign(store: Store, actor: Actor, customer_id: int, to_owner_id: int) -> None:
    """Give a customer to another rep (managers: within the team); its history stays with it."""
    if actor.role not in ("manager", "admin"):
        raise NotPermitted("只有经理和管理员可以转交客户。", "Only managers and admins reassign customers.")

    def work(cur):
        row = load_for_write(cur, actor, customer_id)
        check_owner(cur, actor, to_owner_id)
        if row["owner_id"] == to_owner_id:
            return
        rows.update(cur, actor, "customers", customer_id, {"owner_id": to_owner_id}, action="reassign")
        cur.execute("INSERT INTO ownership_changes (customer_id, from_owner_id, to_owner_id, changed_at,"
                    " changed_by) VALUES ($c, $f, $t, current_timestamp, $by)",
                    {"c": customer_id, "f": row["owner_id"], "t": to_owner_id, "by": actor.id})
        _risk_hooks(cur, customer_id)

    store.write(work)


def apply_stage_change(cur, actor: Actor, customer: dict[str, Any], to_stage: str, at: datetime,
                       follow_up_id: int | None = None, override_reason: str | None = None) -> int | None:
    """Record a stage change inside the caller's transaction, enforcing the gates.

    A rep is stopped by an unmet gate; a manager or admin passes it only with a reason,
    which is stored with the change and in the audit log.
    """
    from_stage = customer["stage"]
    if to_stage == from_stage:
        return None
    unmet = stages.unmet_gates(cur, customer["id"], from_stage, to_stage, at)
    reason = (override_reason or "").strip() or None
    if unmet and (actor.role not in ("manager", "admin") or reason is None):
        raise StageRuleBlocked(unmet)
    # the customer's stage counts, out and in again: a back-dated change may become its first;
    # and a forward change converts the customer's follow-ups of the 14 days before it
    converts = is_forward(from_stage, to_stage)
    stage_summary.add_customers(cur, [customer["id"]], -1)
    if converts:
        daily_summary.add_window(cur, customer["id"], at, -1)
    change_id = cur.execute(
        "INSERT INTO stage_changes (customer_id, from_stage, to_stage, changed_at, changed_by, follow_up_id,"
        " override_reason, rule_broken) VALUES ($c, $f, $t, $at, $by, $fu, $r, $broken) RETURNING id",
        {"c": customer["id"], "f": from_stage, "t": to_stage, "at": at, "by": actor.id, "fu": follow_up_id,
         "r": reason if unmet else None, "broken": bool(unmet)}).fetchone()[0]
    stage_summary.add_customers(cur, [customer["id"]], +1)
    if converts:
        daily_summary.add_window(cur, customer["id"], at, +1)
    rows.update(cur, actor, "customers", customer["id"], {"stage": to_stage})
    if unmet:
        audit.record(cur, actor, "stage_override", "stage_changes", change_id,
                     after={"from": from_stage, "to": to_stage, "reason": reason},
                     detail="; ".join(f"{u.channel} {u.found}/{u.needed} before {u.to_stage}" for u in unmet))
    return change_id


def change_stage(store: Store, actor: Actor, customer_id: int, to_stage: str,
                 override_reason: str | None = None, at: datetime | None = None) -> int | None:
    at = at or datetime.now(UTC)

    def work(cur):
        row = load_for_write(cur, actor, customer_id)
        change_id = apply_stage_change(cur, actor, row, to_stage, at, override_reason=override_reason)
        _risk_hooks(cur, customer_id)
        return change_id

    return store.write(work)


def delete(store: Store, actor: Actor, customer_id: int) -> None:
    def work(cur):
        load_for_write(cur, actor, customer_id)
        rows.update(cur, actor, "customers", customer_id, {"deleted_at": datetime.now(UTC)},
                    action="delete")
        _risk_hooks(cur, customer_id)

    store.write(work)


def restore(store: Store, actor: Actor, customer_id: int) -> None:
    def work(cur):
        load_for_write(cur, actor, customer_id, include_deleted=True)
        rows.update(cur, actor, "customers", customer_id, {"deleted_at": None}, action="restore")
        _risk_hooks(cur, customer_id)

    store.write(work)


def _risk_hooks(cur, customer_id: int) -> None:
    """Re-evaluate the customer's risks in this transaction (follow_ups imports this module)."""
    from pipelines.follow_ups import run_hooks

    run_hooks(cur, [customer_id])
