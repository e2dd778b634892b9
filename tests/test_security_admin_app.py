"""The admin page's security sections in AppTest: audit search, backup and restore, PIPL erasure."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.store import Store, forget
from tests.conftest import BACKENDS, Org
from tests.helpers_security import seed

PAGE = Path(__file__).resolve().parent.parent / "dashboard" / "views" / "admin.py"


@pytest.fixture
def admin_page(request, tmp_path, monkeypatch):
    """The admin page on a DuckDB file, or on PostgreSQL for a test parametrized indirectly with "postgres"."""
    server = request.getfixturevalue("pg_server") if getattr(request, "param", "duckdb") == "postgres" else None
    name = server.create(template=server.template) if server else None
    path = server.url(name) if server else str(tmp_path / "admin.duckdb")
    s = Store(path)
    org = Org(s)
    world = seed(s, org, reps=("rep1", "rep2"), follow_ups_each=1)
    s.close()
    monkeypatch.setenv("FOLLOWUP_DB", path)
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    from dashboard import data

    data._store.clear()
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["actor"] = org["admin"]
    at.session_state["lang"] = "zh_CN"  # format_funcs run outside the session in AppTest: keep the default
    at.run()
    assert not at.exception, at.exception
    yield at, world, tmp_path
    data._store.clear()
    forget(path)
    if server:
        server.drop(name)


def _by_label(elements, label: str):
    return next(e for e in elements if e.label == label)


def test_audit_search_shows_entries_read_only(admin_page):
    at, _world, _ = admin_page
    assert "审计日志" in [tab.label for tab in at.tabs]
    assert at.date_input(key="adm_audit_dates").proto.format == "YYYY-MM-DD"  # as every date of the app
    _by_label(at.text_input, "用户").input("rep2")
    at.run()
    frames = [df.value for df in at.dataframe if "action" in df.value.columns]
    assert frames and set(frames[0]["username"]) == {"rep2"}
    # tables by their names in the UI language, and "—" where an entry has no value (not "None")
    assert set(frames[0]["table_name"]) <= {"跟进记录", "客户", "账号", "风险预警", "联系人", "—"}
    assert "跟进记录" in set(frames[0]["table_name"])
    assert "before" not in frames[0].columns  # the stored JSON is opened per entry; the changes in words
    assert frames[0]["changes"].notna().all() and any(c.startswith("客户:#") for c in frames[0]["changes"])
    table = next(df for df in at.dataframe if "action" in df.value.columns)
    assert json.loads(table.proto.columns)["changes"]["width"] == "large"  # the text is what it is read for
    # entries are shown in a read-only table, never in an editor
    assert not [e for e in at.get("data_editor") if (e.key or "").startswith("adm_audit")]


@pytest.mark.parametrize("admin_page", BACKENDS, indirect=True)
def test_backup_then_restore_from_the_page(admin_page):
    at, _world, tmp_path = admin_page
    _by_label(at.button, "立即备份").click()
    at.run()
    assert not at.exception and any("备份完成" in s.value for s in at.success)
    backups = list((tmp_path / "data" / "backups").iterdir())
    assert len(backups) == 1 and (backups[0] / "manifest.json").is_file()
    # a second backup: the picker shows it, the one a restore right after is meant to use (it kept
    # the older one)
    _by_label(at.selectbox, "选择备份").select_index(0)
    _by_label(at.button, "立即备份").click()
    at.run()
    newest = max((tmp_path / "data" / "backups").iterdir())
    assert _by_label(at.selectbox, "选择备份").value == newest
    restore = _by_label(at.button, "恢复")
    assert restore.disabled  # not before the confirmation word is typed
    on_postgres = "://" in os.environ["FOLLOWUP_DB"]
    assert any(("PostgreSQL 事务" in w.value) == on_postgres for w in at.warning)
    # the backup by when it was made and what it holds, not by its folder's name
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\([\d,]+ 行\)", _by_label(at.selectbox, "选择备份").options[0])
    listed = re.search(r"\(([\d,]+) 行\)", _by_label(at.selectbox, "选择备份").options[0]).group(1)
    _by_label(at.text_input, "确认恢复请输入「恢复」").input("恢复")  # the Chinese UI's word
    at.run()
    _by_label(at.button, "恢复").click()
    at.run()
    done = [s.value for s in at.success if "已从" in s.value]
    assert not at.exception and done and "保留了备份之后的 " in done[0], [e.value for e in at.error]
    assert f"共 {listed} 行" in done[0], (listed, done)  # the list said 51,727 rows, the restore of it 51,716
    # the typed word went with the restore: a second click cannot restore again
    assert _by_label(at.text_input, "确认恢复请输入「恢复」").value == ""
    assert _by_label(at.button, "恢复").disabled


def test_the_backup_page_uses_the_scheduled_backups_folder(admin_page, monkeypatch):
    """The page always offered the data folder's backups/: with FOLLOWUP_BACKUP_DIR set (shared by
    every PostgreSQL replica) it listed none of the scheduled backups and backed up elsewhere."""
    first, _world, tmp_path = admin_page
    shared = tmp_path / "shared-backups"
    monkeypatch.setenv("FOLLOWUP_BACKUP_DIR", str(shared))
    at = AppTest.from_file(str(PAGE), default_timeout=60)  # a session that opens the page afresh
    at.session_state["actor"] = first.session_state["actor"]
    at.session_state["lang"] = "zh_CN"
    at.run()
    assert _by_label(at.text_input, "备份目录").value == str(shared)
    _by_label(at.button, "立即备份").click()
    at.run()
    assert not at.exception and len(list(shared.iterdir())) == 1


def _pipl_downloads(at) -> list:
    return [b for b in at.get("download_button") if (b.key or "").startswith("adm_pipl_")]


def test_pipl_export_and_erase_from_the_page(admin_page):
    at, world, _ = admin_page
    # the person is found by the customer's name (or initials, credit code), not by a number
    assert not any(b.label == "查找" for b in at.button)  # nothing to look up before a choice
    _by_label(at.text_input, "搜索客户").input("机密乙")
    at.run()
    _by_label(at.selectbox, "客户").select(world["rep2"].customer_id)
    at.run()
    _by_label(at.button, "查找").click()
    at.run()
    assert any("找到" in c.value for c in at.caption) and len(_pipl_downloads(at)) == 2
    # what was found, in words: each table's name and its rows (the Excel copy's sheets)
    titles = [e.label for e in at.expander]
    assert "客户(1)" in titles and "跟进记录(1)" in titles, titles
    # a contact: by what the request gives (a phone number, as it is written), not the company
    _by_label(at.radio, "对象").set_value("contact")
    at.run()
    _by_label(at.text_input, "搜索联系人").input("139 8765 4321")
    at.run()
    contact = _by_label(at.selectbox, "联系人")
    assert contact.options == ["李秘乙 · 机密乙公司"], contact.options
    contact.select(world["rep2"].contact_id)
    at.run()
    _by_label(at.button, "查找").click()
    at.run()
    assert not at.exception and any("找到" in c.value for c in at.caption)
    _by_label(at.radio, "对象").set_value("customer")
    at.run()
    _by_label(at.text_input, "搜索客户").input("机密乙")
    at.run()
    _by_label(at.selectbox, "客户").select(world["rep2"].customer_id)
    at.run()
    _by_label(at.button, "查找").click()
    at.run()
    _by_label(at.text_input, "请求说明(必填,如请求日期和方式)").input("2026-11-20 书面申请")
    _by_label(at.text_input, "确认删除请输入「删除」").input("erase")  # the English word, in any case, still does
    at.run()
    _by_label(at.button, "删除个人信息").click()
    at.run()
    assert any("已匿名化" in s.value for s in at.success), [e.value for e in at.error]
    # what was found before held the person's data: it goes, with the buttons that download it
    assert not _pipl_downloads(at) and not any("找到" in c.value for c in at.caption)
    assert not [i for i in at.text_input if i.label == "确认删除请输入「删除」"]  # until the next lookup
    from dashboard.data import store

    assert store().scalar("SELECT name FROM customers WHERE id = $i", {"i": world["rep2"].customer_id}).startswith("[已删除]")


def test_a_taken_username_is_named_beside_the_field_and_a_made_account_empties_the_form(admin_page):
    at, _world, _ = admin_page
    at.text_input(key="adm_new_username").input("rep1")
    at.text_input(key="adm_new_display").input("重名")
    at.text_input(key="adm_new_password").input("short")
    next(b for b in at.button if b.label == "新建账号").click()
    at.run()
    # every field's message at once (the taken name came only once the password was mended); a
    # rep in no team would be seen by no manager: a team is asked for, beside its field
    shown = [str(e.value) for e in [*at.markdown, *at.caption, *at.error]]
    assert not at.exception and any("用户名「rep1」已被使用" in s for s in shown), shown
    # in the username's own column, under its box (at the form's level it fell under 角色)
    column = next(c for c in at.columns if any(w.key == "adm_new_username" for w in c.text_input))
    assert any("用户名「rep1」已被使用" in m.value for m in column.markdown)
    assert any("密码" in s and "至少10位" in s for s in shown), shown
    assert any("团队:销售代表和销售经理需要选择团队" in s for s in shown), shown
    at.text_input(key="adm_new_password").input("Lange-Passwort-2026")
    at.text_input(key="adm_new_username").input("rep9")
    next(b for b in at.button if b.label == "新建账号").click()
    at.run()
    shown = [str(e.value) for e in [*at.markdown, *at.caption, *at.error]]
    assert not any("至少10位" in s or "已被使用" in s for s in shown), shown  # the earlier try's messages are gone
    assert any("团队:销售代表和销售经理需要选择团队" in s for s in shown), shown
    at.selectbox(key="adm_new_team").select_index(1)
    next(b for b in at.button if b.label == "新建账号").click()
    at.run()
    assert not at.exception and at.text_input(key="adm_new_username").value == ""


def test_disabling_an_account_asks_once_more(admin_page):
    at, _world, _ = admin_page
    at.selectbox(key="adm_pick").select("rep2")
    at.run()
    # the confirmation says what disabling does; the account stays active until it is pressed
    assert any("会立即在所有设备上退出" in m.value for m in at.markdown), [m.value for m in at.markdown]
    assert _db_active(at, "rep2") is True
    at.button(key="adm_disable").click()
    at.run()
    assert not at.exception and _db_active(at, "rep2") is False


def test_a_locked_account_reads_as_locked_and_an_admin_unlocks_it(admin_page):
    """A locked rep read 可登录 = 是 beside a cut-off 锁定至, and nothing on the page unlocked them."""
    from dashboard import data
    from pipelines import accounts

    at, _world, _ = admin_page
    accounts.set_password(data.store(), at.session_state["actor"], "rep2", "rep2-password-ok")
    for _ in range(5):
        accounts.authenticate(data.store(), "rep2", "wrong password 2")
    at.run()
    users = next(d.value for d in at.dataframe if "can_login" in d.value.columns)
    assert users.loc[users["username"] == "rep2", "can_login"].iloc[0] == "否"
    at.selectbox(key="adm_pick").select("rep2")
    at.run()
    assert any("已锁定至" in w.value for w in at.warning), [w.value for w in at.warning]
    at.button(key="adm_unlock").click()
    at.run()
    assert [s.value for s in at.success] == ["已解锁 rep2。"] and not at.warning
    users = next(d.value for d in at.dataframe if "can_login" in d.value.columns)
    assert users.loc[users["username"] == "rep2", "can_login"].iloc[0] == "是"


def test_a_reset_password_is_marked_for_its_owner_to_change(admin_page):
    """After a reset the admin knows the password: the table says the owner must change it."""
    at, _world, _ = admin_page
    at.selectbox(key="adm_pick").select("rep2")
    at.run()
    at.text_input(key="adm_pw_value").input("admin-typed-this-1")
    at.button(key="FormSubmitter:adm_pw-重设密码").click()
    at.run()
    assert [s.value for s in at.success] == ["已为 rep2 设置新密码。本人下次登录时需改成自己的密码。"]
    users = next(d.value for d in at.dataframe if "must_change_password" in d.value.columns)
    marked = dict(zip(users["username"], users["must_change_password"], strict=True))
    assert marked.pop("rep2") == "是" and set(marked.values()) == {"否"}, marked


def test_an_account_made_leadership_is_offered_no_team(admin_page):
    """The account's form showed its team beside 管理层, and the team was dropped on save."""
    at, _world, _ = admin_page
    at.selectbox(key="adm_pick").select("rep2")
    at.run()
    assert at.selectbox(key="adm_team_rep2").value is not None
    at.selectbox(key="adm_role_rep2").select("leader")
    at.run()
    assert not [s for s in at.selectbox if s.key == "adm_team_rep2"]
    assert any("「管理层」看全公司的数据,不属于任何团队" in c.value for c in at.caption)
    at.button(key="FormSubmitter:adm_role-保存姓名、角色与团队").click()
    at.run()
    assert not at.exception and _db_role_team(at, "rep2") == ("leader", False)


