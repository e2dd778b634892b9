"""AppTest smoke for the analytics pages: every role that may open them sees them without an error,
the others are refused; empty filters give an empty state; a second open is served from cache."""

from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.store import Store, forget

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = {"funnel": "销售漏斗", "trends": "趋势", "channels": "渠道转化", "team": "团队绩效", "monthly": "月度总结"}
ALL_ROLES = ("rep1", "manager1", "leader", "admin")
SEPTEMBER = {"from": "2026-09-01", "to": "2026-09-30", "month": "2026-09"}


@pytest.fixture(scope="module")
def app_db(demo_db, tmp_path_factory):
    """A copy of the demo database (as of 2026-10-31) served to the app."""
    path = str(tmp_path_factory.mktemp("pages") / "app.duckdb")
    shutil.copy(demo_db, path)
    mp = pytest.MonkeyPatch()
    mp.setenv("FOLLOWUP_DB", path)
    mp.setenv("FOLLOWUP_COOKIE_KEY", "test-cookie-key-" + "x" * 40)
    from dashboard import data

    data._store.clear()
    data._cached.clear()
    yield path
    data._store.clear()
    data._cached.clear()
    _sessions.clear()
    forget(path)
    mp.undo()


_sessions: dict[str, AppTest] = {}


def login(username: str) -> AppTest:
    """A logged-in app for `username`, reused within the module (logging in costs a bcrypt check)."""
    if username in _sessions:
        return _sessions[username]
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input("followup-demo")
    at.button[0].click()
    at.run()
    assert at.session_state["actor"].username == username
    _sessions[username] = at
    return at


def open_page(at: AppTest, page: str, query: dict | None = None) -> AppTest:
    for key, value in (query or SEPTEMBER).items():
        at.query_params[key] = value
    at.switch_page(f"views/{page}.py")
    at.run()
    return at


@pytest.mark.parametrize("username", ALL_ROLES)
def test_pages_open_for_every_allowed_role(app_db, username):
    at = login(username)
    allowed = ("funnel", "trends", "channels") if username == "rep1" else tuple(PAGES)
    for page in allowed:
        open_page(at, page)
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        assert at.title[0].value == PAGES[page]
        assert at.markdown, page  # definitions and chart headings were drawn


def test_reps_are_refused_team_and_monthly(app_db):
    for page in ("team", "monthly"):
        at = open_page(login("rep2"), page)
        assert not at.exception
        assert any("没有权限" in e.value for e in at.error), page
        assert not at.metric and not at.dataframe  # nothing of the page was drawn


def test_funnel_lists_the_customers_of_a_picked_stage(app_db):
    at = open_page(login("manager1"), "funnel")
    at.selectbox(key="funnel_stage").select("proposal").run()
    assert not at.exception
    assert any("到达「方案提供」或之后阶段的客户" in m.value for m in at.markdown)
    assert at.dataframe[-1].value.shape[0] > 0


def test_empty_filter_shows_what_to_do(app_db):
    at = open_page(login("leader"), "channels", {"from": "2019-01-01", "to": "2019-01-31"})
    assert not at.exception and not at.error
    assert any("当前筛选条件下没有数据" in i.value for i in at.info)


def test_funnel_cards_show_the_counts_behind_their_rates(app_db):
    """The stage-to-stage cards read 69.2% alone; the count behind it was in the tooltip only."""
    at = open_page(login("manager1"), "funnel", SEPTEMBER)
    cards = {m.label: m.value for m in at.metric}
    steps = [v for k, v in cards.items() if "→" in k]
    assert steps and all(re.fullmatch(r"[\d.]+%\([\d,]+/[\d,]+\)|—", v) for v in steps), steps
    assert re.fullmatch(r"[\d.]+%\([\d,]+/[\d,]+\)|—", cards["赢单率"]), cards["赢单率"]


def test_monthly_states_the_month_in_words_and_offers_exports(app_db):
    at = open_page(login("leader"), "monthly")
    assert any("2026年9月共记录跟进" in i.value for i in at.info)
    labels = [m.label for m in at.metric]
    assert labels[:6] == ["跟进次数", "有效跟进", "新增客户", "签约客户数", "成交金额", "赢单率"]


