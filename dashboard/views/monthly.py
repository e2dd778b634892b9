"""Monthly summary (`/monthly`): leadership's one page per month — headline figures with month-over-
month changes, funnel, top and bottom reps, risks, satisfaction, a generated text summary; Excel
and A4 PDF exports."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import streamlit as st

from dashboard import analytics_ui as ui
from dashboard import charts, fmt
from dashboard.data import actor, cached, store
from dashboard.filter_bar import filter_bar, today
from dashboard.guard import callback, guard, safely
from dashboard.i18n import label, lang, t
from dashboard.levels import BADGE_COLORS
from dashboard.nav import spec
from dashboard.widgets import keep_choice
from pipelines import exports, i18n, report_pdf, settings, summary
from pipelines.config import local_tz
from pipelines.periods import month_end, month_start

FIELDS = summary.SCOPE_FIELDS  # the filters the page offers are the ones its scope line names
FEW_SURVEYS = 10  # fewer answers than this: the card says the figure is only indicative
LEVEL_ICONS = {"red": ":material/error:", "yellow": ":material/warning:"}  # a shape each, not colour alone


def _pick_month() -> date:
    months = [summary.months_back(today(), i) for i in range(24)]
    wanted = st.query_params.get("month", "")
    default = months[1]  # the last complete month: what leadership reviews
    try:
        current = month_start(date.fromisoformat(f"{wanted}-01")) if wanted else default
    except ValueError:
        current = default
    if current > months[0]:  # a month to come: its "month end" risks were today's, its changes -100%
        st.session_state["monthly_future"] = (wanted, months[0])
        current = months[0]
    if current not in months:
        months.insert(0, current)
    if "monthly_month" in st.session_state:  # named in the UI language: a switch changes the text
        keep_choice("monthly_month", months, fallback=current)
    picked = st.selectbox(t("monthly.month"), months, index=months.index(current), key="monthly_month",
                          format_func=lambda m: i18n.month_label(m, lang()), placeholder=t("common.choose"))
    if st.query_params.get("month") != picked.strftime("%Y-%m"):
        st.query_params["month"] = picked.strftime("%Y-%m")
    future = st.session_state.get("monthly_future")
    if future and future[1] == picked:  # said until another month is picked
        st.info(t("monthly.future_month", month=future[0], shown=i18n.month_label(picked, lang())),
                icon=":material/event_upcoming:")
    else:
        st.session_state.pop("monthly_future", None)
    return picked


def _headline(data: dict) -> None:
    st.subheader(t("monthly.headline_title"))
    cols = st.columns(len(summary.HEADLINE) + 1)
    for col, row in zip(cols, data["headline"].iter_rows(named=True)):
        money = row["metric"] == "won_amount"
        value = fmt.money_short(row["this_month"]) if money else f"{row['this_month']:,.0f}"
        last = fmt.money(row["last_month"]) if money else f"{row['last_month']:,.0f}"
        ui.card(col, row["metric"], value, delta=ui.change_text(row["mom"]),
                help_extra=(f"{t('monthly.last_month')}: {last} · {t('metric.same_month_last_year')}: "
                            f"{ui.change_text(row['yoy'])}" + (f" · {fmt.money(row['this_month'])}" if money else "")))
    rate = data["win_rate"].row(0, named=True)
    ui.card(cols[-1], "win_rate", fmt.pct(rate["win_rate"]),  # the counts behind it, as on /funnel
            help_extra=t("funnel.win_rate_help", won=rate["contracts_signed"], lost=rate["lost_customers"]))


def _reps(data: dict) -> None:
    reps = data["reps"]
    if reps.is_empty() or not (reps["won_amount"].fill_null(0).sum() or reps["effective_follow_ups"].fill_null(0).sum()):
        st.caption(t("monthly.nothing_to_rank"))  # a 前 3 / 后 1 of reps who all have nothing read as a ranking
        return
    top, bottom = summary.ranked_reps(reps)
    left, right = st.columns(2)
    for col, title, frame in ((left, "monthly.top_reps", top), (right, "monthly.bottom_reps", bottom)):
        if frame.is_empty():  # a small team's bottom ranks leave out the top's: "后 1 名" over "—" said nothing
            col.caption(t("monthly.all_ranked", n=top.height))
            continue
        col.markdown(f"**{t(title, n=frame.height)}**")
        col.dataframe(frame.select(
            pl.col("display_name").alias(t("analytics.rep_col")),
            pl.col("won_amount").map_elements(fmt.money, return_dtype=pl.Utf8, skip_nulls=False).alias(t("metric.won_amount")),
            pl.col("attainment").map_elements(fmt.pct, return_dtype=pl.Utf8, skip_nulls=False).alias(t("metric.target_attainment")),
            pl.col("effective_follow_ups").alias(t("metric.effective_follow_ups"))), hide_index=True, width="stretch")


def _risks_and_satisfaction(data: dict) -> None:
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('monthly.risks_title')}**", help=ui.definition("risk_counts"))
        risks = data["risks"].filter(pl.col("level") != "green")
        cols = st.columns(2) if summary.any_risk(risks) else []
        if not cols:
            st.caption(t("monthly.no_risks"))  # not over two cards of 0
        for col, level in zip(cols, ("red", "yellow")):
            part = risks.filter(pl.col("level") == level)
            # warnings, not customers (the risk board's cards count customers); the level's colour with its name
            col.metric(f":{BADGE_COLORS[level]}[{LEVEL_ICONS[level]}] " + t("monthly.level_warnings", level=label("level", level)),
                       f"{int(part['open_at_end'].sum()):,}",
                       help=f"{t('monthly.risks_open_now' if data.get('as_of') else 'monthly.risks_open')}: "
                            f"{int(part['open_at_end'].sum()):,} · "
                            f"{t('monthly.risks_raised')}: {int(part['raised'].sum()):,} · "
                            f"{t('monthly.risks_closed')}: {int(part['closed'].sum()):,}")
    with right:
        st.markdown(f"**{t('monthly.satisfaction_title')}**", help=ui.definition("satisfaction"))
        sat = {r["scale"]: r for r in data["satisfaction"].iter_rows(named=True)}
        if not sat:
            st.caption(t("monthly.no_surveys"))
            return
        cols = st.columns(2)
        # one decimal, as the PDF and workbook give it (3.44 here beside 3.4 there)
        for col, scale, value in ((cols[0], "csat", lambda r: f"{r['avg_score']:.1f}"),
                                  (cols[1], "nps", lambda r: f"{r['nps']:.0f}")):
            if scale in sat:
                col.metric(t(f"monthly.{scale}"), value(sat[scale]))
                # the count beside the figure: an NPS of 100 from two surveys says little
                n = sat[scale]["surveys"]
                col.caption(t("monthly.surveys_n", n=f"{n:,}")
                            + (" · " + t("monthly.few_surveys") if n < FEW_SURVEYS else ""))


def _exports(data: dict, lines: list[str], scope: str) -> None:
    month = data["month"].strftime("%Y-%m")
    user, language, db = actor(), lang(), store()

    @callback
    def audit(fmt_name: str) -> None:
        # the scope too: a leader's export of one team read as the whole company's
        exports.audited_export(db, user, "monthly_summary", data["reps"].height, fmt_name,
                               f"{month}; {scope}" if scope else month)

    def pdf() -> bytes:
        document = report_pdf.to_html(data, lines, language, datetime.now(local_tz()).strftime("%Y-%m-%d %H:%M"),
                                      scope)
        return report_pdf.to_pdf(document, report_pdf.footer(data, language, scope))

    left, right, _ = st.columns([1, 1, 3])
    left.download_button(t("monthly.export_excel"), exports.to_xlsx_bytes(report_pdf.sheets(data, lines, language, scope),
                                                                 report_pdf.excel_formats(language)),
                         file_name=f"{t('monthly.file_name')}-{month}.xlsx", icon=":material/table_view:", on_click=audit, args=("xlsx",),
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    right.download_button(t("monthly.export_pdf"), pdf, file_name=f"{t('monthly.file_name')}-{month}.pdf", mime="application/pdf",
                          icon=":material/picture_as_pdf:", on_click=audit, args=("pdf",))


def render() -> None:
    guard("monthly")
    st.title(t(spec("monthly").title_key))
    st.caption(t("monthly.intro"))
    month = _pick_month()
    f = filter_bar("monthly", fields=FIELDS)
    if ui.not_started():
        return
    data = cached(summary.monthly_summary, f, month, today())
    lines = summary.summary_text(data, lang())
    scope = cached(summary.scope_text, f, lang())
    st.subheader(t("monthly.summary_title", month=i18n.month_label(month, lang())))
    # plain text (the PDF and workbook carry it too) naming teams, reps and tags as typed
    st.caption(fmt.literal(scope))
    st.info("\n".join(f"- {fmt.literal(line)}" for line in lines), icon=":material/summarize:")
    _headline(data)
    if not (data["headline"]["this_month"].fill_null(0) != 0).any() and not data["funnel"]["customers"].sum():
        # both charts said "请放宽时间范围,或清除其他筛选" on a page with no time range
        st.caption(t("monthly.empty_month", month=i18n.month_label(month, lang())))
    else:
        _charts(data)
    _reps(data)
    _risks_and_satisfaction(data)
    st.divider()
    _exports(data, lines, scope)


def _charts(data: dict) -> None:
    left, right = st.columns(2)
    with left:
        ui.chart(charts.funnel_chart(data["funnel"], lang()), ("funnel", "stage_conversion"), "monthly_funnel")
    with right:
        ui.chart(charts.conversion_chart(data["channels"], lang(), settings.get(store(), "phone_conversion_reference")),
                 ("channel_conversion",), "monthly_channels")  # with the manual's reference, as on /channels
        # the month shown (a month to come shows this one)
        ui.conversion_window(month_end(data["month"]), data["channels"]["follow_ups"].sum())


safely(render)
