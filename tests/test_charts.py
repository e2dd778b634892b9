"""The chart builders as pure functions: frame in, figure out (traces, labels, order, colours)."""

from __future__ import annotations

from datetime import UTC, date

import polars as pl
import pytest

from dashboard import charts
from pipelines.codes import STAGES

FUNNEL = pl.DataFrame({"stage": list(STAGES), "customers": [10, 8, 5, 3, 2, 0],
                       "next_customers": [8, 5, 3, 2, 0, None],
                       "conversion_to_next": [0.8, 0.625, 0.6, 2 / 3, 0.0, None]})


def test_funnel_bars_in_stage_order_with_counts_and_fixed_colours():
    fig = charts.funnel_chart(FUNNEL, "zh_CN")
    bar = fig.data[0]
    assert list(bar.y) == ["初步接触", "需求确认", "方案提供", "商务谈判", "合同签订", "售后服务"]
    assert list(bar.x) == [10, 8, 5, 3, 2, 0]
    assert list(bar.customdata) == list(STAGES)  # the click handler reads the stage code
    assert list(bar.marker.color) == [charts.STAGE_COLOURS[s] for s in STAGES]
    assert bar.text[0] == "10 个 · 转化 80.0%" and bar.text[5] == "0 个"
    assert fig.layout.title.text == "本期有多少客户走到了每个阶段?"
    assert fig.layout.xaxis.title.text == "客户数" and fig.layout.yaxis.title.text == "客户阶段"
    assert fig.layout.yaxis.autorange == "reversed"  # first stage on top
    assert not charts.is_empty(fig)


def test_funnel_in_english():
    fig = charts.funnel_chart(FUNNEL, "en")
    assert fig.layout.title.text == "How many customers reached each stage this period?"
    assert fig.data[0].text[0] == "10 · conversion 80.0%"


@pytest.mark.parametrize("build", [
    lambda lang: charts.funnel_chart(FUNNEL.clear(), lang),
    lambda lang: charts.funnel_chart(FUNNEL.with_columns(customers=pl.lit(0)), lang),
    lambda lang: charts.cohort_chart(pl.DataFrame(schema={"stage": pl.Utf8, "customers": pl.Int64,
                                                          "cohort": pl.Int64, "share": pl.Float64}), lang),
    lambda lang: charts.days_in_stage_chart(pl.DataFrame(schema={"stage": pl.Utf8, "customers": pl.Int64,
                                                                 "stays": pl.Int64, "avg_days": pl.Float64}), lang),
    lambda lang: charts.lost_chart(pl.DataFrame(schema={"from_stage": pl.Utf8, "customers": pl.Int64}), lang),
    lambda lang: charts.conversion_chart(pl.DataFrame(schema={"channel": pl.Utf8, "follow_ups": pl.Int64}), lang),
    lambda lang: charts.target_chart(pl.DataFrame(schema={"target_amount": pl.Float64}), lang),
    lambda lang: charts.hours_chart(pl.DataFrame(schema={"name": pl.Utf8, "week": pl.Date, "hours": pl.Float64}),
                                    8, lang),
])
def test_empty_frames_give_an_empty_state(build):
    fig = build("zh_CN")
    assert charts.is_empty(fig)
    assert len(fig.data) == 0
    assert "当前筛选条件下没有数据" in fig.layout.annotations[0].text


def test_cohort_shows_share_with_count():
    cohort = pl.DataFrame({"stage": list(STAGES), "customers": [4, 2, 1, 0, 0, 0], "cohort": [4] * 6,
                           "share": [1.0, 0.5, 0.25, 0.0, 0.0, 0.0]})
    fig = charts.cohort_chart(cohort, "zh_CN")
    assert fig.data[0].text[1] == "50.0%<br>2/4"
    assert fig.data[0].constraintext == "none"  # full size, not shrunk to the bar's width
    assert fig.layout.yaxis.tickformat == ".0%"


