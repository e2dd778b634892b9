"""Security in a real browser: a copied login cookie dies with logout; the admin's audit and backup tabs."""

import re
from pathlib import Path

import pytest

from tests.browser.conftest import assert_logged_out, login, open_page, settle, shot, tour

SIDEBAR_LOGOUT = '[data-testid="stSidebar"] >> text=退出登录'


@pytest.mark.browser
def test_copied_cookie_is_refused_after_logout(browser, page, app_url):
    login(page, app_url, "rep3")
    page.reload()
    settle(page)
    page.wait_for_selector(SIDEBAR_LOGOUT)  # the cookie is set and brings the session back
    cookies = page.context.cookies()
    assert any(c["name"] == "followup_auth" for c in cookies)
    thief = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        stolen = thief.new_page()
        thief.add_cookies(cookies)
        open_page(stolen, app_url)
        stolen.wait_for_selector(SIDEBAR_LOGOUT)  # a copied cookie works while the session lives
        page.locator('[data-testid="stSidebar"]').get_by_text("退出登录").click()
        page.wait_for_selector("text=用户名")
        settle(page)
        stolen.reload()
        assert_logged_out(stolen)  # refused on the server
        shot(stolen, "security_copied_cookie_refused")
    finally:
        thief.close()


@pytest.mark.browser
def test_admin_audit_and_backup_tabs(page, app_url):
    login(page, app_url, "admin", path="admin")
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="系统管理").click()
    settle(page)
    page.get_by_role("tab", name="审计日志").click()
    settle(page)
    page.wait_for_selector("text=日志只读")
    shot(page, "security_admin_audit")
    with page.expect_download(timeout=60_000) as download:  # made in the download's own request
        page.get_by_role("button", name="导出 CSV").click()
    assert re.fullmatch(r"审计日志-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").startswith("日志编号,时间,用户,操作,")
    page.get_by_role("tab", name="备份与恢复").click()
    settle(page)
    page.get_by_role("button", name="立即备份").click()
    page.wait_for_selector("text=备份完成", timeout=60_000)
    settle(page)
    shot(page, "security_admin_backup")
    tour(page, "admin", ["首页"])  # the rest of the admin's menu
