"""Feedback, complaints and satisfaction surveys (manual 5.2, 5.3): the records that feed the
`complaint_overdue` and `low_satisfaction` risk rules.

A feedback's deadline defaults by severity (setting `feedback_deadline_days`); it moves
open → in_progress → resolved (and back to in_progress when reopened), each move with its
note in `feedback_events`. Every write re-evaluates the customer's risks in its transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from pipelines import rows, settings, sql
from pipelines.access import Actor
from pipelines.config import local_tz
from pipelines.customers import load_for_write
from pipelines.follow_ups import run_hooks
from pipelines.models import FeedbackIn, SurveyIn
from pipelines.risk_actions import RiskActionError
from pipelines.store import Store

# Allowed status moves: resolved can be reopened (back to in_progress).
MOVES: dict[str, tuple[str, ...]] = {"open": ("in_progress", "resolved"), "in_progress": ("resolved",),
                                     "resolved": ("in_progress",)}


def default_deadline(store: Store, severity: str, raised_on: date) -> date:
    """The deadline a feedback of this severity gets by default."""
    days = (settings.get(store, "feedback_deadline_days") or {}).get(severity)
    return raised_on + timedelta(days=int(days if days is not None else 14))


def _event(cur, actor: Actor, row: dict, from_status: str | None, to_status: str, note: str | None,
           at: datetime) -> None:
    cur.execute("INSERT INTO feedback_events (feedback_id, customer_id, from_status, to_status, note, actor_id,"
                " happened_at) VALUES ($f, $c, $from, $to, $note, $by, $at)",
                {"f": row["id"], "c": row["customer_id"], "from": from_status, "to": to_status, "note": note,
                 "by": actor.id, "at": at})


def record_feedback(store: Store, actor: Actor, feedback: FeedbackIn, at: datetime | None = None) -> int:
    """Record a feedback or complaint; owner defaults to the customer's owner, deadline by severity."""
    at = at or datetime.now(UTC)
    values = feedback.model_dump()
    if values["deadline"] is None:
        values["deadline"] = default_deadline(store, feedback.severity, at.astimezone(local_tz()).date())

    def work(cur):
        customer = load_for_write(cur, actor, feedback.customer_id)
        values["owner_id"] = values["owner_id"] or customer["owner_id"]
        fid = rows.insert(cur, actor, "feedback", {**values, "status": "open", "created_at": at})
        _event(cur, actor, {"id": fid, "customer_id": feedback.customer_id}, None, "open", None, at)
        run_hooks(cur, [feedback.customer_id])
        return fid

    return store.write(work)


def move_feedback(store: Store, actor: Actor, feedback_id: int, to_status: str, note: str | None = None,
                  at: datetime | None = None) -> None:
    """Move a feedback to `in_progress` or `resolved`, with a note (required to resolve)."""
    at = at or datetime.now(UTC)
    note = (note or "").strip() or None

    def work(cur):
        row = rows.fetch_one(cur, "feedback", feedback_id)
        if row is None or row["deleted_at"] is not None:
            raise RiskActionError("error_feedback_missing")
        load_for_write(cur, actor, row["customer_id"])
        if to_status not in MOVES.get(row["status"], ()):
            raise RiskActionError("error_feedback_move", status=row["status"], to=to_status)
        if to_status == "resolved" and note is None:
            raise RiskActionError("error_feedback_note")
        changes: dict[str, Any] = {"status": to_status}
        if to_status == "resolved":
            changes.update(resolved_at=at, resolution_note=note)
        else:
            changes.update(resolved_at=None)
        rows.update(cur, actor, "feedback", feedback_id, changes)
        _event(cur, actor, row, row["status"], to_status, note, at)
        run_hooks(cur, [row["customer_id"]])

    store.write(work)


def record_survey(store: Store, actor: Actor, survey: SurveyIn) -> int:
    """Record a satisfaction score (csat 1–5 or NPS 0–10) with its comment."""
    def work(cur):
        load_for_write(cur, actor, survey.customer_id)
        sid = rows.insert(cur, actor, "surveys", survey.model_dump())
        run_hooks(cur, [survey.customer_id])
        return sid

    return store.write(work)


def customer_feedback(store: Store, actor: Actor, customer_id: int, today: date | None = None) -> pl.DataFrame:
    """A customer's feedback and complaints with days to resolve and whether overdue."""
    today = today or datetime.now(local_tz()).date()
    return store.query(*sql.scoped(actor, "relationship/feedback", {"customer_id": customer_id, "today": today}))


def feedback_history(store: Store, actor: Actor, feedback_id: int) -> pl.DataFrame:
    return store.query(*sql.scoped(actor, "relationship/feedback_events", {"feedback_id": feedback_id}))


def feedback_summary(store: Store, actor: Actor, date_from: date, date_to: date,
                     today: date | None = None) -> dict[str, Any]:
    """Feedback raised in [date_from, date_to] (local dates): counts by status and kind, overdue,
    and mean/median days to resolve of those resolved."""
    today = today or datetime.now(local_tz()).date()
    frame = store.query(*sql.scoped(actor, "relationship/feedback_summary",
                                    {"start": date_from, "end": date_to + timedelta(days=1), "today": today}))
    return frame.to_dicts()[0]


def customer_surveys(store: Store, actor: Actor, customer_id: int) -> pl.DataFrame:
    return store.query(*sql.scoped(actor, "relationship/surveys", {"customer_id": customer_id}))


def survey_summary(store: Store, actor: Actor, date_from: date, date_to: date,
                   customer_id: int | None = None) -> dict[str, Any]:
    """Surveys in [date_from, date_to]: csat count and mean (1–5); NPS count, promoters, passives,
    detractors and score (% promoters − % detractors, −100…100); optionally for one customer."""
    frame = store.query(*sql.scoped(actor, "relationship/survey_summary",
                                    {"start": date_from, "end": date_to, "customer_id": customer_id}))
    return frame.to_dicts()[0]
