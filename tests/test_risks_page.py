"""The /risks page in AppTest (per role) and its pure trend figure builder."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from dashboard.levels import LEVEL_COLORS
from dashboard.risk_charts import trend_figure
from tests.helpers_pages import app_db, logged_in, shown_errors  # noqa: F401 - app_db is a fixture


def test_trend_figure_has_a_line_per_level_with_labels_and_colours():
    frame = pl.DataFrame({"week_end": [date(2026, 10, 18), date(2026, 10, 18), date(2026, 10, 25), date(2026, 10, 25)],
                          "level": ["red", "yellow", "red", "yellow"], "open_risks": [3, 5, 4, 2]})
    fig = trend_figure(frame, "zh_CN")
    assert [tr.name for tr in fig.data] == ["红色", "黄色"]
    assert list(fig.data[0].y) == [3, 4] and list(fig.data[1].y) == [5, 2]
    assert fig.data[0].line.color == LEVEL_COLORS["red"]
    assert fig.layout.xaxis.title.text == "周末日期"
    assert [tr.name for tr in trend_figure(frame, "en").data] == ["Red", "Yellow"]


@pytest.mark.parametrize("username", ["rep1", "manager1", "leader", "admin"])
def test_board_page_runs_for_every_role(app_db, username):
    at = logged_in(username, "risks")
    assert not shown_errors(at)
    assert [m.label for m in at.metric] == ["红色预警客户", "黄色预警客户", "持续跟进客户"]
    buttons = [b.label for b in at.button]
    if username == "leader":
        assert "确认" not in buttons
        assert any("只读" in i.value for i in at.info)
    else:
        assert "确认" in buttons


def test_acknowledge_from_the_page(app_db):
    at = logged_in("manager1", "risks")
    ack = next(b for b in at.button if b.label == "确认")
    ack.click()
    at.run()
    assert not shown_errors(at)
    # said as a toast: seen wherever the user is scrolled to
    assert any("已确认" in m.value for m in at.toast)


def test_an_empty_note_is_refused_where_it_is_seen(app_db):
    """The refusal was drawn inside the card's popover, which the rerun closed: nothing was said."""
    at = logged_in("manager1", "risks")
    button = next(b for b in at.button if b.label == "保存备注")
    rid = button.key.removeprefix("FormSubmitter:note_").split("-")[0]
    button.click()
    at.run()
    # as a toast, seen by a user scrolled down to the card (the top of the page is out of view)
    assert [m.value for m in at.toast] == ["请填写备注内容。"]
    # the popover stays open to correct (its key is kept); a saved note shuts it (every popover
    # gets a new key: through its tracked state, the browser opened it again under load)
    assert "risks_done" not in at.session_state
    at.text_area(key=f"note_text_{rid}").input("约了客户下周见面")
    next(b for b in at.button if b.key == button.key).click()
    at.run()
    assert [m.value for m in at.toast] == ["备注已保存。"] and at.session_state["risks_done"] == 1