def test_days_and_lost_use_stage_colours_and_label_instant_losses():
    days = pl.DataFrame({"stage": ["proposal"], "customers": [3], "stays": [3], "avg_days": [12.25]})
    fig = charts.days_in_stage_chart(days, "zh_CN")
    assert fig.data[0].marker.color == (charts.STAGE_COLOURS["proposal"],)
    assert fig.data[0].text == ("12.2 天<br>n=3",)
    assert "%{text}" in fig.data[0].hovertemplate  # days with 天 and the count, as on the bar


def test_a_target_chart_with_no_target_set_says_so_not_the_filters():
    team = pl.DataFrame({"display_name": ["王磊"], "target_amount": [0.0], "won_amount": [5.0],
                         "attainment": [None], "pacing": [None]})
    assert charts.target_chart(team, "zh_CN").layout.annotations[0].text.startswith("所选期间还没有为这些销售设定目标")
    lost = pl.DataFrame({"from_stage": [None, "proposal"], "customers": [1, 4]})
    fig = charts.lost_chart(lost, "zh_CN")
    assert list(fig.data[0].x) == ["直接记为输单", "方案提供"]


def test_conversion_chart_shows_interval_count_and_reference():
    conv = pl.DataFrame({"channel": ["phone", "visit"], "follow_ups": [4, 12_000], "converted": [2, 3_600],
                         "rate": [0.5, 0.3], "low": [0.15, 0.292], "high": [0.85, 0.308]})
    fig = charts.conversion_chart(conv, "zh_CN", reference=0.05)
    bar = fig.data[0]
    assert list(bar.x) == ["电话<br>50.0%<br>n=4", "拜访<br>30.0%<br>n=12,000"]  # the count under every rate
    english = charts.conversion_chart(conv.with_columns(channel=pl.Series(["video_meeting", "visit"])), "en").data[0]
    assert english.x[0].startswith("Video<br>") and english.x[1].startswith("Visit<br>")  # a word a line
    # and a four-character Chinese name two and two: 视频会议 ran into 产品演示 on a phone
    chinese = charts.conversion_chart(conv.with_columns(channel=pl.Series(["video_meeting", "visit"])), "zh_CN").data[0]
    assert chinese.x[0].startswith("视频<br>会议<br>") and chinese.x[1].startswith("拜访<br>")
    assert list(bar.error_y.array) == pytest.approx([0.35, 0.008])
    assert list(bar.error_y.arrayminus) == pytest.approx([0.35, 0.008])
    assert fig.layout.shapes[0].y0 == 0.05
    # the line is named in the legend, not by a label on the plot (it sat over the last bar)
    assert not fig.layout.annotations and [tr.name for tr in fig.data if tr.showlegend is not False] == [
        "手册参考:电话约 5.0%"]
    assert fig.layout.title.text == "哪种跟进方式最能推进阶段?"


