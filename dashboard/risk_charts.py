"""Pure figure builders for the risk board (frame in, figure out), tested directly."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.levels import LEVEL_COLORS
from pipelines.i18n import label, t


def trend_figure(frame: pl.DataFrame, lang: str) -> go.Figure:
    """Open warnings at each week's end, one line per level (columns week_end, level, open_risks)."""
    fig = go.Figure()
    for level in ("red", "yellow"):
        part = frame.filter(pl.col("level") == level).sort("week_end")
        fig.add_trace(go.Scatter(
            x=part["week_end"].to_list(), y=part["open_risks"].to_list(), mode="lines+markers",
            name=label("level", level, lang), line={"color": LEVEL_COLORS[level], "width": 3},
            # the week once, in the unified hover's heading (it was also in each line's text and name)
            hovertemplate="%{fullData.name}: %{y:,}<extra></extra>"))
    fig.update_layout(
        title=t("risk.trend_title", lang), height=320, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis_title=t("risk.trend_week", lang), yaxis_title=t("risk.trend_count", lang),
        legend={"orientation": "h", "y": -0.25}, hovermode="x unified")
    fig.update_xaxes(tickformat="%Y-%m-%d")
    fig.update_yaxes(rangemode="tozero", tickformat=",d")  # 1,000 as elsewhere, not 1000
    return fig