def test_admin_rules_section_saves_and_re_evaluates(app_db):
    at = logged_in("admin", "admin")
    assert not shown_errors(at)
    at.number_input(key="adm_rr_n_stage_stalled").set_value(400)
    next(b for b in at.button if b.label == "保存规则").click()
    at.run()
    assert not shown_errors(at)
    assert any("规则已保存" in s.value for s in at.success)
    from pipelines import settings
    from pipelines.store import open_store
    assert settings.get(open_store(app_db), "risk_rules")["stage_stalled"]["days"] == 400
    # the silence rules' names state their days: saved as 45, the row's name says so at once
    at.number_input(key="adm_rr_n_silent_30d").set_value(45)
    next(b for b in at.button if b.label == "保存规则").click()
    at.run()
    assert any(m.value.startswith("**45天无有效跟进**") for m in at.markdown)
    at.number_input(key="adm_rr_n_silent_30d").set_value(30)
    next(b for b in at.button if b.label == "保存规则").click()
    at.run()
    assert any(m.value.startswith("**30天无有效跟进**") for m in at.markdown)
    # an out-of-range number reaches the server (no min/max on the input) and is named, not "saved";
    # so does a decimal (a whole-number box cut 2.5 to 2 and saved it)
    for wrong in (0, 2.5):
        at.number_input(key="adm_rr_n_silent_30d").set_value(wrong)
        next(b for b in at.button if b.label == "保存规则").click()
        at.run()
        assert not any("规则已保存" in s.value for s in at.success)
        # said beside its own box (the rule's row), not under the save button
        marks = [m.value for m in at.markdown if m.value.startswith(":red[")]
        assert marks == [":red[:material/error: 规则「30天无有效跟进」的阈值应为 1 到 365 之间的整数。]"], marks
        assert not [e.value for e in at.error if "30天" in e.value]
    # two wrong numbers: both named in one save (the second was said only on the next try)
    at.number_input(key="adm_rr_n_silent_30d").set_value(-5)
    at.number_input(key="adm_rr_n_silent_60d").set_value(2.5)
    next(b for b in at.button if b.label == "保存规则").click()
    at.run()
    marks = [m.value for m in at.markdown if m.value.startswith(":red[")]
    assert len(marks) == 2 and "30天无有效跟进" in marks[0] and "60天无有效跟进" in marks[1], marks
    at.number_input(key="adm_rr_n_silent_60d").set_value(60)
    at.number_input(key="adm_rr_n_silent_30d").set_value(30)
    next(b for b in at.button if b.label == "保存规则").click()
    at.run()
    assert [i.value for i in at.info if "没有修改" in i.value] and not at.success
    assert not [m.value for m in at.markdown if m.value.startswith(":red[")]  # the message went with the fix
    # the cadence by stage: the same, beside the stage's box
    at.number_input(key="adm_cadence_days_initial_contact").set_value(0)
    next(b for b in at.button if b.label == "保存" and "adm_cadence_days" in str(b.proto.id)).click()
    at.run()
    marks = [m.value for m in at.markdown if m.value.startswith(":red[")]
    assert marks and "初步接触" in marks[0], marks
    at.number_input(key="adm_cadence_days_initial_contact").set_value(7.5)
    next(b for b in at.button if b.label == "保存" and "adm_cadence_days" in str(b.proto.id)).click()
    at.run()
    marks = [m.value for m in at.markdown if m.value.startswith(":red[")]
    assert marks and "初步接触" in marks[0], marks


