"""Trends (`/trends`): follow-ups, effective follow-ups, new customers, stage entries, contracts
and won amount by week or month, by channel or team; month over month and year over year."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import analytics_ui as ui
from dashboard import charts, fmt
from dashboard.data import cached
from dashboard.filter_bar import today
from dashboard.guard import guard, safely
from dashboard.i18n import lang, t
from dashboard.widgets import keep_choice
from pipelines import metrics, rollups, summary
from pipelines.periods import month_start
from pipelines.summary import HEADLINE

FIGURES = ("follow_ups", "effective_follow_ups", "new_customers", "contracts_signed", "won_amount")
BY_CHANNEL = ("follow_ups", "effective_follow_ups")  # the figures that have a channel


def _compare(head: pl.DataFrame, month) -> None:
    """Cards: the period's last month against last month and the same month last year."""
    st.markdown(f"**{t('trends.compare_title', month=month.strftime('%Y-%m'))}**")
    st.caption(t("trends.compare_note"))
    if month_start(month) == month_start(today()):
        st.caption(t("trends.partial_month", today=today().isoformat()))
    cols = st.columns(len(HEADLINE))
    for col, row in zip(cols, head.iter_rows(named=True)):
        value = fmt.money(row["this_month"]) if row["metric"] == "won_amount" else f"{row['this_month']:,.0f}"
        yoy = ui.change_text(row["yoy"])  # signed, as the line under the card
        last = fmt.money(row["last_month"]) if row["metric"] == "won_amount" else f"{row['last_month']:,.0f}"
        ui.card(col, row["metric"], value, delta=ui.change_text(row["mom"]),
                help_extra=(f"{t('metric.month_over_month')}: {ui.definition('month_over_month')}"
                            f" {t('trends.last_month_was', value=last)}\n\n"
                            f"{t('metric.same_month_last_year')}: {yoy}"))
        col.caption(t("trends.yoy_line", change=ui.change_text(row["yoy"])))


def _auto_grain(f) -> None:
    """Weeks for a period of a quarter or less, months for longer: a month drawn by months was one
    dot. Followed until the user picks a grain themselves."""
    days = (f.date_to - f.date_from).days if f.date_from and f.date_to else 365
    auto = "week" if days <= 92 else "month"
    S = st.session_state
    if "trends_grain" not in S or S["trends_grain"] == S.get("trends_grain_auto"):
        S["trends_grain"] = auto
    S["trends_grain_auto"] = auto


def render() -> None:
    guard("trends")
    f = ui.head("trends", default_period="last_12_months")
    if ui.not_started():
        return
    # the period's last month, not a month to come: its cards read -100% on last year
    month = min(f.date_to or f.date_from or today(), today())
    # One fetch serves the charts (the period) and the cards (the last month and a year before it).
    sources = cached(summary.daily_sources, summary.headline_window(f, month))
    in_period = summary.sources_in(sources, f)
    _compare(summary.headline_from(sources, month), month)
    ui.channel_caveat(f)
    a, b, c = st.columns(3)
    keep_choice("trends_metric", FIGURES, FIGURES[0])  # named anew after a language switch
    metric = a.selectbox(t("trends.metric"), FIGURES, key="trends_metric", format_func=lambda m: t(f"metric.{m}"), placeholder=t("common.choose"))
    _auto_grain(f)
    grain = b.radio(t("trends.grain"), ("week", "month"), index=1, horizontal=True, key="trends_grain",
                    format_func=lambda g: t(f"chart.grain_{g}").capitalize())  # Week, Month as options
    splits = ("none", "channel", "team") if metric in BY_CHANNEL else ("none", "team")
    by = c.radio(t("trends.by"), splits, horizontal=True, key="trends_by",
                 format_func=lambda s: t("trends.by_none") if s == "none" else t(f"chart.by_{s}").capitalize())
    split = None if by == "none" else by
    people = cached(metrics.people) if split == "team" else None
    frame = rollups.rollup(summary.figure_frame(in_period, metric), [metric], grain, split, people)
    frame = rollups.every_bucket(frame, [metric], grain, f.date_from, min(d for d in (f.date_to, today()) if d))
    if split == "team":
        frame = frame.with_columns(fmt.team())
    partial = rollups.partial_buckets(frame["bucket"].unique().to_list() if not frame.is_empty() else [], grain,
                                      f.date_from, f.date_to, today())
    ui.chart(charts.trend_chart(frame, metric, grain, split, lang(), partial), (metric, "month_over_month"),
             "trend_chart")
    if partial:
        st.caption(t("trends.partial_note"))

    entries = rollups.rollup(in_period["stage_entries"], ["entries"], grain, "stage")
    ui.chart(charts.stage_entries_chart(entries, grain, lang()), ("stage_entries",), "entries_chart")
    if not frame.is_empty():
        # the chart's own figures, written as the cards write them (¥1,947,500; 1,234)
        shown = (pl.col(metric).map_elements(fmt.money, return_dtype=pl.Utf8) if metric == "won_amount"
                 else pl.col(metric).map_elements(lambda n: f"{n:,.0f}", return_dtype=pl.Utf8))
        table = frame.with_columns(shown).rename({"bucket": t(f"chart.{grain}_axis"), metric: t(f"metric.{metric}")})
        if split:
            table = fmt.labelled(table, {"channel": "channel"}).rename({split: t(f"chart.by_{split}")})
        with st.expander(t("trends.table_title")):
            st.dataframe(table.with_columns(pl.col(t(f"chart.{grain}_axis")).cast(pl.Utf8)), hide_index=True,
                         width="stretch")


safely(render)
