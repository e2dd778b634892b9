"""Logout in AppTest: the sidebar button ends the session, audits it, and shows the login form."""

from __future__ import annotations

from tests.helpers_pages import app_db, logged_in  # noqa: F401 - app_db is a fixture


def test_logout_ends_the_session(app_db):
    at = logged_in("rep1")
    at.sidebar.button(key="logout_button").click()
    at.run()
    assert "actor" not in at.session_state
    assert any(w.key == "login_username" for w in at.text_input)
    from dashboard.data import store  # the app's own store: it holds the file

    assert store().scalar("SELECT count(*) FROM audit_log WHERE action = 'logout'") >= 1


def test_logout_forgets_the_filters_in_the_address(app_db):
    """The address kept ?from=…&channel=… after a logout, and the next login read it as a link:
    the same filters again, for whoever logged in."""
    at = logged_in("manager1", "channels", query={"from": "2026-09-01", "to": "2026-09-30", "channel": "phone"})
    assert at.query_params.get("channel") == "phone"
    at.sidebar.button(key="logout_button").click()
    at.run()
    assert "channel" not in at.query_params and "from" not in at.query_params, dict(at.query_params)
    assert "filters_last" not in at.session_state