def test_team_page_offers_the_target_form_to_managers_only(app_db):
    from dashboard.filter_bar import today

    manager = open_page(login("manager1"), "team")
    assert any(s.value == "设置月度目标" for s in manager.subheader)
    assert not any("管理层账号为只读" in c.value for c in manager.caption)
    # targets are for a month, picked as a month (2026-11): a year back to half a year ahead
    picker = manager.selectbox(key="team_target_month")
    this = today().replace(day=1)
    assert picker.value == this and picker.format_func(this) == this.strftime("%Y-%m")
    assert len(picker.options) == 19 and picker.options[12] == this.strftime("%Y-%m")
    leader = open_page(login("leader"), "team")
    assert any("管理层账号为只读" in c.value for c in leader.caption)
    # the table's export (SPEC: export in CSV and Excel; UX.md: export buttons beside tables)
    for at in (manager, leader):
        assert [b.label for b in at.download_button] == ["导出 CSV", "导出 Excel"]


def test_second_open_with_same_filter_is_served_from_cache(app_db, monkeypatch):
    at = open_page(login("manager2"), "trends")
    # each card: month over month as its arrow and, under it, year over year (as the heading says)
    assert len(at.metric) == 5 and any("同比(与去年同月比)" in c.value for c in at.caption)
    lines = [c.value for c in at.caption if c.value.startswith("同比 ")]
    assert len(lines) == 5 and all(v == "同比 —" or v.endswith("%") for v in lines)
    calls = []
    original = Store.query
    monkeypatch.setattr(Store, "query", lambda self, *a, **k: calls.append(a) or original(self, *a, **k))
    at.run()
    assert not at.exception
    assert calls == []


def test_a_rep_without_a_target_reads_a_dash_not_none(app_db):
    """A missing figure (no target, so no attainment) is "—" in the tables, never the text None."""
    from dashboard import data

    data.store().write(lambda cur: cur.execute(
        "DELETE FROM targets WHERE rep_id = (SELECT id FROM users WHERE username = 'rep1')"))
    for page in ("team", "monthly"):
        at = open_page(login("manager1"), page)
        assert not at.exception
        cells = [str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel()]
        assert cells and not {"None", "nan", "NaN"} & set(cells), page
        if page == "monthly":  # a team of four: the top three, and the one rep left for the bottom
            titles = [m.value for m in at.markdown if m.value.startswith("**成交金额")]
            assert titles == ["**成交金额前 3 名**", "**成交金额后 1 名**"]
            team_name = data.store().scalar("SELECT t.name FROM teams t JOIN users u ON u.team_id = t.id"
                                            " WHERE u.username = 'manager1'")
            assert f"范围:{team_name}" in [c.value for c in at.caption]  # whose figures: the manager's team
    team = open_page(login("manager1"), "team").dataframe[0].value
    row = team[team.iloc[:, 0].astype(str).str.contains("王磊|rep1")]
    assert (row == "—").any(axis=1).all() and not row.empty



def test_two_reps_are_ranked_once_not_over_an_empty_bottom(app_db):
    """With two reps in scope both were the top 2, and 「成交金额后 1 名」 stood over a lone "—"."""
    at = open_page(login("leader"), "monthly", {**SEPTEMBER, "rep": "rep1,rep5"})
    assert not at.exception
    titles = [m.value for m in at.markdown if m.value.startswith("**成交金额")]
    assert titles == ["**成交金额前 2 名**"]
    assert "只有 2 位销售,都已列在「前 2 名」中。" in [c.value for c in at.caption]
    at.query_params.clear()


def test_a_month_before_the_records_says_so_once(app_db):
    """A month with nothing in it drew two charts that each said to widen the time range, on a page
    that has none, and a text that 0 red warnings were "still" open."""
    _sessions.pop("leader", None)  # a fresh session: the month box keeps an earlier test's month
    try:
        at = open_page(login("leader"), "monthly", {"month": "2024-06"})
        assert not at.exception
        assert any(c.value.startswith("2024年6月在当前范围内没有跟进、新客户或合同") for c in at.caption)
        shown = [e.value for e in [*at.markdown, *at.caption, *at.info]]
        assert not any("请放宽时间范围" in v or "仍有红色预警 0 条" in v for v in shown), shown
        assert "本月没有风险预警。" in at.info[0].value
    finally:
        _sessions.pop("leader", None)


