"""Imports read every format and encoding, Chinese, English and mapped headers, and bad files."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import xlsxwriter

from pipelines.ingest import Mapping, load_file
from tests.helpers_ingest import HEADER_ZH, count, frame, rows_zh, write_csv

SH = ZoneInfo("Asia/Shanghai")


def _ok(summary, loaded: int):
    assert summary.error is None, summary.error
    assert summary.rows_loaded == loaded, summary.as_json()
    assert summary.rows_read == summary.rows_loaded + summary.rows_rejected + summary.rows_duplicate


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("gb18030", False), ("gbk", False)])
def test_csv_encodings_detected(store, org, tmp_path, encoding, bom):
    path = write_csv(tmp_path / "f.csv", HEADER_ZH, rows_zh(4), encoding=encoding, bom=bom)
    summary = load_file(store, org["admin"], path)
    _ok(summary, 4)
    names = set(store.query("SELECT name FROM customers").get_column("name").to_list())
    assert "杭州青禾0号有限公司" in names  # the Chinese text survived the decoding


def test_excel_unicode_text_utf16_tab_separated(store, org, tmp_path):
    """Excel's "Unicode 文本" save: UTF-16 little-endian with a BOM, tab-separated, CRLF."""
    lines = ["\t".join(HEADER_ZH)] + ["\t".join(r) for r in rows_zh(3)]
    path = tmp_path / "跟进记录.txt"
    path.write_bytes("\r\n".join(lines).encode("utf-16"))  # Python writes the BOM, LE here
    summary = load_file(store, org["admin"], path)
    _ok(summary, 3)
    assert "杭州青禾0号有限公司" in store.query("SELECT name FROM customers").get_column("name").to_list()


