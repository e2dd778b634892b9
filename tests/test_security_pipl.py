"""PIPL: masking by role, audited reveal, export of all held about a person, erasure keeping statistics."""

from __future__ import annotations

import io
import json

import openpyxl
import polars as pl
import pytest

from pipelines import customer_views, masking, pipl
from pipelines.access import NotPermitted
from pipelines.config import local_tz
from pipelines.models import STORED_MODELS
from pipelines.sql import scoped
from tests.helpers_security import PEOPLE, seed


@pytest.fixture
def world(store, org):
    return seed(store, org)


def _contacts(store, actor) -> pl.DataFrame:
    sql, params = scoped(actor, "SELECT id, name, phone, email, wechat FROM v_contacts ORDER BY id", inline=True)
    return masking.mask_contacts(store.query(sql, params), actor)


def test_masking_for_each_role(store, org, world):
    full = {"rep1": ("138 1234 5678", "zhang.wei@example.com", "wx_zhang5678")}
    masked = ("138****5678", "z***@example.com", "w***78")
    seen = {who: _contacts(store, org[who]) for who in ("admin", "leader", "manager1", "manager2", "rep1", "rep2")}
    # leadership sees every contact, masked
    leader = seen["leader"].filter(pl.col("id") == world["rep1"].contact_id).row(0)
    assert leader[2:] == masked and seen["leader"].height == 3
    assert not seen["leader"]["phone"].str.contains(r"\d{5}").any()
    # the owner, the owner's manager and admins see the details of contacts in their scope
    for who in ("rep1", "manager1", "admin"):
        row = seen[who].filter(pl.col("id") == world["rep1"].contact_id).row(0)
        assert row[2:] == full["rep1"], who
    # another team's manager and another rep do not see the contact at all (so nothing to unmask)
    assert world["rep1"].contact_id not in seen["manager2"]["id"].to_list()
    assert seen["rep2"]["id"].to_list() == [world["rep2"].contact_id]


def test_masking_functions():
    assert masking.mask_phone("+8613812345678") == "138****5678"
    assert masking.mask_email("zhang.wei@example.com") == "z***@example.com"
    assert masking.mask_wechat("wx_zhang5678") == "w***78"
    assert masking.mask_phone("+861087654321") == "010****4321"


def test_reveal_is_explicit_and_audited(store, org, world):
    contact = world["rep1"].contact_id
    shown = pipl.reveal_contact(store, org["leader"], contact)
    assert shown == {"phone": "138 1234 5678", "email": "zhang.wei@example.com", "wechat": "wx_zhang5678"}
    entry = store.query("SELECT * FROM audit_log WHERE action = 'reveal'").row(0, named=True)
    assert (entry["username"], entry["table_name"], entry["row_id"]) == ("leader", "contacts", contact)
    assert "13812345678" not in (entry["detail"] or "")  # the log says what was shown, not the value
    for who in ("rep2", "manager2"):  # outside their scope: refused, not revealed
        with pytest.raises(NotPermitted):
            pipl.reveal_contact(store, org[who], contact)
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'reveal'") == 1


def test_a_contact_is_found_by_what_the_person_gives(store, org, world):
    """A request names the person (a phone as written, an email, a WeChat id), not always the
    company; a rep finds none of another rep's contacts."""
    want = world["rep2"].contact_id
    for q in ("李秘乙", "139 8765 4321", "+86 139-8765-4321", "LI.MI@secret-b.cn", "wx_limiyi", "机密乙公司"):
        found = customer_views.contact_search(store, org["admin"], q)
        assert found.get_column("id").to_list() == [want], q
    assert customer_views.contact_search(store, org["admin"], "4321").is_empty()  # too few digits to be a phone
    assert customer_views.contact_search(store, org["rep1"], "139 8765 4321").is_empty()
    assert customer_views.contact_search(store, org["rep1"], "张伟").get_column("id").to_list() \
        == [world["rep1"].contact_id]


