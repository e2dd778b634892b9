"""The dashboard ends a session at once on logout elsewhere, disabling, or expiry (AppTest)."""

from __future__ import annotations

import time
from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from pipelines import accounts
from pipelines.store import Store, forget

PASSWORD = "Lange-Passwort-2026"
APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    path = str(tmp_path / "app.duckdb")
    s = Store(path)
    from tests.conftest import Org

    org = Org(s)
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    s.cursor().execute("UPDATE users SET password_hash = $h", {"h": hashed})
    s.close()
    monkeypatch.setenv("FOLLOWUP_DB", path)
    monkeypatch.setenv("FOLLOWUP_COOKIE_KEY", "test-cookie-key-" + "x" * 40)
    from dashboard import data

    data._store.clear()  # the app's process-wide store must be this test's database
    yield path, org
    data._store.clear()
    forget(path)


def _login(username: str, tmp_path: Path) -> AppTest:
    # The router runs through a one-line wrapper: AppTest given dashboard/app.py itself did not
    # rerun the script's own module code after the first runs in this harness.
    wrapper = tmp_path / "run_app.py"
    wrapper.write_text(f"import runpy\nrunpy.run_path({str(APP)!r}, run_name='__main__')\n")
    at = AppTest.from_file(str(wrapper), default_timeout=30)
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert at.session_state["actor"].username == username
    return at


def _logged_out(at: AppTest) -> bool:
    return "actor" not in at.session_state and any(w.key == "login_username" for w in at.text_input)


def test_disabling_an_account_ends_its_open_session(app_db, tmp_path):
    _path, org = app_db
    at = _login("rep1", tmp_path)
    from dashboard.data import store

    accounts.set_active(store(), org["admin"], "rep1", False)
    at.run()
    assert _logged_out(at)
    # and the login page says why (it showed the form with no word), still after the next run (the
    # cookie component's rerun took a notice shown once away before it was seen)
    for _ in range(2):
        assert [i.value for i in at.info if i.value.startswith("登录已失效")], [i.value for i in at.info]
        at.run()


def test_logout_on_another_device_ends_this_session(app_db, tmp_path):
    _path, org = app_db
    at = _login("rep2", tmp_path)
    from dashboard.data import store

    time.sleep(0.01)
    accounts.record_logout(store(), org["rep2"])
    at.run()
    assert _logged_out(at)


def test_session_expires(app_db, tmp_path):
    _path, _org = app_db
    at = _login("manager1", tmp_path)
    at.session_state["login_at"] = time.time() - 13 * 3600  # default session length: 12 hours
    at.run()
    assert _logged_out(at)


def test_a_first_start_makes_its_own_login_key_kept_for_the_next(app_db, tmp_path, monkeypatch):
    """A new team's first start showed only "未配置登录密钥" until someone found the setting: an
    embedded database makes its key once, in its data folder, readable by its owner alone."""
    import stat

    from dashboard import auth

    monkeypatch.delenv("FOLLOWUP_COOKIE_KEY")
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    at = _login("rep1", tmp_path)  # the login form was there, and took the password
    assert not at.error
    kept = tmp_path / "data" / auth.LOCAL_KEY_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and len(kept.read_text()) >= 60
    first = kept.read_text()
    _login("rep2", tmp_path)
    assert kept.read_text() == first  # the same key: sessions survive a restart
