"""Every rejection reason, idempotent re-imports, imported stage history, and the manager's scope."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from stdnum.cn import uscc as stdnum_uscc

from pipelines.access import NotPermitted
from pipelines.customers import initials
from pipelines.ingest import load_file, messages
from pipelines.ingest.messages import reason
from tests.helpers_ingest import HEADER_ZH, count, read_rejects, rows_zh, write_csv

FULL = ["客户名称", "统一社会信用代码", "跟进日期", "跟进方式", "跟进人", "跟进内容", "客户阶段", "是否有效", "时长(分钟)",
        "下次跟进日期"]
GOOD = ["甲公司", "", "2026-03-05 10:00", "电话", "rep1", "沟通", "需求确认", "是", "30", "2026-03-12"]
VALID_USCC = "91350100M000100Y43"


def _row(**changes: str) -> list[str]:
    row = dict(zip(FULL, GOOD))
    row.update(changes)
    return [row[h] for h in FULL]


BAD_FOLLOW_UPS = [
    ("missing", "summary", {"跟进内容": ""}),
    ("missing", "customer_name", {"客户名称": ""}),
    ("missing", "rep", {"跟进人": ""}),
    ("missing", "occurred_at", {"跟进日期": ""}),
    ("too_long", "summary", {"跟进内容": "长" * 4001}),
    ("too_long", "customer_name", {"客户名称": "名" * 201}),
    ("control_chars", "summary", {"跟进内容": "a\x07b"}),
    ("not_datetime", "occurred_at", {"跟进日期": "上周三"}),
    ("future_time", "occurred_at", {"跟进日期": (datetime.now() + timedelta(days=30)).strftime("%Y-%m-%d")}),
    ("choice", "channel", {"跟进方式": "飞鸽传书"}),
    ("choice", "stage", {"客户阶段": "快成了"}),
    ("not_bool", "effective", {"是否有效": "也许"}),
    ("not_integer", "duration_minutes", {"时长(分钟)": "半小时"}),
    ("range", "duration_minutes", {"时长(分钟)": "2000"}),
    ("not_date", "next_follow_up_date", {"下次跟进日期": "下周"}),
    ("next_before_follow_up", "next_follow_up_date", {"下次跟进日期": "2026-03-04"}),
    ("uscc_length", "customer_uscc", {"统一社会信用代码": "9135010"}),
    ("uscc_check", "customer_uscc", {"统一社会信用代码": VALID_USCC[:-1] + ("X" if VALID_USCC[-1] != "X" else "Y")}),
    ("uscc_format", "customer_uscc", {"统一社会信用代码": "91350100M000100I4!"}),
    ("template_example", "customer_name", {"客户名称": "杭州青禾环保科技有限公司",
                                           "跟进内容": "电话沟通污水处理设备需求,对方确认年处理量约1000吨。"}),
]


def test_each_rejection_reason(store, org, tmp_path):
    """One file: a good row, then one row per reason; exactly the bad rows are rejected, each
    with its row number, field, and the catalog's reason in Chinese and English."""
    rows = [_row(客户名称="好客户")] + [_row(客户名称=f"客户{i}", **changes) if "客户名称" not in changes
                                        else _row(**changes) for i, (_, _, changes) in enumerate(BAD_FOLLOW_UPS)]
    # at the limits: more bytes than max_len but not more characters (the per-row length check
    # runs only where some value has more bytes, and then counts characters)
    rows.append(_row(客户名称="名" * 200, 跟进内容="长" * 4000))
    path = write_csv(tmp_path / "f.csv", FULL, rows)
    summary = load_file(store, org["admin"], path)
    n = len(BAD_FOLLOW_UPS)
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (n + 2, 2, n), summary.as_json()
    rejected = {int(r["行号 row"]): r for r in read_rejects(summary.rejects_path)}
    assert len(rejected) == n
    for i, (error, field, _) in enumerate(BAD_FOLLOW_UPS):
        got = rejected[i + 3]  # header is row 1, the good row is row 2
        assert got["field_code"] == field, (error, got)
        value = got["值 value"].lstrip("'") or None
        zh, en = reason("follow_ups", field, error, value, "zh_CN"), reason("follow_ups", field, error, value, "en")
        assert got["原因"] == zh and got["reason"] == en, (error, got)
        assert "{" not in zh and "{" not in en and zh != en


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_row_with_more_cells_than_the_header_is_refused_whole(store, org, tmp_path, encoding):
    """An unquoted comma in a cell shifts the row's columns: the row is refused with its extra
    cells named, not loaded with them cut off; a quoted comma and a short row are not that."""
    lines = ["客户名称,跟进日期,跟进方式,跟进人,跟进内容",
             "甲公司,2026-03-05 10:00,电话,rep1,好",
             "乙公司,2026-03-05 11:00,电话,rep1,价格谈妥,下周签约",  # one cell too many
             '"丙公司,杭州",2026-03-05 12:00,电话,rep1,"报价,已发"',
             "丁公司,2026-03-05 13:00,电话",  # too few: its empty fields are refused as such
             "",
             "戊公司,2026-03-05 14:00,电话,rep1,a,b,c"]
    path = tmp_path / "ragged.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    summary = load_file(store, org["admin"], path)
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (5, 2, 3), summary.as_json()  # a blank line is no row
    assert store.query("SELECT summary FROM follow_ups ORDER BY occurred_at")["summary"].to_list() == ["好", "报价,已发"]
    rejected = {(int(r["行号 row"]), r["field_code"]): r for r in read_rejects(summary.rejects_path)}
    assert rejected[(3, "row")]["值 value"] == "下周签约" and rejected[(7, "row")]["值 value"] == "b,c"
    assert rejected[(3, "row")]["原因"].startswith("整行:这一行比表头多出内容「下周签约」")
    assert "more cells than the header" in rejected[(3, "row")]["reason"]
    assert {k for k in rejected if k[0] == 5} == {(5, "rep"), (5, "summary")}
    # no field of the whole row, and no column of the file: the column is left empty, not a code
    assert rejected[(3, "row")]["原列名 column"] == ""