def test_stage_rule_counts_are_read_as_typed(app_db):
    """A 0 typed into the grid's number cell was dropped without a word, and the save then said
    the rules were saved: the cell is text, and a count that is not 1 to 100 is named by its row."""
    from pipelines import settings
    from pipelines.access import SYSTEM
    from pipelines.store import open_store

    before = settings.get(open_store(app_db), "stage_rules")
    at = logged_in("admin", "admin")
    for typed in ("0", "2.5", "三"):
        at.session_state["adm_rules"] = {"edited_rows": {0: {"min_count": typed}}, "added_rows": [],
                                         "deleted_rows": []}
        at.button(key="adm_rules_save").click()
        at.run()
        assert [e.value for e in at.error] == ["第 1 行:次数应为 1 到 100 的整数。"], typed
        assert settings.get(open_store(app_db), "stage_rules") == before
    at.session_state["adm_rules"] = {"edited_rows": {0: {"min_count": " 4 "}}, "added_rows": [], "deleted_rows": []}
    at.button(key="adm_rules_save").click()
    at.run()
    assert not at.error
    assert settings.get(open_store(app_db), "stage_rules")[0]["min_count"] == 4
    at.session_state["adm_rules"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    settings.put(open_store(app_db), SYSTEM, "stage_rules", before)


def test_raise_and_history_load_their_customer_picker_only_when_opened(app_db):
    from dashboard import data

    data.recorder = []
    try:
        at = logged_in("manager1", "risks")
        assert not any(call[0] == "picker" for call in data.recorder)  # closed: no picker query
    finally:
        data.recorder = None
    assert not [s for s in at.selectbox if s.key in ("risks_raise_pick", "risks_history_pick")]
    at.session_state["risks_raise_open"] = True
    at.session_state["risks_history_open"] = True
    at.run()
    assert not shown_errors(at)
    # no customer is chosen for the user (the first listed took a warning raised with one click)
    assert at.selectbox(key="risks_raise_pick").value is None and not [b for b in at.button if b.label == "提交预警"]
    at.selectbox(key="risks_raise_pick").select_index(0)
    at.selectbox(key="risks_history_pick").select_index(0)
    at.run()
    # the history: the rules' own steps have no note and no person, shown as "—", never None
    history = next(d.value for d in at.dataframe if "操作人" in d.value.columns)
    assert len(history) and history.isna().sum().sum() == 0 and "—" in set(history["操作人"])
    # a kind's level is the rules', said beside it; only 人工预警's is chosen (a choice shown for
    # the others could be clicked and did nothing)
    kinds = next(b for b in at.selectbox if b.label == "预警类型").options
    assert "决策层变动(红色)" in kinds and "人工预警" in kinds, kinds
    assert not at.radio
    next(b for b in at.selectbox if b.label == "预警类型").select("manual").run()
    assert [r.label for r in at.radio] == ["等级"] and at.radio[0].options == ["黄色", "红色"]
    next(b for b in at.selectbox if b.label == "预警类型").select("decision_maker_change").run()
    assert not at.radio and "等级:红色(由预警类型决定)" in [c.value for c in at.caption]
    next(b for b in at.selectbox if b.label == "预警类型").set_value(None).run()
    at.text_area[0].input("客户换了采购负责人")
    # no kind is chosen for the user: a note alone raised the first kind, 决策层变动 (red)
    next(b for b in at.button if b.label == "提交预警").click()
    at.run()
    assert [e.value for e in at.error] == ["请选择预警类型。"]
    next(b for b in at.selectbox if b.label == "预警类型").select("decision_maker_change")
    next(b for b in at.button if b.label == "提交预警").click()
    at.run()
    assert not shown_errors(at)
    assert "预警已提交。" in [m.value for m in at.toast]
    assert at.selectbox(key="risks_raise_pick").value is None  # the next one's customer is picked anew


def test_a_column_shows_fifteen_cards_then_more_on_request(app_db):
    import re

    at = logged_in("admin", "risks")

    def captions() -> list[tuple[int, int]]:  # (shown, of) of each column that holds back cards, in order
        found = [re.search(r"仅显示最早的 (\d+) 位,共 (\d+) 位", c.value) for c in at.caption]
        return [(int(m.group(1)), int(m.group(2))) for m in found if m]

    before = captions()
    assert before, "the demo should fill one column beyond the first fifteen cards"
    assert all(shown == 15 for shown, _ in before)
    more = [b for b in at.button if b.label.startswith("再显示")]
    assert [b.label for b in more] == [f"再显示 {min(15, total - 15)} 位" for _, total in before]
    more[0].click()  # the first column that holds back cards
    at.run()
    assert not shown_errors(at)
    total = before[0][1]
    expected = ([(30, total)] if total > 30 else []) + before[1:]
    assert captions() == expected


def test_a_rep_with_no_customer_is_told_so_not_to_widen_filters(app_db):
    from dashboard import data

    data.store().write(lambda cur: cur.execute(
        "INSERT INTO users (username, display_name, role, team_id) SELECT 'rep_new', '新人', 'rep', team_id"
        " FROM users WHERE username = 'rep1'"))
    at = logged_in("rep_new", "risks")
    assert not shown_errors(at)
    assert any(i.value.startswith("还没有客户") for i in at.info), [i.value for i in at.info]
    assert not any("调整上方的筛选条件" in i.value for i in at.info)


def test_the_risk_trend_has_its_definition_one_click_away(app_db):
    """The only chart without a 「如何计算?」 note."""
    at = logged_in("leader", "risks")
    assert not shown_errors(at)
    assert any(m.value.startswith("**未关闭预警趋势**") and "每周最后一天" in m.value for m in at.markdown)


def test_each_card_opens_its_customer(app_db):
    """A card named its customer in plain text: a manager on a phone went back to the customer
    list and searched for the name to read what had been said."""
    from urllib.parse import parse_qs

    from dashboard.data import store

    at = logged_in("manager1", "risks")
    links = [(e.proto.label, int(parse_qs(e.proto.query_string)["id"][0])) for e in at.get("page_link")
             if e.proto.query_string.startswith("id=")]
    assert len(links) >= 15, links
    names = dict(store().query(f"SELECT id, name FROM customers WHERE id IN ({','.join(str(i) for _, i in links)})")
                 .iter_rows())
    assert [label for label, _ in links] == [f"**{names[i]}**" for _, i in links]


def test_one_level_alone_on_request(app_db):
    """On a phone the three columns stack: the yellow and green cards lay under the red ones,
    21,900 px down."""
    at = logged_in("manager1", "risks")
    def columns() -> list[str]:  # the columns' heads, as badges: 红色(47)
        return re.findall(r"-badge\[(红色|黄色|绿色)\(", " ".join(m.value for m in at.markdown))
    assert columns() == ["红色", "黄色", "绿色"]
    at.segmented_control(key="risks_only").set_value("yellow").run()
    assert not shown_errors(at) and columns() == ["黄色"]
    at.segmented_control(key="risks_only").set_value(None).run()
    assert columns() == ["红色", "黄色", "绿色"]
