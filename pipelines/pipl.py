"""PIPL duties: reveal a masked contact (audited), export all held about a person, erase on request.

Erasure anonymises in place so the statistics stay (follow-up counts, stages, amounts): names,
phones, emails, WeChat IDs and free text are replaced, the audit log's before/after values for
those rows (and any other entry quoting the erased values) are redacted, and the erasure itself
is audited without the erased values. Each erasure is also noted (ids only) in a ledger beside
the database file, so restoring an older backup erases the person again.

These are admin functions (a PIPL request is handled by an administrator) and read the raw
tables on purpose: the export must include soft-deleted rows, which the v_* scope hides.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from pipelines import audit, config, exports
from pipelines.access import Actor, NotPermitted, require_role
from pipelines.sql import scoped
from pipelines.store import Store
from pipelines.validators import phone_national

ERASED = "[已删除]"  # the stand-in for erased text, in exports and on pages
KINDS = ("customer", "contact")
# Tables hanging off a customer, with their free-text columns that may quote a person.
CUSTOMER_TABLES: dict[str, tuple[str, ...]] = {
    "contacts": (), "needs": ("description", "pain_point", "impact"),
    "contracts": ("products", "scenario"),
    "follow_ups": ("summary", "participants", "outcome", "next_action"),
    "stage_changes": ("override_reason",), "ownership_changes": (), "risks": ("note", "evidence"),
    "feedback": ("description", "resolution_note"), "surveys": ("comment",),
}
_REQUIRED_TEXT = {"description", "summary"}  # NOT NULL columns get the stand-in, others NULL


class NotFound(NotPermitted):
    def __init__(self, kind: str, row_id: int):
        super().__init__(f"找不到{ '客户' if kind == 'customer' else '联系人'} #{row_id}。",
                         f"No {kind} #{row_id}.")


# -- reveal ----------------------------------------------------------------------------------

def reveal_contact(store: Store, actor: Actor, contact_id: int) -> dict[str, str | None]:
    """The full phone, email and WeChat ID of a contact the actor may see; audited."""
    sql, params = scoped(actor, "SELECT id, phone, email, wechat FROM v_contacts WHERE id = $id",
                         {"id": contact_id}, inline=True)
    df = store.query(sql, params)
    if df.is_empty():
        raise NotFound("contact", contact_id)
    row = df.row(0, named=True)
    store.write(lambda cur: audit.record(cur, actor, "reveal", "contacts", contact_id,
                                         detail="phone, email, wechat shown in full"))
    return {"phone": phone_national(row["phone"]) or None, "email": row["email"], "wechat": row["wechat"]}


# -- export ----------------------------------------------------------------------------------

def person_data(store: Store, actor: Actor, kind: str, row_id: int) -> dict[str, pl.DataFrame]:
    """Everything held about one customer or contact, one frame per table (admins; audited)."""
    require_role(actor, "admin")
    if kind not in KINDS:
        raise ValueError(kind)
    if kind == "customer":
        base = store.query("SELECT * FROM customers WHERE id = $id", {"id": row_id})
        if base.is_empty():
            raise NotFound(kind, row_id)
        out = {"customers": base}
        for table in CUSTOMER_TABLES:
            out[table] = store.query(f"SELECT * FROM {table} WHERE customer_id = $id ORDER BY id", {"id": row_id})
        rows = {t: df["id"].to_list() for t, df in out.items()}
    else:
        base = store.query("SELECT * FROM contacts WHERE id = $id", {"id": row_id})
        if base.is_empty():
            raise NotFound(kind, row_id)
        contact = base.row(0, named=True)
        out = {"contacts": base,
               "follow_ups": store.query("SELECT * FROM follow_ups WHERE customer_id = $c AND"
                                    " (contains(coalesce(participants, ''), $n) OR contains(summary, $n))"
                                    " ORDER BY id", {"c": contact["customer_id"], "n": contact["name"]})}
        rows = {"contacts": [row_id]}
    out["audit_log"] = _audit_entries(store, rows)
    total = sum(df.height for df in out.values())
    exports.audited_export(store, actor, f"pipl_{kind}", total, "pipl", detail=f"{kind} #{row_id}")
    return out


def _audit_entries(store: Store, rows: dict[str, list[int]]) -> pl.DataFrame:
    pairs = [(t, i) for t, ids in rows.items() for i in ids]
    if not pairs:
        return store.query("SELECT * FROM audit_log WHERE false", {})
    keys = pl.DataFrame({"t": [p[0] for p in pairs], "i": [p[1] for p in pairs]})
    cur = store.cursor()
    cur.register("pipl_keys", keys.to_arrow())
    try:
        return cur.execute("SELECT a.* FROM audit_log a JOIN pipl_keys k ON a.table_name = k.t AND a.row_id = k.i"
                           " ORDER BY a.id").pl()
    finally:
        cur.unregister("pipl_keys")


def to_json_bytes(data: dict[str, pl.DataFrame]) -> bytes:
    doc = {t: df.to_dicts() for t, df in data.items()}
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str).encode("utf-8")


# -- erasure ---------------------------------------------------------------------------------

def placeholder(kind: str, row_id: int) -> str:
    """The stored name of an erased person or customer: no English word in a Chinese table."""
    return f"{ERASED} #{row_id}"


def erase(store: Store, actor: Actor, kind: str, row_id: int, reason: str = "",
          ledger: bool = True) -> dict[str, int]:
    """Anonymise one customer (with its contacts and free text) or one contact; returns counts."""
    require_role(actor, "admin")
    if kind not in KINDS:
        raise ValueError(kind)

    def work(cur):
        counts = _erase_customer(cur, row_id) if kind == "customer" else _erase_contact(cur, row_id)
        audit.record(cur, actor, "erase", "customers" if kind == "customer" else "contacts", row_id,
                     detail=f"PIPL erasure of {kind} #{row_id}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                     + (f"; {reason}" if reason else ""))
        return counts

    counts = store.write(work)
    if ledger:
        _note_erasure(store, kind, row_id)
    return counts


def _erase_customer(cur, cid: int) -> dict[str, int]:
    row = cur.execute("SELECT name, uscc, group_name FROM customers WHERE id = $id", {"id": cid}).fetchone()
    if row is None:
        raise NotFound("customer", cid)
    secrets = [v for v in row if v]
    cur.execute("UPDATE customers SET name = $p, uscc = NULL, group_name = NULL, name_initials = NULL,"
                " updated_at = current_timestamp WHERE id = $id", {"p": placeholder("customer", cid), "id": cid})
    touched = {"customers": [cid]}
    contact_ids = [r[0] for r in cur.execute("SELECT id FROM contacts WHERE customer_id = $c", {"c": cid}).fetchall()]
    for contact_id in contact_ids:
        secrets += _anonymise_contact(cur, contact_id)
    touched["contacts"] = contact_ids
    for table, columns in CUSTOMER_TABLES.items():
        ids = [r[0] for r in cur.execute(f"SELECT id FROM {table} WHERE customer_id = $c", {"c": cid}).fetchall()]
        touched.setdefault(table, ids)
        if columns and ids:
            sets = ", ".join(f"{c} = {'$p' if c in _REQUIRED_TEXT else 'NULL'}" for c in columns)
            params = {"c": cid, **({"p": ERASED} if _REQUIRED_TEXT & set(columns) else {})}
            cur.execute(f"UPDATE {table} SET {sets}, updated_at = current_timestamp WHERE customer_id = $c", params)
    redacted = _redact_audit(cur, touched, secrets)
    return {"rows": sum(len(v) for v in touched.values()), "audit_entries": redacted}


def _anonymise_contact(cur, contact_id: int) -> list[str]:
    row = cur.execute("SELECT name, phone, email, wechat, position FROM contacts WHERE id = $id",
                      {"id": contact_id}).fetchone()
    if row is None:
        raise NotFound("contact", contact_id)
    cur.execute("UPDATE contacts SET name = $p, phone = NULL, email = NULL, wechat = NULL, position = NULL,"
                " updated_at = current_timestamp WHERE id = $id",
                {"p": placeholder("contact", contact_id), "id": contact_id})
    secrets = [v for v in row if v]
    if row[1]:
        secrets.append(phone_national(row[1]))  # the form people type it in
    return secrets


def _erase_contact(cur, contact_id: int) -> dict[str, int]:
    found = cur.execute("SELECT customer_id, name FROM contacts WHERE id = $id", {"id": contact_id}).fetchone()
    if found is None:
        raise NotFound("contact", contact_id)
    customer_id, name = found
    secrets = _anonymise_contact(cur, contact_id)
    # and out of the customer's contacts: a "[已删除] #2402 · 决策者" row was still listed, editable,
    # and counted as the customer's decision maker
    cur.execute("UPDATE contacts SET deleted_at = coalesce(deleted_at, current_timestamp) WHERE id = $id",
                {"id": contact_id})
    # The contact's name quoted in the customer's follow-ups (participants, summary) goes too.
    fu = cur.execute("UPDATE follow_ups SET participants = replace(participants, $n, $e),"
                     " summary = replace(summary, $n, $e), outcome = replace(outcome, $n, $e),"
                     " next_action = replace(next_action, $n, $e), updated_at = current_timestamp"
                     " WHERE customer_id = $c AND (contains(coalesce(participants, ''), $n)"
                     " OR contains(summary, $n) OR contains(coalesce(outcome, ''), $n)"
                     " OR contains(coalesce(next_action, ''), $n)) RETURNING id",
                     {"n": name, "e": ERASED, "c": customer_id}).fetchall()
    redacted = _redact_audit(cur, {"contacts": [contact_id], "follow_ups": [r[0] for r in fu]}, secrets)
    return {"rows": 1 + len(fu), "audit_entries": redacted}


def _redact_audit(cur, touched: dict[str, list[int]], secrets: list[str]) -> int:
    """Redact before/after of the erased rows' entries, and the erased values wherever quoted."""
    n = 0
    for table, ids in touched.items():
        if ids:
            n += len(cur.execute(
                "UPDATE audit_log SET before = CASE WHEN before IS NULL THEN NULL ELSE $r END,"
                " after = CASE WHEN after IS NULL THEN NULL ELSE $r END"
                " WHERE table_name = $t AND list_contains($ids, row_id) AND action <> 'erase' RETURNING id",
                {"r": json.dumps({"redacted": "PIPL"}), "t": table, "ids": ids}).fetchall())
    for value in sorted({s for s in secrets if len(s) >= 2}, key=len, reverse=True):
        quoted = json.dumps(value, ensure_ascii=False)[1:-1]  # as it appears inside JSON text
        n += len(cur.execute(
            "UPDATE audit_log SET before = replace(before, $q, $e), after = replace(after, $q, $e),"
            " detail = replace(detail, $v, $e) WHERE contains(coalesce(before, ''), $q)"
            " OR contains(coalesce(after, ''), $q) OR contains(coalesce(detail, ''), $v) RETURNING id",
            {"q": quoted, "v": value, "e": ERASED}).fetchall())
    return n