def test_a_field_without_a_column_names_no_column(store, org, tmp_path):
    path = write_csv(tmp_path / "f.csv", ["客户名称", "跟进日期", "跟进人", "跟进内容"],
                     [["甲公司", "2026-03-05 10:00", "rep1", "x"]])
    summary = load_file(store, org["admin"], path)
    assert summary.rejects.rows() == [(2, "channel", None, None, "missing")]
    assert [r["原列名 column"] for r in read_rejects(summary.rejects_path)] == [""]


def test_reason_texts_name_the_field_in_both_languages():
    assert reason("follow_ups", "channel", "choice", "飞鸽", "zh_CN").startswith("跟进方式")
    assert "Channel" in reason("follow_ups", "channel", "choice", "飞鸽", "en")
    assert "4000" in reason("follow_ups", "summary", "too_long", "x" * 4001, "zh_CN")


@pytest.mark.parametrize(("value", "error", "no_such_day"), [
    ("2026-02-30", "not_datetime", True), ("2026年13月1日", "not_date", True), ("2026/4/31 09:00", "not_datetime", True),
    ("2028-02-29 25:00", "not_datetime", False), ("上周三", "not_datetime", False), ("2026-0230", "not_date", False)])
def test_a_day_no_calendar_has_is_named_as_such(value, error, no_such_day):
    """A wrong day (2026-02-30) is not a wrong format: the reason says the day does not exist."""
    field = "next_follow_up_date" if error == "not_date" else "occurred_at"
    zh, en = (reason("follow_ups", field, error, value, lang) for lang in ("zh_CN", "en"))
    assert ("这一天不存在" in zh and value in zh and "does not exist" in en) is no_such_day, (zh, en)
    assert ("例如" in zh) is not no_such_day


def test_rejects_file_carries_the_whole_source_row(store, org, tmp_path):
    """Each rejected row with every column of the file under its own header, so the rows can be
    corrected there and imported again; formulas neutralised there too."""
    header = ["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容", "备注"]
    path = write_csv(tmp_path / "f.csv", header, [
        ["甲公司", "2026-03-05 10:00", "电话", "rep1", "沟通", "留着"],
        ["乙公司", "2026-02-30", "飞鸽", "rep1", "\t=1+1", "=HYPERLINK(1)"]])
    summary = load_file(store, org["admin"], path)
    got = read_rejects(summary.rejects_path)
    assert [(r["行号 row"], r["field_code"]) for r in got] == [("3", "channel"), ("3", "occurred_at")]
    for r in got:
        assert [r[h] for h in header] == ["乙公司", "2026-02-30", "飞鸽", "rep1", "'\t=1+1", "'=HYPERLINK(1)"]
    assert "这一天不存在" in got[1]["原因"]
    # the rejects file imported again: our columns are not mistaken for data, the rows are rejected again
    again = load_file(store, org["admin"], summary.rejects_path)
    assert (again.error, again.rows_loaded, again.rows_rejected) == (None, 0, 2), again.as_json()


