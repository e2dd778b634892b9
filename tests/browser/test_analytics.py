"""Analytics pages in a real browser, as a manager and as leadership would open them; a click on a
funnel bar lists that stage's customers. Screenshots: test-artifacts/screenshots/analytics_*.png
(a tall window, so one picture holds most of the page).

Pages are opened from the sidebar menu, in the logged-in session, as a person would."""

import re

from tests.browser.conftest import login, open_from_menu, settle, shot, tour

PAGES = {"funnel": "销售漏斗", "trends": "趋势", "channels": "渠道转化", "team": "团队绩效", "monthly": "月度总结"}


def _go(page, title: str) -> None:
    open_from_menu(page, title, timeout_ms=90_000)  # the tall window's pages draw slowly on 2 cores


def _tall(page) -> None:
    page.set_viewport_size({"width": 1440, "height": 2400})
    page.set_default_timeout(90_000)  # the shared 2-core machine can be slow to draw a page


def test_manager_walks_the_analytics_pages_and_clicks_a_funnel_stage(page, app_url):
    login(page, app_url, "manager1", path="funnel")
    _tall(page)
    for path, title in PAGES.items():
        _go(page, title)
        page.wait_for_selector(".js-plotly-plot")
        settle(page)
        shot(page, f"analytics_{path}_manager")
    _go(page, PAGES["funnel"])
    bar = page.locator(".js-plotly-plot").first.locator(".bars .point").nth(2)  # the third stage: 方案提供
    box = bar.bounding_box()  # Plotly's drag layer takes the click, as it does for a person's mouse
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("text=到达「方案提供」或之后阶段的客户")
    settle(page)
    shot(page, "analytics_funnel_clicked")


def test_leader_reads_the_monthly_summary_and_team(page, app_url):
    login(page, app_url, "leader", path="monthly")
    _tall(page)
    _go(page, PAGES["monthly"])
    page.wait_for_selector(r"text=/\d{4}年\d{1,2}月要点/")  # the month shown: the last whole one
    page.wait_for_selector("text=导出 PDF(A4)")
    shot(page, "analytics_monthly_leader")
    with page.expect_download(timeout=60_000) as download:  # named in the reader's language
        page.get_by_role("button", name="导出 Excel").click()
    assert re.fullmatch(r"月度总结-\d{4}-\d{2}\.xlsx", download.value.suggested_filename), \
        download.value.suggested_filename
    settle(page)
    _go(page, PAGES["team"])
    page.wait_for_selector("text=管理层账号为只读")
    shot(page, "analytics_team_leader")
    tour(page, "leader", ["首页", "客户", "跟进记录"])  # the rest of leadership's menu


def test_on_a_phone_nothing_covers_what_the_user_reads(browser, app_url):
    """A phone has no hover, so Plotly's tool bar stayed shown over each chart's title (the
    question the chart answers), and a table's over the customer page's tab names; the menu
    stayed open over the page just picked."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                locale="zh-CN")
    try:
        page = phone.new_page()
        page.set_default_timeout(90_000)
        login(page, app_url, "leader", path="funnel")
        chart = page.locator(".js-plotly-plot").first
        chart.scroll_into_view_if_needed()
        settle(page)
        assert page.evaluate("matchMedia('(hover: none)').matches")
        assert page.locator(".js-plotly-plot .modebar").count() > 0  # drawn, and hidden
        assert not page.locator(".js-plotly-plot .modebar").first.is_visible()
        shot(page, "analytics_funnel_phone")
        # a chart's legend (seven stages wrap onto four rows at this width) stays off its title
        page.goto(app_url + "/trends")
        page.wait_for_selector(".js-plotly-plot .legend")
        settle(page)
        overlaps = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(plot => {
            const title = plot.querySelector('.gtitle'), legend = plot.querySelector('.legend');
            if (!title || !legend) return [];
            const a = title.getBoundingClientRect(), b = legend.getBoundingClientRect();
            return a.bottom > b.top && b.bottom > a.top ? [title.textContent] : [];
        })""")
        assert overlaps == [], overlaps
        # the menu lies over the page on a phone: a page picked from it opened behind it, and the
        # rep closed the menu by hand every time
        page.get_by_test_id("stExpandSidebarButton").tap()
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("link", name="风险预警").tap()
        page.wait_for_url("**/risks")
        settle(page)
        box = sidebar.bounding_box()
        assert box is None or box["x"] + box["width"] <= 0, box
        page.locator('[data-testid="stMain"] [data-testid="stPageLink"]').first.tap()  # a card's customer
        settle(page)
        page.get_by_role("tab", name="风险").tap()
        settle(page)
        tools = page.locator('[data-testid="stElementToolbar"] button').filter(visible=True).first.bounding_box()
        tabs = page.get_by_role("tablist").first.bounding_box()
        assert tools["y"] >= tabs["y"] + tabs["height"], (tools, tabs)
        shot(page, "customer_risks_phone")
    finally:
        phone.close()
