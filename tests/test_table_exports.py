"""The customer list's and the team table's exports: every row of the filters in the actor's
scope, labels and catalog headers, numbers kept as numbers for Excel, and an audit entry each."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import polars as pl
import pytest

from pipelines import customer_views, summary, table_exports, targets
from pipelines.explorer import Extra
from pipelines.filters import Filters
from pipelines.models import TargetIn
from tests.conftest import BACKENDS, copy_of_world
from tests.helpers_pages import NOW, seed

TEAM1 = {"杭州青禾科技有限公司", "宁波海川贸易有限公司", "苏州机密乙有限公司"}


@pytest.fixture(params=BACKENDS)
def world(request, tmp_path_factory):
    return copy_of_world(request, tmp_path_factory, "pages", seed)


def _csv(data: bytes) -> pl.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel on Chinese Windows reads it as UTF-8
    return pl.read_csv(io.BytesIO(data[3:]))


def _exports(store) -> list[tuple[str, str, str]]:
    return store.query("SELECT username, table_name, detail FROM audit_log WHERE action = 'export' ORDER BY id").rows()


def test_the_customer_list_exports_every_customer_of_its_filters_in_scope(world):
    store, org, _ = world
    df = _csv(table_exports.export_customers(store, org["manager1"], Filters(), Extra(), "csv", "zh_CN"))
    assert set(df["客户名称"]) == TEAM1  # the team's customers, not manager2's
    assert {"客户阶段", "负责人", "最近跟进", "跟进次数", "合同金额合计", "风险等级", "建档时间"} <= set(df.columns)
    assert set(df["客户阶段"]) == {"初步接触"} and set(df["跟进次数"]) == {3}
    assert df.filter(pl.col("客户名称") == "宁波海川贸易有限公司")["风险等级"].to_list() == ["红色"]
    zhejiang = Filters(province=("浙江省",))
    df = _csv(table_exports.export_customers(store, org["manager1"], zhejiang, Extra(), "csv", "zh_CN"))
    assert df.height == customer_views.count(store, org["manager1"], zhejiang) == 2
    xlsx = table_exports.export_customers(store, org["rep2"], Filters(), Extra(), "xlsx", "en")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert sheet.max_row == 2 and sheet["A2"].value == "苏州机密乙有限公司"
    amount = sheet.cell(2, header.index("Contracts in total") + 1)
    assert amount.value == 0 and amount.number_format == "¥#,##0"  # a number Excel adds up
    assert _exports(store) == [("manager1", "customers", "csv, 3 rows"),
                               ("manager1", "customers", "csv, 2 rows; province=浙江省"),
                               ("rep2", "customers", "xlsx, 1 rows")]


def test_the_team_table_exports_each_reps_figures_as_numbers(world):
    store, org, _ = world
    month = NOW.date().replace(day=1)
    targets.save(store, org["manager1"], [TargetIn(rep_id=org["rep1"].id, month=month, amount=Decimal(200000),
                                                   effective_follow_ups=8)])
    period = Filters(date_from=month, date_to=NOW.date())
    shown = summary.team_view(store, org["manager1"], period, NOW.date())["team"]
    xlsx = table_exports.export_team(store, org["manager1"], period, NOW.date(), "xlsx", "zh_CN")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(shown["display_name"]) and len(rows) == shown.height  # manager1's reps only
    rep1 = store.scalar("SELECT display_name FROM users WHERE username = 'rep1'")
    one = rows[rep1]
    assert one["目标金额"] == 200000 and one["目标完成率"] == 0  # numbers, not "¥200,000" or "0.0%"
    assert one["有效跟进目标(次)"] == 8
    assert one["有效跟进"] == shown.filter(pl.col("display_name") == rep1)["effective_follow_ups"][0]
    assert one["跟进次数(转化率分母)"] == shown.filter(pl.col("display_name") == rep1)["conversion_n"][0]
    rate = sheet.cell(2, header.index("目标完成率") + 1)
    assert rate.number_format == "0.0%"
    csv = _csv(table_exports.export_team(store, org["manager2"], period, NOW.date(), "csv", "en"))
    assert csv.height == 1 and "Won amount" in csv.columns
    assert [(u, t) for u, t, _ in _exports(store)] == [("manager1", "team"), ("manager2", "team")]