def test_a_corrected_rejects_file_imports_what_its_rows_held(store, org, tmp_path):
    """The rejects file's marks against Excel formulas ('=…) come off on import, and a negative
    number is not marked at all: corrected where it was wrong, the file loads the rows as written."""
    header = ["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容", "时长(分钟)"]
    path = write_csv(tmp_path / "f.csv", header, [["乙公司", "2026-02-30 10:00", "电话", "rep1", "=1+1 报价", "-5"]])
    summary = load_file(store, org["admin"], path)
    rows = read_rejects(summary.rejects_path)
    assert [(r["跟进内容"], r["时长(分钟)"]) for r in rows] == [("'=1+1 报价", "-5")] * 2  # date and duration
    fixed = tmp_path / "fixed.csv"
    with open(fixed, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerow(rows[0] | {"跟进日期": "2026-02-28 10:00", "时长(分钟)": "5"})
    again = load_file(store, org["admin"], fixed)
    assert (again.rows_loaded, again.rows_rejected) == (1, 0), again.as_json()
    assert store.query("SELECT summary, duration_minutes FROM follow_ups").rows() == [("=1+1 报价", 5)]


def test_rejects_by_reason_count_rows_and_give_the_first_as_example():
    import polars as pl

    from pipelines.ingest.messages import by_reason
    from pipelines.ingest.validate import REJECT_SCHEMA

    rejects = pl.DataFrame([(2, "rep", "跟进人", "王五", "ingest.reject.rep_other_team"),
                            (3, "channel", "跟进方式", "飞鸽", "choice"),
                            (3, "rep", "跟进人", "赵六", "ingest.reject.rep_other_team"),
                            (4, "rep", "跟进人", "王五", "ingest.reject.rep_other_team")], schema=REJECT_SCHEMA, orient="row")
    got = by_reason(rejects).sort("rows", descending=True)
    assert got.select("field", "error", "_row", "value", "rows").rows() == [
        ("rep", "ingest.reject.rep_other_team", 2, "王五", 3), ("channel", "choice", 3, "飞鸽", 1)]


def test_a_check_removes_previews_older_than_a_day(store, org, tmp_path):
    """Each check (dry run) writes a preview rejects file; previews older than a day go at the next
    check, the rejects files of imports stay."""
    import os
    import time

    from pipelines import config

    folder = config.data_dir() / "rejects"
    folder.mkdir(parents=True, exist_ok=True)
    stale, fresh, kept = (folder / f"{p}-{tmp_path.name}.csv" for p in ("preview-000001", "preview-000002", "000003"))
    # and the page's uploads untouched for a day (personal data kept for nothing: a review found
    # every file ever uploaded there, imported or not)
    uploads = config.data_dir() / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    old_upload, new_upload = uploads / f"{tmp_path.name}-old.csv", uploads / f"{tmp_path.name}-new.csv"
    for f in (stale, fresh, kept, old_upload, new_upload):
        f.write_text("x")
    two_days_ago = time.time() - 2 * 24 * 3600
    for f in (stale, kept, old_upload):
        os.utime(f, (two_days_ago, two_days_ago))
    path = write_csv(tmp_path / "f.csv", FULL, [_row(跟进方式="飞鸽传书")])
    check = load_file(store, org["admin"], path, dry_run=True)
    assert Path(check.rejects_path).exists() and Path(check.rejects_path).name.startswith("preview-")
    assert (stale.exists(), fresh.exists(), kept.exists()) == (False, True, True)
    assert (old_upload.exists(), new_upload.exists()) == (False, True)


def test_other_kinds_rejections(store, org, tmp_path):
    customers = write_csv(tmp_path / "c.csv", ["客户名称", "省份", "企业规模", "所属行业", "负责人"],
                          [["好", "浙江", "大型", "C", "rep1"], ["坏省", "火星", "", "", "rep1"],
                           ["坏规模", "", "巨型", "", "rep1"], ["坏行业", "", "", "Z9", "rep1"], ["无人", "", "", "", ""]])
    s = load_file(store, org["admin"], customers)
    assert (s.rows_loaded, s.rows_rejected) == (1, 4)
    assert {r["field_code"] for r in read_rejects(s.rejects_path)} == {"province", "size", "industry", "owner"}
    contacts = write_csv(tmp_path / "p.csv", ["客户名称", "联系人", "电话", "邮箱"],
                         [["好", "王工", "13812345678", ""], ["好", "李工", "12345", ""],
                          ["好", "赵工", "", "not-an-email"], ["没有这个客户", "钱工", "", ""]])
    s = load_file(store, org["admin"], contacts, kind="contacts")
    assert (s.rows_loaded, s.rows_rejected) == (1, 3)
    got = {r["field_code"]: r["reason"] for r in read_rejects(s.rejects_path)}
    assert set(got) == {"phone", "email", "customer_name"} and "no customer" in got["customer_name"]
    contracts = write_csv(tmp_path / "k.csv", ["客户名称", "签约人", "签约日期", "合同金额"],
                          [["好", "rep1", "2026-03-01", "¥120,000.50"], ["好", "rep1", "2026-03-02", "很多"],
                           ["好", "rep1", "2026-03-03", "-5"]])
    s = load_file(store, org["admin"], contracts)
    assert s.kind == "contracts" and (s.rows_loaded, s.rows_rejected) == (1, 2)
    assert str(store.scalar("SELECT amount FROM contracts")) == "120000.50"


def test_reimport_adds_nothing_and_duplicates_are_counted(store, org, tmp_path):
    rows = rows_zh(5) + [rows_zh(1)[0]]  # the last row repeats the first: a duplicate within the file
    path = write_csv(tmp_path / "f.csv", HEADER_ZH, rows)
    first = load_file(store, org["admin"], path)
    assert (first.rows_loaded, first.rows_duplicate) == (5, 1)
    # which rows were skipped, and what each repeats: the earlier row of the file (source row numbers)
    assert first.duplicates.rows() == [(7, 2)]
    tables = {t: count(store, t) for t in ("follow_ups", "customers", "stage_changes", "users")}
    # the page says it was imported before (the same bytes, under any name), before a second import
    from pipelines.ingest import previous_import

    renamed = tmp_path / "改名后.csv"
    renamed.write_bytes(path.read_bytes())
    before = previous_import(store, org["manager1"], renamed)
    assert before is not None and before["rows_loaded"] == 5 and before["user_name"] == org["admin"].display_name
    assert previous_import(store, org["admin"], write_csv(tmp_path / "new.csv", HEADER_ZH, rows_zh(2))) is None
    with pytest.raises(NotPermitted):
        previous_import(store, org["rep1"], path)
    # the page's notice: only new rows load; or, when the check would load some again (the file
    # read otherwise: another mapping), that they may be the same records a second time
    said, warned = messages.imported_before(before, 0, "zh_CN", "2026-11-28 10:00", "管理员")
    assert not warned and "再次导入只会加入新的行" in said and "当时导入 5 行" in said
    said, warned = messages.imported_before(before, 5, "zh_CN", "2026-11-28 10:00", "管理员")
    assert warned and "其中 5 行与已有的记录对不上" in said and "只会加入新的行" not in said
    again = load_file(store, org["admin"], path)
    assert (again.rows_read, again.rows_loaded, again.rows_duplicate, again.rows_rejected) == (6, 0, 6, 0)
    assert again.duplicates.rows() == [(r, None) for r in range(2, 8)]  # stored already, the repeat too
    assert "duplicates" not in again.as_json()
    assert {t: count(store, t) for t in tables} == tables
    # a soft-deleted follow-up still counts as stored; another file with the same key is a duplicate
    store.cursor().execute("UPDATE follow_ups SET deleted_at = now()")
    other = write_csv(tmp_path / "other.csv", HEADER_ZH, [r[:4] + ["另一份文件的内容"] + r[5:] for r in rows_zh(2)])
    assert load_file(store, org["admin"], other).rows_duplicate == 2
    runs = store.query("SELECT file_name, file_hash, rows_read, rows_loaded, rows_duplicate, user_id, status"
                       " FROM import_runs ORDER BY id")
    assert runs.height == 3 and runs.get_column("status").to_list() == ["done"] * 3
    assert runs.get_column("file_hash")[0] == runs.get_column("file_hash")[1]
    assert count(store, "audit_log", "action = 'import'") == 3


def test_unknown_customers_reps_and_stage_history(store, org, tmp_path):
    # out of date order, a skip, a move backwards, and a lost customer coming back
    rows = [["甲", VALID_USCC, "2026-03-10 09:00", "电话", "新人张三", "x", "商务谈判"],
            ["甲", VALID_USCC, "2026-03-01 09:00", "电话", "新人张三", "x", "初步接触"],
            ["甲", VALID_USCC, "2026-03-20 09:00", "拜访", "新人张三", "x", "需求确认"],
            ["甲", VALID_USCC, "2026-03-21 09:00", "拜访", "新人张三", "x", "需求确认"],
            ["乙", "", "2026-03-01 09:00", "电话", "rep1", "x", ""],
            ["乙", "", "2026-03-02 09:00", "电话", "rep1", "x", "输单"],
            ["乙", "", "2026-03-03 09:00", "电话", "rep1", "x", "需求确认"]]
    path = write_csv(tmp_path / "h.csv", ["客户名称", "统一社会信用代码", "跟进日期", "跟进方式", "跟进人", "跟进内容", "客户阶段"],
                     rows)
    s = load_file(store, org["admin"], path)
    assert (s.rows_loaded, s.customers_created, s.users_created, s.users_new) == (7, 2, 1, ["新人张三"])
    changes = store.query("SELECT c.name, s.from_stage, s.to_stage, s.rule_broken, s.imported, s.follow_up_id"
                          " FROM stage_changes s JOIN customers c ON c.id = s.customer_id"
                          " ORDER BY c.name, s.changed_at")
    assert [r[:4] for r in changes.iter_rows()] == [
        ("乙", None, "initial_contact", False), ("乙", "initial_contact", "lost", False),
        ("乙", "lost", "needs_confirmed", True),
        ("甲", None, "initial_contact", False), ("甲", "initial_contact", "negotiation", True),
        ("甲", "negotiation", "needs_confirmed", True)]
    assert all(changes.get_column("imported")) and changes.get_column("follow_up_id").null_count() == 0
    assert (s.stage_changes, s.stage_changes_rule_broken) == (6, 3)
    # which rows broke a rule, for the page to list (it only counted them): 乙 row 8, 甲 rows 2 and 4
    assert s.broken.select("_row", "from_stage", "to_stage").rows() == [
        (2, "initial_contact", "negotiation"), (4, "negotiation", "needs_confirmed"), (8, "lost", "needs_confirmed")]
    stages = dict(store.query("SELECT name, stage FROM customers").iter_rows())
    assert stages == {"甲": "needs_confirmed", "乙": "needs_confirmed"}
    assert store.scalar("SELECT uscc FROM customers WHERE name = '甲'") == VALID_USCC
    # each created customer and account is in the audit log, the row as it was inserted
    audits = store.query("SELECT a.table_name, a.after, a.detail, c.name, c.created_at::VARCHAR AS created"
                         " FROM audit_log a JOIN customers c ON c.id = a.row_id"
                         " WHERE a.action = 'create' AND a.table_name = 'customers' ORDER BY c.name")
    assert audits.height == 2 and set(audits.get_column("detail")) == {f"import run {s.run_id}"}
    for after, name, created in audits.select("after", "name", "created").iter_rows():
        row = json.loads(after)
        assert (row["name"], row["created_at"], row["updated_at"], row["deleted_at"]) == (name, created, created, None)
        assert row["name_initials"] == initials(name) and row["owner_id"] is not None
    assert count(store, "audit_log", "action = 'create' AND table_name = 'users'") == 1


def test_gate_met_by_imported_demos_is_not_broken(store, org, tmp_path):
    rows = [["丙", f"2026-03-0{i} 10:00", "产品演示", "rep1", "demo", "需求确认"] for i in (1, 2, 3)]
    rows.append(["丙", "2026-03-04 10:00", "电话", "rep1", "x", "方案提供"])
    rows.append(["丁", "2026-03-04 10:00", "电话", "rep1", "x", "需求确认"])
    rows.append(["丁", "2026-03-05 10:00", "电话", "rep1", "x", "方案提供"])  # no demos: the gate is unmet
    path = write_csv(tmp_path / "g.csv", HEADER_ZH[:6], rows)
    load_file(store, org["admin"], path)
    broken = dict(store.query("SELECT c.name, bool_or(s.rule_broken) FROM stage_changes s JOIN customers c"
                              " ON c.id = s.customer_id WHERE s.to_stage = 'proposal' GROUP BY 1").iter_rows())
    assert broken == {"丙": False, "丁": True}


def test_manager_scope(store, org, tmp_path):
    rows = rows_zh(2)
    rows[1][3] = "rep3"  # rep3 is in team 2
    path = write_csv(tmp_path / "m.csv", HEADER_ZH, rows)
    s = load_file(store, org["manager1"], path)
    assert (s.rows_loaded, s.rows_rejected) == (1, 1)
    rejected = read_rejects(s.rejects_path)
    assert rejected[0]["field_code"] == "rep" and "本团队" in rejected[0]["原因"]
    # manager2 cannot add follow-ups to team 1's customer, even naming a rep of team 2
    theirs = write_csv(tmp_path / "t.csv", HEADER_ZH, [[rows[0][0], "2026-04-01 10:00", "电话", "rep3", "x",
                                                         "需求确认", "是", "5"]])
    s = load_file(store, org["manager2"], theirs)
    assert (s.rows_loaded, s.rows_rejected) == (0, 1)
    assert "其他团队" in read_rejects(s.rejects_path)[0]["原因"]
    # a manager's unknown rep joins the manager's team
    new = write_csv(tmp_path / "n.csv", HEADER_ZH, [["新客户", "2026-04-02 10:00", "电话", "新销售", "x", "", "", ""]])
    assert load_file(store, org["manager2"], new).rows_loaded == 1
    assert store.scalar("SELECT team_id FROM users WHERE display_name = '新销售'") == 2


def test_reps_and_leaders_cannot_import(store, org, tmp_path):
    path = write_csv(tmp_path / "f.csv", HEADER_ZH, rows_zh(1))
    for who in ("rep1", "leader"):
        with pytest.raises(NotPermitted):
            load_file(store, org[who], path)
    assert count(store, "import_runs") == 0


def test_many_initials_are_customers_initials():
    """The importer's initials of many names at once equal customers.initials name by name,
    where pypinyin's phrases change a letter (银行, 长沙, 重庆) and around other characters."""
    import random

    from pypinyin.constants import PHRASES_DICT

    from pipelines.customers import initials
    from pipelines.ingest.pinyin import initials_many

    rng = random.Random(7)
    phrases = sorted(PHRASES_DICT)
    pool = "ABCabc 123-()()〇·,。\u3000行长重"
    names = ["", "A", "银行", "中国建设银行长沙分行", "重庆重工有限公司", "长沙长城银行有限公司", "3D打印(北京)有限公司",
             "苏州安泰职业培训有限公司第2分公司", "ABC科技", "a b", "〇〇"]
    for _ in range(1000):
        names.append("".join(rng.choice(pool) if rng.random() < 0.2 else rng.choice(phrases)
                             for _ in range(rng.randint(1, 8))))
    assert initials_many(names) == [initials(n) for n in names]


def test_credit_codes_taken_column_wise_are_the_validators_own():
    """The column-wise credit-code check accepts exactly the codes validators.uscc keeps as they are."""
    import random

    import polars as pl

    from pipelines import validators
    from pipelines.ingest.validate import uscc_certain

    rng = random.Random(3)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    codes = [VALID_USCC, VALID_USCC.lower(), " " + VALID_USCC, VALID_USCC[:-1], VALID_USCC[:-1] + "Z", ""]
    for _ in range(3000):
        code = "".join(rng.choice("0123456789") for _ in range(8)) + "".join(rng.choice(alphabet) for _ in range(9))
        codes.append(code + (stdnum_uscc.calc_check_digit(code) if rng.random() < 0.6 else rng.choice(alphabet + "IO")))

    def kept(code: str) -> bool:
        try:
            return validators.uscc(code) == code
        except Exception:  # noqa: BLE001 - any refusal
            return False

    assert uscc_certain(pl.Series(codes)).to_list() == [kept(c) for c in codes]


def test_local_minute_is_the_zones_minute():
    """The duplicate key's minute, truncated in UTC when that is exact, equals truncation in the
    zone, also before 1972 in a zone whose offset then had seconds (Monrovia, -0:44:30)."""
    import polars as pl

    from pipelines.ingest.kinds import local_minute

    times = [datetime(2026, 3, 5, 10, 0, 59), datetime(2026, 3, 5, 10, 1), datetime(1990, 4, 15, 2, 30, 30), None]
    for zone in ("Asia/Shanghai", "Asia/Kolkata", "America/St_Johns", "Africa/Monrovia"):
        for extra in ([], [datetime(1960, 6, 1, 12, 0, 45)]):
            at = pl.Series(times + extra).dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
            assert local_minute(at).to_list() == at.dt.truncate("1m").to_list(), (zone, extra)


def test_duplicates_within_a_file_keep_the_first():
    """The shortcut (ranking only rows that share a key) keeps exactly the first row of each key
    and drops stored ones."""
    import random

    import polars as pl

    from pipelines.ingest.kinds import _split_dupes

    rng = random.Random(5)
    rows = pl.DataFrame({"_row": range(2, 3002), "a": [rng.randint(0, 40) for _ in range(3000)],
                         "b": [rng.choice(["x", "y", None]) for _ in range(3000)]})
    stored = {5, 77, 2999}
    loaded, dupes = _split_dupes(rows, ["a", "b"], stored)
    expected = rows.filter(pl.struct("a", "b").is_first_distinct() & ~pl.col("_row").is_in(list(stored)))
    assert loaded.equals(expected) and dupes.height == rows.height - expected.height
    # each skipped row names the first row of its key, or nothing when it is stored already
    first = {}
    for row, a, b in rows.iter_rows():
        first.setdefault((a, b), row)
    assert dupes.rows() == [(row, None if row in stored else first[(a, b)]) for row, a, b in rows.iter_rows()
                            if row in stored or first[(a, b)] != row]
    assert _split_dupes(rows.head(40).with_columns(a=pl.int_range(40)), ["a"], set())[1].height == 0


def test_new_customers_take_their_first_row_by_time_then_row(store, org):
    """match_customers' grouping gives each new customer the owner of its earliest row (ties: the
    earlier row of the file) and ids in that order: the same as sorting every row by (time, row)
    and keeping each customer's first, whether or not the rows come in file order."""
    import random

    import polars as pl

    from pipelines.ingest import resolve

    rng = random.Random(7)
    base = datetime(2026, 3, 1, 9, 0)
    names = [f"客户{i}" for i in range(60)]
    rows = pl.DataFrame({
        "_row": range(2, 2002),
        "customer_name": [rng.choice(names) for _ in range(2000)],
        "customer_uscc": [None] * 2000,
        "occurred_at": [base + timedelta(hours=rng.randint(0, 30)) for _ in range(2000)],  # many ties
        "rep_id": [rng.choice([org["rep1"].id, org["rep2"].id, org["rep3"].id]) for _ in range(2000)],
    }, schema_overrides={"customer_uscc": pl.String}).with_columns(pl.col("occurred_at").dt.replace_time_zone("UTC"))
    expected = rows.sort("occurred_at", "_row").unique("customer_name", keep="first", maintain_order=True) \
        .select(pl.col("customer_name").alias("name"), pl.col("rep_id").alias("owner_id"))
    for frame in (rows, rows.sample(fraction=1.0, shuffle=True, seed=3)):
        new = store.write(lambda cur, f=frame: resolve.match_customers(
            cur, org["admin"], f, "customer_name", "customer_uscc", owner_col="rep_id", order_col="occurred_at")[2])
        assert new.get_column("id").is_sorted() and new.select("name", "owner_id").equals(expected)


def test_an_import_of_new_customers_does_not_lock_their_activity_rows(store, org, tmp_path):
    """Customers the import itself inserts are invisible to other writers: customer_activity's
    first rows for them need no lock UPDATE of their customers rows (100,000 of them at a time)."""
    from pipelines import store as store_module

    path = write_csv(tmp_path / "n.csv", FULL, [_row(客户名称=f"新客户{i}", 跟进日期=f"2026-03-05 10:{i:02d}")
                                                 for i in range(3)])
    seen: list[str] = []
    cursor = store_module.Store.cursor

    class Spy:
        def __init__(self, cur):
            self._cur = cur

        def execute(self, sql, *args):
            seen.append(sql)
            return self._cur.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._cur, name)

    store_module.Store.cursor = lambda self: Spy(cursor(self))
    try:
        summary = load_file(store, org["admin"], path)
    finally:
        store_module.Store.cursor = cursor
    assert summary.customers_created == 3
    assert not [s for s in seen if s.startswith("UPDATE customers SET updated_at = updated_at")]
    assert count(store, "customer_activity", "last_follow_up_at IS NOT NULL") == 3


