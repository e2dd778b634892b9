"""The monthly summary's exports: labelled tables (one Excel sheet each) and an A4 PDF printed from
HTML by Debian's chromium through Playwright, with the Noto CJK fonts for Chinese text."""

from __future__ import annotations

import html
import os
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from pipelines.codes import STAGES
from pipelines.i18n import label, month_label, signed_pct, t
from pipelines.rules.risks import rule_name

CHROMIUM = os.environ.get("FOLLOWUP_CHROMIUM", "/usr/bin/chromium")
# Same colours as dashboard/charts.py STAGE_COLOURS (the PDF draws its own bars).
_BAR = {"initial_contact": "#A0CBE8", "needs_confirmed": "#4E79A7", "proposal": "#76B7B2",
        "negotiation": "#B07AA1", "contract_signed": "#2F5597", "after_sales": "#9C755F"}


class PdfError(Exception):
    """The PDF could not be printed (no chromium); the page offers the Excel export instead."""


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _yuan(amount: float | None) -> str:
    return "—" if amount is None else f"¥{amount:,.0f}"


def tables(summary: dict, lang: str) -> dict[str, pl.DataFrame]:
    """The summary's tables with headers and codes in `lang`, numbers kept as numbers."""
    def col(key: str) -> str:
        return t(key, lang)

    head = summary["headline"].select(
        pl.col("metric").map_elements(lambda m: t(f"metric.{m}", lang), return_dtype=pl.Utf8).alias(col("monthly.metric_col")),
        pl.col("this_month").alias(col("monthly.this_month")), pl.col("last_month").alias(col("monthly.last_month")),
        pl.col("mom").alias(col("metric.month_over_month")), pl.col("last_year").alias(col("monthly.last_year")),
        pl.col("yoy").alias(col("metric.same_month_last_year")))
    funnel = summary["funnel"].select(
        pl.col("stage").map_elements(lambda s: label("stage", s, lang), return_dtype=pl.Utf8).alias(col("chart.stage_axis")),
        pl.col("customers").alias(col("chart.customers_axis")),
        pl.col("conversion_to_next").alias(col("metric.stage_conversion")))
    reps = summary["reps"].select(
        pl.col("display_name").alias(col("analytics.rep_col")), pl.col("team").fill_null(col("common.no_team")).alias(col("analytics.team_col")),
        pl.col("effective_follow_ups").alias(col("metric.effective_follow_ups")),
        pl.col("won_amount").alias(col("metric.won_amount")),
        # no target: "—" (an empty cell in Excel), not a target of ¥0
        pl.when(pl.col("target_amount") > 0).then("target_amount").alias(col("metric.target_amount")),
        pl.col("attainment").alias(col("metric.target_attainment")),
        pl.col("conversion").alias(col("metric.channel_conversion")), pl.col("conversion_n").alias(col("metric.conversion_n")))
    channels = summary["channels"].select(
        pl.col("channel").map_elements(lambda c: label("channel", c, lang), return_dtype=pl.Utf8).alias(col("chart.channel_axis")),
        pl.col("follow_ups").alias(col("metric.follow_ups")), pl.col("converted").alias(col("channels.converted")),
        pl.col("rate").alias(col("metric.channel_conversion")), pl.col("low").alias(col("channels.low")),
        pl.col("high").alias(col("channels.high")))
    # a rule with nothing open, raised or closed says nothing about the month (an empty month
    # listed every rule at 0 / 0)
    risks = summary["risks"].filter((pl.col("open_at_end") + pl.col("raised") + pl.col("closed")) > 0).select(
        pl.col("level").map_elements(lambda c: label("level", c, lang), return_dtype=pl.Utf8).alias(col("field.level")),
        pl.col("rule").map_elements(lambda c: rule_name(c, lang, summary.get("risk_rules")), return_dtype=pl.Utf8)
        .alias(col("field.rule")),
        # a month under way has no end yet: its count is of now
        pl.col("open_at_end").alias(col("monthly.risks_open_now" if summary.get("as_of") else "monthly.risks_open")),
        pl.col("raised").alias(col("monthly.risks_raised")), pl.col("closed").alias(col("monthly.risks_closed")))
    sat = summary["satisfaction"].select(
        pl.col("scale").map_elements(lambda c: label("survey_scale", c, lang), return_dtype=pl.Utf8).alias(col("monthly.satisfaction_title")),
        pl.col("surveys").alias(col("monthly.surveys")), pl.col("avg_score").alias(col("monthly.avg_score")),
        pl.col("nps").alias(col("monthly.nps")))
    return {col("monthly.sheet_headline"): head, col("monthly.sheet_funnel"): funnel, col("monthly.sheet_reps"): reps,
            col("monthly.sheet_channels"): channels, col("monthly.sheet_risks"): risks,
            col("monthly.sheet_satisfaction"): sat}


