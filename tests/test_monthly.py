"""The monthly summary: generated text from the figures, Excel sheets, and the A4 PDF."""

from __future__ import annotations

import io
import re
from datetime import date

import polars as pl
import pytest

from pipelines import exports, report_pdf, summary
from pipelines.access import SYSTEM
from pipelines.filters import Filters
from tests.helpers_analytics import seeded_store


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    yield from seeded_store(tmp_path_factory)


@pytest.fixture(scope="module")
def september(data):
    store, _ = data
    return summary.monthly_summary(store, SYSTEM, Filters(), date(2026, 9, 1), today=date(2026, 10, 5))


def test_summary_text_states_the_figures(september, data):
    _, _org = data
    assert summary.summary_text(september, "zh_CN") == [
        "2026年9月共记录跟进 9 次,其中有效跟进 7 次;新增客户 2 个,签约客户 1 个,成交金额 ¥150,000。",
        "赢单率 50.0%(签约客户 1 个,流失客户 1 个)。",  # C7 signed, C3 lost: the exports had no win rate
        # August had 2 new customers too; the other August figures are 0, so no change is stated for them
        "各项核心指标与上月基本持平(变化均小于 1%)。",
        "销售环节(不含售后)中转化率最低的一步是「需求确认 → 方案提供」,为 40.0%。",
        "成交金额最高的是 rep1(¥100,000,完成目标的 33.3%)。",
        # the budget cut raised in August was resolved on 09-05: the month's flow beside its end
        "月末仍有红色预警 1 条、黄色预警 1 条。本月新提出 2 条,关闭 1 条(含条件消除后自动关闭的)。",
    ]


def test_summary_text_names_the_biggest_changes_first(september):
    changed = dict(september)
    changed["headline"] = pl.DataFrame({
        "metric": list(summary.HEADLINE), "this_month": [120.0, 60.0, 5.0, 2.0, 300_000.0],
        "last_month": [100.0, 80.0, 5.0, 0.0, 100_000.0], "mom": [0.2, -0.25, 0.0, None, 2.0],
        "last_year": [0.0] * 5, "yoy": [None] * 5})
    lines = summary.summary_text(changed, "zh_CN")
    assert lines[2] == "成交金额较上月增长 200.0%(从 ¥100,000 到 ¥300,000)。"
    assert lines[3] == "有效跟进较上月下降 25.0%(从 80 到 60)。"
    english = summary.summary_text(changed, "en")
    assert english[2] == "Won amount rose 200.0% compared with last month (from ¥100,000 to ¥300,000)."


def test_summary_text_counts_risks_with_thousands_separators(september):
    many = dict(september)
    many["risks"] = pl.DataFrame({"level": ["red", "yellow"], "open_at_end": [1_234, 12_500],
                                  "raised": [2_000, 3_000], "closed": [1_500, 0]})
    assert summary.summary_text(many, "zh_CN")[-1] == \
        "月末仍有红色预警 1,234 条、黄色预警 12,500 条。本月新提出 5,000 条,关闭 1,500 条(含条件消除后自动关闭的)。"


def test_a_month_with_no_risk_says_so_and_its_files_list_no_rule(september):
    """An empty month said "月末仍有红色预警 0 条" and its files listed every rule at 0 / 0."""
    quiet = dict(september)
    quiet["risks"] = september["risks"].with_columns(pl.lit(0).alias(c) for c in ("open_at_end", "raised", "closed"))
    assert summary.summary_text(quiet, "zh_CN")[-1] == "本月没有风险预警。"
    assert report_pdf.tables(quiet, "zh_CN")["风险预警"].is_empty()
    assert report_pdf.tables(september, "zh_CN")["风险预警"]["本月关闭"].to_list() == [0, 1, 0]
    # a rep with no target for the month: no target, not a target of ¥0
    untargeted = dict(september, reps=september["reps"].with_columns(pl.lit(0.0).alias("target_amount"),
                                                                     pl.lit(None).alias("attainment")))
    assert set(report_pdf.tables(untargeted, "zh_CN")["销售代表"]["目标金额"].to_list()) == {None}


