"""Admin section: a person's PIPL request: export everything held about them, or erase them."""

from __future__ import annotations

import streamlit as st

from dashboard.data import actor, run_write, store
from dashboard.i18n import t
from pipelines import exports, pipl

TITLE_KEY = "security.pipl_title"


def render() -> None:
    st.caption(t("security.pipl_intro"))
    a, b = st.columns([1, 1])
    kind = a.radio(t("security.pipl_kind"), pipl.KINDS, key="adm_pipl_kind", horizontal=True,
                   format_func=lambda k: t(f"security.pipl_{k}"))
    row_id = b.number_input(t("security.pipl_id"), min_value=1, step=1, key="adm_pipl_id",
                            help=t("security.pipl_id_help"))
    if st.button(t("security.pipl_load"), key="adm_pipl_load", icon=":material/search:"):
        st.session_state["adm_pipl_data"] = run_write(lambda: pipl.person_data(store(), actor(), kind, int(row_id)))
        st.session_state["adm_pipl_for"] = (kind, int(row_id))
    found = st.session_state.get("adm_pipl_data")
    if not found or st.session_state.get("adm_pipl_for") != (kind, int(row_id)):
        return
    st.caption(t("security.pipl_found", tables=len(found), rows=sum(df.height for df in found.values())))
    for table, frame in found.items():
        if frame.height:
            with st.expander(f"{table} ({frame.height})"):
                st.dataframe(frame, hide_index=True, width="stretch")
    c, d = st.columns(2)
    c.download_button(t("security.export_json"), pipl.to_json_bytes(found), file_name=f"pipl-{kind}-{row_id}.json",
                      mime="application/json", key="adm_pipl_json", icon=":material/download:", on_click="ignore")
    d.download_button(t("security.export_xlsx"), exports.to_xlsx_bytes(found), file_name=f"pipl-{kind}-{row_id}.xlsx",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="adm_pipl_xlsx",
                      icon=":material/download:", on_click="ignore")
    st.divider()
    st.warning(t("security.pipl_erase_warning"), icon=":material/warning:")
    reason = st.text_input(t("security.pipl_reason"), key="adm_pipl_reason")
    confirm = st.text_input(t("security.pipl_confirm", word="ERASE"), key="adm_pipl_confirm")
    if st.button(t("security.pipl_erase"), key="adm_pipl_erase", icon=":material/person_remove:",
                 disabled=confirm.strip() != "ERASE" or not reason.strip()):
        done = run_write(lambda: pipl.erase(store(), actor(), kind, int(row_id), reason=reason.strip()))
        if done:
            st.session_state.pop("adm_pipl_data", None)
            st.success(t("security.pipl_erased", rows=done["rows"], entries=done["audit_entries"]))