def test_moving_a_rep_to_another_team_says_their_customers_go_with_them(admin_page):
    """The old team's manager stopped seeing the rep's customers with no word of it."""
    at, _world, _ = admin_page
    at.selectbox(key="adm_pick").select("rep2")
    at.run()
    assert any("名下有 1 个客户。改团队后" in c.value for c in at.caption), [c.value for c in at.caption]
    team = at.selectbox(key="adm_team_rep2")
    team.select(next(o for o in team.options if o not in (None, team.value)))
    at.button(key="FormSubmitter:adm_role-保存姓名、角色与团队").click()
    at.run()
    assert not at.exception
    assert any("名下 1 个客户随之转到" in m.value for m in at.toast), [m.value for m in at.toast]
    # the same form gives the account its name
    at.text_input(key="adm_display_rep2").input("李娜")
    at.button(key="FormSubmitter:adm_role-保存姓名、角色与团队").click()
    at.run()
    from dashboard import data

    assert data.store().scalar("SELECT display_name FROM users WHERE username = 'rep2'") == "李娜"
    # the picker is sent its new label: the browser kept showing the old name until a reload
    pick = at.selectbox(key="adm_pick")
    assert pick.value == "rep2" and pick.proto.set_value and pick.proto.raw_value.startswith("李娜"), pick.proto


