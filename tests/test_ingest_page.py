"""The import template: its example row is refused, the rows typed below it load; the page runs
for an admin (AppTest)."""

from __future__ import annotations

import io

import openpyxl

from pipelines.ingest import load_file, template
from tests.helpers_ingest import read_rejects
from tests.helpers_pages import app_db, logged_in, shown_errors  # noqa: F401 - app_db is a fixture


def _import_a_row_below_the_example(store, org, book, name: tuple[str, str], code: str, path):
    """A row typed under the template's example (its values with another customer, no code), imported."""
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    typed = [c.value for c in sheet[2]]
    typed[headers.index(name[0])] = name[1]
    typed[headers.index(code)] = None
    sheet.append(typed)
    book.save(path)
    return load_file(store, org["admin"], path)


def test_template_has_headers_example_and_drop_downs(store, org, tmp_path):
    data = template.build()
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["客户名称", "统一社会信用代码", "跟进日期", "跟进方式", "跟进人", "跟进内容"]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    channel = "ABCDEFGHIJKLM"[headers.index("跟进方式")] + "2"
    stage = "ABCDEFGHIJKLM"[headers.index("客户阶段")] + "2"
    assert channel in lists and stage in lists
    choices = book.worksheets[1]
    assert [c.value for c in choices["D"][1:9]] == ["电话", "邮件", "拜访", "微信", "视频会议", "产品演示", "展会", "其他"]
    # the example row says what it is: grey italics and a note on its first cell
    assert sheet["A2"].comment is not None and "示例行" in sheet["A2"].comment.text
    # its rep is a person's name, and the header says what 跟进人 takes (the demo's rep1 meant nothing)
    rep = "ABCDEFGHIJKLM"[headers.index("跟进人")]
    assert sheet[f"{rep}2"].value == "张伟" and "姓名" in sheet[f"{rep}1"].comment.text
    assert sheet.column_dimensions["C"].width >= 19  # 2026-03-05 14:30 whole, not #####
    assert sheet["A2"].font.i and sheet["C2"].font.color.rgb.endswith("808080")
    # a user types a row under the example (the example's values with their own customer)
    summary = _import_a_row_below_the_example(store, org, book, ("客户名称", "宁波东港物流有限公司"),
                                              "统一社会信用代码", tmp_path / "template.xlsx")
    assert (summary.error, summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (None, 2, 1, 1), \
        summary.as_json()
    # the example breaks no rule but being the example: every other value of it parses
    assert [(r["行号 row"], r["field_code"], r["原因"]) for r in read_rejects(summary.rejects_path)] == [
        ("2", "customer_name", "客户名称:这是导入模板自带的示例行,没有导入。请删除这一行,或改成真实的客户和跟进内容。")]
    assert store.query("SELECT name, stage FROM customers").rows() == [("宁波东港物流有限公司", "needs_confirmed")]
    # the page's count of rejected rows says which of them is the example (it read as one more error)
    from pipelines.ingest.messages import rejects_title

    assert rejects_title(summary.rejects, summary.rows_rejected, "zh_CN") \
        == "被拒绝的行:1 行(其中 1 行是导入模板自带的示例行,不必理会)"


def test_import_page_runs_for_admin(app_db):
    at = logged_in("admin")
    at.switch_page("views/import_page.py")
    at.run()
    assert shown_errors(at) == []
    assert at.title[0].value == "导入"


def test_english_template_has_english_headers_and_choices_and_loads(store, org, tmp_path):
    """The English UI's template was the Chinese one; its own example row is refused like the Chinese one's."""
    book = openpyxl.load_workbook(io.BytesIO(template.build(lang="en")))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["Customer name", "Unified social credit code", "Follow-up time", "Channel", "Rep", "Summary"]
    assert book.sheetnames == ["Follow-ups", "Choices"]
    assert [c.value for c in book.worksheets[1]["D"][1:4]] == ["Phone", "Email", "Visit"]
    assert "Example row" in sheet["A2"].comment.text
    summary = _import_a_row_below_the_example(store, org, book, ("Customer name", "Ningbo Donggang Logistics"),
                                              "Unified social credit code", tmp_path / "template-en.xlsx")
    assert (summary.error, summary.rows_loaded, summary.rows_rejected) == (None, 1, 1), summary.as_json()
    assert [r["field_code"] for r in read_rejects(summary.rejects_path)] == ["customer_name"]
    assert store.query("SELECT c.name, c.stage, f.channel, f.effective FROM customers c"
                       " JOIN follow_ups f ON f.customer_id = c.id").rows() == [
        ("Ningbo Donggang Logistics", "needs_confirmed", "phone", True)]


def test_an_import_that_wrote_nothing_does_not_say_it_wrote(app_db):
    """Two managers confirmed the same file a moment apart: the second one's summary read
    「导入 0 行 … 重复 30 行」 and then 「数据已写入」."""
    from streamlit.testing.v1 import AppTest

    def page(loaded: int) -> None:
        import polars as pl
        import streamlit as st

        from pipelines.access import Actor
        from pipelines.ingest.load import RunSummary

        st.session_state["actor"] = Actor(id=1, username="admin", role="admin")
        st.session_state["lang"] = "zh_CN"
        from dashboard.views import import_page

        import_page._done(RunSummary(path="x.csv", rows_read=30, rows_loaded=loaded, rows_duplicate=30 - loaded),
                          pl.DataFrame(), {})

    for loaded, said in ((0, "这次没有写入任何数据"), (30, "数据已写入")):
        at = AppTest.from_function(page, args=(loaded,), default_timeout=60)
        at.run()
        captions = [c.value for c in at.caption]
        assert any(c.startswith(said) for c in captions), captions
        assert not any(c.startswith("数据已写入") for c in captions) or loaded
