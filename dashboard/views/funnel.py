"""Funnel (`/funnel`): the period and cohort funnels, stage conversion, days in stage, losses;
clicking a stage (or picking it) lists its customers."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import analytics_ui as ui
from dashboard import charts, fmt
from dashboard.data import cached
from dashboard.filter_bar import DEFAULT_FIELDS
from dashboard.guard import guard, safely
from dashboard.i18n import label, lang, t
from pipelines import metrics
from pipelines.codes import STAGES

LIMIT = 500


def _clicked_stage(event) -> str | None:
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if not points:
        return None
    index = points[0].get("point_index", points[0].get("point_number"))
    return STAGES[index] if index is not None and 0 <= index < len(STAGES) else None


def _customers(view: dict, stage: str) -> None:
    found = metrics.funnel_customers_from(view["customers"], view["names"], stage, LIMIT)
    st.markdown(f"**{t('funnel.customers_title', stage=label('stage', stage), count=f'{found.height:,}')}**")
    if found.is_empty():
        ui.empty_filters()
        return
    if found.height >= LIMIT:
        st.caption(t("funnel.customers_limited", limit=LIMIT))
    shown = fmt.labelled(found, {"stage": "stage"}).select(
        pl.col("name").alias(t("analytics.customers_col")), pl.col("owner").alias(t("analytics.owner_col")),
        pl.col("stage").alias(t("analytics.stage_col")),
        fmt.industry_col().alias(t("analytics.industry_col")),
        pl.col("province").alias(t("analytics.province_col")),
        pl.col("moved_at").dt.strftime("%Y-%m-%d %H:%M").alias(t("analytics.moved_col")))
    st.dataframe(fmt.blanks(shown), hide_index=True, width="stretch")


def render() -> None:
    guard("funnel")
    # its figures are customers' stage changes, which have no channel: a channel chosen here
    # changed nothing on the page (a link's is said by the filter bar, not silently dropped)
    f = ui.head("funnel", fields=tuple(x for x in DEFAULT_FIELDS if x != "channel"))
    if ui.not_started():
        return
    view = cached(metrics.funnel_view, f, LIMIT)  # every figure below, from three queries
    funnel = view["funnel"]
    left, right = st.columns(2)
    with left:
        event = ui.chart(charts.funnel_chart(funnel, lang()), ("funnel", "stage_conversion"), "funnel_chart",
                         select=True, half=True)
    with right:
        ui.chart(charts.cohort_chart(view["cohort_funnel"], lang()), ("cohort_funnel",), "cohort_chart", half=True)

    rate = view["win_rate"].row(0, named=True)
    # three a row: six across cut "初步接触 → 需求确认" to "初步接触 → 需…" at 1280 px, and English
    # names are longer still ("Initial contact → Needs confirmed")
    per_row = len(STAGES) // 2
    cols = [cell for _ in range(0, len(STAGES), per_row) for cell in st.columns(per_row)]
    for col, row in zip(cols[:-1], funnel.head(len(STAGES) - 1).iter_rows(named=True)):
        nxt = STAGES[STAGES.index(row["stage"]) + 1]
        # the count behind the rate on the card itself (METRICS.md), as /team shows it: in the
        # tooltip only, 69.2% read alone
        col.metric(f"{label('stage', row['stage'])} → {label('stage', nxt)}",
                   fmt.share(row["conversion_to_next"], row["next_customers"], row["customers"]),
                   help=ui.definition("stage_conversion"))
    won, lost = int(rate["contracts_signed"] or 0), int(rate["lost_customers"] or 0)
    ui.card(cols[-1], "win_rate", fmt.share(rate["win_rate"], won, won + lost),
            help_extra=t("funnel.win_rate_help", won=rate["contracts_signed"], lost=rate["lost_customers"]))

    left, right = st.columns(2)
    with left:
        ui.chart(charts.days_in_stage_chart(view["avg_days_in_stage"], lang()), ("avg_days_in_stage",),
                 "days_chart", half=True)
    with right:
        ui.chart(charts.lost_chart(view["lost_by_stage"], lang()), ("lost_by_stage",), "lost_chart", half=True)

    clicked = _clicked_stage(event)
    if clicked and clicked != st.session_state.get("funnel_clicked"):
        st.session_state["funnel_clicked"] = clicked
        st.session_state["funnel_stage"] = clicked  # a click on a bar picks that stage below
    st.divider()
    stage = st.selectbox(t("funnel.pick_stage"), STAGES, key="funnel_stage", format_func=lambda s: label("stage", s), placeholder=t("common.choose"))
    _customers(view, stage)


safely(render)
