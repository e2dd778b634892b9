"""Admin section: search the audit log and export it. Entries are read-only here (no edit control)."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.data import actor, cached, store
from dashboard.i18n import t
from dashboard.widgets import empty
from pipelines import audit_view
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
    period = d.date_input(t("security.audit_dates"), (today - timedelta(days=30), today), key="adm_audit_dates")
    text = e.text_input(t("security.audit_text"), key="adm_audit_text", help=t("security.audit_text_help"))
    start, end = (tuple(period) + (None, None))[:2] if isinstance(period, (tuple, list)) else (period, period)
    return AuditSearch(user=user, actions=tuple(actions), tables=tuple(tables), date_from=start, date_to=end,
                       text=text)


ACTION_KEYS = ("create", "update", "delete", "restore", "export", "login", "login_failed", "logout", "permission",
               "import", "reveal", "backup", "restore_backup", "erase", "reassign", "stage_override", "settings")


def _action(code: str) -> str:
    return t(f"security.action_{code}") if code in ACTION_KEYS else code


TABLE_KEYS = ("customers", "contacts", "needs", "contracts", "follow_ups", "stage_changes", "risks", "feedback",
              "surveys", "targets", "users", "teams", "audit_log", "import_runs", "settings", "ownership_changes")


def _table(code: str) -> str:
    return t(f"security.table_{code}") if code in TABLE_KEYS else code


def render() -> None:
    st.caption(t("security.audit_intro"))
    search = _search()
    total = cached(audit_view.count, search)
    st.caption(t("security.audit_count", count=f"{total:,}"))
    if not total:
        empty(t("security.audit_none"))
        return
    frame = cached(audit_view.search, search, PAGE_SIZE)
    frame = fmt.blanks(frame.with_columns(frame["action"].map_elements(_action, return_dtype=pl.Utf8),
                                          frame["table_name"].map_elements(_table, return_dtype=pl.Utf8),
                                          frame["row_id"].cast(pl.Utf8)))  # a login has no row: "—"
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={"id": t("security.audit_id"), "created_at": st.column_config.DatetimeColumn(t("security.audit_time"),
                                                                              format="YYYY-MM-DD HH:mm:ss"),
                                "username": t("security.audit_user"), "action": t("security.audit_action"),
                                "table_name": t("security.audit_table"), "row_id": t("security.audit_row"),
                                "before": t("security.audit_before"), "after": t("security.audit_after"),
                                "detail": t("security.audit_detail")})
    if total > PAGE_SIZE:
        st.caption(t("security.audit_more", shown=PAGE_SIZE, count=total))
    # read now: the file is made in the download's own request, with no page run (and no session
    # state) around it
    s, user = store(), actor()
    a, b = st.columns(2)
    for col, kind, mime in ((a, "csv", "text/csv"),
                            (b, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
        col.download_button(t(f"security.export_{kind}"), key=f"adm_audit_dl_{kind}", icon=":material/download:",
                            data=lambda kind=kind: audit_view.export(s, user, search, kind),
                            file_name=f"audit_log.{kind}", mime=mime, on_click="ignore")