def test_a_rep_in_no_team_reads_no_team_not_none(app_db):
    """An imported rep an admin has not placed in a team yet: "(无团队)", never the word None."""
    from dashboard import data

    data.store().write(lambda cur: cur.execute(
        "INSERT INTO users (username, display_name, role) VALUES ('imported', '导入的销售', 'rep')"))
    table = open_page(login("admin"), "team").dataframe[0].value
    row = table[table.iloc[:, 0].astype(str) == "导入的销售"]
    assert not row.empty and row.iloc[0, 1] == "(无团队)", row


def test_monthly_satisfaction_says_how_many_surveys(app_db):
    """Each satisfaction card has its survey count under it, and says the figure is only
    indicative below ten surveys (an NPS of 100 from two answers)."""
    import re

    at = open_page(login("leader"), "monthly")
    cards = [m.label for m in at.metric if m.label.startswith(("CSAT", "NPS"))]
    counts = [c.value for c in at.caption if c.value.startswith("基于 ")]
    assert cards and len(counts) == len(cards)
    for text in counts:
        n = int(re.match(r"基于 ([\d,]+) 份调查", text).group(1).replace(",", ""))
        assert ("样本较少" in text) == (n < 10), text
    # the score as the PDF and workbook give it, one decimal (3.44 here read 3.4 there)
    csat = [m.value for m in at.metric if m.label.startswith("CSAT")]
    assert csat and all(re.fullmatch(r"\d\.\d", v) for v in csat), csat


def test_team_hours_say_when_the_period_cuts_a_week(app_db):
    """September 2026 starts on a Tuesday: its first week holds only the period's days, said under
    the hours chart; a period of whole weeks (Monday to Sunday) needs no such word."""
    cut = open_page(login("manager1"), "team", {"from": "2026-09-01", "to": "2026-09-30"})
    assert any(c.value.startswith("统计期间为 2026-09-01 至 2026-09-30:首周或末周不是整周") for c in cut.caption)
    whole = open_page(login("manager2"), "team", {"from": "2026-08-31", "to": "2026-09-27"})  # its own session
    assert not any("不是整周" in c.value for c in whole.caption), [c.value for c in whole.caption]


def test_a_change_from_a_month_of_nothing_reads_a_dash(app_db):
    """METRICS.md: month over month is "—" when last month is 0; the card had no change line at all."""
    from dashboard.data import store

    first = store().scalar("SELECT min(occurred_at)::DATE FROM follow_ups").replace(day=1)  # the month before: none
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    at = open_page(login("leader"), "trends", {"from": first.isoformat(), "to": last.isoformat()})
    cards = {m.label: m for m in at.metric}
    assert cards["跟进次数"].proto.delta == "—", cards["跟进次数"].proto


def test_team_conversion_shows_its_interval_and_count(app_db):
    """METRICS.md: a rate with its 95% Wilson interval and the count behind it; /team showed the
    rate and the count, while its definition promised the interval."""
    at = open_page(login("manager1"), "team")
    table = next(d.value for d in at.dataframe if "跟进转化率" in d.value.columns)
    shown = [v for v in table["跟进转化率"] if v != "—"]
    assert shown and all(re.fullmatch(r"\d+\.\d% \[\d+\.\d%–\d+\.\d%\] \(n=[\d,]+\)", v) for v in shown), shown


def test_team_table_keeps_the_rep_in_view(app_db):
    """The table is wider than a 1280 px page: scrolled sideways, the rep's name went out of view."""
    at = open_page(login("manager1"), "team")
    grid = next(d for d in at.dataframe if "跟进转化率" in d.value.columns)
    config = json.loads(grid.proto.columns)
    assert config["销售代表"]["pinned"] is True, config


