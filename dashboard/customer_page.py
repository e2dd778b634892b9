"""One customer's page (`/customers?id=N`): base info, contacts, needs, follow-ups newest first,
the stage history as a timeline, risks, contracts; editing for those who may change them."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import fmt, relationship
from dashboard.data import actor, cached, run_write, store
from dashboard.filter_bar import today
from dashboard.i18n import label, t
from dashboard.levels import BADGE_COLORS
from dashboard.model_form import Field, field_label, model_form
from dashboard.risk_forms import raise_form
from dashboard.widgets import empty, keep_choice, level_column, notice, page_link
from pipelines import customer_records, customer_views, customers
from pipelines.codes import CUSTOMER_TYPES, DECISION_ROLES, INDUSTRIES, PROVINCES, SIZES, STAGES
from pipelines.models import ContactIn, ContractIn, CustomerIn, NeedIn

S = st.session_state


def customer_fields() -> list[Field]:
    """The customer form's fields (owner and stage are chosen separately)."""
    return [Field("name"), Field("uscc"),
            Field("industry", "select", (None, *INDUSTRIES), fmt.industry),
            Field("size", "select", (None, *SIZES), lambda c: label("size", c)),
            Field("province", "select", (None, *PROVINCES)), Field("city"), Field("district"),
            Field("customer_type", "select", CUSTOMER_TYPES, lambda c: label("customer_type", c)),
            Field("group_name"), Field("tags", "tags")]


CONTACT_FIELDS = [Field("name", label="field.contact_name"), Field("position"),
                  Field("decision_role", "select", (None, *DECISION_ROLES), lambda c: label("decision_role", c)),
                  Field("phone"), Field("email"), Field("wechat")]
NEED_FIELDS = [Field("description", "area"), Field("raised_on", "date"), Field("pain_point", "area"),
               Field("impact", "area")]


def _may_write(base: dict) -> bool:
    user = actor()
    if user.read_only:
        return False
    if user.role == "admin":
        return True
    if user.role == "manager":
        return base["owner_team_id"] == user.team_id
    return base["owner_id"] == user.id


def _overview(d: customer_views.CustomerDetail, writable: bool) -> None:
    b = d.base
    c = st.columns(4)
    c[0].metric(t("field.stage"), label("stage", b["stage"]), border=True)
    c[1].metric(t("customers.follow_up_count"), d.follow_ups.height, border=True)
    last = d.follow_ups["occurred_at"][0] if d.follow_ups.height else None
    c[2].metric(t("customers.last_follow_up"), fmt.day(last), border=True)
    total = float(d.contracts["amount"].sum()) if d.contracts.height else 0.0
    c[3].metric(t("customers.contract_total"), fmt.money_short(total), border=True, help=fmt.money(total))
    info = {t("field.uscc"): b["uscc"] or "—", t("field.industry"): fmt.industry(b["industry"]),
            t("field.size"): label("size", b["size"]) or "—",
            t("customers.region"): " ".join(x for x in (b["province"], b["city"], b["district"]) if x) or "—",
            t("field.customer_type"): label("customer_type", b["customer_type"]),
            t("field.group_name"): b["group_name"] or "—", t("field.tags"): "、".join(b["tags"] or []) or "—",
            t("field.owner"): f"{b['owner_name'] or '—'}({b['team'] or '—'})"}
    st.subheader(t("customers.base_title"))
    halves = st.columns(2)
    for i, (key, value) in enumerate(info.items()):
        halves[i % 2].markdown(f"**{key}**  \n{fmt.literal(value)}")
    if d.ownership.height:
        st.caption(t("customers.ownership_title"))
        for r in d.ownership.iter_rows(named=True):
            st.markdown("- " + t("customers.ownership_line", at=fmt.moment(r["changed_at"]),
                                 from_owner=fmt.literal(r["from_owner"] or "—"),
                                 to_owner=fmt.literal(r["to_owner"] or "—"), by=fmt.literal(r["changed_by_name"] or "—")))
    if not writable:
        return
    with st.expander(t("customers.edit"), icon=":material/edit:"):
        model_form(f"cust_edit_{b['id']}", CustomerIn, customer_fields(), initial=b,
                   fixed={"owner_id": b["owner_id"], "stage": b["stage"]},
                   save=lambda rec, changed: customers.update(store(), actor(), b["id"], rec, changed),
                   success=t("common.saved"), changes_only=True,
                   # as update() does: only a changed value is checked
                   recheck=lambda values: customers.clashes(
                       store(), actor(), {f: v for f, v in values.items() if v != b.get(f)}, b["id"]))
    if actor().role in ("manager", "admin"):
        _reassign(b)


