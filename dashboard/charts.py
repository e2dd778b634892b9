"""Pure figure builders: a polars frame (from pipelines.metrics) in, a Plotly figure out.

Each figure is titled with the question it answers, labels its axes from the message catalog,
gives every stage (and channel) one fixed colour, and writes the count beside every rate. An
empty frame gives an empty-state figure that `is_empty()` recognises, so the page can show what
to do instead. No Streamlit here: the tests call these directly.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from pipelines.codes import CHANNELS, STAGES
from pipelines.exports import display_width
from pipelines.i18n import label, t

# One colour per stage on every chart (no red/amber/green: those mean risk levels).
STAGE_COLOURS: dict[str, str] = {
    "initial_contact": "#A0CBE8", "needs_confirmed": "#4E79A7", "proposal": "#76B7B2",
    "negotiation": "#B07AA1", "contract_signed": "#2F5597", "after_sales": "#9C755F", "lost": "#BAB0AC",
}
CHANNEL_COLOURS: dict[str, str] = dict(zip(CHANNELS, (
    "#4E79A7", "#F28E2B", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F")))
TEAM_PALETTE = ("#4E79A7", "#F28E2B", "#76B7B2", "#B07AA1", "#9C755F", "#EDC948", "#59A14F", "#FF9DA7",
                "#BAB0AC", "#17BECF", "#8C564B", "#7F7F7F")  # reps and teams: 12 before a repeat
FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
HEIGHT = 380


def plain(name: object) -> str:
    """A person's or team's name as written: Plotly reads <b>, <i>, <br> and <a href> in a trace's
    name and its tick labels, and a rep imported as <a href=…>王</a> showed as a link."""
    return html.escape(str(name), quote=False)


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _whole_numbers(fig: go.Figure, top: float, axis: str = "y") -> None:
    """Counts never get 0.2 ticks: a step of 1 while the axis is short."""
    if top <= 10:
        (fig.update_yaxes if axis == "y" else fig.update_xaxes)(dtick=1, tickformat=",d")


def _layout(fig: go.Figure, title: str, x: str | None, y: str | None, height: int = HEIGHT) -> go.Figure:
    # The legend under the plot, at the figure's foot: above it, its rows grew up into the title
    # when a phone's narrow chart wrapped seven stages onto four rows (Plotly makes room below the
    # axis for it as it grows, and nothing is drawn there).
    fig.update_layout(title={"text": title, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
                      height=height, font={"family": FONT}, margin={"l": 10, "r": 10, "t": 56, "b": 10},
                      legend={"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0,
                              "yanchor": "bottom", "traceorder": "normal"},
                      meta={"empty": False})
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    return fig


def narrow(fig: go.Figure, room: int = 48) -> go.Figure:
    """Break a title too long for a half-width chart (about `room` half-width characters at its
    size) onto two lines, after its last space or comma that fits: Plotly does not wrap titles,
    and the end of a long English one was cut off."""
    title = fig.layout.title.text or ""
    if display_width(title) <= room or "<br>" in title:
        return fig
    cut = room
    while display_width(title[:cut]) > room:
        cut -= 1
    at = max(title.rfind(mark, 0, cut + 1) for mark in (" ", ",", ",", "、"))
    head, tail = (title[:at + 1].rstrip(), title[at + 1:]) if at > 0 else (title[:cut], title[cut:])
    # room for the second line above the plot (and its legend); anchored by its top edge in
    # pixels, as a two-line title at y=0.98 lost the top of its first line
    fig.update_layout(title_text=f"{head}<br>{tail}", margin_t=(fig.layout.margin.t or 56) + 22,
                      title_y=1, title_yref="container", title_yanchor="top", title_pad_t=12)
    return fig


def empty_figure(title: str, lang: str, why: str = "analytics.empty_filters") -> go.Figure:
    """A figure that says there is nothing to show, and why (by default: the filters)."""
    fig = go.Figure()
    fig.add_annotation(text=t(why, lang), showarrow=False, x=0.5, y=0.5,
                       xref="paper", yref="paper", font={"size": 14})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title={"text": title, "x": 0}, height=HEIGHT, font={"family": FONT},
                      meta={"empty": True, "why": why})
    return fig


def is_empty(fig: go.Figure) -> bool:
    return bool((fig.layout.meta or {}).get("empty"))


def empty_reason(fig: go.Figure) -> str:
    """The catalog key of why an empty figure is empty."""
    return (fig.layout.meta or {}).get("why", "analytics.empty_filters")


# -- funnel page ------------------------------------------------------------------------------

def funnel_chart(funnel: pl.DataFrame, lang: str) -> go.Figure:
    """Horizontal bars, first stage on top; each bar carries its count and conversion onwards.
    `customdata` holds the stage code for click-to-list."""
    title = t("chart.funnel_title", lang)
    if funnel.is_empty() or funnel["customers"].sum() == 0:
        return empty_figure(title, lang)
    rows = funnel.to_dicts()
    text = [t("chart.funnel_text", lang, n=f"{r['customers']:,}", rate=pct(r["conversion_to_next"]))
            if r["conversion_to_next"] is not None else t("chart.funnel_text_last", lang, n=f"{r['customers']:,}")
            for r in rows]
    fig = go.Figure(go.Bar(
        x=[r["customers"] for r in rows], y=[label("stage", r["stage"], lang) for r in rows], orientation="h",
        marker_color=[STAGE_COLOURS[r["stage"]] for r in rows], text=text, textposition="auto", textangle=0,
        customdata=[r["stage"] for r in rows], hovertemplate="%{y}: %{x:,}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    _whole_numbers(fig, max(r["customers"] for r in rows), axis="x")
    return _layout(fig, title, t("chart.customers_axis", lang), t("chart.stage_axis", lang))


def cohort_chart(cohort: pl.DataFrame, lang: str) -> go.Figure:
    title = t("chart.cohort_title", lang)
    if cohort.is_empty() or not cohort["cohort"].max():
        return empty_figure(title, lang)
    rows = cohort.to_dicts()
    fig = go.Figure(go.Bar(
        x=[label("stage", r["stage"], lang) for r in rows], y=[r["share"] for r in rows],
        marker_color=[STAGE_COLOURS[r["stage"]] for r in rows],
        text=[t("chart.cohort_text", lang, share=pct(r["share"]), n=r["customers"], cohort=r["cohort"]) for r in rows],
        # two short lines at full size: one long line was shrunk to the bar's width, unreadable
        textposition="outside", constraintext="none", cliponaxis=False,
        hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", range=[0, 1.25], tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1])  # room for the labels, no 120%
    return _layout(fig, title, t("chart.stage_axis", lang), t("chart.share_axis", lang))


def days_in_stage_chart(days: pl.DataFrame, lang: str) -> go.Figure:
    title = t("chart.days_title", lang)
    if days.is_empty():
        return empty_figure(title, lang)
    rows = days.to_dicts()
    fig = go.Figure(go.Bar(
        x=[label("stage", r["stage"], lang) for r in rows], y=[r["avg_days"] for r in rows],
        marker_color=[STAGE_COLOURS[r["stage"]] for r in rows],
        text=[t("chart.days_text", lang, days=f"{r['avg_days']:.1f}", n=r["customers"]) for r in rows],
        textposition="outside", constraintext="none", cliponaxis=False,  # as in cohort_chart
        hovertemplate="%{x}: %{text}<extra></extra>"))  # days and count, as on the bar (it read 12.3)
    fig.update_yaxes(rangemode="tozero")
    return _layout(fig, title, t("chart.stage_axis", lang), t("chart.days_axis", lang))


def lost_chart(lost: pl.DataFrame, lang: str) -> go.Figure:
    title = t("chart.lost_title", lang)
    if lost.is_empty():
        return empty_figure(title, lang)
    rows = lost.to_dicts()
    names = [label("stage", r["from_stage"], lang) if r["from_stage"] else t("analytics.unknown_stage", lang)
             for r in rows]
    fig = go.Figure(go.Bar(
        x=names, y=[r["customers"] for r in rows], text=[f"{r['customers']:,}" for r in rows],
        marker_color=[STAGE_COLOURS.get(r["from_stage"] or "lost") for r in rows], textposition="outside",
        hovertemplate="%{x}: %{y:,}<extra></extra>"))
    _whole_numbers(fig, max(r["customers"] for r in rows))
    return _layout(fig, title, t("chart.stage_axis", lang), t("chart.customers_axis", lang))


# -- trends -------------------------------------------------------------------------------------

def _series_name(by: str | None, value, lang: str) -> str:
    if value is None:
        return t("analytics.other_team", lang)
    if by == "channel":
        return label("channel", value, lang)
    if by == "stage":
        return label("stage", value, lang)
    return plain(value)


def _series_colour(by: str | None, value, index: int) -> str:
    if by == "channel":
        return CHANNEL_COLOURS.get(value, "#888888")
    if by == "stage":
        return STAGE_COLOURS.get(value, "#888888")
    return TEAM_PALETTE[index % len(TEAM_PALETTE)]


def trend_chart(frame: pl.DataFrame, metric: str, grain: str, by: str | None, lang: str,
                partial: frozenset = frozenset()) -> go.Figure:
    """Lines of `metric` per `bucket` (week or month), one per value of `by` (channel, team …);
    the buckets in `partial` (only part of them in the period, or still under way) are hollow
    points and say so on hover: a first week of four days read as a slump."""
    grain_word = t(f"chart.grain_{grain}", lang)
    name = t(f"metric.{metric}", lang)
    title = (t("chart.trend_by_title", lang, metric=name, grain=grain_word, by=t(f"chart.by_{by}", lang)) if by
             else t("chart.trend_title", lang, metric=name, grain=grain_word))
    if frame.is_empty() or frame[metric].sum() == 0:
        return empty_figure(title, lang)
    fig = go.Figure()
    groups = [(None, frame)] if not by else [
        (key[0], part) for key, part in frame.sort(by, nulls_last=True).group_by(by, maintain_order=True)]
    money = metric == "won_amount"
    note = t("chart.partial_bucket", lang)
    for i, (value, unsorted) in enumerate(groups):
        part = unsorted.sort("bucket")
        buckets = part["bucket"].to_list()
        fig.add_trace(go.Scatter(
            x=buckets, y=part[metric].to_list(), mode="lines+markers",
            name=_series_name(by, value, lang) if by else name,
            line={"color": _series_colour(by, value, i), "width": 2},
            marker={"symbol": ["circle-open" if b in partial else "circle" for b in buckets], "size": 8},
            customdata=[note if b in partial else "" for b in buckets],
            hovertemplate="%{x|" + ("%Y-%m-%d" if grain == "week" else "%Y-%m") + "}: "
            + ("¥%{y:,.0f}" if money else "%{y:,}") + "%{customdata}<extra>%{fullData.name}</extra>"))
    fig.update_yaxes(rangemode="tozero", tickformat=",.0f")
    if grain != "week":
        fig.update_xaxes(tickformat="%Y-%m")
    (_week_ticks if grain == "week" else _month_ticks)(fig, frame["bucket"].to_list())
    axis = t("chart.amount_axis", lang) if money else name
    return _layout(fig, title, t(f"chart.{grain}_axis", lang), axis)


def stage_entries_chart(entries: pl.DataFrame, grain: str, lang: str) -> go.Figure:
    """Grouped bars per bucket: entries into each stage, in stage order and colours."""
    title = t("chart.entries_title", lang, grain=t(f"chart.grain_{grain}", lang))
    if entries.is_empty() or entries["entries"].sum() == 0:
        return empty_figure(title, lang)
    fig = go.Figure()
    for stage in (*STAGES, "lost"):
        part = entries.filter(pl.col("stage") == stage).sort("bucket")
        if part.is_empty():
            continue
        fig.add_trace(go.Bar(x=part["bucket"].to_list(), y=part["entries"].to_list(),
                             name=label("stage", stage, lang), marker_color=STAGE_COLOURS[stage],
                             hovertemplate="%{x|" + ("%Y-%m-%d" if grain == "week" else "%Y-%m")
                             + "}: %{y:,}<extra>%{fullData.name}</extra>"))
    fig.update_layout(barmode="group")
    if grain != "week":
        fig.update_xaxes(tickformat="%Y-%m")
    (_week_ticks if grain == "week" else _month_ticks)(fig, entries["bucket"].to_list())
    return _layout(fig, title, t(f"chart.{grain}_axis", lang), t("chart.count_axis", lang))


# -- channels -------------------------------------------------------------------------------------

def _on_short_lines(name: str) -> str:
    """A bar's name a word a line, a four-character Chinese one two and two: eight names under
    eight bars ran into each other ("Video meeting" in English, 视频会议产品演示 on a phone)."""
    if " " in name:
        return name.replace(" ", "<br>")
    chinese = len(name) >= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in name)
    return f"{name[:len(name) // 2]}<br>{name[len(name) // 2:]}" if chinese else name


def conversion_chart(conversion: pl.DataFrame, lang: str, reference: float | None = None) -> go.Figure:
    """Conversion per channel with its 95% Wilson interval as error bars and n on each bar;
    the manual's phone reference as a dotted line."""
    title = t("chart.conversion_title", lang)
    data = conversion.filter(pl.col("follow_ups") > 0)
    if data.is_empty():
        return empty_figure(title, lang)
    rows = data.to_dicts()
    names = [_on_short_lines(label("channel", r["channel"], lang)) + "<br>"
             + t("chart.conversion_text", lang, rate=pct(r["rate"]), n=f"{r['follow_ups']:,}") for r in rows]
    fig = go.Figure(go.Bar(
        x=names, y=[r["rate"] for r in rows],
        marker_color=[CHANNEL_COLOURS.get(r["channel"], "#888888") for r in rows],
        error_y={"type": "data", "symmetric": False, "array": [r["high"] - r["rate"] for r in rows],
                 "arrayminus": [r["rate"] - r["low"] for r in rows], "color": "#555555"},
        customdata=[[pct(r["low"]), pct(r["high"]), r["converted"], r["follow_ups"]] for r in rows],
        hovertemplate="%{y:.1%} [%{customdata[0]} – %{customdata[1]}] %{customdata[2]}/%{customdata[3]}"
                      "<extra></extra>"))
    if reference is not None:
        # named in the legend: a label on the line sat over the last channel's bar
        fig.add_hline(y=reference, line_dash="dot", line_color="#555555")
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", hoverinfo="skip",
                                 line={"dash": "dot", "color": "#555555"}, showlegend=True,
                                 name=t("chart.reference_line", lang, rate=pct(reference))))
        fig.update_traces(selector={"type": "bar"}, showlegend=False)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(tickangle=0, tickfont={"size": 10})  # name, rate and n on three short lines: readable in half a page
    return _layout(fig, title, t("chart.channel_axis", lang), t("chart.rate_axis", lang))


