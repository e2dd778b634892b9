"""Admin section: search the audit log and export it. Entries are read-only here (no edit control)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.data import actor, cached, store
from dashboard.i18n import lang, t
from dashboard.widgets import empty
from pipelines import audit_changes, audit_view
from pipelines.audit_view import AuditSearch
from pipelines.config import local_tz

TITLE_KEY = "security.audit_title"
PAGE_SIZE = 200


def _search() -> AuditSearch:
    choices = cached(audit_view.options)
    a, b, c = st.columns(3)
    user = a.text_input(t("security.audit_user"), key="adm_audit_user")
    actions = b.multiselect(t("security.audit_action"), choices["actions"], key="adm_audit_actions",
                            format_func=_action, placeholder=t("security.audit_all"), select_all=False)
    tables = c.multiselect(t("security.audit_table"), choices["tables"], key="adm_audit_tables",
                           format_func=_table, placeholder=t("security.audit_all"), select_all=False)
    d, e = st.columns([1, 2])
    today = datetime.now(local_tz()).date()  # the audit dates are local dates
    period = d.date_input(t("security.audit_dates"), (today - timedelta(days=30), today), key="adm_audit_dates",
                          format="YYYY-MM-DD")  # as every other date of the app (Streamlit's own: 2026/10/29)
    text = e.text_input(t("security.audit_text"), key="adm_audit_text", help=t("security.audit_text_help"))
    start, end = (tuple(period) + (None, None))[:2] if isinstance(period, (tuple, list)) else (period, period)
    return AuditSearch(user=user, actions=tuple(actions), tables=tuple(tables), date_from=start, date_to=end,
                       text=text)


def _action(code: str) -> str:
    return audit_view.action_label(code, lang())


def _table(code: str) -> str:
    return audit_view.table_label(code, lang())


def _entry(stored: dict, shown: dict) -> None:
    """One entry in full: its changes in words, then the values as stored (the evidence)."""
    with st.container(border=True):
        st.markdown(f"**#{stored['id']}** · {fmt.moment(stored['created_at'])} · {fmt.literal(shown['username'])} · "
                    f"{shown['action']} · {shown['table_name']} {fmt.literal(shown[audit_view.RECORD])}")
        for key in (audit_view.CHANGES, "detail"):
            if shown[key] != "—":
                st.markdown(fmt.literal(shown[key]))
        a, b = st.columns(2)
        for col, key in ((a, "before"), (b, "after")):
            col.caption(t(audit_view.HEADERS[key]))
            value = stored[key]
            if not value:
                col.markdown("—")
                continue
            try:
                col.json(json.loads(value), expanded=True)
            except ValueError:
                col.code(value)


def render() -> None:
    st.caption(t("security.audit_intro"))
    search = _search()
    total = cached(audit_view.count, search)
    st.caption(t("security.audit_count", count=f"{total:,}"))
    if not total:
        empty(t("security.audit_none"))
        return
    found = cached(audit_view.search, search, PAGE_SIZE)
    known = cached(audit_changes.names)
    frame = fmt.blanks(audit_changes.with_changes(audit_view.labelled(found, lang()), lang(), known,
                                                  found["table_name"], audit_view.CHANGES)
                       .with_columns(found["row_id"].cast(pl.Utf8)).select(audit_view.SHOWN))  # a login has no row: "—"
    headers = {c: t(k) for c, k in audit_view.HEADERS.items()} | {audit_view.RECORD: t("security.audit_record"),
                                                                  audit_view.CHANGES: t("security.audit_changes")}
    picked = st.dataframe(frame, hide_index=True, width="stretch", key="adm_audit_table", on_select="rerun",
                          selection_mode="single-row", column_config={
                              **headers,
                              "created_at": st.column_config.DatetimeColumn(headers["created_at"],
                                                                            format="YYYY-MM-DD HH:mm:ss"),
                              # what changed is what the log is read for: by default it was as narrow
                              # as the action's name
                              audit_view.CHANGES: st.column_config.TextColumn(headers[audit_view.CHANGES],
                                                                              width="large")})
    if total > PAGE_SIZE:
        st.caption(t("security.audit_more", shown=PAGE_SIZE, count=total))
    rows = picked.selection.rows if picked else []
    if rows:
        _entry(found.row(rows[0], named=True), frame.row(rows[0], named=True))
    else:
        st.caption(t("security.audit_pick_hint"))
    # read now: the file is made in the download's own request, with no page run (and no session
    # state) around it
    s, user, language = store(), actor(), lang()
    name = t("security.audit_title") + "-" + fmt.day(datetime.now(local_tz()).date())
    a, b = st.columns(2)
    for col, kind, mime in ((a, "csv", "text/csv"),
                            (b, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
        col.download_button(t(f"security.export_{kind}"), key=f"adm_audit_dl_{kind}", icon=":material/download:",
                            data=lambda kind=kind: audit_view.export(s, user, search, kind, language),
                            file_name=f"{name}.{kind}", mime=mime, on_click="ignore")