def excel_formats(lang: str) -> dict[str, str]:
    """Number formats of the tables' columns, by header: rates as percentages, amounts in yuan,
    the headline's figures (counts, and the won amount in yuan) as whole numbers."""
    from pipelines.exports import RATE, SCORE, WHOLE, YUAN

    keys = {RATE: ("metric.month_over_month", "metric.same_month_last_year", "metric.stage_conversion",
                   "metric.target_attainment", "metric.channel_conversion", "channels.low", "channels.high"),
            YUAN: ("metric.won_amount", "metric.target_amount"),
            WHOLE: ("monthly.this_month", "monthly.last_month", "monthly.last_year"),
            SCORE: ("monthly.avg_score", "monthly.nps")}
    return {t(key, lang): fmt for fmt, names in keys.items() for key in names}


def _summary_title(summary: dict, lang: str) -> str:
    month = summary["month"]
    return t("monthly.summary_title", lang, month=month_label(month, lang))


def sheets(summary: dict, lines: list[str], lang: str, scope: str = "") -> dict[str, pl.DataFrame]:
    """Excel sheets: the generated text first (after whose figures they are), then one sheet per table."""
    text = pl.DataFrame({_summary_title(summary, lang): ([scope] if scope else []) + lines})
    return {t("monthly.sheet_summary", lang): text, **tables(summary, lang)}


# -- HTML and PDF --------------------------------------------------------------------------------

# Columns shown as percentages and as yuan in the PDF (by their catalog keys).
RATE_KEYS = ("metric.month_over_month", "metric.same_month_last_year", "metric.stage_conversion",
             "metric.target_attainment", "metric.channel_conversion", "channels.low", "channels.high")
MONEY_KEYS = ("metric.won_amount", "metric.target_amount")
CHANGE_KEYS = ("metric.month_over_month", "metric.same_month_last_year")  # signed: +6.7%, -1.9%