def test_a_page_opened_from_the_menu_keeps_the_filters_chosen_on_the_last(app_db):
    """The menu's links drop the URL's parameters: each page came back on its default period with
    no filter, and a manager had to choose the same month and channel again on every page."""
    at = login("manager2")
    open_page(at, "channels", {**SEPTEMBER, "channel": "phone"})
    at.query_params.clear()  # as the menu's link opens a page
    at.switch_page("views/funnel.py")
    at.run()
    assert not at.exception
    assert at.multiselect(key="funnel_rep") is not None and not [m for m in at.multiselect if m.key == "funnel_channel"]
    # /funnel has no channel (its figures have none): kept for the next page, not put in its address
    assert at.query_params["from"] == "2026-09-01" and "channel" not in at.query_params, at.query_params
    at.query_params.clear()
    at.switch_page("views/risks.py")
    at.run()
    assert "from" not in at.query_params, at.query_params  # a page with no period takes none into its address
    # a page's own default period is not carried: /trends opens on its twelve months
    at.query_params.clear()
    at.switch_page("views/channels.py")
    at.run()
    at.selectbox(key="channels_period").select("this_month").run()
    at.query_params.clear()
    at.switch_page("views/trends.py")
    at.run()
    assert at.selectbox(key="trends_period").value == "last_12_months"
    assert at.multiselect(key="trends_channel").value == ["phone"]


def test_a_links_filters_this_page_cannot_use_are_said_not_dropped(app_db):
    """A stage on /funnel, another team's rep, dates the wrong way round: the page showed other
    figures than the link asked for, with no word."""
    _sessions.pop("manager1", None)  # a link opens a new session (an open /funnel keeps its own filters)
    at = login("manager1")
    at.query_params.clear()
    open_page(at, "funnel", {"from": "2026-09-30", "to": "2026-09-01", "stage": "proposal", "rep": "rep5,rep1"})
    assert not at.exception
    said = [i.value for i in at.info if "链接中" in i.value]
    assert len(said) == 1, [i.value for i in at.info]
    assert "已按 2026-09-01 至 2026-09-30 显示" in said[0]
    assert "筛选条件「客户阶段」不适用于本页" in said[0]
    assert "销售代表「rep5」不在可选范围内" in said[0]
    assert at.query_params["from"] == "2026-09-01" and at.query_params["rep"] == "rep1"
    at.run()  # another run at once (the login cookie's): still said
    assert any("链接中" in i.value for i in at.info)
    at.multiselect(key="funnel_rep").set_value([]).run()  # the user's own choice: the link's words go
    assert not any("链接中" in i.value for i in at.info)


def test_a_month_to_come_shows_this_month_and_says_so(app_db):
    """/monthly?month=2030-01 reported today's open warnings as that month's "month end" and
    -100% on every card."""
    from dashboard.filter_bar import today
    from pipelines.periods import month_start

    _sessions.pop("leader", None)  # a link opens a new session: no month picked before
    at = open_page(login("leader"), "monthly", {"month": "2030-01"})
    assert not at.exception
    assert at.selectbox(key="monthly_month").value == month_start(today())
    assert at.query_params["month"] == month_start(today()).strftime("%Y-%m")
    assert any(i.value.startswith("2030-01 还没有到") for i in at.info), [i.value for i in at.info]
    at.run()
    assert any(i.value.startswith("2030-01 还没有到") for i in at.info)


def test_trends_cards_compare_no_month_to_come(app_db):
    """A period that runs into months to come compared the last of them: 0 against last year, -100%."""
    from dashboard.filter_bar import today

    at = open_page(login("manager1"), "trends", {"from": "2026-01-01", "to": "2027-03-31"})
    assert not at.exception
    assert any(m.value.startswith(f"**{today().strftime('%Y-%m')} 与上月") for m in at.markdown), \
        [m.value for m in at.markdown if "与上月" in m.value]