def test_trend_lines_per_channel_in_catalog_language():
    frame = pl.DataFrame({"bucket": [date(2026, 8, 1), date(2026, 9, 1), date(2026, 8, 1)],
                          "channel": ["phone", "phone", "visit"], "follow_ups": [3, 5, 2]})
    fig = charts.trend_chart(frame, "follow_ups", "month", "channel", "zh_CN")
    assert [tr.name for tr in fig.data] == ["电话", "拜访"]
    assert list(fig.data[0].y) == [3, 5]
    assert fig.data[0].line.color == charts.CHANNEL_COLOURS["phone"]
    assert fig.layout.title.text == "跟进次数按月、按跟进方式怎么变化?"
    assert fig.layout.xaxis.title.text == "月份"
    # one tick a month, on its first day (Plotly's own fell between the months, each read 2026-08)
    assert (fig.layout.xaxis.dtick, fig.layout.xaxis.tick0) == ("M1", "2026-08-01")
    years = pl.DataFrame({"bucket": [date(2024 + i // 12, i % 12 + 1, 1) for i in range(30)], "follow_ups": [1] * 30})
    assert charts.trend_chart(years, "follow_ups", "month", None, "zh_CN").layout.xaxis.dtick == "M3"


def test_trend_by_team_names_unknown_team_other():
    frame = pl.DataFrame({"bucket": [date(2026, 9, 7)] * 2, "team": ["一组", None], "won_amount": [10.0, 5.0]})
    fig = charts.trend_chart(frame, "won_amount", "week", "team", "en")
    assert [tr.name for tr in fig.data] == ["一组", "Other"]
    assert fig.layout.yaxis.title.text == "Amount (yuan)"


def test_stage_entries_in_stage_order():
    entries = pl.DataFrame({"bucket": [date(2026, 9, 1)] * 3, "stage": ["lost", "proposal", "initial_contact"],
                            "entries": [1, 2, 3]})
    fig = charts.stage_entries_chart(entries, "month", "zh_CN")
    assert [tr.name for tr in fig.data] == ["初步接触", "方案提供", "输单/流失"]
    assert [tr.marker.color for tr in fig.data] == [charts.STAGE_COLOURS[s] for s in
                                                    ("initial_contact", "proposal", "lost")]
    assert fig.layout.xaxis.dtick == "M1"


def test_channel_mix_stacks_shares_per_rep():
    mix = pl.DataFrame({"name": ["王磊", "王磊", "李娜"], "channel": ["phone", "visit", "phone"],
                        "follow_ups": [3, 1, 2], "share": [0.75, 0.25, 1.0]})
    fig = charts.channel_mix_chart(mix, "zh_CN")
    assert fig.layout.barmode == "stack"
    assert [tr.name for tr in fig.data] == ["电话", "拜访"]
    assert list(fig.data[0].customdata) == [3, 2]
    # the legend (up to three rows of English names in a half-width column) sits under the bars, at
    # the figure's foot: above them, its rows grew into the title
    legend = charts.channel_mix_chart(mix, "en").layout.legend
    assert (legend.yref, legend.y, legend.yanchor) == ("container", 0, "bottom")


def test_precursor_labels_fit_their_bars():
    pre = pl.DataFrame({"channel": ["visit", "phone"], "contracts": [5, 4], "follow_ups": [9, 7],
                        "share": [5 / 7, 4 / 7], "signings": [7, 7]})
    for lang, expected in (("zh_CN", "71.4%<br>5/7 次签约"), ("en", "71.4%<br>5/7")):  # "5/7 contracts" overlapped
        assert charts.precursor_chart(pre, 30, lang).data[0].text[0] == expected
    # a bar per channel across the page, the most contracts first: as columns, eight channels'
    # labels ran into each other on a phone
    bar = charts.precursor_chart(pre, 30, "zh_CN").data[0]
    assert bar.orientation == "h" and list(bar.y) == ["拜访", "电话"] and list(bar.x) == [5 / 7, 4 / 7]


def test_target_chart_attainment_and_pacing():
    team = pl.DataFrame({"display_name": ["王磊", "李娜", "张伟"], "target_amount": [100.0, 200.0, 0.0],
                         "won_amount": [50.0, 300.0, 10.0], "attainment": [0.5, 1.5, None],
                         "pacing": [1.0, 3.0, None]})
    fig = charts.target_chart(team, "zh_CN")
    assert list(fig.data[0].y) == ["王磊", "李娜"]  # no target, no bar
    # a bar per rep across the page: as columns, eight names with their figures ran into each other
    assert fig.data[0].orientation == "h" and list(fig.data[0].x) == [0.5, 1.5]
    assert list(fig.data[1].x) == [1.0, 3.0]
    assert fig.data[0].text[0] == "50.0% · ¥50/¥100"
    assert fig.layout.yaxis.ticktext[0] == "王磊 · 50.0%<br>¥50/¥100"  # beside the name, clear of the marker
    assert fig.layout.shapes[0].x0 == 1
    # the hover names the rep and the series, not the tick's text with the figures again
    assert list(fig.data[0].customdata) == ["王磊", "李娜"] and fig.data[0].hovertemplate.startswith(
        "%{customdata} · %{fullData.name}") and fig.data[0].name == "已完成"
    done = charts.target_chart(team, "zh_CN", pacing=False)  # a period that is over: no projection
    assert len(done.data) == 1 and done.layout.title.text == "谁完成了目标?"


def test_daily_cap_chart_draws_cap_line():
    daily = pl.DataFrame({"name": ["王磊", "王磊"], "day": [date(2026, 9, 1), date(2026, 9, 2)], "customers": [16, 3]})
    fig = charts.daily_cap_chart(daily, 15, "zh_CN")
    assert fig.layout.shapes[0].y0 == 15
    assert fig.layout.title.text == "每天的有效客户数是否超过手册上限 15 个?"
    assert fig.layout.annotations[0].text == "上限 15"


def test_hours_chart_names_the_8_hours_a_reference_not_a_cap():
    """METRICS: the daily 15 is the manual's cap, the weekly 8 hours its reference."""
    weekly = pl.DataFrame({"name": ["王磊"], "week": [date(2026, 9, 7)], "hours": [9.5]})
    assert charts.hours_chart(weekly, 8, "zh_CN").layout.annotations[0].text == "手册参考 8 小时"
    assert charts.hours_chart(weekly, 8, "en").layout.annotations[0].text == "Manual's reference 8 h"


def test_weekly_charts_tick_on_mondays():
    """Weeks start on Monday: the ticks fall on the weeks' Mondays, about six of them (the chart is
    half the page wide)."""
    from datetime import timedelta

    mondays = [date(2026, 9, 7) + timedelta(weeks=i) for i in range(20)]
    weekly = pl.DataFrame({"name": ["王磊"] * 20, "week": mondays, "hours": [10.0] * 20})
    axis = charts.hours_chart(weekly, 25, "zh_CN").layout.xaxis
    assert list(axis.tickvals) == mondays[::4]
    few = charts.hours_chart(weekly.head(4), 25, "zh_CN").layout.xaxis
    assert list(few.tickvals) == mondays[:4]
    assert all(m.weekday() == 0 for m in mondays)  # (the frame itself holds Mondays)


def test_week_and_day_ticks_say_the_year_at_the_start_and_where_it_changes():
    """A span across New Year read 11-17 … 01-05 with no year anywhere."""
    from datetime import timedelta

    mondays = [date(2026, 11, 16) + timedelta(weeks=i) for i in range(8)]
    frame = pl.DataFrame({"bucket": mondays, "follow_ups": [3] * 8})
    axis = charts.trend_chart(frame, "follow_ups", "week", None, "zh_CN").layout.xaxis
    assert list(axis.ticktext) == ["11-16<br>2026", "11-23", "11-30", "12-07", "12-14", "12-21", "12-28",
                                   "01-04<br>2027"]
    entries = pl.DataFrame({"bucket": mondays, "stage": ["proposal"] * 8, "entries": [1] * 8})
    assert charts.stage_entries_chart(entries, "week", "zh_CN").layout.xaxis.ticktext[-1] == "01-04<br>2027"
    days = [date(2026, 12, 20) + timedelta(days=i) for i in range(30)]
    daily = pl.DataFrame({"name": ["王磊"] * 30, "day": days, "customers": [3] * 30})
    text = charts.daily_cap_chart(daily, 15, "zh_CN").layout.xaxis.ticktext
    assert text[0] == "12-20<br>2026" and "01-04<br>2027" in text and len(text) == 6
    # level labels: turned upright, the year under the first tick read as part of it ("11-032026")
    assert charts.daily_cap_chart(daily, 15, "zh_CN").layout.xaxis.tickangle == 0


def test_table_times_are_local_text_and_a_missing_one_a_dash():
    from datetime import datetime

    from dashboard import fmt

    frame = pl.DataFrame({"at": [datetime(2026, 3, 5, 6, 30, tzinfo=UTC), None],
                          "on": [date(2026, 3, 6), None]})
    out = fmt.local_times(frame, "at", "on")
    assert out["at"].to_list() == ["2026-03-05 14:30", "—"]  # Asia/Shanghai
    assert out["on"].to_list() == ["2026-03-06", "—"]
    # an imported date without a time is stored as that day's 00:00: shown as the date (it read as
    # a call at midnight), and still sorts before the same day's times
    midnight = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 2026-11-21 00:00 in Shanghai
    out = fmt.local_times(pl.DataFrame({"at": [midnight, datetime(2026, 11, 21, 1, 5, tzinfo=UTC)]}), "at")
    assert out["at"].to_list() == ["2026-11-21", "2026-11-21 09:05"] and sorted(out["at"]) == out["at"].to_list()
    assert fmt.moment(midnight) == "2026-11-21" and fmt.moment(datetime(2026, 11, 21, 1, 5, tzinfo=UTC)) == "2026-11-21 09:05"


def test_half_width_charts_break_a_long_title_onto_two_lines():
    """Plotly does not wrap titles: a long English one in a half-width column lost its end."""
    pre = pl.DataFrame({"channel": ["visit"], "contracts": [8], "signings": [10], "share": [0.8]})
    fig = charts.narrow(charts.precursor_chart(pre, 30, "en"))
    assert fig.layout.title.text == "Which channels did customers meet in the 30 days<br>before signing?"
    one_line = charts.precursor_chart(pre, 30, "en").layout.margin.t
    assert fig.layout.margin.t == one_line + 22  # room for the second line
    # Chinese characters count double; a title that fits is left alone
    zh = charts.narrow(charts.precursor_chart(pre, 30, "zh_CN"))
    assert "<br>" not in zh.layout.title.text and zh.layout.margin.t == one_line
    assert charts.narrow(charts.precursor_chart(pre, 30, "zh_CN"), room=20).layout.title.text \
        == "签约前 30 天里,<br>客户经历了哪些跟进方式?"


def test_hovers_say_counts_whole_and_months_as_months():
    """A count of customers read 4.0 on hover, a month 2025-12-01."""
    daily = pl.DataFrame({"name": ["王磊"], "day": [date(2026, 9, 1)], "customers": [4]})
    assert "%{y:,}" in charts.daily_cap_chart(daily, 15, "zh_CN").data[0].hovertemplate
    weekly = pl.DataFrame({"name": ["王磊"], "week": [date(2026, 9, 7)], "hours": [9.5]})
    assert "%{y:,.1f}" in charts.hours_chart(weekly, 8, "zh_CN").data[0].hovertemplate
    months = pl.DataFrame({"bucket": [date(2026, 8, 1), date(2026, 9, 1)], "follow_ups": [3, 4]})
    assert charts.trend_chart(months, "follow_ups", "month", None, "zh_CN").data[0].hovertemplate.startswith("%{x|%Y-%m}:")
    entries = pl.DataFrame({"bucket": [date(2026, 9, 1)], "stage": ["proposal"], "entries": [1]})
    assert charts.stage_entries_chart(entries, "month", "zh_CN").data[0].hovertemplate.startswith("%{x|%Y-%m}:")


def test_short_amounts_keep_as_many_figures_in_english_as_in_chinese(monkeypatch):
    """¥2,991,900 read 299.2万 in Chinese and ¥3.0M in English: a tenth of a million lost."""
    from dashboard import fmt

    monkeypatch.setattr(fmt, "lang", lambda: "zh_CN")
    assert fmt.money_short(2_991_900) == "299.2万"
    monkeypatch.setattr(fmt, "lang", lambda: "en")
    assert fmt.money_short(2_991_900) == "¥2.99M" and fmt.money_short(12_345_678) == "¥12.35M"
    assert fmt.money_short(45_600) == "¥45.6K"


def test_partial_buckets_are_hollow_and_say_so_on_hover():
    """A first week of four days (the period began on a Thursday) read as a slump."""
    from datetime import date

    weeks = [date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12)]
    frame = pl.DataFrame({"bucket": weeks, "follow_ups": [96, 180, 175]})
    trace = charts.trend_chart(frame, "follow_ups", "week", None, "zh_CN", frozenset({weeks[0]})).data[0]
    assert list(trace.marker.symbol) == ["circle-open", "circle", "circle"]
    assert trace.customdata[0].startswith("(不完整") and trace.customdata[1] == ""
    plain = charts.trend_chart(frame, "follow_ups", "week", None, "zh_CN").data[0]
    assert set(plain.marker.symbol) == {"circle"}


def test_a_trend_has_every_week_or_month_of_its_period_with_zero_for_none():
    """A team that signed nothing in July had no July point: the line ran from June to August and
    read ¥1.25M above July's tick (the numbers audit)."""
    from pipelines import rollups

    months = pl.DataFrame({"bucket": [date(2026, 6, 1), date(2026, 8, 1)], "won_amount": [1_086_700.0, 1_418_000.0]})
    filled = rollups.every_bucket(months, ["won_amount"], "month", date(2026, 5, 20), date(2026, 9, 3))
    assert filled.rows() == [(date(2026, 5, 1), 0.0), (date(2026, 6, 1), 1_086_700.0), (date(2026, 7, 1), 0.0),
                             (date(2026, 8, 1), 1_418_000.0), (date(2026, 9, 1), 0.0)]
    trace = charts.trend_chart(filled, "won_amount", "month", None, "zh_CN").data[0]
    assert list(trace.x)[2] == date(2026, 7, 1) and list(trace.y)[2] == 0
    # split lines: each has every week, people outside any team (None) too
    weeks = pl.DataFrame({"bucket": [date(2026, 6, 1), date(2026, 6, 1), date(2026, 6, 15)],
                          "team": ["华东", None, "华东"], "follow_ups": [1, 2, 3]})
    filled = rollups.every_bucket(weeks, ["follow_ups"], "week", date(2026, 6, 1), date(2026, 6, 21), "team")
    assert filled.filter(pl.col("team").is_null())["follow_ups"].to_list() == [2, 0, 0]
    assert filled.filter(pl.col("team") == "华东")["follow_ups"].to_list() == [1, 0, 3]


def test_a_week_that_ends_today_is_still_under_way():
    """On Sunday the week's point was drawn whole, though the page says hollow points are weeks
    not over yet."""
    from pipelines import rollups

    sunday = date(2026, 11, 29)
    weeks = [date(2026, 11, 16), date(2026, 11, 23)]
    assert rollups.partial_buckets(weeks, "week", date(2026, 11, 16), sunday, sunday) == {date(2026, 11, 23)}
    assert rollups.partial_buckets(weeks, "week", date(2026, 11, 16), sunday, date(2026, 11, 30)) == set()
    # cut by the period: a first week begun before it, a last month ending after it
    assert rollups.partial_buckets(weeks, "week", date(2026, 11, 18), None, date(2026, 12, 31)) == {date(2026, 11, 16)}
    assert rollups.partial_buckets([date(2026, 10, 1)], "month", None, date(2026, 10, 30),
                                   date(2026, 12, 1)) == {date(2026, 10, 1)}


def test_names_are_shown_as_written_not_read_as_html():
    """Plotly reads <b>, <br> and <a href> in names and tick labels: a rep imported as
    <a href=…>王</a> showed as a link on /team, and <b> in a team's name as bold."""
    name = '<a href="http://evil.example">王</a>磊 & <b>粗</b>'
    shown = '&lt;a href="http://evil.example"&gt;王&lt;/a&gt;磊 &amp; &lt;b&gt;粗&lt;/b&gt;'
    team = pl.DataFrame({"display_name": [name], "target_amount": [100.0], "won_amount": [50.0],
                         "attainment": [0.5], "pacing": [1.0]})
    fig = charts.target_chart(team, "zh_CN")
    assert list(fig.data[0].y) == [shown] and fig.layout.yaxis.ticktext[0].startswith(shown + " · ")
    mix = pl.DataFrame({"name": [name], "channel": ["phone"], "follow_ups": [3], "share": [1.0]})
    assert list(charts.channel_mix_chart(mix, "zh_CN").data[0].y) == [shown]
    daily = pl.DataFrame({"name": [name], "day": [date(2026, 9, 1)], "customers": [16]})
    assert charts.daily_cap_chart(daily, 15, "zh_CN").data[0].name == shown
    trend = pl.DataFrame({"bucket": [date(2026, 9, 1)], "team": [name], "follow_ups": [3]})
    assert charts.trend_chart(trend, "follow_ups", "month", "team", "zh_CN").data[0].name == shown