def test_created_customers_audit_json_is_duckdbs_own(store, org, monkeypatch):
    """audit_inserted writes, for the customers an import creates, exactly the JSON that
    audit_created (DuckDB's to_json of each stored row) writes, whatever the names hold."""
    import polars as pl

    from pipelines.ingest import resolve

    odd = [chr(i) for i in range(1, 0x80)] + ["é", "中文", "\u2028", "😀", 'a"b\\c/d', "\\u000b", "\x7f"]
    names = [f"客户{i}{odd[i % len(odd)]}{odd[(i * 7) % len(odd)]}" for i in range(1200)]

    def work(cur):
        ids = resolve.new_ids(cur, "customers", len(names))
        new = pl.DataFrame({"id": ids, "name": names, "uscc": [None if i % 3 else f"U{i}" for i in range(len(names))],
                            "owner_id": [org["rep1"].id] * len(names)}, schema_overrides={"uscc": pl.String})
        new = resolve.with_initials(new).with_columns(pl.lit("proposal").alias("stage"))
        called = []
        monkeypatch.setattr(resolve, "audit_created", lambda *a, **k: called.append(a))
        resolve.create_customers(cur, org["admin"], new, 7)
        monkeypatch.undo()
        assert not called  # the polars path, not the fallback
        fast = cur.execute("SELECT row_id, after FROM audit_log WHERE table_name = 'customers' ORDER BY id").pl()
        resolve.audit_created(cur, org["admin"], "customers", new.get_column("id").to_list(), 7)
        slow = cur.execute("SELECT row_id, after FROM audit_log WHERE table_name = 'customers' ORDER BY id").pl()
        assert fast.height == len(names) and slow.tail(len(names)).equals(fast)

    store.write(work)