def channel_mix_chart(mix: pl.DataFrame, lang: str) -> go.Figure:
    """100% stacked bars per rep (`name` column): the share of each channel, count on hover."""
    title = t("chart.mix_title", lang)
    if mix.is_empty() or mix["follow_ups"].sum() == 0:
        return empty_figure(title, lang)
    fig = go.Figure()
    for channel in CHANNELS:
        part = mix.filter(pl.col("channel") == channel)
        if part.is_empty():
            continue
        fig.add_trace(go.Bar(
            y=[plain(n) for n in part["name"]], x=part["share"].to_list(), orientation="h",
            name=label("channel", channel, lang),
            marker_color=CHANNEL_COLOURS[channel], customdata=part["follow_ups"].to_list(),
            hovertemplate="%{y} · %{fullData.name}: %{x:.1%} (n=%{customdata:,})<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    # eight channels' names take up to three legend rows in a half-width column (English), under the bars
    return _layout(fig, title, t("chart.share_axis", lang), t("chart.rep_axis", lang),
                   height=max(HEIGHT, 150 + 34 * mix["name"].n_unique()))


def precursor_chart(pre: pl.DataFrame, window_days: int, lang: str) -> go.Figure:
    title = t("chart.precursor_title", lang, days=window_days)
    if pre.is_empty():
        return empty_figure(title, lang)
    rows = pre.sort("contracts", descending=True).to_dicts()
    # A bar per channel across the half page, its share and count beside it: as columns, eight
    # channels' labels above their bars ran into each other on a phone ("30.0%30.0%30.0%").
    fig = go.Figure(go.Bar(
        y=[label("channel", r["channel"], lang) for r in rows], x=[r["share"] for r in rows], orientation="h",
        marker_color=[CHANNEL_COLOURS.get(r["channel"], "#888888") for r in rows],
        text=[t("chart.precursor_text", lang, share=pct(r["share"]), n=r["contracts"], total=r["signings"])
              for r in rows], textposition="outside", cliponaxis=False, constraintext="none",  # as cohort_chart
        hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    fig.update_xaxes(tickformat=".0%", range=[0, 1.4], tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1])
    fig.update_yaxes(autorange="reversed")  # the most contracts at the top
    return _layout(fig, title, t("chart.share_axis", lang), t("chart.channel_axis", lang),
                   height=max(HEIGHT, 120 + 40 * len(rows)))


# -- team ------------------------------------------------------------------------------------------

def target_chart(team: pl.DataFrame, lang: str, pacing: bool = True) -> go.Figure:
    """Per rep (`display_name`): attainment bars and projected pacing markers against 100%;
    `pacing` False for a period that is over (its pace is its attainment)."""
    title = t("chart.target_title" if pacing else "chart.target_title_done", lang)
    data = team.filter(pl.col("target_amount") > 0)
    if data.is_empty():  # with reps there, no target is set for them (a month to come, say)
        return empty_figure(title, lang, "chart.no_targets" if team.height else "analytics.empty_filters")
    rows = data.to_dicts()
    names = [plain(r["display_name"]) for r in rows]
    # A bar per rep across the page, the rep's figures beside the name: as columns, eight reps'
    # names with their figures under them were turned upright and ran into each other on a phone.
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=names, x=[r["attainment"] for r in rows], orientation="h", name=t("chart.attainment_label", lang),
        marker_color="#4E79A7",
        text=[f"{pct(r['attainment'])} · ¥{r['won_amount']:,.0f}/¥{r['target_amount']:,.0f}" for r in rows],
        # by the rep's name and the series (%{y} is the tick's text, which repeats the figures)
        customdata=names, textposition="none", hovertemplate="%{customdata} · %{fullData.name}: %{text}<extra></extra>"))
    fig.update_yaxes(tickvals=names, ticktext=[f"{n} · {x.replace(' · ', '<br>')}"
                                               for n, x in zip(names, fig.data[0].text, strict=True)],
                     autorange="reversed")  # the first rep at the top, as in the table
    if pacing:
        fig.add_trace(go.Scatter(
            y=names, x=[r["pacing"] for r in rows], name=t("chart.pacing_label", lang), mode="markers",
            marker={"symbol": "diamond", "size": 12, "color": "#2F5597"}, customdata=names,
            hovertemplate="%{customdata} · %{fullData.name}: %{x:.1%}<extra></extra>"))
    fig.add_vline(x=1, line_dash="dot", line_color="#555555", annotation_text=t("chart.target_line", lang),
                  annotation_position="top", annotation_bgcolor="rgba(255,255,255,0.85)")
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    return _layout(fig, title, t("metric.target_attainment", lang), t("chart.rep_axis", lang),
                   height=max(HEIGHT, 140 + 44 * len(rows)))


def _week_ticks(fig: go.Figure, weeks: list) -> None:
    """Ticks on the weeks' Mondays (Plotly's own date ticks fall on Sundays), every k-th week so
    that about eight are labelled, as 11-17; the first tick and the first of each new year carry
    the year below it (a span across New Year read 11-17 … 01-05 with no year anywhere)."""
    _day_ticks(fig, weeks, 8)


def _day_ticks(fig: go.Figure, days: list, about: int) -> None:
    """Every k-th of the distinct days, about `about` of them, labelled month-day with the year
    under the first tick and under the first tick of a new year."""
    shown = sorted({d for d in days if d is not None})
    if not shown:
        return
    every = max(1, -(-len(shown) // about))
    ticks = shown[::every]
    text = [f"{d:%m-%d}<br>{d.year}" if i == 0 or d.year != ticks[i - 1].year else f"{d:%m-%d}"
            for i, d in enumerate(ticks)]
    fig.update_xaxes(tickmode="array", tickvals=ticks, ticktext=text, hoverformat="%Y-%m-%d")


def _month_ticks(fig: go.Figure, months: list) -> None:
    """Ticks on the months' first days, every k-th month so that about twelve are labelled:
    Plotly's own ticks for a few months fall between them, each labelled with its month
    (2026-09 2026-09 2026-09 2026-09 for September and October)."""
    every = max(1, -(-len(set(months)) // 12))
    fig.update_xaxes(tick0=min(months).isoformat() if months else None, dtick=f"M{every}")


def _per_rep_lines(frame: pl.DataFrame, x: str, y: str, title: str, x_axis: str, y_axis: str, cap: float,
                   line: str, lang: str) -> go.Figure:
    if frame.is_empty():
        return empty_figure(title, lang)
    fig = go.Figure()
    for i, (key, unsorted) in enumerate(frame.sort("name").group_by("name", maintain_order=True)):
        part = unsorted.sort(x)
        fig.add_trace(go.Scatter(x=part[x].to_list(), y=part[y].to_list(), mode="lines+markers", name=plain(key[0]),
                                 line={"color": TEAM_PALETTE[i % len(TEAM_PALETTE)], "width": 1.5},
                                 hovertemplate="%{x|%Y-%m-%d}: %{y:" + (",.1f" if x == "week" else ",")
                                 + "}<extra>%{fullData.name}</extra>"))  # hours, or a count of customers
    fig.add_hline(y=cap, line_dash="dash", line_color="#C0392B",
                  annotation_text=line, annotation_position="top left",
                  annotation_bgcolor="rgba(255,255,255,0.85)")  # readable where a rep's line crosses it
    fig.update_yaxes(rangemode="tozero")
    # drawn half the page wide: ten labels were turned upright, and the year under the first one
    # then read as part of it ("11-032026"); fewer, level labels keep the year beneath
    _day_ticks(fig, frame[x].to_list(), 6)
    fig.update_xaxes(tickangle=0)
    return _layout(fig, title, x_axis, y_axis)


def daily_cap_chart(daily: pl.DataFrame, cap: int, lang: str) -> go.Figure:
    """Effective customers per day and rep (`name`, `day`, `customers`) against the cap."""
    return _per_rep_lines(daily, "day", "customers", t("chart.daily_title", lang, cap=cap),
                          t("chart.date_axis", lang), t("chart.customers_axis", lang), cap,
                          t("chart.cap_line", lang, cap=cap), lang)


def hours_chart(weekly: pl.DataFrame, cap: float, lang: str) -> go.Figure:
    """Communication hours per ISO week and rep (`name`, `week`, `hours`) against the manual's
    reference (METRICS calls it a reference, the daily 15 a cap)."""
    return _per_rep_lines(weekly, "week", "hours", t("chart.hours_title", lang, cap=f"{cap:g}"),
                          t("chart.week_axis", lang), t("chart.hours_axis", lang), cap,
                          t("chart.hours_line", lang, cap=f"{cap:g}"), lang)
