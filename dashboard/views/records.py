"""Records (`/records`): every follow-up the user may see, filtered (URL), sorted, paged, exported;
edit and soft delete (with undo) of one's own records (managers: the team's), and the latest
deleted ones to restore."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.data import actor, cached, run_write, store
from dashboard.filter_bar import DEFAULT_FIELDS
from dashboard.guard import guard, safely
from dashboard.i18n import label, lang, t
from dashboard.model_form import Field, model_form
from dashboard.widgets import export_buttons, filtered_page, keep_choice, level_column, nothing_yet, notice
from pipelines import explorer, follow_ups
from pipelines.codes import CHANNELS
from pipelines.home import today
from pipelines.models import FollowUpIn

S = st.session_state
EDIT_FIELDS = [Field("occurred_at", "datetime"), Field("channel", "select", CHANNELS, lambda c: label("channel", c)),
               Field("summary", "area"), Field("participants"), Field("duration_minutes", "number"),
               Field("effective", "toggle"), Field("outcome"), Field("next_follow_up_date", "date"),
               Field("next_action")]
# the customer's risk level beside its name: at the end it was past the right edge of a laptop
COLUMNS = ["occurred_at", "customer_name", "risk_level", "rep_name", "channel", "summary", "duration_minutes",
           "effective", "stage_after", "next_follow_up_date"]


def _table(rows: pl.DataFrame) -> None:
    view = fmt.yes_no(fmt.local_times(fmt.labelled(fmt.rep_names(rows), {"channel": "channel", "stage_after": "stage",
                                                          "risk_level": "level"}), "occurred_at", "next_follow_up_date"),
                      "effective")
    st.dataframe(fmt.blanks(fmt.level_tags(view.select(COLUMNS), "risk_level")), hide_index=True, width="stretch", column_config={
        "occurred_at": t("field.occurred_at"), "customer_name": t("field.customer_name"),
        "rep_name": st.column_config.TextColumn(t("field.rep"), width=84),  # 其他同事 in full
        "channel": t("field.channel"),
        "summary": st.column_config.TextColumn(t("field.summary"), width="large"),
        "duration_minutes": t("field.duration_minutes"), "effective": t("field.effective"),
        "stage_after": t("field.stage_after"),
        "next_follow_up_date": t("field.next_follow_up_date"),
        "risk_level": level_column(t("field.level"))})


def _exports(filters, extra, total: int) -> None:
    user, s, language = actor(), store(), lang()
    export_buttons("rec", t("records.file_name") + "-" + fmt.day(today()),
                   lambda kind: explorer.export(s, user, filters, extra, kind, language),
                   t("records.export_help", count=f"{total:,}"))


def _may_change(row: dict) -> bool:
    user = actor()
    if user.read_only:
        return False
    return user.role in ("manager", "admin") or row["rep_id"] == user.id


def _undo() -> None:
    """The last deletion's undo, under the table where the deleted record's form was (at the top
    it was out of view after the delete), or alone when the filter now matches nothing."""
    undo = S.get("rec_undo")
    if not undo:
        return
    a, b = st.columns([4, 1])
    # the stage change it made stays (said: the customer's stage did not move back with it)
    stage = S.get("rec_undo_stage")
    a.info(t("records.deleted_undo") + (t("records.deleted_stage_stays", from_stage=label("stage", stage[0]) or "—",
                                          to_stage=label("stage", stage[1])) if stage else ""), icon=":material/delete:")
    if b.button(t("common.undo"), key="rec_undo_btn", icon=":material/undo:"):
        _restore(undo, "rec_undo")


def _restore(follow_up_id: int, done_key: str) -> None:
    """Restore a deleted follow-up, forget the choice that named it, and redraw the page with
    the message (said after the rerun, which would wipe it)."""
    if run_write(lambda: follow_ups.restore(store(), actor(), follow_up_id) or True):
        S.pop(done_key, None)
        if S.get("rec_undo") == follow_up_id:  # restored from the list: its undo says nothing true now
            S.pop("rec_undo")
        S["rec_notice"] = ("success", t("common.restored"))
        st.rerun()


def _edit(rows: pl.DataFrame) -> None:
    if actor().read_only or rows.is_empty():
        return
    by_id = {r["id"]: r for r in rows.iter_rows(named=True)}
    keep_choice("rec_pick", by_id)  # its text holds the summary: an edit changes it
    # matches in the table's order (newest first): the fuzzy default sorts by score, and Enter
    # took an older record of the customer typed
    chosen = st.selectbox(t("records.pick"), list(by_id), index=None, key="rec_pick",
                          placeholder=t("records.pick_none"), filter_mode="contains",
                          format_func=lambda i: f"{fmt.moment(by_id[i]['occurred_at'])} · {by_id[i]['customer_name']}"
                          f" · {label('channel', by_id[i]['channel'])} · {(by_id[i]['summary'] or '')[:30]}")
    if chosen is None:
        S.pop("rec_editing", None)
        return
    S["rec_editing"] = chosen  # to say so if it is gone at the next run (_gone)
    row = by_id[chosen]
    if not _may_change(row):
        st.warning(t("records.not_yours"))
        return
    with st.expander(t("records.edit_title"), expanded=True, icon=":material/edit:"):
        model_form(f"rec_edit_{chosen}", FollowUpIn, EDIT_FIELDS, initial=row,
                   fixed={"customer_id": row["customer_id"], "rep_id": row["rep_id"]},
                   save=lambda rec, changed: follow_ups.update(store(), actor(), chosen, rec, changed),
                   success=t("common.saved"), changes_only=True)
        if st.button(t("common.delete"), key=f"rec_del_{chosen}", icon=":material/delete:"):
            done = run_write(lambda: (follow_ups.delete(store(), actor(), chosen),))
            if done is not None:
                S["rec_undo"], S["rec_undo_stage"] = chosen, done[0]
                S.pop("rec_pick", None)
                S.pop("rec_editing", None)
                st.rerun()


def _gone(rows: pl.DataFrame | None) -> None:
    """The record being edited was deleted meanwhile (by a manager, on another replica): its form
    vanished with the typed change, under 没有符合条件的跟进记录 and no word. Said, with who and when;
    a record that only left the list (another filter or page) is not."""
    editing = S.get("rec_editing")
    if editing is None or (rows is not None and editing in rows["id"]):
        return
    S.pop("rec_editing")
    gone = explorer.deleted_one(store(), actor(), editing)
    if gone is not None:
        st.warning(t("records.editing_deleted", who=fmt.literal(gone["deleted_by"] or "—"),
                     when=fmt.moment(gone["deleted_at"])), icon=":material/delete:")


def _deleted() -> None:
    """The latest deleted follow-ups, one to restore: the undo after the page was left. Read only
    while the expander is open (most visits do not need it); not for read-only roles."""
    if actor().read_only:
        return
    box = st.expander(t("records.deleted_title"), icon=":material/restore_from_trash:", key="rec_deleted_open",
                      on_change="rerun")
    if not box.open:
        return
    with box:
        rows = cached(explorer.deleted)
        if rows.is_empty():
            st.caption(t("records.deleted_empty"))
            return
        st.dataframe(fmt.blanks(fmt.labelled(rows, {"channel": "channel"}).select(
            pl.col("deleted_at").map_elements(fmt.moment, return_dtype=pl.String).alias(t("records.deleted_at")),
            pl.col("occurred_at").map_elements(fmt.moment, return_dtype=pl.String).alias(t("field.occurred_at")),
            pl.col("customer_name").alias(t("field.customer")), pl.col("channel").alias(t("field.channel")),
            pl.col("summary").alias(t("field.summary")))), hide_index=True, width="stretch")
        names = {r["id"]: f"{fmt.moment(r['occurred_at'])} · {r['customer_name']} · {label('channel', r['channel'])}"
                 for r in rows.iter_rows(named=True)}
        pick = st.selectbox(t("records.deleted_pick"), list(names), format_func=names.get, key="rec_deleted_pick",
                            placeholder=t("common.choose"), filter_mode="contains")
        if st.button(t("records.restore"), key="rec_restore", icon=":material/restore_from_trash:"):
            _restore(pick, "rec_deleted_pick")


def render() -> None:
    guard("records")
    st.title(t("nav.records"))
    st.caption(t("records.intro"))
    found = filtered_page("rec", DEFAULT_FIELDS + ("stage", "q"), explorer.count, explorer.page, explorer.SORTS,
                          # only reps and managers log follow-ups: the others are not sent to 记录跟进
                          nothing_yet(t("records.empty" if actor().role in ("rep", "manager") else "records.empty_view")),
                          default_period="last_30_days")
    if found is None:
        _gone(None)
        notice("rec_notice")
        _undo()
        _deleted()
        return
    filters, extra, total, rows = found
    user = actor()
    _exports(filters, extra, total)
    _table(rows)
    if user.read_only:
        st.caption(t("common.read_only"))
    notice("rec_notice")  # a restore's, where its undo was
    _undo()
    _gone(rows)
    _edit(rows)
    _deleted()


safely(render)