def _db_active(at, username: str) -> bool:
    from dashboard import data

    return data.store().scalar("SELECT active FROM users WHERE username = $u", {"u": username})


def _db_role_team(at, username: str) -> tuple[str, bool] | None:
    """The account's role and whether it has a team."""
    from dashboard import data

    found = data.store().query("SELECT role, team_id IS NOT NULL AS teamed FROM users WHERE username = $u",
                               {"u": username})
    return (found["role"][0], found["teamed"][0]) if found.height else None


def test_a_leader_account_is_offered_no_team(admin_page):
    """The form kept the last team beside 管理层 (not saved: leadership belongs to no team); the
    role is now chosen above the form, which asks for a team only for reps and managers."""
    at, _world, _ = admin_page
    assert at.selectbox(key="adm_new_team")  # a rep, the default, takes a team
    at.segmented_control(key="adm_new_role").set_value("leader").run()
    assert not [s for s in at.selectbox if s.key == "adm_new_team"]
    assert any("「管理层」看全公司的数据,不属于任何团队" in c.value for c in at.caption), [c.value for c in at.caption]
    at.text_input(key="adm_new_username").input("boss3")
    at.text_input(key="adm_new_display").input("新领导")
    at.text_input(key="adm_new_password").input("Lange-Passwort-2026")
    next(b for b in at.button if b.label == "新建账号").click()
    at.run()
    assert not at.exception and _db_role_team(at, "boss3") == ("leader", False)


