"""The risk board in a real browser: a manager opens it, acknowledges and resolves a warning."""

from tests.browser.conftest import login, settle, shot


def test_manager_acknowledges_and_resolves_a_warning(page, app_url):
    page.set_default_timeout(90_000)  # the board's first run evaluates and draws ~100 cards
    login(page, app_url, "manager1")
    page.locator('[data-testid="stSidebar"]').get_by_text("风险预警").click()
    page.wait_for_selector("text=红色预警客户", timeout=90_000)
    settle(page)
    shot(page, "risks_board_manager")

    page.get_by_role("button", name="确认").first.click()
    page.wait_for_selector("text=已确认该预警。", timeout=60_000)
    settle(page)

    # a raised warning (the demo's reps raised some): open its resolve popover and confirm
    page.get_by_role("button", name="解决").first.click()
    page.get_by_label("解决说明(红色预警必填)").first.fill("已与客户新领导见面,合作继续")
    page.get_by_role("button", name="确认解决").first.click()
    page.wait_for_selector("text=预警已解决。", timeout=60_000)
    settle(page)
    shot(page, "risks_board_resolved")