def test_a_month_under_way_says_so(data):
    store, _ = data
    october = summary.monthly_summary(store, SYSTEM, Filters(), date(2026, 10, 1), today=date(2026, 10, 5))
    assert october["as_of"] == date(2026, 10, 5)
    lines = summary.summary_text(october, "zh_CN")
    assert lines[-2].startswith("目前仍有红色预警")
    assert lines[-1].startswith("本月尚未结束(共 31 天,已过 5 天)")
    assert summary.summary_text(october, "en")[-1].startswith("The month is not over (5 of 31 days)")
    # the exports' risk table counts open warnings now, not "at month end" (no end yet)
    sheet = "风险预警"
    assert "目前未解决" in report_pdf.tables(october, "zh_CN")[sheet].columns
    september = summary.monthly_summary(store, SYSTEM, Filters(), date(2026, 9, 1), today=date(2026, 10, 5))
    assert "月末未解决" in report_pdf.tables(september, "zh_CN")[sheet].columns


def test_exports_name_the_silence_rules_with_their_configured_days(september):
    from pipelines.settings import DEFAULTS

    rules = {rule: dict(values) for rule, values in DEFAULTS["risk_rules"].items()}
    rules["silent_30d"]["days"] = 45
    changed = dict(september, risk_rules=rules, risks=pl.DataFrame(
        {"level": ["yellow"], "rule": ["silent_30d"], "open_at_end": [3], "raised": [1], "closed": [0]}))
    sheet = report_pdf.tables(changed, "zh_CN")["风险预警"]
    assert sheet.get_column("预警规则").to_list() == ["45天无有效跟进"]
    assert september["risk_rules"]["silent_30d"]["days"] == 30  # the summary carries the stored rules


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text as poppler's pdftotext reads it (`make system-deps` installs poppler-utils)."""
    import subprocess

    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_headline_month_over_month_and_last_year(data):
    store, _ = data
    head = {r["metric"]: r for r in summary.headline(store, SYSTEM, Filters(), date(2026, 9, 1)).iter_rows(named=True)}
    assert head["new_customers"]["this_month"] == 2 and head["new_customers"]["last_month"] == 2
    assert head["new_customers"]["mom"] == 0.0
    assert head["follow_ups"]["mom"] is None  # August had none: shown as "—"
    assert head["won_amount"]["last_year"] == 0 and head["won_amount"]["yoy"] is None


def test_excel_has_one_sheet_per_table(september):
    import openpyxl

    lines = summary.summary_text(september, "zh_CN")
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes(report_pdf.sheets(september, lines, "zh_CN"))))
    assert book.sheetnames == ["文字总结", "核心指标", "漏斗", "销售代表", "渠道转化", "风险预警", "满意度"]
    funnel = list(book["漏斗"].iter_rows(values_only=True))
    assert funnel[0] == ("客户阶段", "客户数", "阶段转化率")
    assert funnel[1][:2] == ("初步接触", 5)