# -- ledger: erasures survive a restore of an older backup ------------------------------------

def ledger_path(store: Store) -> Path | None:
    """Beside the database file; for a server database, in the data folder under a digest of its URL."""
    if store.location == ":memory:":
        return None
    if "://" in store.location:
        digest = hashlib.sha256(store.location.encode()).hexdigest()[:16]
        folder = config.data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"erasures-{digest}.jsonl"
    return Path(f"{store.location}.erasures.jsonl")


def _note_erasure(store: Store, kind: str, row_id: int) -> None:
    path = ledger_path(store)
    if path is None:
        return
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": kind, "id": row_id, "at": datetime.now(UTC).isoformat()}) + "\n")


def erasures(store: Store) -> list[dict[str, Any]]:
    path = ledger_path(store)
    if path is None or not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


REAPPLIED = "reapplied after restore"  # the note of an erasure made again (audit_view says it in words)


def reapply_erasures(store: Store, actor: Actor, also: list[dict[str, Any]] = ()) -> int:
    """Erase again every ledger entry (and each of `also`) that a restored backup brought back; returns how many."""
    done = 0
    for entry in [*erasures(store), *also]:
        table = "customers" if entry["kind"] == "customer" else "contacts"
        name = store.scalar(f"SELECT name FROM {table} WHERE id = $id", {"id": entry["id"]})
        if name is None or name == placeholder(entry["kind"], entry["id"]):
            continue
        erase(store, actor, entry["kind"], entry["id"], reason=REAPPLIED, ledger=False)
        done += 1
    return done
