"""The audit log: an entry for every kind of action, searchable and exportable, never edited by the app."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import bcrypt
import openpyxl
import polars as pl
import pytest

from pipelines import (
    accounts,
    audit_changes,
    audit_view,
    customer_records,
    customers,
    explorer,
    follow_ups,
    pipl,
    settings,
)
from pipelines.access import NotPermitted
from pipelines.audit_view import AuditSearch
from pipelines.config import local_tz
from pipelines.filters import Filters
from pipelines.ingest.load import load_file
from pipelines.models import ContactIn, CustomerIn, FollowUpIn
from tests.helpers_security import seed

ROOT = Path(__file__).resolve().parent.parent


def _entries(store, action: str, table: str | None = None) -> pl.DataFrame:
    sql = "SELECT * FROM audit_log WHERE action = $a" + (" AND table_name = $t" if table else "") + " ORDER BY id"
    return store.query(sql, {"a": action, **({"t": table} if table else {})})


def test_every_kind_of_action_writes_an_entry(store, org, tmp_path):
    world = seed(store, org, reps=("rep1",), follow_ups_each=1)
    rep1, admin = org["rep1"], org["admin"]
    cid = world["rep1"].customer_id
    # create / update / delete / restore of customers, contacts and follow-ups
    customers.update(store, rep1, cid, CustomerIn(name="青禾科技甲(新)", owner_id=rep1.id, province="浙江"))
    customers.delete(store, rep1, cid)
    customers.restore(store, rep1, cid)
    fid = world["rep1"].follow_up_ids[0]
    follow_ups.update(store, rep1, fid, FollowUpIn(customer_id=cid, rep_id=rep1.id, channel="visit",
                                                   occurred_at=datetime.now(local_tz()) - timedelta(days=1),
                                                   summary="改过的摘要"))
    follow_ups.delete(store, rep1, fid)
    follow_ups.restore(store, rep1, fid)
    contact = world["rep1"].contact_id
    customer_records.update(store, rep1, contact, ContactIn(customer_id=cid, name="张伟", phone="13900001234"))
    customer_records.delete(store, rep1, "contacts", contact)
    customer_records.restore(store, rep1, "contacts", contact)
    # export, reveal
    explorer.export(store, rep1, Filters(), explorer.Extra(), "csv", "zh_CN")
    pipl.reveal_contact(store, org["leader"], contact)
    # login, failed login, logout
    hashed = bcrypt.hashpw(b"Lange-Passwort-2026", bcrypt.gensalt(rounds=4)).decode()
    store.cursor().execute("UPDATE users SET password_hash = $h WHERE username = 'rep1'", {"h": hashed})
    accounts.authenticate(store, "rep1", "falsch-falsch")
    accounts.authenticate(store, "rep1", "Lange-Passwort-2026")
    accounts.record_logout(store, rep1)
    # permission changes, settings
    accounts.set_role(store, admin, "rep2", "manager", 1)
    accounts.set_active(store, admin, "rep2", False)
    accounts.set_password(store, admin, "rep3", "Ein-neues-Passwort-1")
    settings.put(store, admin, "daily_effective_cap", 12)
    # import
    csv = tmp_path / "跟进.csv"
    csv.write_text("客户名称,跟进日期,跟进方式,跟进人,跟进内容\n导入客户,2026-03-05,电话,rep1,首次电话\n", encoding="utf-8")
    assert load_file(store, org["manager1"], csv).rows_loaded == 1
    # erase (backup and restore entries: tests/test_security_backup.py, on the DuckDB file)
    pipl.erase(store, admin, "contact", contact)

    expected = {("create", "customers"), ("update", "customers"), ("delete", "customers"), ("restore", "customers"),
                ("create", "follow_ups"), ("update", "follow_ups"), ("delete", "follow_ups"), ("restore", "follow_ups"),
                ("create", "contacts"), ("update", "contacts"), ("delete", "contacts"), ("restore", "contacts"),
                ("export", "follow_ups"), ("reveal", "contacts"), ("login", "users"), ("login_failed", "users"),
                ("logout", "users"), ("permission", "users"), ("import", "import_runs"),
                ("erase", "contacts")}
    found = set(store.query("SELECT DISTINCT action, table_name FROM audit_log").iter_rows())
    assert expected - found == set()
    assert _entries(store, "settings").height + _entries(store, "update", "settings").height \
        + _entries(store, "create", "settings").height >= 1
    assert _entries(store, "permission", "users").height >= 3
    # an update holds the changed values before and after, with who and when
    upd = _entries(store, "update", "customers").row(0, named=True)
    assert '"青禾科技甲"' in upd["before"] and "青禾科技甲(新)" in upd["after"]
    assert upd["username"] == "rep1" and upd["user_id"] == rep1.id and upd["row_id"] == cid and upd["created_at"]
    # no password or hash ever reaches the log
    text = str(store.query("SELECT before, after, detail FROM audit_log").rows())
    assert "Lange-Passwort" not in text and "$2b$" not in text


def test_search_and_export(store, org):
    seed(store, org, reps=("rep1", "rep2"), follow_ups_each=2)
    admin = org["admin"]
    everything = audit_view.count(store, admin, AuditSearch())
    assert everything == store.scalar("SELECT count(*) FROM audit_log")
    rep2 = audit_view.search(store, admin, AuditSearch(user="REP2"))
    assert rep2.height == 3 and set(rep2["username"]) == {"rep2"}
    assert audit_view.search(store, admin, AuditSearch(actions=("create",), tables=("follow_ups",))).height == 4
    assert audit_view.search(store, admin, AuditSearch(text="乙方机密")).height == 2
    today = datetime.now(local_tz()).date()
    assert audit_view.count(store, admin, AuditSearch(date_from=today, date_to=today)) == everything
    assert audit_view.count(store, admin, AuditSearch(date_to=today - timedelta(days=1))) == 0
    assert audit_view.options(store, admin)["actions"] == ["create"]
    csv = audit_view.export(store, admin, AuditSearch(user="rep2"), "csv")
    assert csv.startswith(b"\xef\xbb\xbf") and "乙方机密" in csv.decode("utf-8-sig")
    # the screen's headers and words (新建, 联系人), not column names and codes
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0] == "日志编号,时间,用户,操作,数据表,记录编号,对象,变更内容,说明,修改前,修改后", lines[0]
    assert ",新建,联系人," in lines[1] and ",create," not in csv.decode("utf-8-sig")
    # each entry names the row it is about: a customer's rows by the customer, a contact with it
    # (rep2's entries: the contact and two follow-ups; the customer was made by the admin)
    named = dict(zip(rep2["table_name"].to_list(), rep2["record"].to_list(), strict=True))
    customer = store.scalar("SELECT name FROM customers WHERE id = (SELECT customer_id FROM contacts"
                            " WHERE id = $i)", {"i": rep2.filter(pl.col("table_name") == "contacts")["row_id"][0]})
    assert named["contacts"].startswith(customer + " · ")
    assert named["follow_ups"] == customer and f",{customer} · " in lines[1]
    # the values in words beside the stored JSON: a created contact's fields, labelled
    assert "姓名:李秘乙" in lines[1] and "客户:#" in lines[1] and '"name": "李秘乙"' in csv.decode("utf-8-sig").replace('""', '"')
    english = audit_view.export(store, admin, AuditSearch(user="rep2"), "csv", "en").decode("utf-8-sig")
    assert english.splitlines()[0].startswith("Entry,Time,User,Action,")
    book = openpyxl.load_workbook(io.BytesIO(audit_view.export(store, admin, AuditSearch(), "xlsx")))
    assert book.active.max_row == everything + 3  # header + the entries (+ the two csv exports' own entries)
    assert _entries(store, "export", "audit_log").height == 3
    for who in ("manager1", "leader", "rep1"):
        with pytest.raises(NotPermitted):
            audit_view.search(store, org[who], AuditSearch())


def test_the_app_never_edits_or_deletes_audit_entries():
    """Only the PIPL erasure touches existing entries (it redacts the erased person's values)."""
    pattern = re.compile(r"(UPDATE\s+audit_log|DELETE\s+FROM\s+audit_log|TRUNCATE\s+audit_log|DROP\s+TABLE\s+audit_log)",
                         re.IGNORECASE)
    offenders = [str(p.relative_to(ROOT)) for folder in ("pipelines", "dashboard")
                 for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".sql") and p.name != "pipl.py"
                 and "migrations" not in p.parts and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert not hasattr(audit_view, "update") and not hasattr(audit_view, "delete")


def test_a_failed_logins_reason_reads_in_words(store, org):
    """The stored reason (unknown user, wrong password (2)) is the evidence; screen and export say
    it in the reader's language."""
    hashed = bcrypt.hashpw(b"Lange-Passwort-2026", bcrypt.gensalt(rounds=4)).decode()
    store.cursor().execute("UPDATE users SET password_hash = $h WHERE username = 'rep1'", {"h": hashed})
    for username, password in (("nobody", "x"), ("rep1", "wrong"), ("rep1", "wrong again"), ("rep2", "x")):
        accounts.authenticate(store, username, password)
    failed = AuditSearch(actions=("login_failed",))
    stored = audit_view.search(store, org["admin"], failed)["detail"].to_list()
    assert sorted(stored) == ["no password", "unknown user", "wrong password (1)", "wrong password (2)"]
    shown = audit_view.labelled(audit_view.search(store, org["admin"], failed), "zh_CN")["detail"].to_list()
    assert sorted(shown) == ["密码错误(连续第 1 次)", "密码错误(连续第 2 次)", "用户名不存在", "账号尚未设置密码"]
    exported = audit_view.export(store, org["admin"], failed, "csv", "en").decode("utf-8-sig")
    assert "no such username" in exported and "wrong password (2 in a row)" in exported


def test_the_details_the_code_writes_read_in_words(store, org):
    """Exports, password sets, risk refreshes, overridden stage rules: stored in English (the
    evidence), shown in the reader's words; a detail of another kind as stored."""
    admin = org["admin"]
    accounts.set_password(store, admin, "rep1", "Lange-Passwort-2026")
    audit_view.export(store, admin, AuditSearch(user="rep", date_from=date(2026, 10, 29)), "csv")
    stored = audit_view.search(store, admin, AuditSearch())["detail"].to_list()
    assert "password set" in stored
    assert "csv, 0 rows; user=rep, date_from=2026-10-29" in stored  # readable at the source too
    frame = pl.DataFrame({"action": ["stage_override", "update", "export", "create", "erase", "erase", "create"],
                          "table_name": ["customers", "risks", "monthly_summary", "users", "contacts", "customers",
                                         "users"],
                          "detail": ["demo 1/3 before proposal; visit 0/2 before negotiation",
                                     "risk refresh: opened 2, updated 0, closed 38", "xlsx, 12 rows; 2026-10",
                                     "demo accounts: 12",
                                     "PIPL erasure of contact #12: rows 1, audit_entries 3; reapplied after restore",
                                     "PIPL erasure of customer #5: rows 4, audit_entries 0; 2026-11-20 书面申请",
                                     "a note someone typed"]})
    zh = audit_view.labelled(frame, "zh_CN")
    assert zh["detail"].to_list() == ["进入「方案提供」前「产品演示」1/3 次;进入「商务谈判」前「拜访」0/2 次",
                                      "重新评估风险:新增 2,更新 0,关闭 38", "XLSX,12 行;2026-10", "演示账号 12 个",
                                      "个人信息删除(联系人 #12):匿名化 1 行,审计记录脱敏 3 条;恢复备份后重新执行",
                                      "个人信息删除(客户 #5):匿名化 4 行,审计记录脱敏 0 条;2026-11-20 书面申请",
                                      "a note someone typed"]  # a person's own words stay as typed
    assert zh["table_name"].to_list() == ["客户", "风险预警", "月度总结", "账号", "联系人", "客户", "账号"]
    en = audit_view.labelled(frame, "en")["detail"].to_list()
    assert en[1] == "Warnings re-evaluated: 2 opened, 0 updated, 38 closed" and en[2] == "XLSX, 12 rows; 2026-10"
    shown = audit_view.labelled(audit_view.search(store, admin, AuditSearch()), "zh_CN")["detail"].to_list()
    assert "设置了密码" in shown and "CSV,0 行;用户=rep, 开始日期=2026-10-29" in shown
    # a PIPL download names the person's kind in words
    assert audit_view.worded("json, 1 rows; contact #3", "zh_CN") == "JSON,1 行;联系人 #3"


def test_a_delete_and_its_restore_write_the_time_alike(store, org):
    """The delete's time was written in UTC (+00:00), the restore's "before" in local time."""
    rep = org["rep1"]
    cid = customers.create(store, rep, CustomerIn(name="时间一致有限公司", owner_id=rep.id))
    fid = follow_ups.add(store, rep, FollowUpIn(customer_id=cid, rep_id=rep.id, occurred_at=datetime.now(local_tz())
                                               - timedelta(hours=1), channel="phone", summary="x"))
    follow_ups.delete(store, rep, fid)
    follow_ups.restore(store, rep, fid)
    deleted, restored = (store.scalar("SELECT json_extract_string(" + col + ", '$.deleted_at') FROM audit_log"
                                      " WHERE table_name = 'follow_ups' AND row_id = $f AND action = $a", {"f": fid, "a": a})
                         for col, a in (("after", "delete"), ("before", "restore")))
    offset = datetime.now(local_tz()).strftime("%z")
    assert deleted.endswith(offset[:3] + ":" + offset[3:]), deleted
    assert datetime.fromisoformat(deleted) == datetime.fromisoformat(restored)


def test_an_entrys_changes_read_in_words(store, org):
    """{"team_id": 1} → {"team_id": 2} told an admin nothing: fields, codes, ids and yes/no in words."""
    known = audit_changes.names(store, org["admin"])
    team1, team2 = (store.scalar("SELECT id FROM teams WHERE name = $n", {"n": n}) for n in ("一组", "二组"))
    assert audit_changes.describe(json.dumps({"team_id": team1, "active": True}),
                                  json.dumps({"team_id": team2, "active": False}), "zh_CN", known) \
        == "团队:一组 → 二组;启用:是 → 否"
    made = json.dumps({"id": 7, "name": "甲公司", "stage": "initial_contact", "owner_id": org["rep1"].id,
                       "tags": ["重点", "华东"], "created_at": "2026-11-28 10:00:00+08:00", "uscc": None})
    assert audit_changes.describe(None, made, "zh_CN", known) \
        == "名称:甲公司;客户阶段:初步接触;负责人:rep1;标签:重点、华东"  # a creation's empty fields are not listed
    assert audit_changes.describe(made, None, "en", known).startswith("Name: 甲公司; Stage: Initial contact; ")
    assert audit_changes.describe(None, None, "zh_CN", known) is None
    # a setting's change: the leaves it moved, not its whole JSON cut at 60 characters
    rules = settings.DEFAULTS["risk_rules"]
    moved = json.loads(json.dumps(rules))
    moved["silent_30d"]["days"] = 35
    assert audit_changes.describe(json.dumps({"risk_rules": rules}), json.dumps({"risk_rules": moved}), "zh_CN",
                                  known, "settings") == "风险预警规则 › 30天无有效跟进 › 天数:30 → 35"
    # a restore's counts and an account's language, by their names
    assert audit_changes.describe(None, json.dumps({"audit_entries_kept": 7, "tables": {"audit_log": 4}}),
                                  "zh_CN", known) == "保留的审计记录:7;各表行数:audit_log 4"
    assert audit_changes.describe(None, json.dumps({"language": "zh_CN"}), "zh_CN", known, "users") == "界面语言:中文"
    # a risk's acknowledgement: who by name, when in local minutes (not an id and an ISO time)
    manager = org["manager1"]
    assert audit_changes.describe(json.dumps({"acknowledged_at": None, "acknowledged_by": None}),
                                  json.dumps({"acknowledged_at": "2026-11-28T07:10:09.646350+00:00",
                                              "acknowledged_by": manager.id}), "zh_CN", known, "risks") \
        == f"确认时间:— → 2026-11-28 15:10;确认人:— → {manager.display_name}"
    # an import's counts as the import page names them
    assert audit_changes.describe(None, json.dumps({"file": "x.xlsx", "kind": "follow_ups", "rows_loaded": 20}),
                                  "zh_CN", known, "import_runs") == "文件:x.xlsx;数据类型:跟进记录;已导入:20"
    # a stage override, a delete and a lockout: no raw names or codes (from:needs_confirmed;…)
    assert audit_changes.describe(None, json.dumps({"from": "needs_confirmed", "to": "proposal", "reason": "大客户"}),
                                  "zh_CN", known, "stage_changes") == "原阶段:需求确认;新阶段:方案提供;越过规则的理由:大客户"
    assert audit_changes.describe(json.dumps({"deleted_at": None, "failed_logins": 3}),
                                  json.dumps({"deleted_at": "2026-11-28T09:19:00+00:00", "failed_logins": 0}),
                                  "zh_CN", known) == "删除时间:— → 2026-11-28 17:19;连续登录失败次数:3 → 0"
    with pytest.raises(NotPermitted):
        audit_changes.names(store, org["manager1"])


def test_a_search_by_a_name_finds_every_entry_about_that_record(store, org):
    """A search for a contact's name found its creation only: its edit and delete name only the
    fields they changed."""
    from pipelines import customer_records
    from pipelines.models import ContactIn

    world = seed(store, org, reps=("rep1",), follow_ups_each=1)
    rep1 = org["rep1"]
    cid = world["rep1"].customer_id
    contact = customer_records.add(store, rep1, ContactIn(customer_id=cid, name="审计查找人", position="采购"))
    customer_records.update(store, rep1, contact, ContactIn(customer_id=cid, name="审计查找人", position="总监"))
    customer_records.delete(store, rep1, "contacts", contact)
    found = audit_view.search(store, org["admin"], AuditSearch(text="审计查找人"))
    assert sorted(found["action"].to_list()) == ["create", "delete", "update"], found.select("action", "after")