def _cell(kind: str, value) -> str:
    if value is None:
        return "—"
    if kind == "change":  # month over month, year over year: signed, as the page's cards
        return signed_pct(value)
    if kind == "rate":
        return _pct(value)
    if kind == "money":
        return _yuan(value)
    if isinstance(value, float):
        return f"{value:,.1f}" if value != int(value) else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def _table(title: str, frame: pl.DataFrame, lang: str) -> str:
    if frame.is_empty():
        return ""
    rates, money = {t(k, lang) for k in RATE_KEYS}, {t(k, lang) for k in MONEY_KEYS}
    changes = {t(k, lang) for k in CHANGE_KEYS}
    kinds = ["change" if c in changes else "rate" if c in rates else "money" if c in money else ""
             for c in frame.columns]
    # words (names, labels) sit left and are not broken inside a word: a CJK name may otherwise
    # break after any character, and narrow columns then read 王 / 磊 one per line
    cls = [" class='t'" if kind == pl.String else "" for kind in frame.dtypes]
    head = "".join(f"<th{c}>{html.escape(name)}</th>" for c, name in zip(cls, frame.columns))
    money_row = t("metric.won_amount", lang)  # the headline's amount row: yuan in the figure columns

    def row_kinds(row: tuple) -> list[str]:
        return ["money" if row[0] == money_row and k == "" and i > 0 else k for i, k in enumerate(kinds)]

    body = "".join("<tr>" + "".join(f"<td{c}>{_cell(k, v)}</td>" for c, k, v in zip(cls, row_kinds(row), row))
                   + "</tr>" for row in frame.rows())
    return _section(title, f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _section(title: str, body: str) -> str:
    """A heading with what it heads, kept on one page (a heading left at a page's foot, its table
    on the next, read as an empty section)."""
    return f"<section><h2>{html.escape(title)}</h2>{body}</section>"


def _funnel_bars(funnel: pl.DataFrame, lang: str) -> str:
    top = max(funnel["customers"].max() or 0, 1)
    bars = []
    for r in funnel.iter_rows(named=True):
        width = 100 * r["customers"] / top
        bars.append(f"<div class='bar'><span class='name'>{html.escape(label('stage', r['stage'], lang))}</span>"
                    f"<span class='track'><span class='fill' style='width:{width:.1f}%;background:{_BAR[r['stage']]}'>"
                    f"</span></span><span class='n'>{r['customers']:,} · {_pct(r['conversion_to_next'])}</span></div>")
    return _section(t("monthly.funnel_title", lang), "".join(bars))


CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif; font-size: 10.5pt; color: #222; }
h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 5mm 0 2mm; color: #2F5597; }
.meta { color: #666; font-size: 8.5pt; margin-bottom: 3mm; }
ul { margin: 0; padding-left: 5mm; } li { margin: 1mm 0; }
table { width: 100%; border-collapse: collapse; page-break-inside: avoid; font-size: 9pt; }
section { break-inside: avoid; page-break-inside: avoid; }
th, td { border-bottom: 1px solid #ddd; padding: 1.2mm 2mm; text-align: right; }
th:first-child, td:first-child, .t { text-align: left; } th { background: #f2f4f8; }
td.t { word-break: keep-all; }
.bar { display: flex; align-items: center; margin: 1mm 0; } .name { width: 38mm; white-space: nowrap; }
.track { flex: 1; background: #f2f4f8; height: 5mm; } .fill { display: block; height: 5mm; }
.n { width: 34mm; text-align: right; font-size: 9pt; }
"""


def to_html(summary: dict, lines: list[str], lang: str, generated_at: str, scope: str = "") -> str:
    """The one-page monthly summary as printable HTML (`scope`: whose figures, scope_text())."""
    month = summary["month"]
    title = t("monthly.pdf_title", lang, month=month_label(month, lang))
    meta = t("monthly.pdf_generated", lang, at=generated_at) + (f" · {scope}" if scope else "")
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<div class='meta'>{html.escape(meta)}</div>",
             f"<h2>{html.escape(_summary_title(summary, lang))}</h2>",
             "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"]
    named = tables(summary, lang)
    keys = list(named)
    parts.append(_table(keys[0], named[keys[0]], lang))
    parts.append(_funnel_bars(summary["funnel"].filter(pl.col("stage").is_in(list(STAGES))), lang))
    parts += [_table(k, named[k], lang) for k in keys[2:]]
    return (f"<!doctype html><html lang='{'zh-CN' if lang == 'zh_CN' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>{''.join(parts)}</body></html>")


def footer(summary: dict, lang: str, scope: str = "") -> str:
    """Each PDF page's foot: the report's title and scope and the page's number, so that a page
    printed or sent on its own still says which month and whose figures it holds (the second page
    began with 渠道转化 and nothing else). Chromium's template: its own font size, the page numbers
    in its spans."""
    title = t("monthly.pdf_title", lang, month=month_label(summary["month"], lang))
    said = html.escape(title + (f" · {scope}" if scope else ""))
    page = html.escape(t("monthly.pdf_page", lang, page="@PAGE@", pages="@PAGES@")) \
        .replace("@PAGES@", "<span class='totalPages'></span>").replace("@PAGE@", "<span class='pageNumber'></span>")
    return ("<div style=\"font-family: 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif; font-size: 7.5pt;"
            " color: #888; width: 100%; margin: 0 12mm; display: flex; justify-content: space-between;\">"
            f"<span>{said}</span><span>{page}</span></div>")


def _print(document: str, foot: str = "") -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        try:
            page = browser.new_page()
            page.set_content(document, wait_until="load")
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                            display_header_footer=bool(foot), header_template="<span></span>",
                            footer_template=foot or "<span></span>")
        finally:
            browser.close()


def to_pdf(document: str, foot: str = "") -> bytes:
    """Print HTML to an A4 PDF, with `foot` (footer()) at each page's foot. Runs in its own
    thread: Playwright's sync API refuses a thread with a running asyncio loop, such as Streamlit's."""
    if not os.path.exists(CHROMIUM):
        raise PdfError(CHROMIUM)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print, document, foot).result(timeout=120)
