"""Contacts, needs and contracts of a customer: add, edit, soft delete and restore, for an acting user.

The three hang off a customer the same way, so one set of functions serves them, keyed by the
model: whoever may change the customer (its owner, the owner's manager, an admin) may change
them; every change is audited (pipelines.rows). A contract's signing rep must be someone the
actor may act for (a rep: themselves).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from pipelines import rows
from pipelines.access import Actor, NotPermitted
from pipelines.customers import check_owner, load_for_write
from pipelines.follow_ups import run_hooks
from pipelines.models import ContactIn, ContractIn, NeedIn
from pipelines.store import Store

Record = ContactIn | NeedIn | ContractIn
TABLES: dict[type, str] = {ContactIn: "contacts", NeedIn: "needs", ContractIn: "contracts"}


def _check(cur, actor: Actor, record: Record) -> None:
    load_for_write(cur, actor, record.customer_id)
    if isinstance(record, ContractIn):
        check_owner(cur, actor, record.rep_id)


def add(store: Store, actor: Actor, record: Record) -> int:
    """Store a new contact, need or contract of a customer the actor may change."""
    table = TABLES[type(record)]

    def work(cur):
        _check(cur, actor, record)
        row_id = rows.insert(cur, actor, table, record.model_dump())
        run_hooks(cur, [record.customer_id])
        return row_id

    return store.write(work)


def _load(cur, actor: Actor, table: str, row_id: int, include_deleted: bool = False) -> dict:
    row = rows.fetch_one(cur, table, row_id)
    if row is None or (row["deleted_at"] is not None and not include_deleted):
        raise NotPermitted("记录不存在或已删除。", "The record does not exist or was deleted.")
    load_for_write(cur, actor, row["customer_id"])
    return row


def update(store: Store, actor: Actor, row_id: int, record: Record, fields: Collection[str] | None = None) -> None:
    """Edit a contact, need or contract; it stays with its customer. `fields`: only those are
    written (rows.only), the ones an edit form changed."""
    table = TABLES[type(record)]
    values = rows.only(record.model_dump(exclude={"customer_id"}), fields)

    def work(cur):
        row = _load(cur, actor, table, row_id)
        if row["customer_id"] != record.customer_id:
            raise NotPermitted("记录不属于该客户。", "The record belongs to another customer.")
        if isinstance(record, ContractIn):
            check_owner(cur, actor, record.rep_id)
        rows.update(cur, actor, table, row_id, values)
        run_hooks(cur, [row["customer_id"]])

    store.write(work)


def delete(store: Store, actor: Actor, table: str, row_id: int) -> None:
    """Soft delete (recoverable with restore)."""
    _require_table(table)

    def work(cur):
        row = _load(cur, actor, table, row_id)
        rows.update(cur, actor, table, row_id, {"deleted_at": datetime.now(UTC)}, action="delete")
        run_hooks(cur, [row["customer_id"]])

    store.write(work)


def restore(store: Store, actor: Actor, table: str, row_id: int) -> None:
    _require_table(table)

    def work(cur):
        row = _load(cur, actor, table, row_id, include_deleted=True)
        rows.update(cur, actor, table, row_id, {"deleted_at": None}, action="restore")
        run_hooks(cur, [row["customer_id"]])

    store.write(work)


def _require_table(table: str) -> None:
    if table not in TABLES.values():
        raise ValueError(table)