def test_trends_table_is_the_charts_figures_written_as_the_cards_write_them(app_db):
    """It was called 样本数 (sample counts) and showed amounts as 1947500."""
    _sessions.pop("manager1", None)
    at = open_page(login("manager1"), "trends", {"from": "2026-01-01", "to": "2026-09-30"})
    at.selectbox(key="trends_metric").select("won_amount").run()
    assert "图中的数值" in [e.label for e in at.expander]
    # a card's help names last month's figure (it ended in a bare "(802)")
    import re
    assert all(re.search(r"上月:¥?[\d,]+。", m.proto.help) for m in at.metric), [m.proto.help for m in at.metric]
    table = next(d.value for d in at.dataframe if "成交金额" in d.value.columns)
    assert len(table) == 9 and all(v.startswith("¥") for v in table["成交金额"]), table  # every month, ¥0 too
    _sessions.pop("manager1", None)


def test_risk_counts_say_they_count_warnings_where_the_board_counts_customers(app_db):
    """/risks' cards count customers, /monthly's and home's count warnings: 93 red on both and
    554 yellow against 252, with nothing to tell them apart."""
    at = open_page(login("leader"), "monthly")
    labels = [m.label for m in at.metric]
    assert ":red[:material/error:] 红色预警(条)" in labels and ":orange[:material/warning:] 黄色预警(条)" in labels, labels
    at.switch_page("views/home.py")
    at.run()
    home = {m.label: m for m in at.metric}
    assert "未解决预警(条)" in home and "「风险预警」页的卡片按客户计数" in home["未解决预警(条)"].help, list(home)


def test_a_month_with_nothing_done_ranks_nobody(app_db):
    """A 前 3 / 后 1 of reps who all had ¥0 and no effective follow-up read as a ranking."""
    _sessions.pop("leader", None)
    at = open_page(login("leader"), "monthly", {"month": "2024-01"})  # before the demo's data
    assert any(c.value == "这个月没有成交或有效跟进,没有可排名的销售。" for c in at.caption), [c.value for c in at.caption]
    assert not any(m.value.startswith("**前") for m in at.markdown)


def test_team_says_targets_are_whole_and_paces_only_a_period_under_way(app_db):
    """With an industry chosen, attainment read 0% against the whole target with no word; a month
    that is over had pacing cards repeating its attainment."""
    _sessions.pop("manager1", None)  # a new session reads the link (an open /team keeps its own filters)
    at = open_page(login("manager1"), "team", {**SEPTEMBER, "industry": "C"})
    assert any(c.value.startswith("目标按销售代表和月份设定") for c in at.caption)
    assert not any(m.value == "**按当前进度预计完成**" for m in at.markdown)  # September is over
    from dashboard.filter_bar import today
    from pipelines.periods import month_end, month_start

    now = {"from": month_start(today()).isoformat(), "to": month_end(today()).isoformat()}
    at = login("manager2")
    at.query_params.clear()
    at = open_page(at, "team", now)
    assert not any(c.value.startswith("目标按销售代表和月份设定") for c in at.caption)


def test_trends_draw_a_short_period_by_weeks(app_db):
    """A one-month period drawn by months was a single dot."""
    _sessions.pop("manager2", None)  # a new session: no period chosen on /trends before
    at = login("manager2")
    open_page(at, "trends", SEPTEMBER)
    assert at.radio(key="trends_grain").value == "week"
    at.selectbox(key="trends_period").select("last_12_months").run()
    assert at.radio(key="trends_grain").value == "month"
    at.radio(key="trends_grain").set_value("week").run()  # the user's own choice stays
    assert at.radio(key="trends_grain").value == "week"


