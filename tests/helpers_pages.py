"""A small world for the work pages' data tests: two customers per rep with follow-ups, a contact,
tags and a risk; plus an AppTest database fixture built from the session's demo database."""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipelines import customer_records, customers, follow_ups
from pipelines.config import local_tz
from pipelines.models import ContactIn, CustomerIn, FollowUpIn

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
DEMO_PASSWORD = "followup-demo"
NOW = datetime.now(local_tz()).replace(second=0, microsecond=0)


def seed(store, org) -> dict[str, list[int]]:
    """rep1: 杭州青禾 (tags 重点) and 宁波海川; rep2: 苏州机密乙; rep3: 广州机密丙. Each with follow-ups."""
    plan = {"rep1": [("杭州青禾科技有限公司", ["重点"], "浙江省", "C"), ("宁波海川贸易有限公司", [], "浙江省", "F")],
            "rep2": [("苏州机密乙有限公司", ["重点"], "江苏省", "C")],
            "rep3": [("广州机密丙有限公司", [], "广东省", "I")]}
    ids: dict[str, list[int]] = {}
    for rep, rows in plan.items():
        a = org[rep]
        for n, (name, tags, province, industry) in enumerate(rows):
            cid = customers.create(store, a, CustomerIn(name=name, owner_id=a.id, tags=tags, province=province,
                                                        industry=industry), at=NOW - timedelta(days=40))
            ids.setdefault(rep, []).append(cid)
            customer_records.add(store, a, ContactIn(customer_id=cid, name=f"联系人{rep}{n}", phone="13812345678",
                                                     email=f"{rep}{n}@example.com"))
            for k, channel in enumerate(("phone", "visit", "wechat")):
                follow_ups.add(store, a, FollowUpIn(
                    customer_id=cid, rep_id=a.id, occurred_at=NOW - timedelta(days=10 - k * 3),
                    channel=channel, summary=f"{name}第{k + 1}次沟通 {rep}", duration_minutes=30,
                    effective=k != 1, next_follow_up_date=(NOW + timedelta(days=k - 2)).date()))
    store.cursor().execute("INSERT INTO risks (customer_id, level, rule, status, raised_at) VALUES"
                           " ($c, 'red', 'decision_maker_change', 'open', current_timestamp)", {"c": ids["rep1"][1]})
    return ids


@pytest.fixture(scope="module")
def app_db(tmp_path_factory, demo_db):
    """A private copy of the demo database served to AppTest (the app's store is process-wide)."""
    import os

    from dashboard import data
    from pipelines.store import forget

    path = str(tmp_path_factory.mktemp("pages") / "app.duckdb")
    shutil.copy(demo_db, path)
    old = os.environ.get("FOLLOWUP_DB")
    os.environ["FOLLOWUP_DB"] = path
    data._store.clear()
    yield path
    data._store.clear()
    forget(path)
    if old is None:
        os.environ.pop("FOLLOWUP_DB", None)
    else:
        os.environ["FOLLOWUP_DB"] = old


def logged_in(username: str, page: str | None = None, query: dict | None = None):
    """An AppTest of the router, logged in as `username`, on `page`."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=60)
    # The state a successful login leaves (dashboard/auth.py); the login form itself is tested in
    # test_pages_app.py, and skipping bcrypt here keeps the page tests fast.
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["login_at"] = time.time()
    at.run()
    assert at.session_state["actor"].username == username, [e.value for e in at.error]
    if query:
        for k, v in query.items():
            at.query_params[k] = v
    if page:
        at.switch_page(f"views/{page}.py")
        at.run()
    return at


def shown_errors(at) -> list[str]:
    """Every exception and error message on the page (a smoke test wants none)."""
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def level_colours(table, column: str) -> dict[str, str]:
    """The colour of each level's tag in a table's risk-level column (widgets.level_column), as
    the page sent it: an uncoloured column gives {}."""
    config = json.loads(table.proto.columns or "{}").get(column, {})
    return {o["value"]: o.get("color") for o in config.get("type_config", {}).get("options", [])}
