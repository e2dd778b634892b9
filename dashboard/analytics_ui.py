"""Pieces the analytics pages share: the page head with the filter bar, a chart with its definition
one click away (or an empty state), figure cards with their definition as a tooltip."""

from __future__ import annotations

from datetime import date, timedelta

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts
from dashboard.data import cached, store
from dashboard.filter_bar import filter_bar
from dashboard.i18n import t
from dashboard.nav import spec
from dashboard.widgets import empty, nothing_yet, start_text, started
from pipelines import metrics, settings
from pipelines.filters import Filters
from pipelines.i18n import signed_pct

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def definition(key: str) -> str:
    """METRICS.md's definition of a figure, from the catalog, with the configured references."""
    values = {"cap": settings.get(store(), "weekly_hours_cap" if key == "weekly_hours" else "daily_effective_cap"),
              "days": metrics.PRECURSOR_WINDOW_DAYS}
    return t(f"definition.{key}", **values)


def head(path: str, default_period: str = "this_month", fields: tuple[str, ...] | None = None) -> Filters:
    """Title, one-line intro and the shared filter bar of an analytics page."""
    st.title(t(spec(path).title_key))
    st.caption(t(f"{path}.intro"))
    kwargs = {"default_period": default_period}
    if fields is not None:
        kwargs["fields"] = fields
    chosen = filter_bar(path, **kwargs)
    if chosen.date_from and chosen.date_to:
        st.caption(t("analytics.period_caption", start=chosen.date_from.isoformat(), end=chosen.date_to.isoformat()))
    return chosen


def not_started() -> bool:
    """A first day (the user sees no customer yet): the page's one empty state, said once (each
    chart said it again: five times on /funnel), and True so the page stops there."""
    if started():
        return False
    empty(start_text())
    return True


def empty_filters() -> None:
    """The empty state of a page whose figures are all empty."""
    empty(nothing_yet(t("analytics.empty_filters")))


def conversion_window(last_day: date | None, follow_ups: int) -> None:
    """Under a conversion rate whose period ends within the last 14 days: those follow-ups' 14 days
    have not all passed, so stage changes still to come will raise it (a director read this
    month's lower rate as a decline). Not with no follow-up in the period: an empty installation
    read that its rate would rise."""
    from dashboard.filter_bar import today

    since = today() - timedelta(days=metrics.CONVERSION_WINDOW_DAYS)
    if follow_ups and (last_day is None or last_day > since):
        st.caption(t("analytics.conversion_open", days=metrics.CONVERSION_WINDOW_DAYS, since=since.isoformat()))


def channel_caveat(filters: Filters) -> None:
    """Under a channel filter, say which figures it narrows: stage changes, contracts and risks
    have no channel, so new customers, signings, won amount and warnings stay every channel's."""
    if filters.channel:
        st.caption(t("analytics.channel_caveat"), help=t("definition.filters_apply"))


def explain(*keys: str, filters_note: bool = True) -> None:
    """A "how is this computed?" popover holding the definitions of `keys` (`filters_note`: and how
    the analytics pages' filters apply, which pages without those filters leave out)."""
    with st.popover(t("analytics.how_computed"), icon=":material/help:"):
        for key in keys:
            st.markdown(f"**{t(f'metric.{key}')}**: {definition(key)}")
        if filters_note:
            st.caption(t("definition.filters_apply"))


def chart(fig: go.Figure, keys: tuple[str, ...], key: str, select: bool = False, half: bool = False):
    """Draw a figure with its definitions one click away; an empty figure becomes an empty state.
    `half`: the chart has half the page's width (its long title is broken onto two lines)."""
    explain(*keys)
    if charts.is_empty(fig):
        st.markdown(f"**{fig.layout.title.text}**")
        why = charts.empty_reason(fig)  # its own reason (no target set, say), else the filters
        empty(nothing_yet(t(why)) if why == "analytics.empty_filters" else t(why))
        return None
    if half:
        charts.narrow(fig)
    if select:
        return st.plotly_chart(fig, key=key, on_select="rerun", selection_mode="points", config=PLOTLY_CONFIG,
                               width="stretch")
    st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, width="stretch")
    return None


def card(column, metric: str, value: str, delta: str | None = None, delta_color: str = "normal",
         help_extra: str = "") -> None:
    """A headline figure with its definition as the tooltip."""
    arrow = "auto"
    if (delta is not None and delta.lstrip("+-") == "0.0%") or delta == t("analytics.none"):
        # no change (a grey up arrow read as a rise), or none to tell (last month was 0: "—")
        delta, delta_color, arrow = delta.lstrip("+-"), "off", "off"
    column.metric(t(f"metric.{metric}"), value, delta=delta, delta_color=delta_color, delta_arrow=arrow,
                  help=definition(metric) + (f"\n\n{help_extra}" if help_extra else ""))


def change_text(change: float | None) -> str:
    """A month-over-month change for st.metric's delta: "+12.3%", or "—" when there is none
    (METRICS.md: last month 0); a card with no delta line at all read as if it had no comparison."""
    return t("analytics.none") if change is None else signed_pct(change)


def names(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `name` (the rep's display name) to a frame with rep_id; a rep the viewer may not see
    (a colleague who followed up one of their customers) is 其他同事, as in the records."""
    people = cached(metrics.people).select("rep_id", pl.col("display_name").alias("name"))
    return frame.join(people, on="rep_id", how="left").with_columns(
        pl.col("name").fill_null(t("common.other_rep")))