def test_the_scope_says_whose_figures_they_are(data, september):
    """A forwarded PDF or workbook says whose figures it holds: the manager's team, the rep, or the
    whole company, then the filters chosen, in words."""
    store, org = data
    assert summary.scope_text(store, org["manager1"], Filters(), "zh_CN") == "范围:一组"
    assert summary.scope_text(store, org["rep1"], Filters(), "zh_CN") == "范围:rep1"
    # a channel narrows the follow-up figures only: said where the scope is read, away from the page
    assert summary.scope_text(store, org["leader"], Filters(channel=("phone", "visit"), industry=("C",)), "zh_CN") \
        == "范围:全公司;所属行业:制造业;跟进方式:电话、拜访(跟进方式只作用于跟进类数字;新增客户、签约、成交金额、漏斗和预警为全部跟进方式的数字)"
    # a rep by the name people know (it read 销售代表:rep5, the login)
    before = store.scalar("SELECT display_name FROM users WHERE username = 'rep2'")
    store.write(lambda cur: cur.execute("UPDATE users SET display_name = '陈静' WHERE username = 'rep2'"))
    try:
        assert summary.scope_text(store, org["leader"], Filters(rep=("rep2", "gone")), "zh_CN") \
            == "范围:全公司;销售代表:陈静、gone"
    finally:  # the module's other tests read the seeded names
        store.write(lambda cur: cur.execute("UPDATE users SET display_name = $n WHERE username = 'rep2'", {"n": before}))
    assert summary.scope_text(store, org["leader"], Filters(team=("一组",)), "en") == "Scope: 一组"  # not "Whole company; Team: 一组"
    lines = ["要点"]
    assert "范围:一组" in report_pdf.to_html(september, lines, "zh_CN", "2026-10-05 09:00", "范围:一组")
    text = report_pdf.sheets(september, lines, "zh_CN", "范围:一组")["文字总结"].to_series().to_list()
    assert text == ["范围:一组", "要点"]


def test_pdf_is_a4_with_chinese_text(september):
    lines = summary.summary_text(september, "zh_CN")
    document = report_pdf.to_html(september, lines, "zh_CN", "2026-10-05 09:00")
    assert "2026年9月 销售月度总结" in document and "需求确认 → 方案提供" in document
    # changes are signed as on the page's cards (+6.7% read 6.7%); rates are not
    assert "<td>0.0%</td>" in document  # new customers 2 → 2: no change, no sign
    risen = {**september, "headline": september["headline"].with_columns(
        mom=pl.when(pl.col("metric") == "new_customers").then(0.067).otherwise("mom"))}
    assert "<td>+6.7%</td>" in report_pdf.to_html(risen, lines, "zh_CN", "2026-10-05 09:00")
    # each table's and the funnel's heading kept on one page with what it heads (an orphan heading
    # at a page's foot read as an empty section); the summary's own heading heads the text
    assert document.count("<h2>") == document.count("<section><h2>") + 1 >= 6
    assert "section { break-inside: avoid" in document
    # names and labels are words, not broken after each CJK character in a narrow column
    names = september["reps"].get_column("display_name").to_list()
    assert names and all(f"<td class='t'>{name}</td>" in document for name in names)
    assert "td.t { word-break: keep-all; }" in document
    assert ".name { width: 38mm; white-space: nowrap; }" in document  # English stage names on one line
    pdf = report_pdf.to_pdf(document, report_pdf.footer(september, "zh_CN", "范围:全公司"))
    assert pdf.startswith(b"%PDF")
    # every page says which month, whose figures and which page it is (the second began with
    # 渠道转化 and nothing else)
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ") or pdf.count(b"/Type/Page")
    text = _pdf_text(pdf)
    assert pages >= 1 and text.count("2026年9月 销售月度总结 · 范围:全公司") == pages, text
    assert f"第{pages}/{pages}页" in text.replace(" ", "")
    assert re.search(rb"/MediaBox \[0 0 59[45]\.\d+ 84[12]\.\d+\]", pdf)  # A4: 210 × 297 mm in points
    assert b"Noto Sans CJK SC" in pdf  # the simplified-Chinese font is embedded


@pytest.mark.parametrize("filters", [Filters(), Filters(team=("一组",)), Filters(channel=("phone",)),
                                     Filters(industry=("C",))])
