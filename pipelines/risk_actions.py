"""What people do with risks: raise one, acknowledge it, add a note, resolve it.

Each action takes the acting user: reps act on their own customers, managers on their
team's, admins on all; leadership is read-only. Each writes the risk row, its history entry
(`risk_events`) and the audit entry in one transaction. A computed risk closes itself when
its condition ends, so only raised risks are resolved by a person (a computed one would
reopen at the next evaluation); computed ones can be acknowledged and annotated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pipelines import audit, customer_activity, rows
from pipelines.access import Actor, NotPermitted
from pipelines.codes import RAISED_RULES
from pipelines.customers import load_for_write
from pipelines.models import RiskIn
from pipelines.rules import risks
from pipelines.store import Store

OPEN_STATUSES = ("open", "acknowledged")


class RiskActionError(ValueError):
    """A refused action; `key` is a catalog key under `risk.` and `values` its placeholders."""

    def __init__(self, key: str, **values: Any):
        super().__init__(key)
        self.key, self.values = key, values


def _event(cur, risk: dict, action: str, actor: Actor, at: datetime, note: str | None = None) -> None:
    cur.execute("INSERT INTO risk_events (risk_id, customer_id, action, rule, level, note, actor_id, happened_at)"
                " VALUES ($r, $c, $a, $rule, $level, $note, $by, $at)",
                {"r": risk["id"], "c": risk["customer_id"], "a": action, "rule": risk["rule"],
                 "level": risk["level"], "note": note, "by": actor.id, "at": at})


def _clean(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > 4000:
        raise RiskActionError("error_note_long", max=4000)
    return text or None


def raise_risk(store: Store, actor: Actor, customer_id: int, rule: str, note: str | None = None,
               level: str | None = None, at: datetime | None = None) -> int:
    """Raise a risk by hand; `manual` needs a note and takes the chosen level (red or yellow)."""
    if rule not in RAISED_RULES:
        raise RiskActionError("error_not_raised", rule=rule)
    note = _clean(note)
    if rule == "manual" and (note is None or level not in ("red", "yellow")):
        raise RiskActionError("error_manual")
    at = at or datetime.now(UTC)

    def work(cur):
        load_for_write(cur, actor, customer_id)
        config = risks.rules_in(cur)
        if not config[rule]["enabled"]:
            raise RiskActionError("error_disabled", rule=rule)
        chosen = risks.raised_level(config, rule, level)
        RiskIn(customer_id=customer_id, level=chosen, rule=rule, note=note)  # the model's checks
        if rule != "manual" and cur.execute(
                "SELECT count(*) FROM risks WHERE customer_id = $c AND rule = $r AND status <> 'resolved'",
                {"c": customer_id, "r": rule}).fetchone()[0]:
            raise RiskActionError("error_already_open", rule=rule)
        values = {"customer_id": customer_id, "level": chosen, "rule": rule, "note": note, "status": "open",
                  "raised_at": at, "raised_by": actor.id}
        risk_id = rows.insert(cur, actor, "risks", values)
        _event(cur, {"id": risk_id, **values}, "raised", actor, at, note)
        customer_activity.refresh(cur, [customer_id])
        return risk_id

    return store.write(work)


def _load(cur, actor: Actor, risk_id: int) -> dict:
    risk = rows.fetch_one(cur, "risks", risk_id)
    if risk is None:
        raise NotPermitted("风险不存在。", "The risk does not exist.")
    load_for_write(cur, actor, risk["customer_id"])
    return risk


def acknowledge(store: Store, actor: Actor, risk_id: int, note: str | None = None,
                at: datetime | None = None) -> None:
    """Mark an open risk as seen and being handled."""
    note = _clean(note)
    at = at or datetime.now(UTC)

    def work(cur):
        risk = _load(cur, actor, risk_id)
        if risk["status"] != "open":
            raise RiskActionError("error_not_open")
        rows.update(cur, actor, "risks", risk_id,
                    {"status": "acknowledged", "acknowledged_at": at, "acknowledged_by": actor.id})
        _event(cur, risk, "acknowledged", actor, at, note)
        customer_activity.refresh(cur, [risk["customer_id"]])

    store.write(work)


def add_note(store: Store, actor: Actor, risk_id: int, note: str, at: datetime | None = None) -> None:
    """Add a note to a risk's history (open or closed)."""
    text = _clean(note)
    if text is None:
        raise RiskActionError("error_note_empty")
    at = at or datetime.now(UTC)

    def work(cur):
        risk = _load(cur, actor, risk_id)
        _event(cur, risk, "note", actor, at, text)
        audit.record(cur, actor, "update", "risks", risk_id, after={"note": text}, detail="risk note")

    store.write(work)


def resolve(store: Store, actor: Actor, risk_id: int, note: str | None = None,
            at: datetime | None = None) -> None:
    """Close a raised risk; computed ones close themselves when their condition ends."""
    note = _clean(note)
    at = at or datetime.now(UTC)

    def work(cur):
        risk = _load(cur, actor, risk_id)
        if risk["status"] not in OPEN_STATUSES:
            raise RiskActionError("error_not_open")
        if risk["rule"] not in RAISED_RULES:
            raise RiskActionError("error_computed")
        if risk["level"] == "red" and not note:  # a red warning closed with no word of how stays a question
            raise RiskActionError("error_resolve_red_note")
        # the note says how it was resolved: in the audit entry too, beside the status it closes
        rows.update(cur, actor, "risks", risk_id, {"status": "resolved", "closed_at": at, "closed_by": actor.id},
                    detail=note)
        _event(cur, risk, "resolved", actor, at, note)
        customer_activity.refresh(cur, [risk["customer_id"]])

    store.write(work)
