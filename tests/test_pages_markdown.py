"""Text people type is shown as typed: a customer's name, a follow-up's summary, a risk's note,
an account's name. Streamlit reads titles, messages, captions, link and button labels as
Markdown, so a rep's customer named `![x](http://…)` made every viewer's browser fetch that
address, and `**…**`, `:red[…]` or `$…$` were drawn bold, red or as maths (fmt.literal)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pipelines import customer_records, customers, follow_ups, risk_actions
from pipelines.config import local_tz
from pipelines.models import ContactIn, CustomerIn, FollowUpIn
from tests.helpers_pages import app_db, logged_in, shown_errors  # noqa: F401 - app_db is a fixture

HOSTILE = "![x](http://evil.example/a.png)**粗**:red[红]$y$_斜_"
RAW = ("![x](", "**粗**", ":red[", "$y$", "_斜_")  # what Markdown would act on, none of which may reach it
MARKDOWN_FIELDS = {"body", "label", "help", "placeholder"}
LITERAL = {"arrow_data_frame", "code", "text", "json", "html"}  # shown as they are


def markdown_texts(at) -> list[str]:
    """Every text on the page that Streamlit renders as Markdown (tables, code and options aside)."""
    found: list[str] = []

    def walk(message) -> None:
        for field, value in message.ListFields():
            if field.message_type is not None:
                for item in (value if field.is_repeated else [value]):
                    walk(item)
            elif field.name in MARKDOWN_FIELDS and isinstance(value, str):
                found.append(value)
            elif field.name == "labels" and field.is_repeated:  # tabs
                found.extend(v for v in value if isinstance(v, str))

    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None or getattr(node, "type", None) in LITERAL:
            continue
        walk(proto)
    return found


@pytest.fixture(scope="module")
def hostile_customer(app_db):
    from dashboard.data import store
    from pipelines.access import Actor

    s = store()
    rep = Actor(**s.query("SELECT id, username, role, team_id FROM users WHERE username = 'rep1'").row(0, named=True))
    now = datetime.now(local_tz()).replace(second=0, microsecond=0)
    cid = customers.create(s, rep, CustomerIn(name="客户" + HOSTILE, owner_id=rep.id, group_name=HOSTILE),
                           at=now - timedelta(days=40))
    customer_records.add(s, rep, ContactIn(customer_id=cid, name="联系人" + HOSTILE, phone="13812345678"))
    follow_ups.add(s, rep, FollowUpIn(customer_id=cid, rep_id=rep.id, occurred_at=now - timedelta(days=2),
                                      channel="phone", summary="沟通" + HOSTILE, next_action=HOSTILE,
                                      next_follow_up_date=(now - timedelta(days=1)).date()))
    risk_actions.raise_risk(s, rep, cid, "competitor_engaged", note="说明" + HOSTILE)
    return cid


# (user, page, the query's customer parameter, whether the text is in view there)
PAGES = [("rep1", "home", None, False), ("rep1", "customers", "id", True), ("rep1", "risks", None, True),
         ("manager1", "home", None, False), ("manager1", "customers", "id", True), ("manager1", "team", None, False),
         ("leader", "customers", "id", True), ("admin", "admin", None, False)]


def leaked(at) -> list[str]:
    return [text for text in markdown_texts(at) if any(raw in text for raw in RAW)]


@pytest.mark.parametrize(("user", "page", "param", "in_view"), PAGES)
def test_typed_text_is_never_read_as_markdown(hostile_customer, user, page, param, in_view):
    at = logged_in(user, page, {param: str(hostile_customer)} if param else None)
    assert not shown_errors(at)
    assert not in_view or any("粗" in text for text in markdown_texts(at))  # the text is there to check
    assert not leaked(at), leaked(at)


def test_the_saved_message_names_the_customer_as_typed(hostile_customer):
    at = logged_in("rep1", "log", {"customer": str(hostile_customer)})
    at.text_area(key="log_summary").input("又一次沟通")
    at.button(key="log_submit").click()
    at.run()
    assert at.success and "粗" in at.success[0].value, [e.value for e in at.error]
    assert not leaked(at), leaked(at)


def test_literal_leaves_plain_text_as_it_reads():
    from dashboard.fmt import literal

    assert literal("杭州青禾科技有限公司") == "杭州青禾科技有限公司"
    assert literal(None) == ""
    assert literal("第一行\n第二行") == "第一行  \n第二行"  # a line break stays one
    assert literal("A*B_C") == "A\\*B\\_C"