def test_frames_longer_than_a_row_group_insert_whole_and_in_order(store, org, monkeypatch):
    """insert_frame hands DuckDB a long frame as row-group sized batches: every row is stored
    once, with its values, in the frame's order (and RETURNING gives every row back)."""
    import polars as pl

    from pipelines.ingest import resolve

    monkeypatch.setattr(resolve, "ROW_GROUP_ROWS", 1000)  # the slicing is the same at any size
    n = 2507
    frame = pl.DataFrame({"user_id": [org["admin"].id] * n, "username": [f"用户{i}" for i in range(n)],
                          "action": ["import"] * n, "table_name": ["follow_ups"] * n, "row_id": range(n),
                          "detail": [None if i % 5 else f"第{i}行" for i in range(n)]},
                         schema_overrides={"row_id": pl.Int64, "detail": pl.String})
    assert [len(b) for b in resolve.row_group_batches(frame).to_arrow().to_batches()] == [1000, 1000, 507]

    def work(cur):
        before = cur.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
        made = resolve.insert_frame(cur, "imp_rows", frame, "audit_log", "row_id")
        stored = cur.execute("SELECT username, row_id, detail FROM audit_log WHERE id > $b ORDER BY id",
                             {"b": before}).pl()
        return made, stored

    made, stored = store.write(work)
    assert sorted(made.get_column("row_id").to_list()) == list(range(n))
    assert stored.equals(frame.select("username", "row_id", "detail"))


def test_repeated_hashes_match_is_duplicated():
    """The sort-based finder of repeated values marks the same rows as polars' is_duplicated."""
    import random

    import polars as pl

    from pipelines.ingest.kinds import _repeated

    rng = random.Random(9)
    for values in ([], [7], [1, 2, 3], [3, 3], [rng.randint(0, 2**63) for _ in range(5000)] + [11, 4, 11, 4, 4],
                   [rng.randint(0, 300) for _ in range(2000)]):
        hashes = pl.Series(values, dtype=pl.UInt64)
        assert _repeated(hashes).to_list() == hashes.is_duplicated().to_list(), values[:5]


def test_new_accounts_are_listed_in_the_files_order_by_the_check_and_the_import(store, org, tmp_path):
    """The check and the import listed the same new accounts in two different orders."""
    names = ["赵一", "Kami Bicknell", "钱二", "Lajuana Vencill", "孙三", "李四", "周五", "吴六"]
    path = write_csv(tmp_path / "f.csv", FULL, [_row(跟进人=n, 客户名称=f"{n}的客户") for n in names])
    check = load_file(store, org["admin"], path, dry_run=True)
    done = load_file(store, org["admin"], path)
    assert check.users_new == done.users_new == names