def test_xlsx_header_below_title_rows_and_date_cells(store, org, tmp_path):
    path = tmp_path / "sheet.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "first sheet is not the data")
    sheet = book.add_worksheet("跟进")
    sheet.write(0, 0, "2026年3月 销售部跟进记录表")  # a title row above the header
    sheet.write_row(2, 0, ["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容"])
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(3, 0, ["甲公司"])
    sheet.write_datetime(3, 1, datetime(2026, 3, 5, 14, 30), date_format)
    sheet.write_row(3, 2, ["拜访", "rep1", "上门拜访"])
    sheet.write_row(4, 0, ["乙公司", "2026/3/6", "电话", "rep1", "电话沟通"])
    book.close()
    summary = load_file(store, org["admin"], path, sheet="跟进")
    _ok(summary, 2)
    got = store.query("SELECT occurred_at, channel FROM follow_ups ORDER BY occurred_at")
    assert got.get_column("occurred_at").to_list()[0] == datetime(2026, 3, 5, 14, 30, tzinfo=SH)
    assert got.get_column("channel").to_list() == ["visit", "phone"]
    default = load_file(store, org["admin"], path)  # first sheet by default: no known columns
    assert default.error is not None
    # a date cell reads as the date, as Excel shows it (the preview and the rejects file show it so)
    from pipelines.ingest import readers

    dated = tmp_path / "dated.xlsx"
    book = xlsxwriter.Workbook(str(dated))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["客户名称", "下次跟进日期", "跟进日期"])
    sheet.write_datetime(1, 1, datetime(2026, 3, 12), book.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write_datetime(1, 2, datetime(2026, 3, 5, 14, 30), book.add_format({"num_format": "yyyy-mm-dd hh:mm"}))
    book.close()
    assert readers.read(dated).frame.select("下次跟进日期", "跟进日期").row(0) == ("2026-03-12", "2026-03-05 14:30:00")
    # and a number cell as Excel shows it (a sample's 总额 read 35088848.789999999 in the preview)
    numbers = tmp_path / "numbers.xlsx"
    book = xlsxwriter.Workbook(str(numbers))
    book.add_worksheet().write_row(0, 0, ["客户名称", "合同金额", "时长"])
    book.worksheets()[0].write_row(1, 0, ["甲公司", 35088848.79, 0.1 + 0.2])
    book.close()
    assert readers.read(numbers).frame.select("合同金额", "时长").row(0) == ("35088848.79", "0.3")


def test_xlsx_missing_sheet_is_an_error(store, org, tmp_path):
    path = tmp_path / "s.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("A").write_row(0, 0, HEADER_ZH)
    book.close()
    summary = load_file(store, org["admin"], path, sheet="不存在")
    assert summary.error and "不存在" in summary.error


def test_parquet_json_ndjson(store, org, tmp_path):
    rows = rows_zh(3)
    df = frame(HEADER_ZH, rows)
    df.write_parquet(tmp_path / "a.parquet")
    _ok(load_file(store, org["admin"], tmp_path / "a.parquet"), 3)
    other = frame(HEADER_ZH, [[r[0].replace("杭州", "宁波")] + r[1:] for r in rows])
    other.write_json(tmp_path / "b.json")
    _ok(load_file(store, org["admin"], tmp_path / "b.json"), 3)
    third = frame(HEADER_ZH, [[r[0].replace("杭州", "温州")] + r[1:] for r in rows])
    third.write_ndjson(tmp_path / "c.ndjson")
    _ok(load_file(store, org["admin"], tmp_path / "c.ndjson"), 3)
    assert count(store, "follow_ups") == 9


def test_parquet_typed_columns(store, org, tmp_path):
    df = pl.DataFrame({"customer_name": ["甲"], "occurred_at": [datetime(2026, 3, 5, 9, 0)],
                       "channel": ["email"], "rep": ["rep1"], "summary": ["x"], "duration_minutes": [15],
                       "effective": [False]})
    df.write_parquet(tmp_path / "typed.parquet")
    _ok(load_file(store, org["admin"], tmp_path / "typed.parquet"), 1)
    row = store.query("SELECT occurred_at, duration_minutes, effective FROM follow_ups").row(0)
    assert row == (datetime(2026, 3, 5, 9, 0, tzinfo=SH), 15, False)


def test_english_headers_any_case_and_width(store, org, tmp_path):
    header = ["Customer_Name", "OCCURRED_AT", "channel", " rep ", "Summary", "Stage"]
    path = write_csv(tmp_path / "en.csv", header, [["Acme", "2026-03-05T09:30:00+08:00", "demo", "rep2",
                                                      "demo", "proposal"]])
    _ok(load_file(store, org["admin"], path), 1)
    assert store.scalar("SELECT channel FROM follow_ups") == "demo"
    # full-width header letters and brackets: 时长（分钟）
    path = write_csv(tmp_path / "fw.csv", ["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容", "时长（分钟）"],
                     [["乙", "2026年3月5日 9:05", "微信", "rep2", "x", "45"]])
    _ok(load_file(store, org["admin"], path), 1)
    assert store.scalar("SELECT duration_minutes FROM follow_ups WHERE channel = 'wechat'") == 45


def test_mapping_file_columns_values_formats_defaults(store, org, tmp_path):
    path = write_csv(tmp_path / "crm.csv", ["account", "engage", "agent", "deal_stage", "note"],
                     [["Cancity", "03/05/26 02:30 PM", "Moses Frase", "Won", "n1"],
                      ["Isdom", "03/06/26 09:00 AM", "Moses Frase", "Engaging", "n2"]])
    mapping = Mapping.from_dict({
        "kind": "follow_ups",
        "columns": {"customer_name": "account", "occurred_at": "engage", "rep": "agent", "stage": "deal_stage",
                    "summary": "note"},
        "values": {"stage": {"Won": "contract_signed", "Engaging": "needs_confirmed"}},
        "formats": {"occurred_at": "%m/%d/%y %I:%M %p"},
        "defaults": {"channel": "other"}})
    summary = load_file(store, org["admin"], path, mapping=mapping)
    _ok(summary, 2)
    assert summary.users_created == 1
    got = store.query("SELECT c.name, c.stage, f.occurred_at FROM follow_ups f JOIN customers c"
                      " ON c.id = f.customer_id ORDER BY c.name")
    assert got.row(0) == ("Cancity", "contract_signed", datetime(2026, 3, 5, 14, 30, tzinfo=SH))
    assert summary.newest == datetime(2026, 3, 6, 9, 0, tzinfo=SH)  # the page warns of old history by it
    assert summary.as_json()["newest"].startswith("2026-03-06T09:00:00")
    assert summary.as_json()["oldest"].startswith("2026-03-05T14:30:00")  # the page links /records over the two
    user = store.query("SELECT username, password_hash FROM users WHERE display_name = 'Moses Frase'").row(0)
    assert user == ("moses.frase", None)  # an account that cannot log in until an admin sets a password


def test_mapping_file_with_unknown_field_is_refused():
    from pipelines.ingest import MappingError

    with pytest.raises(MappingError) as refused:
        Mapping.from_dict({"kind": "follow_ups", "columns": {"customer": "x"}})
    # the kind in words and the fields it has (a user guessed "customer" for customer_name)
    assert refused.value.text("zh_CN").startswith("mapping:columns 中的 customer 不是跟进记录的字段。可用的字段:customer_name,")
    assert "not a field of follow-ups. The fields: customer_name, " in refused.value.text("en")


def test_a_mapping_default_that_is_no_value_of_its_field_is_refused_once():
    """`defaults: channel: telegram` came back as one error per row (8,800 of them)."""
    from pipelines.ingest import MappingError

    with pytest.raises(MappingError) as refused:
        Mapping.from_dict({"kind": "follow_ups", "defaults": {"channel": "telegram"}}, "crm.yaml")
    assert refused.value.text("zh_CN").startswith("crm.yaml:defaults 中 channel 的值「telegram」不是可选值(可选:电话、邮件、")
    with pytest.raises(MappingError):
        Mapping.from_dict({"kind": "follow_ups", "defaults": {"effective": "maybe"}})
    # a label, a code, yes/no, or a value the mapping's own `values` turns into one are fine
    assert Mapping.from_dict({"kind": "follow_ups", "defaults": {"channel": "电话", "effective": "否",
                                                                 "stage": "proposal"}}).defaults["channel"] == "电话"
    assert Mapping.from_dict({"kind": "follow_ups", "defaults": {"channel": "telegram"},
                              "values": {"channel": {"telegram": "other"}}}).defaults == {"channel": "telegram"}


def test_required_fields_without_a_column_are_named_once():
    from pipelines.ingest.mapping import absent_required

    assert absent_required("follow_ups", {"customer_name": "客户", "occurred_at": "日期"}) == ["channel", "rep", "summary"]
    # a credit code names the customer too; a mapping default fills a field
    given = {"customer_uscc": "代码", "occurred_at": "日期", "rep": "销售", "summary": "内容"}
    assert absent_required("follow_ups", given, Mapping(defaults={"channel": "phone"})) == []
    assert absent_required("contacts", {"name": "联系人"}) == ["customer_name"]
    # said by the template's column where the field's name differs (跟进时间 is its 跟进日期)
    from pipelines.ingest.messages import column_to_add

    assert column_to_add("follow_ups", "occurred_at", "zh_CN") == "跟进时间(模板列名「跟进日期」)"
    assert column_to_add("follow_ups", "channel", "zh_CN") == "跟进方式"
    assert column_to_add("customers", "name", "zh_CN") == "名称(模板列名「客户名称」)"
    assert column_to_add("follow_ups", "occurred_at", "en") == "Follow-up time"


def test_fields_given_by_default_are_named_with_their_value():
    from pipelines.ingest.kinds import assumed
    from pipelines.ingest.messages import assumed_notice

    # no 是否有效 and no 沟通时长 column: every row is effective and 0 minutes, which feed the figures
    given = {"customer_name": "客户", "occurred_at": "日期", "channel": "方式", "rep": "销售", "summary": "内容"}
    filled = assumed("follow_ups", given)
    assert filled == {"effective": True, "duration_minutes": 0}
    assert assumed_notice(filled, "zh_CN").startswith("文件中没有这些列,每一行都按默认值记录:是否有效 = 是;时长(分钟) = 0。")
    assert "every row is recorded with the default: Effective = Yes; " in assumed_notice(filled, "en")
    # a column, or the mapping's default, gives the value instead
    assert assumed("follow_ups", {**given, "effective": "是否有效"}, {"duration_minutes": 30}) == {}
    assert "它们会计入有效跟进数和沉默预警、每周沟通时长。" in assumed_notice(filled, "zh_CN")
    # the page points at its own column choices, the command at a mapping file
    assert "调整列的对应关系" in assumed_notice(filled, "zh_CN", page=True) and "defaults" in assumed_notice(filled, "zh_CN")
    customers = assumed_notice(assumed("customers", {"name": "客户名称"}), "zh_CN")
    assert customers.startswith("文件中没有这些列,每一行都按默认值记录:客户阶段 = 初步接触;客户类型 = 新客户。")
    # what they count in is said for these fields: a customers file's are no follow-up figures
    assert "阶段漏斗和停滞预警" in customers and "有效跟进" not in customers
    assert assumed("contacts", {"name": "联系人"}) == {} and assumed_notice({}, "zh_CN") is None


def test_mapping_naming_a_column_the_file_lacks_loads_nothing_and_says_which(store, org, tmp_path):
    path = write_csv(tmp_path / "crm.csv", ["account", "engage", "agent", "note"],
                     [["Cancity", "2026-03-05 14:30", "rep1", "n1"]])
    mapping = Mapping.from_dict({"kind": "follow_ups", "defaults": {"channel": "other"},
                                 "columns": {"customer_name": "account", "occurred_at": "engage_date",
                                             "rep": "agent", "summary": "note"}})
    summary = load_file(store, org["admin"], path, mapping=mapping)
    assert summary.error.startswith("映射文件中的列「engage_date」在文件中找不到(文件的列:account、engage、agent、note)"), \
        summary.error
    assert "the mapping names columns the file does not have: engage_date" in summary.error
    assert (summary.rows_loaded, count(store, "follow_ups"), count(store, "customers")) == (0, 0, 0)
    # the file's own headers would fill those fields (our template's): the mapping still does not fit
    ours = write_csv(tmp_path / "ours.csv", ["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容"],
                     [["甲公司", "2026-03-05 14:30", "电话", "rep1", "n1"]])
    summary = load_file(store, org["admin"], ours, mapping=mapping)
    assert summary.error.startswith("映射文件中的列「account」「engage_date」「agent」「note」在文件中找不到"), summary.error
    assert count(store, "follow_ups") == 0


def test_garbage_truncated_empty_and_header_only(store, org, tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 20)
    assert load_file(store, org["admin"], garbage).error
    # random bytes without a NUL (GB18030 decodes almost anything): binary all the same
    import random

    noise = bytes(b for b in random.Random(5).randbytes(600) if b)
    (tmp_path / "noise.bin.csv").write_bytes(noise)
    binary = load_file(store, org["admin"], tmp_path / "noise.bin.csv")
    assert "二进制" in binary.error
    # the page says it in its own language only (the JSON's `error` holds both)
    assert "二进制" in binary.error_by_lang["zh_CN"] and " / " not in binary.error_by_lang["zh_CN"]
    assert binary.error_by_lang["en"].isascii() and "error_by_lang" not in binary.as_json()
    long_header = tmp_path / "long.csv"
    long_header.write_text("甲" * 200 + ",乙\n1,2\n", encoding="utf-8")
    error = load_file(store, org["admin"], long_header).error
    assert "甲" * 30 + "…" in error and "甲" * 31 not in error
    text_garbage = tmp_path / "noise.csv"
    text_garbage.write_text("asdf qwer\nzxcv\n", encoding="utf-8")
    assert load_file(store, org["admin"], text_garbage).error  # no known column
    good = io.BytesIO()
    book = xlsxwriter.Workbook(good)
    book.add_worksheet().write_row(0, 0, HEADER_ZH)
    book.close()
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(truncated)
    # in words a user can act on; the zip library's English stays in the log
    assert load_file(store, org["admin"], truncated).error == (
        "文件已损坏,或不是 xlsx 文件。请用 Excel 打开后另存为 xlsx,再导入。 / the file is damaged,"
        " or not a valid xlsx file. Open it in Excel, save it as xlsx again, and import that.")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "空" in load_file(store, org["admin"], empty).error
    header_only = write_csv(tmp_path / "header.csv", HEADER_ZH, [])
    summary = load_file(store, org["admin"], header_only)
    assert summary.error is None and summary.rows_read == 0 and summary.run_id is not None
    assert count(store, "follow_ups") == 0
    failed = store.query("SELECT status, error FROM import_runs WHERE status = 'failed'")
    assert failed.height == 6 and all(failed.get_column("error").to_list())


def test_auto_kind_customers_and_contacts(store, org, tmp_path):
    customers = write_csv(tmp_path / "c.csv", ["客户名称", "统一社会信用代码", "所属行业", "企业规模", "省份", "负责人",
                                                "标签"],
                          [["青禾科技", "91350100M000100Y43", "制造业", "中型", "浙江", "rep1", "重点、华东"]])
    summary = load_file(store, org["admin"], customers)
    _ok(summary, 1)
    assert summary.kind == "customers"
    row = store.query("SELECT industry, size, province, tags, owner_id FROM customers").row(0)
    assert row == ("C", "medium", "浙江省", ["重点", "华东"], org["rep1"].id)
    contacts = write_csv(tmp_path / "p.csv", ["客户名称", "联系人", "职位", "电话", "邮箱"],
                         [["青禾科技", "王工", "采购经理", "138 1234 5678", "wang@example.com"]])
    summary = load_file(store, org["admin"], contacts)
    _ok(summary, 1)
    assert summary.kind == "contacts"
    assert store.scalar("SELECT phone FROM contacts") == "+8613812345678"


def test_the_pages_choices_make_a_mapping_that_loads_and_saves_as_a_file(store, org, tmp_path):
    """A sheet of another layout (销售日期 for the time, no channel or rep column) needed a YAML file
    written by hand; the import page's choices make the same mapping, over a file's own (its
    values kept), and give it back as a file for next month's sheet."""
    import yaml

    from pipelines.ingest import mapping as maps
    from pipelines.ingest.load import prepare
    from pipelines.ingest.readers import ReadError

    path = write_csv(tmp_path / "销售数据.csv", ["商品名称", "销售日期", "销售区域", "客户名称", "状态"],
                     [["手机", "2026-03-05", "华东", "张三公司", "成交"], ["电脑", "2026-03-06", "华南", "李四公司", "洽谈"]])
    _table, kind, found = prepare(path, "auto", None, None, known=False)
    assert kind == "follow_ups" and found == {"customer_name": "客户名称"}
    base = Mapping.from_dict({"values": {"stage": {"成交": "contract_signed", "洽谈": "negotiation"}},
                              "defaults": {"stage": "initial_contact"}})  # fills the column's blank cells
    made = maps.adjusted(base, kind, {"occurred_at": "销售日期", "summary": "商品名称", "stage": "状态"},
                         {"channel": "other", "rep": "rep1"})
    assert maps.absent_required(kind, prepare(path, kind, made)[2], made) == []
    assert made.defaults == {"stage": "initial_contact", "channel": "other", "rep": "rep1"}  # the file's kept
    again = Mapping.from_dict(yaml.safe_load(maps.to_yaml(made)))
    assert again == made  # the downloaded file is the same mapping
    summary = load_file(store, org["admin"], path, mapping=again)
    _ok(summary, 2)
    assert store.query("SELECT c.name, c.stage, f.channel, u.username FROM follow_ups f JOIN customers c"
                       " ON c.id = f.customer_id JOIN users u ON u.id = f.rep_id ORDER BY c.name").rows() == [
        ("张三公司", "contract_signed", "other", "rep1"), ("李四公司", "negotiation", "other", "rep1")]
    # a file none of whose headers is known: read for the page (its columns to choose from), refused
    # by the command as before
    strange = write_csv(tmp_path / "x.csv", ["a", "b"], [["1", "2"]])
    assert prepare(strange, "auto", None, None, known=False)[0].headers == ["a", "b"]
    with pytest.raises(ReadError):
        prepare(strange)
    # a default that is no value of its field is refused as in a file
    with pytest.raises(maps.MappingError):
        maps.adjusted(None, kind, {}, {"channel": "fax"})


def test_a_mapping_can_leave_out_a_column_its_header_would_fill(store, org, tmp_path):
    """Another system's Stage column (values that are not our stages) matched 客户阶段 by its name
    and rejected every row; the page could not undo the match. `stage: null` leaves it out."""
    import yaml

    from pipelines.ingest import mapping as maps

    path = write_csv(tmp_path / "opps.csv", ["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容", "Stage"],
                     [["外企甲", "2026-03-05 10:00", "电话", "rep1", "x", "Closed Won"],
                      ["外企乙", "2026-03-06 10:00", "电话", "rep1", "y", "Prospecting"]])
    assert load_file(store, org["admin"], path, dry_run=True).rows_rejected == 2  # Stage read as 客户阶段
    made = maps.adjusted(None, "follow_ups", {"stage": None}, {})
    assert "stage" not in maps.match_headers(["客户名称", "Stage"], "follow_ups", made)
    again = Mapping.from_dict(yaml.safe_load(maps.to_yaml(made)))  # `stage: null` in the file
    assert again.columns == {"stage": None} and maps.absent_columns(["Stage"], again) == []
    summary = load_file(store, org["admin"], path, mapping=again)
    _ok(summary, 2)
    assert set(store.query("SELECT stage FROM customers WHERE name LIKE '外企%'")["stage"]) == {"initial_contact"}


def test_a_choice_column_in_another_systems_words_is_translated_on_the_page(store, org, tmp_path):
    """Zoho's Call Type (Outbound, Inbound) and a pipeline's Won needed a YAML file's `values`; the
    page asks which of ours each unknown value is, from the file's own distinct cells."""
    from pipelines.ingest import mapping as maps

    path = write_csv(tmp_path / "calls.csv", ["客户名称", "跟进日期", "Call Type", "跟进人", "跟进内容", "阶段"],
                     [["呼叫甲", "2026-03-05 10:00", "Outbound", "rep1", "x", "Won"],
                      ["呼叫乙", "2026-03-06 10:00", "Inbound", "rep1", "y", "需求确认"],
                      ["呼叫丙", "2026-03-07 10:00", "电话", "rep1", "z", "Won"]])
    frame = pl.read_csv(path)
    channel = next(f for f in maps.FIELDS["follow_ups"] if f.name == "channel")
    stage = next(f for f in maps.FIELDS["follow_ups"] if f.name == "stage")
    assert maps.unknown_values(frame.get_column("Call Type"), channel, None) == ["Outbound", "Inbound"]
    assert maps.unknown_values(frame.get_column("阶段"), stage, None) == ["Won"]  # 需求确认 is ours
    assert maps.unknown_values(pl.Series([f"备注{i}" for i in range(40)]), channel, None) == []  # free text
    made = maps.adjusted(None, "follow_ups", {"channel": "Call Type"}, {},
                         {"channel": {"Outbound": "phone", "Inbound": "phone"}, "stage": {"Won": "contract_signed"}})
    assert maps.unknown_values(frame.get_column("Call Type"), channel, made) == []
    summary = load_file(store, org["admin"], path, mapping=made)
    _ok(summary, 3)
    assert dict(store.query("SELECT c.name, c.stage FROM customers c WHERE c.name LIKE '呼叫%'").iter_rows()) == {
        "呼叫甲": "contract_signed", "呼叫乙": "needs_confirmed", "呼叫丙": "contract_signed"}
    assert set(store.query("SELECT channel FROM follow_ups")["channel"]) == {"phone"}
