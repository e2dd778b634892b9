"""Home (`/`): the day's work for a rep, the team's for a manager, the company for leadership."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.analytics_ui import definition
from dashboard.data import actor, cached, store
from dashboard.guard import guard, safely
from dashboard.i18n import t
from dashboard.widgets import empty, level_column, page_link, start_text, started
from pipelines import home


def _cards(reps: pl.DataFrame, due: pl.DataFrame, risks: pl.DataFrame, caps: home.Caps, one: bool) -> None:
    c = st.columns(5)
    overdue = home.total(due, "overdue_total")
    c[0].metric(t("home.due_today"), f"{home.total(due, 'due_total') - overdue:,}", border=True, help=t("home.due_help"))
    c[1].metric(t("home.overdue"), f"{overdue:,}", border=True, help=t("home.due_help"))
    if one:
        eff = int(reps["effective_customers"].sum())
        hrs = float(reps["week_hours"].sum())
        # over the manual's reference: said in red under the figure (a number alone reads as fine)
        c[2].metric(t("home.effective_today"), f"{eff} / {caps.daily_effective}", border=True,
                    help=t("home.effective_help", cap=caps.daily_effective), delta_color="inverse",
                    delta=t("home.over_cap_by", by=eff - caps.daily_effective) if eff > caps.daily_effective else None)
        c[3].metric(t("home.week_hours"), f"{hrs:.1f} / {caps.weekly_hours:g}", border=True,
                    help=t("home.hours_help", cap=f"{caps.weekly_hours:g}"), delta_color="inverse",
                    delta=t("home.over_by", by=f"{hrs - caps.weekly_hours:.1f}") if hrs > caps.weekly_hours else None)
    else:
        over = int((reps["effective_customers"] > caps.daily_effective).sum())
        long_week = int((reps["week_hours"] > caps.weekly_hours).sum())
        # people counted: the help says who, not the per-person figure the one-rep cards show
        c[2].metric(t("home.reps_over_cap"), over, border=True,
                    help=t("home.reps_over_cap_help", cap=caps.daily_effective))
        c[3].metric(t("home.reps_over_hours"), long_week, border=True,
                    help=t("home.reps_over_hours_help", cap=f"{caps.weekly_hours:g}"))
    red, open_total = home.total(risks, "red_total"), home.total(risks, "total")
    c[4].metric(t("home.open_risks"), f"{open_total:,}", border=True,
                help=t("home.risks_help", red=f"{red:,}", yellow=f"{open_total - red:,}"))


def _more(df: pl.DataFrame, total_column: str, key: str) -> None:
    """Say so when a list shows only the first rows of a longer one."""
    count = home.total(df, total_column)
    if count > df.height:
        st.caption(t(key, shown=f"{df.height:,}", count=f"{count:,}"))


def _due_table(due: pl.DataFrame, show_owner: bool) -> None:
    st.subheader(t("home.due_title"))
    if due.is_empty():
        if not started():  # no customer yet: nothing was done well, nothing began
            empty(start_text())
        else:
            st.success(t("home.due_empty"), icon=":material/task_alt:")
        return
    view = fmt.labelled(due, {"stage": "stage"}).with_columns(
        pl.when(pl.col("overdue")).then(pl.lit(t("home.status_overdue"))).otherwise(pl.lit(t("home.status_today")))
        .alias("status"))
    view = fmt.local_times(view, "last_at", "next_date")
    # whose customer, beside its name: last, it was past the right edge at 1440 px
    cols = ["status", "due_on", "customer_name", *(["owner_name"] if show_owner else []), "stage", "last_at",
            "next_date"]
    event = st.dataframe(fmt.blanks(view.select(cols)), hide_index=True, width="stretch", key="home_due",
                         on_select="rerun", selection_mode="single-row", column_config={
        "status": t("home.col_status"), "due_on": t("home.col_due_on"),  # text YYYY-MM-DD (fmt.blanks)
        "customer_name": t("field.customer_name"), "stage": t("field.stage"),
        "last_at": t("home.col_last"), "next_date": t("field.next_follow_up_date"),
        "owner_name": t("field.owner")})
    _more(due, "due_total", "home_lists.due_more")
    if not _picked(due, event) and actor().role in ("rep", "manager"):
        page_link("log", label=t("home.go_log"))
        st.caption(t("home.pick_row"))


def _picked(rows: pl.DataFrame, event) -> bool:
    """The links for the customer of the row picked in a list: the call logged straight away
    (the rep retyped the name on /log), the customer opened. False when no row is picked."""
    chosen = event.selection.rows if event is not None else []
    if not chosen or chosen[0] >= rows.height:
        return False
    row = rows.row(chosen[0], named=True)
    if actor().role in ("rep", "manager"):  # one under the other: side by side, long names were cut
        page_link("log", label=t("home.log_for", name=fmt.literal(row["customer_name"])), icon=":material/edit_note:",
                  query={"customer": str(row["customer_id"])})
    page_link("customers", label=t("home.open_customer", name=fmt.literal(row["customer_name"])),
              icon=":material/open_in_new:", query={"id": str(row["customer_id"])})
    return True


def _team_table(reps: pl.DataFrame, caps: home.Caps) -> None:
    st.subheader(t("home.team_title"))
    if reps.is_empty():
        st.info(t("home.team_empty"))
        return
    # one team (a manager's): its name in every row pushed 本周沟通时长 past the right edge
    team = [fmt.team()] if reps.get_column("team").n_unique() > 1 else []
    st.dataframe(reps.select("display_name", *team, "effective_customers", "week_hours", "week_follow_ups"),
                 hide_index=True, width="stretch", column_config={
                     "display_name": t("field.rep"), "team": t("field.team_id"),
                     "effective_customers": st.column_config.ProgressColumn(
                         t("home.effective_today"), min_value=0, max_value=caps.daily_effective, format="%d"),
                     "week_hours": st.column_config.ProgressColumn(
                         t("home.week_hours"), min_value=0, max_value=caps.weekly_hours, format="%.1f"),
                     "week_follow_ups": t("home.week_follow_ups")})


def _risks(risks: pl.DataFrame, show_owner: bool) -> None:
    st.subheader(t("home.risks_title"))
    if risks.is_empty():
        st.success(t("home.risks_empty"), icon=":material/verified:")
        return
    view = fmt.local_times(fmt.labelled(fmt.evidence(risks), {"level": "level", "rule": "rule", "status": "risk_status"}),
                           "raised_at", with_time=False)
    cols = ["level", "customer_name", *(["owner_name"] if show_owner else []), "rule", "status", "raised_at",
            "evidence"]
    event = st.dataframe(fmt.blanks(fmt.level_tags(view.select(cols), "level")), hide_index=True, width="stretch",
                         key="home_risks",
                         on_select="rerun", selection_mode="single-row", column_config={
        "level": level_column(t("field.level")), "customer_name": t("field.customer_name"), "rule": t("field.rule"),
        "status": t("field.status"), "raised_at": t("field.raised_at"), "evidence": t("field.evidence"),
        "owner_name": t("field.owner")})
    _more(risks, "total", "home_lists.risks_more")
    _picked(risks, event)
    page_link("risks", label=t("home.go_risks"))


COMPANY = ("follow_ups", "effective_follow_ups", "new_customers", "contracts_signed", "won_amount")


def _company() -> None:
    """This month's headline figures, named and defined as on the analytics pages."""
    df = cached(home.company)
    st.subheader(t("home.company_title"))
    c = st.columns(len(COMPANY))
    month = t("home.this_month_note")
    for col, metric in zip(c, COMPANY):
        total = float(df[metric].sum()) if df.height else 0.0
        money = metric == "won_amount"
        col.metric(t(f"metric.{metric}"), fmt.money_short(total) if money else f"{int(total):,}", border=True,
                   help=f"{definition(metric)} {month}" + (f"\n\n{fmt.money(total)}" if money else ""))
    if df.height:
        st.dataframe(df.with_columns(fmt.team(), pl.col("won_amount").map_elements(fmt.money, return_dtype=pl.Utf8,
                                                                                   skip_nulls=False))
                     .drop("team_id"), hide_index=True, width="stretch",
                     column_config={"team": t("field.team_id"), **{m: t(f"metric.{m}") for m in COMPANY}})


def render() -> None:
    guard("")
    user = actor()
    st.title(t("home.welcome", name=fmt.literal(user.display_name)))
    st.caption(t(f"home.scope_{user.role}", date=fmt.day(home.today())))
    caps = home.caps(store())
    if user.sees_all:
        _company()
    due, reps = cached(home.due, limit=home.SHOWN), cached(home.per_rep)
    risks = cached(home.open_risks, limit=home.SHOWN)
    if user.role == "rep":
        reps = reps.filter(pl.col("rep_id") == user.id)
    _cards(reps, due, risks, caps, one=user.role == "rep")
    left, right = st.columns([3, 2])
    with left:
        _due_table(due, show_owner=user.role != "rep")
    with right:
        if user.role != "rep":
            _team_table(reps, caps)
        _risks(risks, show_owner=user.role != "rep")


safely(render)