def test_team_compares_every_target_and_a_save_redraws_the_page(app_db):
    """Two of the three targets were saved and never shown; after a save the chart above the form
    still read the old targets (no data) until the page was opened again."""
    from dashboard import data

    store = data.store()
    rep3 = store.scalar("SELECT id FROM users WHERE username = 'rep3'")

    def set_target(cur):
        cur.execute("DELETE FROM targets WHERE rep_id = $r AND month = DATE '2026-09-01'", {"r": rep3})
        cur.execute("INSERT INTO targets (rep_id, month, amount, effective_follow_ups, new_customers)"
                    " VALUES ($r, DATE '2026-09-01', 100000, 40, 5)", {"r": rep3})

    store.write(set_target)
    _sessions.pop("manager1", None)
    at = open_page(login("manager1"), "team")
    table = at.dataframe[0].value
    name = store.scalar("SELECT display_name FROM users WHERE id = $r", {"r": rep3})
    row = table[table["销售代表"] == name].iloc[0]
    effective = int(row["有效跟进"])
    assert row["有效跟进目标完成"] == f"{effective / 40:.1%}({effective}/40)"
    assert row["新增客户目标完成"].endswith(f"({int(row['新增客户'])}/5)")
    shares = [*table["有效跟进目标完成"], *table["新增客户目标完成"]]
    assert all(re.fullmatch(r"[\d,]+\.\d%\([\d,]+/[\d,]+\)|—", v) for v in shares), shares
    # saving the month's targets says so after the page is drawn again with them
    at.button(key="FormSubmitter:team_targets-保存").click()
    at.run()
    assert not at.exception and [s.value for s in at.success] == ["已保存 4 位销售的目标。"]  # November's, empty
    at.run()
    assert not at.success  # said once
    _sessions.pop("manager1", None)  # its filter widgets would outlive the next test's link


def test_team_targets_refuse_a_cell_they_cannot_read_and_save_nothing(app_db):
    """The grid's number cells dropped what they did not take: 1.5 new customers was saved as
    15, a target of -50000 as 50000. Cells are text now, read by the model: a cell it refuses is
    named with its rep and what was typed, and nothing of the save is written."""
    from dashboard import data
    from dashboard.filter_bar import today

    store = data.store()
    month = today().replace(day=1)
    before = store.query("SELECT * FROM targets WHERE month = $m ORDER BY rep_id", {"m": month})
    _sessions.pop("manager1", None)
    at = open_page(login("manager1"), "team")
    grid = at.data_editor(key="team_targets_grid").value
    first, second = grid.iloc[0]["销售代表"], grid.iloc[1]["销售代表"]
    at.session_state["team_targets_grid"] = {
        "edited_rows": {0: {"新增客户目标(个)": "1.5"}, 1: {"目标金额(元)": "-50000"}}, "added_rows": [],
        "deleted_rows": []}
    at.button(key="FormSubmitter:team_targets-保存").click()
    at.run()
    said = [e.value for e in at.error]
    assert len(said) == 1 and said[0].startswith("目标没有保存"), said
    assert f"{first} · 新增客户目标(个):请填写整数(填写的是「1.5」)。" in said[0], said
    # the cell's text as typed (Markdown's escape of a leading "-" shows as "-")
    assert f"{second} · 目标金额(元):不能小于 0(填写的是「\\-50000」)。" in said[0], said
    assert store.query("SELECT * FROM targets WHERE month = $m ORDER BY rep_id", {"m": month}).equals(before)
    # the usual ways of writing an amount are read as people mean them
    at.session_state["team_targets_grid"] = {
        "edited_rows": {0: {"新增客户目标(个)": "3", "目标金额(元)": "29.5万"}, 1: {"目标金额(元)": "¥120,000"}},
        "added_rows": [], "deleted_rows": []}
    at.button(key="FormSubmitter:team_targets-保存").click()
    at.run()
    assert not at.error and at.success and at.success[0].value.startswith("已保存")
    saved = store.query("SELECT u.display_name, t.amount, t.new_customers FROM targets t JOIN users u ON u.id = t.rep_id"
                        " WHERE t.month = $m", {"m": month})
    got = {r["display_name"]: (float(r["amount"]), r["new_customers"]) for r in saved.iter_rows(named=True)}
    assert got[first] == (295000.0, 3) and got[second][0] == 120000.0
    _sessions.pop("manager1", None)


