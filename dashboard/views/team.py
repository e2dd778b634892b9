"""Team (`/team`): per rep effective follow-ups, days over the daily cap, weekly hours, conversion,
won amount against target with pacing; managers set monthly targets here."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st
from pydantic import ValidationError

from dashboard import analytics_ui as ui
from dashboard import charts, fmt
from dashboard.data import actor, cached, run_write, store
from dashboard.filter_bar import today
from dashboard.guard import guard, safely
from dashboard.i18n import lang, t
from dashboard.widgets import export_buttons, notice
from pipelines import errors, metrics, settings, summary, table_exports, targets
from pipelines.filters import Filters
from pipelines.periods import month_end, month_start
from pipelines.rollups import wilson


def _conversion(r: dict) -> str:
    """A rep's conversion with its 95% Wilson interval and count, as /channels shows a channel's
    (METRICS.md: every rate with its interval and the count behind it)."""
    if not r["conversion_n"]:
        return "—"
    low, high = wilson(int(r["converted"] or 0), int(r["conversion_n"]))
    return f"{fmt.pct(r['conversion'])} [{fmt.pct(low)}–{fmt.pct(high)}] (n={r['conversion_n']:,})"


def _against(figure: str, goal: str, share: str) -> pl.Expr:
    """"15.0%(6/40)": a figure against its target, the count behind the share; "—" without one."""
    return pl.struct(figure, goal, share).map_elements(
        lambda r: fmt.share(r[share], r[figure], r[goal]) if r[goal] else "—",
        return_dtype=pl.Utf8, skip_nulls=False)


def _table(team: pl.DataFrame) -> None:
    # the amount against its target first, beside the name: at 1366 px they were off screen
    columns = [
        pl.col("display_name").alias(t("analytics.rep_col")), fmt.team().alias(t("analytics.team_col")),
        pl.col("won_amount").map_elements(fmt.money, return_dtype=pl.Utf8, skip_nulls=False).alias(t("metric.won_amount")),
        pl.col("target_amount").map_elements(fmt.money, return_dtype=pl.Utf8, skip_nulls=False).alias(t("metric.target_amount")),
        pl.col("attainment").map_elements(fmt.pct, return_dtype=pl.Utf8, skip_nulls=False).alias(t("metric.target_attainment")),
        pl.col("effective_follow_ups").alias(t("metric.effective_follow_ups")),
        _against("effective_follow_ups", "target_effective_follow_ups", "effective_attainment")
        .alias(t("team.effective_attainment")),
        pl.col("new_customers").alias(t("team.new_customers")),
        _against("new_customers", "target_new_customers", "new_customers_attainment").alias(t("team.new_attainment")),
        pl.col("days_over_cap").alias(t("metric.days_over_cap")),
        pl.col("max_daily_customers").alias(t("team.max_daily")),
        pl.col("avg_weekly_hours").map_elements(lambda h: f"{h:.1f}", return_dtype=pl.Utf8).fill_null("—")
        .alias(t("team.avg_weekly_hours")),  # no follow-up in the period: no weeks to average
        pl.col("weeks_over_hours").alias(t("metric.weeks_over_hours")),
        pl.struct("conversion", "converted", "conversion_n").map_elements(_conversion, return_dtype=pl.Utf8)
        .alias(t("metric.channel_conversion"))]
    if team["team"].n_unique() <= 1:  # a manager's own team: the column would repeat one name
        columns.pop(1)
    # the rep stays in view while the table scrolls sideways: at 1280 px it is wider than the page
    st.dataframe(team.select(columns), hide_index=True, width="stretch",
                 column_config={t("analytics.rep_col"): st.column_config.TextColumn(pinned=True),
                                t("team.effective_attainment"): st.column_config.TextColumn(
                                    help=t("team.against_help")),
                                t("team.new_customers"): st.column_config.NumberColumn(
                                    help=t("team.new_customers_help")),
                                t("team.new_attainment"): st.column_config.TextColumn(help=t("team.against_help")),
                                t("team.avg_weekly_hours"): st.column_config.TextColumn(
                                    help=t("team.avg_weekly_hours_help"))})


def _pacing_cards(team: pl.DataFrame) -> None:
    """"At this pace, 82% of target" for each rep with a target, as cards."""
    paced = team.filter(pl.col("target_amount") > 0).sort("pacing", descending=True, nulls_last=True)
    if paced.is_empty():
        return
    st.markdown(f"**{t('metric.pacing')}**", help=ui.definition("pacing"))
    per_row = 4
    rows = paced.to_dicts()
    for start in range(0, len(rows), per_row):
        cols = st.columns(per_row)
        for col, r in zip(cols, rows[start:start + per_row]):
            col.metric(fmt.literal(r["display_name"]), fmt.pct(r["pacing"]),
                       help=t("team.pacing_text", name=fmt.literal(r["display_name"]), pct=fmt.pct(r["pacing"]))
                       + f" · {fmt.money(r['won_amount'])} / {fmt.money(r['target_amount'])}")


def _targets_form() -> None:
    user = actor()
    st.subheader(t("team.set_targets"), help=t("team.targets_intro"))
    if user.read_only or user.role not in ("manager", "admin"):
        st.caption(t("team.read_only"))
        return
    # a month, not a day: the twelve months before this one and the six after
    this = month_start(today())
    months = [date(this.year + (this.month - 1 + k) // 12, (this.month - 1 + k) % 12 + 1, 1) for k in range(-12, 7)]
    month = st.selectbox(t("team.target_month"), months, index=12, key="team_target_month",
                         format_func=lambda m: m.strftime("%Y-%m"), placeholder=t("common.choose"))
    one = Filters(date_from=month, date_to=month_end(month))
    current = cached(metrics.targets, one)
    people = cached(metrics.people).filter(pl.col("role") == "rep")
    if user.role == "manager":
        people = people.filter(pl.col("team_id") == user.team_id)
    amount_col, effective_col, new_col = (t("team.target_amount"), t("team.target_effective"),
                                          t("team.target_new_customers"))
    # text cells, read by targets.from_cells: the grid's number cells dropped what they did not
    # take without a word (1.5 became 15, -50000 became 50000)
    grid = pl.DataFrame([{"rep_id": r["rep_id"], t("analytics.rep_col"): r["display_name"],
                          amount_col: targets.amount_text(r["target_amount"]),
                          effective_col: str(int(r["target_effective_follow_ups"] or 0)),
                          new_col: str(int(r["target_new_customers"] or 0))}
                         for r in people.select("rep_id", "display_name").join(current, on="rep_id", how="inner")
                         .iter_rows(named=True)],
                        schema={"rep_id": pl.Int64, t("analytics.rep_col"): pl.String, amount_col: pl.String,
                                effective_col: pl.String, new_col: pl.String})
    if grid.is_empty():
        ui.empty(t("team.no_reps"))
        return
    with st.form("team_targets"):
        edited = st.data_editor(grid, hide_index=True, width="stretch", disabled=["rep_id", t("analytics.rep_col")],
                                key="team_targets_grid",
                                column_config={"rep_id": None,
                                               amount_col: st.column_config.TextColumn(help=t("team.amount_help")),
                                               effective_col: st.column_config.TextColumn(help=t("team.count_help")),
                                               new_col: st.column_config.TextColumn(help=t("team.count_help"))})
        if st.form_submit_button(t("common.save"), type="primary"):
            # each model field's column: its label in the messages, and the cell it was read from
            columns = {"amount": amount_col, "effective_follow_ups": effective_col, "new_customers": new_col}
            rows, problems = [], []
            for r in pl.DataFrame(edited).iter_rows(named=True):
                try:
                    rows.append(targets.from_cells(r["rep_id"], month, r[amount_col], r[effective_col], r[new_col]))
                except ValidationError as exc:
                    problems += [t("team.target_refused", name=fmt.literal(r[t("analytics.rep_col")]),
                                   message=text.rstrip("。."),
                                   value=fmt.literal(r[columns[field]] if field in columns else ""))
                                 for field, text in errors.explain(exc, lang(), columns).items()]
            if problems:  # nothing is saved until every cell reads
                st.error("\n\n".join([t("team.targets_not_saved"), *problems]))
            else:
                changed = run_write(lambda: targets.save(store(), user, rows))
                if changed is not None:  # again from the top: the table and chart above read the old targets
                    st.session_state["team_saved"] = ("success", t("team.saved", count=changed))
                    st.rerun()
    notice("team_saved")


def render() -> None:
    guard("team")
    f = ui.head("team")
    view = cached(summary.team_view, f, today())  # the table and both charts, each figure queried once
    team = view["team"]
    if team.is_empty():
        ui.empty_filters()
    else:
        ui.explain("effective_follow_ups", "daily_effective_customers", "weekly_hours", "channel_conversion",
                   "target_attainment", "pacing")
        user, s, language, day = actor(), store(), lang(), today()
        # named by the period it holds (the table has no column for it), else by the day it was made
        period = f"{f.date_from}_{f.date_to}" if f.date_from and f.date_to else fmt.day(day)
        export_buttons("team", f"{t('team.file_name')}-{period}",
                       lambda kind: table_exports.export_team(s, user, f, day, kind, language),
                       t("team.export_help", count=f"{team.height:,}"))
        _table(team)
        ui.conversion_window(f.date_to, team["follow_ups"].sum())
        if any(getattr(f, name) for name in ("industry", "size", "province", "customer_type")):
            st.caption(t("team.targets_unfiltered"))  # 0% against the whole target read as a shortfall
        ui.channel_caveat(f)  # contracts have no channel: the won amount is the rep's whole
        if f.date_from and f.date_to and (f.date_from.day != 1 or f.date_to != month_end(f.date_to)):
            # 1-15 October read 0.0% of the whole of October's target, with no word
            st.caption(t("team.targets_whole_months"))
        under_way = bool(f.date_from and f.date_to and f.date_from <= today() <= f.date_to)
        if under_way:
            _pacing_cards(team)  # a period that is over: its pacing is its attainment again
        ui.chart(charts.target_chart(team, lang(), pacing=under_way),
                 ("target_attainment", "pacing") if under_way else ("target_attainment",), "target_chart")
        cap = settings.get(store(), "daily_effective_cap")
        hours_cap = settings.get(store(), "weekly_hours_cap")
        left, right = st.columns(2)
        with left:
            daily = ui.names(view["daily"])
            ui.chart(charts.daily_cap_chart(daily, cap, lang()), ("daily_effective_customers",), "daily_chart", half=True)
        with right:
            weekly = ui.names(view["weekly"].with_columns(pl.col("hours").cast(pl.Float64)))
            ui.chart(charts.hours_chart(weekly, hours_cap, lang()), ("weekly_hours",), "hours_chart", half=True)
            # a period that starts after a Monday or ends before a Sunday cuts its first or last week:
            # those weeks' hours are only the period's days (a low point that is no short week)
            if f.date_from and f.date_to and (f.date_from.weekday() != 0 or f.date_to.weekday() != 6):
                st.caption(t("team.partial_weeks", start=f.date_from.isoformat(), end=f.date_to.isoformat()))
    st.divider()
    _targets_form()


safely(render)
