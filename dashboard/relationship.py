"""A customer's feedback, complaints and satisfaction surveys (its page's 反馈与满意度 tab, manual
5.2 and 5.3): the records behind the `complaint_overdue` and `low_satisfaction` risk rules.
Recorded here, moved open → in progress → resolved (reopened when needed), each move noted."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.data import actor, cached, run_write, store
from dashboard.filter_bar import today
from dashboard.i18n import label, t
from dashboard.model_form import Field, model_form
from dashboard.widgets import empty
from pipelines import relationship
from pipelines.codes import FEEDBACK_TYPES, SEVERITIES, SURVEY_SCALES
from pipelines.models import FeedbackIn, SurveyIn
from pipelines.risk_actions import RiskActionError


def render(customer_id: int, writable: bool) -> None:
    _feedback(customer_id, writable)
    st.divider()
    _surveys(customer_id, writable)


def _feedback(customer_id: int, writable: bool) -> None:
    st.subheader(t("relationship.feedback_title"))
    rows = cached(relationship.customer_feedback, customer_id, today())
    if rows.is_empty():
        empty(t(f"relationship.feedback_empty{'' if writable else '_read'}"))
    else:
        view = fmt.yes_no(fmt.local_times(fmt.labelled(rows, {"kind": "feedback_type", "severity": "severity",
                                                               "status": "feedback_status"}),
                                          "created_at", "resolved_at", "deadline"), "overdue").with_columns(
            pl.col("days_to_resolve").cast(pl.Utf8))  # as text, so that an open one reads "—", not None
        st.dataframe(fmt.blanks(view.select("kind", "severity", "description", "status", "deadline", "overdue",
                                            "owner_name", "created_at", "resolution_note", "days_to_resolve")),
                     hide_index=True, width="stretch", column_config={
                         "kind": t("field.kind"), "severity": t("field.severity"),
                         "description": t("field.description"), "status": t("field.status"),
                         "deadline": t("field.deadline"), "overdue": t("relationship.overdue"),
                         "owner_name": t("field.owner"), "created_at": t("relationship.raised_on"),
                         "resolution_note": t("field.resolution_note"),
                         "days_to_resolve": t("relationship.days_to_resolve")})
    if not writable:
        return
    if not rows.is_empty():
        _move(customer_id, rows)
    # keyed: the first one saved draws the table and its moves above, and an unkeyed box was a new,
    # shut one, with the 已登记 said inside it unseen
    with st.expander(t("relationship.add_feedback"), icon=":material/feedback:", key=f"fb_add_{customer_id}"):
        fields = [Field("kind", "select", FEEDBACK_TYPES, lambda c: label("feedback_type", c)),
                  Field("severity", "select", SEVERITIES, lambda c: label("severity", c)),
                  Field("description", "area"),
                  Field("deadline", "date", help=t("relationship.deadline_help"))]
        model_form(f"fb_new_{customer_id}", FeedbackIn, fields, fixed={"customer_id": customer_id},
                   success=t("relationship.feedback_saved"),
                   save=lambda record: relationship.record_feedback(store(), actor(), record))


def _move(customer_id: int, rows: pl.DataFrame) -> None:
    """A feedback picked, its history, and the moves its status allows (a note to resolve)."""
    by_id = {r["id"]: r for r in rows.iter_rows(named=True)}
    pick = st.selectbox(t("relationship.pick"), list(by_id), index=None, placeholder=t("common.choose"),
                        key=f"fb_pick_{customer_id}", format_func=lambda i: _named(by_id[i]))
    if pick is None:
        return
    row = by_id[pick]
    history = cached(relationship.feedback_history, pick)
    if not history.is_empty():
        st.dataframe(fmt.blanks(fmt.local_times(fmt.labelled(history, {"from_status": "feedback_status",
                                                                       "to_status": "feedback_status"}),
                                                "happened_at")),
                     hide_index=True, width="stretch", column_config={
                         "happened_at": t("relationship.moved_at"), "from_status": t("relationship.from_status"),
                         "to_status": t("relationship.to_status"), "note": t("field.note"),
                         "actor_name": t("relationship.moved_by")})
    moves = relationship.MOVES[row["status"]]
    with st.form(f"fb_move_{pick}", clear_on_submit=True):
        note = st.text_area(t("field.resolution_note"), key=f"fb_note_{pick}", help=t("relationship.note_help"))
        pressed = None
        for cell, to in zip(st.columns(len(moves)), moves):
            reopen = row["status"] == "resolved"
            if cell.form_submit_button(t("relationship.move_reopen" if reopen else f"relationship.move_{to}"),
                                       type="primary" if to == "resolved" else "secondary"):
                pressed = to
    if pressed is None:
        return

    def work():
        try:
            relationship.move_feedback(store(), actor(), pick, pressed, note)
            return True
        except RiskActionError as exc:  # said under the form, which stays as it was
            st.error(t(f"risk.{exc.key}", **{k: label("feedback_status", v) for k, v in exc.values.items()}))
            return None

    if run_write(work, t("relationship.moved", status=label("feedback_status", pressed))):
        st.rerun()


def _named(row: dict) -> str:
    text = row["description"] if len(row["description"]) <= 24 else row["description"][:24] + "…"
    return (f"{label('feedback_type', row['kind'])} · {label('feedback_status', row['status'])} · "
            f"{fmt.day(row['created_at'])} · {text}")


def _surveys(customer_id: int, writable: bool) -> None:
    st.subheader(t("relationship.surveys_title"))
    rows = cached(relationship.customer_surveys, customer_id)
    if rows.is_empty():
        empty(t(f"relationship.surveys_empty{'' if writable else '_read'}"))
    else:
        st.dataframe(fmt.blanks(fmt.labelled(rows, {"scale": "survey_scale"}).drop("id")), hide_index=True,
                     width="stretch", column_config={
                         "scale": t("field.scale"), "score": t("field.score"), "comment": t("field.comment"),
                         "surveyed_on": t("field.surveyed_on")})
    if not writable:
        return
    with st.expander(t("relationship.add_survey"), icon=":material/sentiment_satisfied:", key=f"sv_add_{customer_id}"):
        fields = [Field("scale", "select", SURVEY_SCALES, lambda c: label("survey_scale", c)),
                  Field("score", "number", help=t("relationship.score_help")),
                  Field("surveyed_on", "date"), Field("comment", "area")]
        model_form(f"sv_new_{customer_id}", SurveyIn, fields, fixed={"customer_id": customer_id},
                   initial={"surveyed_on": today()}, success=t("relationship.survey_saved"),
                   save=lambda record: relationship.record_survey(store(), actor(), record))