def test_a_channel_filter_says_what_it_narrows(app_db):
    """With 拜访 chosen, /trends showed every channel's new customers, signings and won amount
    under it with no word, /team said the won amount counted only the filtered part (contracts
    have no channel), and /funnel offered a channel that changed nothing on it."""
    caveat = "跟进方式筛选只作用于跟进类数字"
    _sessions.pop("manager2", None)
    at = open_page(login("manager2"), "trends", {**SEPTEMBER, "channel": "visit"})
    assert any(c.value.startswith(caveat) for c in at.caption)
    _sessions.pop("manager2", None)
    at = open_page(login("manager2"), "team", {**SEPTEMBER, "channel": "visit"})
    assert any(c.value.startswith(caveat) for c in at.caption)
    assert not any(c.value.startswith("目标按销售代表和月份设定") for c in at.caption)
    _sessions.pop("manager2", None)
    at = open_page(login("manager2"), "funnel", {**SEPTEMBER, "channel": "visit"})
    assert not [m for m in at.multiselect if m.key == "funnel_channel"]
    assert any("筛选条件「跟进方式」不适用于本页" in i.value for i in at.info), [i.value for i in at.info]
    _sessions.pop("manager2", None)
    at = open_page(login("manager2"), "trends", SEPTEMBER)
    assert not any(c.value.startswith(caveat) for c in at.caption)
    _sessions.pop("manager2", None)


def test_a_conversion_still_in_its_window_says_it_reads_low(app_db):
    """This month's channel conversion counts follow-ups whose 14 days have not passed: it read as a
    decline with no word. A month long over says nothing."""
    from datetime import datetime

    from dashboard.filter_bar import today
    from pipelines import accounts, follow_ups
    from pipelines.access import SYSTEM, Actor
    from pipelines.config import local_tz
    from pipelines.models import FollowUpIn, UserIn
    from pipelines.periods import month_end, month_start

    now = {"from": month_start(today()).isoformat(), "to": month_end(today()).isoformat()}
    from dashboard.data import store as app_store

    store = app_store()  # the app's own (a second handle on the file is refused)
    rep1 = Actor(**store.query("SELECT id, username, role, team_id FROM users WHERE username = 'rep1'").row(0, named=True))
    customer = store.scalar("SELECT min(id) FROM customers WHERE owner_id = $r AND deleted_at IS NULL", {"r": rep1.id})
    follow_ups.add(store, rep1, FollowUpIn(customer_id=customer, rep_id=rep1.id, occurred_at=datetime.now(local_tz()),
                                           channel="phone", summary="本月的一次跟进"))  # the demo data ends 10-31
    for page, query in (("channels", now), ("team", now), ("monthly", {"month": today().strftime("%Y-%m")})):
        _sessions.pop("leader", None)
        at = open_page(login("leader"), page, query)
        assert any("天观察期" in c.value for c in at.caption), page
    _sessions.pop("leader", None)
    at = open_page(login("leader"), "channels", SEPTEMBER)
    assert not any("天观察期" in c.value for c in at.caption)
    _sessions.pop("leader", None)
    # nothing followed up in the period (a new rep's, a new installation's): no rate to read low
    team = store.scalar("SELECT team_id FROM users WHERE username = 'rep1'")
    accounts.create_user(store, SYSTEM,
                         UserIn(username="newcomer", display_name="新人", role="rep", team_id=team), None)
    for page in ("channels", "team", "monthly"):
        at = open_page(login("leader"), page, {**now, "month": today().strftime("%Y-%m"), "rep": "newcomer"})
        assert not at.exception and not any("天观察期" in c.value for c in at.caption), page
        _sessions.pop("leader", None)


def test_trends_mark_weeks_the_period_cuts(app_db):
    """September by weeks starts on Monday 31 August: that week holds one day of the period."""
    _sessions.pop("manager2", None)
    at = open_page(login("manager2"), "trends", SEPTEMBER)
    assert at.radio(key="trends_grain").value == "week"
    assert any(c.value.startswith("空心点是不完整的周或月") for c in at.caption)
    _sessions.pop("manager2", None)


def test_team_says_a_part_of_a_month_is_still_compared_with_whole_targets(app_db):
    """1-15 October read 0.0% of October's whole target, with no word (the test: 1-15 September)."""
    _sessions.pop("leader", None)
    at = open_page(login("leader"), "team", {"from": "2026-09-01", "to": "2026-09-15"})
    assert any(c.value.startswith("目标按整月设定") for c in at.caption)
    _sessions.pop("leader", None)
    at = open_page(login("leader"), "team", SEPTEMBER)
    assert not any(c.value.startswith("目标按整月设定") for c in at.caption)
    _sessions.pop("leader", None)
