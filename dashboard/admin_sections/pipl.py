"""Admin section: a person's PIPL request: export everything held about them, or erase them."""

from __future__ import annotations

import streamlit as st

from dashboard.data import actor, cached, run_write, store
from dashboard.guard import callback
from dashboard.i18n import lang, t
from dashboard.widgets import confirmed
from pipelines import customer_views, exports, pipl, pipl_sheets

TITLE_KEY = "security.pipl_title"
DONE = "adm_pipl_done"  # an erasure's message, shown after the rerun that drops what was found


def _pick(kind: str) -> int | None:
    """The person asked about, found by what the request gives, not by a number only the database
    knows: a customer by its name, initials or credit code; a contact by their name, phone,
    email or WeChat id (or their customer's name)."""
    if kind == "contact":
        return _pick_contact()
    a, b = st.columns([1, 1])
    q = a.text_input(t("security.pipl_search"), key="adm_pipl_q", placeholder=t("security.pipl_search_hint"))
    found = cached(customer_views.picker, q.strip().lower(), 30)
    names = {r["id"]: f"{r['name']}" + (f" · {r['uscc']}" if r["uscc"] else "") for r in found.iter_rows(named=True)}
    return b.selectbox(t("security.pipl_customer"), list(names), index=None, key="adm_pipl_customer",
                       format_func=lambda i: names.get(i, str(i)), placeholder=t("security.pipl_pick"))


def _pick_contact() -> int | None:
    a, b = st.columns([1, 1])
    q = a.text_input(t("security.pipl_contact_search"), key="adm_pipl_cq",
                     placeholder=t("security.pipl_contact_search_hint"))
    found = cached(customer_views.contact_search, q, 30)
    if q.strip() and found.is_empty():
        st.caption(t("security.pipl_no_contacts"))
    people = {r["id"]: " · ".join(x for x in (r["name"], r["position"], r["customer_name"]) if x)
              for r in found.iter_rows(named=True)}
    return b.selectbox(t("security.pipl_contact"), list(people), index=None, key="adm_pipl_contact",
                       format_func=lambda i: people.get(i, str(i)), placeholder=t("security.pipl_pick"))


@callback
def _downloaded(kind: str, row_id: int, rows: int, fmt: str) -> None:
    """Each file taken away is in the audit log, not only the lookup that showed the data."""
    exports.audited_export(store(), actor(), f"pipl_{kind}", rows, fmt, detail=f"{kind} #{row_id}")


def render() -> None:
    st.caption(t("security.pipl_intro"))
    if done := st.session_state.pop(DONE, None):
        st.success(done)
    kind = st.radio(t("security.pipl_kind"), pipl.KINDS, key="adm_pipl_kind", horizontal=True,
                    format_func=lambda k: t(f"security.pipl_{k}"))
    row_id = _pick(kind)
    if row_id is None:
        return
    if st.button(t("security.pipl_load"), key="adm_pipl_load", icon=":material/search:"):
        st.session_state["adm_pipl_data"] = run_write(lambda: pipl.person_data(store(), actor(), kind, int(row_id)))
        st.session_state["adm_pipl_for"] = (kind, int(row_id))
    found = st.session_state.get("adm_pipl_data")
    if not found or st.session_state.get("adm_pipl_for") != (kind, int(row_id)):
        return
    holding = sum(1 for df in found.values() if df.height)  # the tables that hold something of the person
    st.caption(t("security.pipl_found", tables=holding, rows=sum(df.height for df in found.values())))
    sheets = pipl_sheets.readable(found, lang())  # the Excel copy's sheets, as shown here
    for title, frame in sheets.items():
        if frame.height:
            with st.expander(f"{title}({frame.height:,})" if lang() == "zh_CN" else f"{title} ({frame.height:,})"):
                st.dataframe(frame, hide_index=True, width="stretch")
    c, d = st.columns(2)
    rows = sum(df.height for df in found.values())
    c.download_button(t("security.export_json"), pipl.to_json_bytes(found), file_name=f"pipl-{kind}-{row_id}.json",
                      mime="application/json", key="adm_pipl_json", help=t("security.export_json_help"),
                      icon=":material/download:", on_click=_downloaded, args=(kind, int(row_id), rows, "json"))
    d.download_button(t("security.export_xlsx"), exports.to_xlsx_bytes(sheets), file_name=f"pipl-{kind}-{row_id}.xlsx",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="adm_pipl_xlsx",
                      icon=":material/download:", on_click=_downloaded, args=(kind, int(row_id), rows, "xlsx"))
    st.divider()
    st.warning(t("security.pipl_erase_warning"), icon=":material/warning:")
    reason = st.text_input(t("security.pipl_reason"), key="adm_pipl_reason")
    confirm = st.text_input(t("security.pipl_confirm", word=t("security.erase_word")), key="adm_pipl_confirm")
    if st.button(t("security.pipl_erase"), key="adm_pipl_erase", icon=":material/person_remove:",
                 disabled=not confirmed(confirm, "security.erase_word") or not reason.strip()):
        done = run_write(lambda: pipl.erase(store(), actor(), kind, int(row_id), reason=reason.strip()))
        if done:  # what was found held the person's data: it goes, with its download buttons
            for key in ("adm_pipl_data", "adm_pipl_for", "adm_pipl_reason", "adm_pipl_confirm"):
                st.session_state.pop(key, None)
            st.session_state[DONE] = t("security.pipl_erased", rows=done["rows"], entries=done["audit_entries"])
            st.rerun()
