"""The login journey in a real browser: wrong password, login, reload keeps the session, logout."""

from tests.browser.conftest import assert_logged_out, login, open_page, settle, shot


def test_wrong_password_is_refused(page, app_url):
    open_page(page, app_url)
    page.get_by_label("用户名").fill("rep1")
    page.get_by_label("密码", exact=True).fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=用户名或密码不正确")
    shot(page, "login_wrong_password")


def test_login_reload_and_logout(page, app_url):
    login(page, app_url, "rep2")
    shot(page, "home_rep")
    page.reload()
    settle(page)
    page.wait_for_selector('[data-testid="stSidebar"] >> text=退出登录')  # the cookie kept the session
    page.locator('[data-testid="stSidebar"]').get_by_text("退出登录").click()
    page.wait_for_selector("text=用户名")
    settle(page)
    page.reload()
    assert_logged_out(page)  # logged out stays logged out
    shot(page, "logged_out")


def test_a_link_opened_while_logged_out_leads_there_after_login(page, app_url):
    open_page(page, app_url, "funnel")
    page.get_by_label("密码", exact=True).wait_for()  # the login form, at the page's own URL
    page.get_by_label("用户名").fill("manager1")
    page.get_by_label("密码", exact=True).fill("followup-demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("h1:has-text('销售漏斗')", timeout=60_000)
    shot(page, "deep_link_funnel_after_login")