def _reassign(b: dict) -> None:
    people = cached(customer_views.owners)
    names = dict(zip(people["id"].to_list(), people["display_name"].to_list()))
    done = f"cust_reassigned_{b['id']}"
    with st.expander(t("customers.reassign"), icon=":material/swap_horiz:", expanded=done in st.session_state):
        notice(done)  # said after the rerun, which drew the new owner
        # no one picked for the user: the first rep was, and one click gave them the customer
        # keyed by the owner too: after a hand-over the box is a new one, empty (the browser kept
        # showing the rep just handed to, now the owner, beside 确认转交给 them)
        to = st.selectbox(t("customers.reassign_to"), [i for i in names if i != b["owner_id"]], index=None,
                          format_func=lambda i: names[i], key=f"cust_reassign_{b['id']}_{b['owner_id']}",
                          placeholder=t("common.choose"))
        if to is not None and st.button(t("customers.reassign_button_to", name=fmt.literal(names[to])), type="primary",
                                        key=f"cust_reassign_btn_{b['id']}") \
                and run_write(lambda: customers.reassign(store(), actor(), b["id"], to) or True):
            st.session_state[done] = ("success", t("customers.reassigned", name=fmt.literal(names[to])))
            st.rerun()


def _timeline(df: pl.DataFrame) -> None:
    if df.is_empty():
        empty(t("customers.no_stages"))
        return
    for r in df.iter_rows(named=True):
        line = f"**{t('customers.stage_line', at=fmt.moment(r['changed_at']), to_stage=label('stage', r['to_stage']))}**"
        notes = []
        if r["from_stage"]:
            notes.append(t("customers.stage_from", from_stage=label("stage", r["from_stage"])))
        if r["changed_by_name"]:
            notes.append(t("customers.stage_by", name=fmt.literal(r["changed_by_name"])))
        if r["override_reason"]:
            notes.append(":orange[" + t("customers.stage_override", reason=fmt.literal(r["override_reason"])) + "]")
        elif r["rule_broken"]:
            notes.append(":orange[" + t("customers.stage_rule_broken") + "]")
        if r["imported"]:
            notes.append(t("customers.stage_imported"))
        st.markdown(f"{line}  \n{' · '.join(notes)}" if notes else line)


def _follow_ups(df: pl.DataFrame) -> None:
    if df.is_empty():
        # only reps and managers log follow-ups: the others are not sent to a page they cannot open
        empty(t("customers.no_follow_ups" if actor().role in ("rep", "manager") else "customers.no_follow_ups_read"))
        return
    view = fmt.yes_no(fmt.local_times(fmt.labelled(fmt.rep_names(df), {"channel": "channel", "stage_after": "stage"}),
                                      "occurred_at"), "effective")
    st.dataframe(fmt.blanks(view.drop("id", "rep_id")), hide_index=True, width="stretch",
                 column_config={c: t(f"field.{'rep' if c == 'rep_name' else c}") for c in view.columns})


