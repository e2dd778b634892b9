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