def test_export_everything_about_a_customer(store, org, world):
    data = pipl.person_data(store, org["admin"], "customer", world["rep2"].customer_id)
    assert data["customers"]["name"].to_list() == ["机密乙公司"]
    assert data["contacts"]["phone"].to_list() == ["+8613987654321"]
    assert data["follow_ups"].height == 3
    assert {"create"} <= set(data["audit_log"]["action"].to_list())
    doc = json.loads(pipl.to_json_bytes(data))
    assert doc["customers"][0]["name"] == "机密乙公司" and len(doc["follow_ups"]) == 3
    # the Excel copy is for the person: sheets, headers and codes in words, times local
    from pipelines import exports, pipl_sheets

    sheets = pipl_sheets.readable(data, "zh_CN")
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes(sheets)))
    assert {"客户", "联系人", "跟进记录", "审计日志"} <= set(book.sheetnames)
    customer = sheets["客户"].row(0, named=True)
    assert (customer["名称"], customer["客户阶段"]) == ("机密乙公司", "初步接触"), customer
    assert customer["创建时间"] == data["customers"]["created_at"][0].astimezone(local_tz()).strftime("%Y-%m-%d %H:%M:%S")
    assert "电话" in sheets["联系人"].columns and "跟进方式" in sheets["跟进记录"].columns
    assert sheets["联系人"].row(0, named=True)["姓名"] == "李秘乙"  # a person's name, as on the contact form
    # the phone in Excel as written: text held by the cell's quote prefix, no apostrophe in it
    cells = {c.value: c for row in book["联系人"].iter_rows(min_row=2) for c in row}
    assert "+8613987654321" in cells and cells["+8613987654321"].quotePrefix
    assert str(data["contacts"]["id"][0]) in cells  # ids as written (1,722 read as an amount)
    assert "新建" in sheets["审计日志"].get_column("操作").to_list()
    assert "Follow-ups" in pipl_sheets.readable(data, "en")
    codes = {"initial_contact", "phone", "create", "customers"}
    assert not [v for frame in sheets.values() for c in frame.columns if frame.schema[c] == pl.String
                for v in frame.get_column(c).to_list() if v in codes]
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'export' AND table_name = 'pipl_customer'") == 1
    with pytest.raises(NotPermitted):
        pipl.person_data(store, org["manager1"], "customer", world["rep2"].customer_id)


def _everything_as_text(store) -> str:
    tables = [m.__table__ for m in STORED_MODELS]
    return "\n".join(str(store.query(f"SELECT * FROM {t}").rows()) for t in tables)


def test_erase_customer_keeps_statistics_and_reaches_the_audit_log(store, org, world):
    rep2 = world["rep2"]
    counts_before = {t: store.scalar(f"SELECT count(*) FROM {t} WHERE customer_id = $c", {"c": rep2.customer_id})
                     for t in ("follow_ups", "contacts", "stage_changes")}
    assert "机密乙公司" in _everything_as_text(store)
    result = pipl.erase(store, org["admin"], "customer", rep2.customer_id, reason="客户书面要求")
    assert result["audit_entries"] > 0
    text = _everything_as_text(store)
    for secret in ("机密乙", "李秘乙", "乙方机密", "13987654321", "li.mi@secret-b.cn", "wx_limiyi"):
        assert secret not in text, secret
    assert "青禾科技甲" in text and "张伟" in text  # nobody else was touched
    for t, n in counts_before.items():
        assert store.scalar(f"SELECT count(*) FROM {t} WHERE customer_id = $c", {"c": rep2.customer_id}) == n
    erase = store.query("SELECT * FROM audit_log WHERE action = 'erase'").row(0, named=True)
    assert erase["username"] == "admin" and erase["row_id"] == rep2.customer_id and "客户书面要求" in erase["detail"]
    assert pipl.erasures(store)[-1]["id"] == rep2.customer_id


def test_erase_contact_only(store, org, world):
    rep1 = world["rep1"]
    pipl.erase(store, org["admin"], "contact", rep1.contact_id)
    text = _everything_as_text(store)
    for secret in ("张伟", "13812345678", "zhang.wei@example.com", "wx_zhang5678"):
        assert secret not in text, secret
    assert "青禾科技甲" in text  # the company stays
    assert store.scalar("SELECT count(*) FROM follow_ups WHERE customer_id = $c", {"c": rep1.customer_id}) == 3
    assert PEOPLE["rep2"][1] in text
    # and no longer one of the customer's contacts ("[已删除] #… · 决策者" was listed, editable)
    from pipelines import customer_views

    listed = customer_views.detail(store, org["rep1"], rep1.customer_id).contacts
    assert rep1.contact_id not in listed["id"].to_list()


def test_only_admins_erase(store, org, world):
    for who in ("manager1", "leader", "rep2"):
        with pytest.raises(NotPermitted):
            pipl.erase(store, org[who], "customer", world["rep2"].customer_id)