def _risks(df: pl.DataFrame) -> None:
    if df.is_empty():
        empty(t("customers.no_risks"))
        return
    # the evidence reads the note a risk was raised with; the 备注 column shows the newest one
    shown = fmt.evidence(df).with_columns(
        pl.col("latest_note").alias("note"),
        # who raised it: the rules' own say so; a colleague the viewer may not see is unnamed
        pl.when(pl.col("raised_by").is_null()).then(pl.lit(t("risk.by_rules")))
        .otherwise(pl.col("raised_by_name").fill_null(t("common.other_rep"))).alias("raised_by"),
    ).drop("latest_note", "raised_by_name").with_columns(
        # a raised one's evidence is its note: said once, under 备注 (a later note shows both)
        pl.when(pl.col("evidence") == pl.col("note")).then(None).otherwise(pl.col("evidence")).alias("evidence"))
    view = fmt.local_times(fmt.labelled(shown, {"level": "level", "rule": "rule", "status": "risk_status"}),
                           "raised_at", "closed_at")
    st.dataframe(fmt.blanks(fmt.level_tags(view.drop("id"), "level")), hide_index=True, width="stretch",
                 column_config={c: level_column(t("field.level")) if c == "level" else t(f"field.{c}")
                                for c in view.columns})


def _raise(customer_id: int) -> None:
    """Raise a warning for this customer without going to the board and finding it again."""
    with st.expander(t("risk.raise_title"), icon=":material/add_alert:"):
        if raise_form(customer_id, f"customer_raise_{customer_id}"):
            st.toast(t("risk.raised_ok"))
            st.rerun()


def _children(key: str, df: pl.DataFrame, model, fields: list[Field], fixed: dict, writable: bool,
              empty_text: str, add_label: str, table: str, view: pl.DataFrame | None = None,
              new: dict | None = None) -> None:
    """A customer's contacts, needs or contracts: the table, then add / edit / delete (with undo);
    `new`: a new one's starting values (a need raised today)."""
    _undo(key, table)
    if df.is_empty():
        empty(empty_text)
    else:
        shown = view if view is not None else df
        labels = {f.name: field_label(f) for f in fields}
        st.dataframe(fmt.blanks(shown.drop("id")), hide_index=True, width="stretch",
                     column_config={c: labels.get(c) or t(f"field.{'rep' if c == 'rep_name' else c}")
                                    for c in shown.columns})
    if not writable:
        return
    with st.expander(add_label, icon=":material/add:"):
        model_form(f"{key}_new", model, fields, fixed=fixed, success=t("common.saved"), initial=new,
                   save=lambda rec: customer_records.add(store(), actor(), rec))
    if df.is_empty():
        return
    rows = {r["id"]: r for r in df.iter_rows(named=True)}
    first = fields[0].name
    # given again by value: a deleted row's (or a renamed one's) old name stayed in the browser
    keep_choice(f"{key}_pick", [None, *rows])
    pick = st.selectbox(t("customers.edit_pick"), [None, *rows], key=f"{key}_pick",
                        format_func=lambda i: "—" if i is None else str(rows[i].get(first) or i)[:40], placeholder=t("common.choose"))
    if pick is None:
        return
    row = rows[pick]
    model_form(f"{key}_edit_{pick}", model, fields, initial=row, fixed={**fixed, "customer_id": fixed["customer_id"]},
               save=lambda rec, changed: customer_records.update(store(), actor(), pick, rec, changed),
               success=t("common.saved"), changes_only=True)
    if st.button(t("common.delete"), key=f"{key}_del_{pick}", icon=":material/delete:"):
        if run_write(lambda: customer_records.delete(store(), actor(), table, pick) or True):
            # one click deletes (a soft delete): the undo above the table brings it back
            S[f"{key}_undo"] = (pick, str(row.get(first) or pick)[:40])
            st.rerun()


def _undo(key: str, table: str) -> None:
    """The last deletion of this list, said with an undo until another one or a restore."""
    if S.pop(f"{key}_restored", None):  # said after the rerun, which would wipe it
        st.success(t("common.restored"), icon=":material/undo:")
    undo = S.get(f"{key}_undo")
    if not undo:
        return
    row_id, name = undo
    a, b = st.columns([4, 1])
    a.info(t("customers.deleted_undo", name=fmt.literal(name)), icon=":material/delete:")
    if b.button(t("common.undo"), key=f"{key}_undo_btn", icon=":material/undo:"):
        if run_write(lambda: customer_records.restore(store(), actor(), table, row_id) or True):
            S.pop(f"{key}_undo", None)
            S[f"{key}_restored"] = True
            st.rerun()


