"""Customers (`/customers`): the list with filters and a new-customer form; `?id=N` opens one customer."""

from __future__ import annotations

import re

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.customer_page import customer_fields, render_customer
from dashboard.data import actor, cached, store
from dashboard.guard import guard, safely
from dashboard.i18n import label, lang, t
from dashboard.model_form import Field, model_form, reset
from dashboard.widgets import export_buttons, filtered_page, focus, level_column, nothing_yet, page_link
from pipelines import customer_views, customers, table_exports
from pipelines.codes import STAGES
from pipelines.home import today
from pipelines.models import CustomerIn

FILTER_FIELDS = ("team", "rep", "industry", "size", "province", "customer_type", "stage", "q")
S = st.session_state
# the risk level beside the name: at the end it was past the right edge of a laptop
COLUMNS = ["name", "risk_level", "stage", "industry", "province", "city", "customer_type", "owner_name",
           "last_follow_up", "follow_ups", "contract_amount"]


def _asked(text: str) -> dict:
    """The form's start from what /log searched for: a credit code, or a name; pinyin initials
    (hzqh) are neither."""
    if re.fullmatch(r"[0-9A-Za-z]{18}", text):
        return {"uscc": text.upper()}
    return {"name": text} if re.search(r"[\u4e00-\u9fff]", text) else {}


def _new_customer() -> None:
    user = actor()
    if user.read_only:
        return
    fields = customer_fields() + [Field("stage", "select", STAGES, lambda c: label("stage", c))]
    fixed = {}
    if user.role == "rep":
        fixed["owner_id"] = user.id
    else:
        people = cached(customer_views.owners)
        names = dict(zip(people["id"].to_list(), people["display_name"].to_list()))
        fields.append(Field("owner_id", "select", tuple(names), lambda i: names.get(i, str(i))))
    asked = st.query_params.get("new")  # /log's "add this customer": the name the rep searched for
    if asked is not None:
        del st.query_params["new"]
        reset("cust_new", fields)
        S["cust_new_asked"] = asked.strip()
    def save(record: CustomerIn) -> None:
        S["cust_new_made"] = (customers.create(store(), actor(), record), record.name)
        S.pop("cust_new_asked", None)

    made = S.pop("cust_new_made", None)
    with st.expander(t("customers.new"), icon=":material/add_business:",
                     expanded="cust_new_asked" in S or made is not None):
        model_form("cust_new", CustomerIn, fields, fixed=fixed, save=save,
                   success=lambda record: t("customers.created", name=fmt.literal(record.name)),  # 已保存 said not what
                   initial=_asked(S.get("cust_new_asked") or ""),
                   recheck=lambda values: customers.clashes(store(), actor(), values))
        if made and user.role in ("rep", "manager"):  # on to the call it was made for
            page_link("log", label=t("home.log_for", name=fmt.literal(made[1])), icon=":material/edit_note:",
                      query={"customer": str(made[0])})
            # the keyboard on it: it lay 13 Tabs below the emptied form, from a page with no focus
            focus(f'[data-testid=stMain] a[href*="customer={int(made[0])}"]', force=True, nonce=made[0])
        if made:  # and to its page: contacts, needs, contracts are added there
            page_link("customers", label=t("home.open_customer", name=fmt.literal(made[1])), icon=":material/open_in_new:",
                      query={"id": str(made[0])})


def _table(rows: pl.DataFrame) -> None:
    view = fmt.local_times(fmt.labelled(rows, {"stage": "stage", "customer_type": "customer_type",
                                                "risk_level": "level"}), "last_follow_up")
    view = view.with_columns(fmt.industry_col(),
                             pl.col("contract_amount").map_elements(fmt.money, return_dtype=pl.Utf8, skip_nulls=False))
    st.dataframe(fmt.blanks(fmt.level_tags(view.select(COLUMNS), "risk_level")), hide_index=True, width="stretch", column_config={
        "name": t("field.customer_name"), "stage": t("field.stage"), "industry": t("field.industry"),
        "province": t("field.province"), "city": t("field.city"), "customer_type": t("field.customer_type"),
        "owner_name": t("field.owner"), "last_follow_up": t("customers.last_follow_up"),
        "follow_ups": t("customers.follow_up_count"), "contract_amount": t("customers.contract_total"),
        "risk_level": level_column(t("field.level"))})


def _open(rows: pl.DataFrame) -> None:
    names = dict(zip(rows["id"].to_list(), rows["name"].to_list()))
    a, b = st.columns([4, 1], vertical_alignment="bottom")
    chosen = a.selectbox(t("customers.open"), list(names), format_func=lambda i: names[i], key="cust_open",
                         help=t("customers.open_help"), placeholder=t("common.choose"))
    if b.button(t("customers.open_button"), key="cust_open_btn", icon=":material/open_in_new:", type="primary"):
        # a page switch carries the query to the address bar; query_params + st.rerun() races and
        # often leaves the bar without ?id= (streamlit#7961), so the customer's link was not shareable
        st.switch_page("views/customers.py", query_params={"id": str(chosen)})


def render() -> None:
    guard("customers")
    wanted = st.query_params.get("id")
    if wanted:
        try:
            render_customer(int(wanted))
        except ValueError:
            st.error(t("customers.not_found"))
        return
    st.title(t("nav.customers"))
    st.caption(t("customers.intro"))
    _new_customer()
    found = filtered_page("cust", FILTER_FIELDS, customer_views.count, customer_views.listing,
                          customer_views.LIST_SORTS, nothing_yet(t("customers.empty")))
    if found is None:
        return
    filters, extra, total, rows = found
    _open(rows)
    user, s, language = actor(), store(), lang()
    export_buttons("cust", t("customers.file_name") + "-" + fmt.day(today()),
                   lambda kind: table_exports.export_customers(s, user, filters, extra, kind, language),
                   t("customers.export_help", count=f"{total:,}"))
    _table(rows)


safely(render)