@pytest.mark.parametrize("month", [date(2026, 9, 1), date(2026, 10, 1)])
def test_summary_tables_equal_each_figure_fetched_on_its_own(data, filters, month):
    """The summary reuses the headline's daily frames (13 months, narrowed to the month) and one
    conversion count for its tables: they must equal the team page's and channel page's own
    queries for the month (October: September's rows are in the window but not the month)."""
    from pipelines import metrics

    store, _ = data
    today = date(2026, 11, 5)
    got = summary.monthly_summary(store, SYSTEM, filters, month, today)
    one = summary.for_month(filters, month)
    assert got["reps"].equals(summary.rep_figures(store, SYSTEM, one, today))
    team = summary.team_performance(store, SYSTEM, one, today)  # the team page's rows, with the caps
    assert got["reps"].equals(team.select(got["reps"].columns))
    assert got["channels"].equals(metrics.channel_conversion(store, SYSTEM, one))
    assert got["headline"].equals(summary.headline(store, SYSTEM, filters, month))


def test_monthly_excel_formats_numbers_as_people_read_them(september):
    """Rates as percentages, amounts in yuan, counts as whole numbers (polars' default showed
    "685.000" and "0.389"), and Chinese headers wide enough to read."""
    import io

    from openpyxl import load_workbook

    from pipelines import exports, report_pdf

    data = exports.to_xlsx_bytes(report_pdf.sheets(september, ["要点"], "zh_CN"), report_pdf.excel_formats("zh_CN"))
    book = load_workbook(io.BytesIO(data))
    reps = book["销售代表"]
    header = {c.value: c.column_letter for c in reps[1]}
    assert reps[f"{header['成交金额']}2"].number_format == "¥#,##0"
    assert reps[f"{header['目标完成率']}2"].number_format == "0.0%"
    assert reps[f"{header['有效跟进']}2"].number_format == "#,##0"
    head = book["核心指标"]
    assert {head.cell(2, col).number_format for col in (2, 3)} == {"#,##0"}
    assert head.column_dimensions["A"].width >= 8  # 跟进次数 and longer names fit


def test_a_change_that_rounds_to_nothing_has_no_sign_or_arrow():
    """"+0.0%" with an up arrow read as a rise, on the cards and in the PDF."""
    from streamlit.proto.Metric_pb2 import Metric
    from streamlit.testing.v1 import AppTest

    from pipelines import report_pdf
    from pipelines.i18n import signed_pct

    assert [signed_pct(v) for v in (0.0, 0.0004, -0.0004, 0.067, -0.019)] == ["0.0%", "0.0%", "0.0%", "+6.7%", "-1.9%"]
    assert report_pdf._cell("change", -0.0001) == "0.0%"

    def cards():
        from dashboard import analytics_ui as ui

        ui.card(__import__("streamlit"), "follow_ups", "12", delta=ui.change_text(0.0001))
        ui.card(__import__("streamlit"), "follow_ups", "12", delta=ui.change_text(0.25))

    at = AppTest.from_function(cards).run()
    flat, rise = at.metric[0].proto, at.metric[1].proto
    assert (flat.delta, rise.delta) == ("0.0%", "+25.0%")
    assert flat.direction == Metric.MetricDirection.NONE and rise.direction == Metric.MetricDirection.UP


def test_reps_with_nothing_in_the_month_are_not_ranked():
    """Eleven accounts an import made (no target, no follow-up) filled 后 3 名 with ¥0, and the reps
    who had missed their targets were no longer listed."""
    reps = pl.DataFrame({
        "rep_id": [1, 2, 3, 4, 5, 6, 7],
        "username": ["a", "b", "c", "missed", "quiet", "imported1", "imported2"],
        "follow_ups": [9, 8, 7, 5, 0, 0, 0], "effective_follow_ups": [5, 4, 3, 2, 0, 0, 0],
        "won_amount": [300.0, 200.0, 100.0, 0.0, 0.0, 0.0, None],
        "target_amount": [100.0, 100.0, 100.0, 290_000.0, 320_000.0, None, None]})
    top, bottom = summary.ranked_reps(reps)
    assert top["username"].to_list() == ["a", "b", "c"]
    assert bottom["username"].to_list() == ["quiet", "missed"]  # a target and nothing done: ranked, last