def _contract_fields(base: dict) -> tuple[list[Field], dict]:
    user = actor()
    fields = [Field("signed_on", "date"), Field("amount", "money"), Field("products"), Field("scenario", "area")]
    if user.role == "rep":
        return fields, {"customer_id": base["id"], "rep_id": user.id}
    people = cached(customer_views.owners)
    names = dict(zip(people["id"].to_list(), people["display_name"].to_list()))
    return [Field("rep_id", "select", tuple(names), lambda i: names.get(i, str(i))), *fields], {"customer_id": base["id"]}


def render_customer(customer_id: int) -> None:
    d = cached(customer_views.detail, customer_id)
    page_link("customers", label=t("customers.back"), icon=":material/arrow_back:", query={})
    if d is None:
        st.error(t("customers.not_found"))
        return
    b = d.base
    writable = _may_write(b)
    st.title(fmt.literal(b["name"]))
    # the risk level in view before any tab is opened (a lost customer has none), as a badge of its
    # own: inside the caption it took the caption's faded grey
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    row.caption(f"{label('stage', b['stage'])} · {fmt.industry(b['industry'])} · {fmt.literal(b['owner_name'] or '—')}",
                width="content")  # stretched, it pushed the badge to the page's right edge
    if b["risk_level"]:
        row.badge(t("customers.level_badge", level=label("level", b["risk_level"])), color=BADGE_COLORS[b["risk_level"]])
    tabs = st.tabs([t(f"customers.tab_{n}") for n in ("overview", "follow_ups", "stages", "contacts", "needs",
                                                        "contracts", "risks", "relationship")])
    with tabs[0]:
        _overview(d, writable)
    with tabs[1]:
        if writable:
            page_link("log", label=t("home.go_log"), query={"customer": b["id"]})
        _follow_ups(d.follow_ups)
    with tabs[2]:
        _timeline(d.stage_history)
    with tabs[3]:
        if actor().read_only:
            st.caption(t("customers.masked_note"))
        contacts = fmt.labelled(d.contacts, {"decision_role": "decision_role"})
        _children(f"contact_{b['id']}", d.contacts, ContactIn, CONTACT_FIELDS, {"customer_id": b["id"]}, writable,
                  t(f"customers.no_contacts{'' if writable else '_read'}"), t("customers.add_contact"), "contacts", view=contacts)
    with tabs[4]:
        _children(f"need_{b['id']}", d.needs, NeedIn, NEED_FIELDS, {"customer_id": b["id"]}, writable,
                  t(f"customers.no_needs{'' if writable else '_read'}"), t("customers.add_need"), "needs",
                  new={"raised_on": today()})  # usually heard today: one field less to fill
    with tabs[5]:
        fields, fixed = _contract_fields(b)
        view = fmt.rep_names(d.contracts).with_columns(
            pl.col("amount").map_elements(fmt.money, return_dtype=pl.Utf8, skip_nulls=False)).drop("rep_id").rename(
            {"rep_name": "signer"})  # 签约人: the rep the contract counts for, not a 跟进人
        _children(f"contract_{b['id']}", d.contracts, ContractIn, fields, fixed, writable,
                  t(f"customers.no_contracts{'' if writable else '_read'}"), t("customers.add_contract"), "contracts", view=view,
                  new={"signed_on": today()})
        if writable and d.contracts.height and b["stage"] in STAGES[:STAGES.index("contract_signed")]:
            # a contract does not move the stage (the funnel and 签约客户数 read stage changes): say so
            st.info(t("customers.contract_stage_hint", stage=label("stage", b["stage"])), icon=":material/info:")
            if actor().role in ("rep", "manager"):
                page_link("log", label=t("home.log_for", name=fmt.literal(b["name"])), icon=":material/edit_note:",
                          query={"customer": b["id"]})
    with tabs[6]:
        _risks(d.risks)
        if writable:
            _raise(b["id"])
        page_link("risks", label=t("home.go_risks"))
    with tabs[7]:
        relationship.render(b["id"], writable)