def test_a_team_with_no_name_is_said_to_need_one(admin_page):
    at, _world, _ = admin_page
    before = len(at.dataframe)
    next(b for b in at.button if b.label == "新建团队").click()
    at.run()
    assert [m.value for m in at.markdown if m.value == ":red[:material/error: 团队名称:必须填写。]"]
    assert not at.exception and len(at.dataframe) == before


def test_a_made_manager_leaves_the_form_on_rep_and_a_first_day_starts_with_teams(admin_page):
    """The new-account form kept 销售经理 after a manager was made (the next account, a rep, became a
    second manager by mistake); with no team yet the teams table said "empty" in English, under
    the accounts that need a team first."""
    at, _world, _ = admin_page
    at.segmented_control(key="adm_new_role").set_value("manager").run()  # above the form: redraws it
    at.text_input(key="adm_new_username").input("boss2")
    at.text_input(key="adm_new_display").input("新经理")
    at.text_input(key="adm_new_password").input("Lange-Passwort-2026")
    at.selectbox(key="adm_new_team").select_index(1)
    next(b for b in at.button if b.label == "新建账号").click()
    at.run()
    assert not at.exception and at.text_input(key="adm_new_username").value == ""
    assert _db_role_team(at, "boss2") == ("manager", True)
    assert at.segmented_control(key="adm_new_role").value == "rep"
    from dashboard import data

    def no_teams(cur):
        cur.execute("UPDATE users SET team_id = NULL")
        cur.execute("UPDATE teams SET manager_id = NULL")
        cur.execute("DELETE FROM teams")

    data.store().write(no_teams)
    at.run()
    subheads = [s.value for s in at.subheader]
    assert subheads.index("团队") < subheads.index("账号"), subheads
    assert any(i.value.startswith("还没有团队") for i in at.info)
