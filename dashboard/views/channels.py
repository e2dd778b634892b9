"""Channels (`/channels`): conversion by follow-up channel with its count and 95% interval against
the manual's reference; channel mix by rep; which channels precede a contract."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import analytics_ui as ui
from dashboard import charts, fmt
from dashboard.data import cached, store
from dashboard.guard import guard, safely
from dashboard.i18n import lang, t
from pipelines import metrics, settings


def _table(conversion: pl.DataFrame) -> None:
    if conversion.is_empty():
        return
    with st.expander(t("channels.table_title"), expanded=False):
        shown = fmt.labelled(conversion, {"channel": "channel"}).select(
            pl.col("channel").alias(t("chart.channel_axis")),
            pl.col("follow_ups").alias(t("metric.follow_ups")),
            pl.col("converted").alias(t("channels.converted")),
            pl.col("rate").map_elements(fmt.pct, return_dtype=pl.Utf8, skip_nulls=False).alias(t("metric.channel_conversion")),
            pl.col("low").map_elements(fmt.pct, return_dtype=pl.Utf8, skip_nulls=False).alias(t("channels.low")),
            pl.col("high").map_elements(fmt.pct, return_dtype=pl.Utf8, skip_nulls=False).alias(t("channels.high")))
        st.dataframe(shown, hide_index=True, width="stretch")


def render() -> None:
    guard("channels")
    f = ui.head("channels")
    if ui.not_started():
        return
    conversion = cached(metrics.channel_conversion, f)
    reference = settings.get(store(), "phone_conversion_reference")
    ui.chart(charts.conversion_chart(conversion, lang(), reference), ("channel_conversion",), "conversion_chart")
    ui.conversion_window(f.date_to, conversion["follow_ups"].sum())
    _table(conversion)
    left, right = st.columns(2)
    with left:
        mix = ui.names(cached(metrics.channel_mix, f))
        ui.chart(charts.channel_mix_chart(mix, lang()), ("channel_mix",), "mix_chart", half=True)
    with right:
        pre = cached(metrics.contract_precursors, f)
        ui.chart(charts.precursor_chart(pre, metrics.PRECURSOR_WINDOW_DAYS, lang()), ("contract_precursors",),
                 "precursor_chart", half=True)


safely(render)
