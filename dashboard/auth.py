"""Login with streamlit-authenticator, checked against the `users` table.

The library keeps the session: its signed cookie brings a user back after a reload, and its
logout clears the session and deletes the cookie. The password check is ours
(pipelines.accounts.authenticate), because lockout and disabled accounts must hold across
processes and restarts, which the library's in-memory counters do not. On every run the
account is looked up again, so disabling it ends its sessions at once.
"""

from __future__ import annotations

import os
import secrets
import time
from datetime import UTC, datetime

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from dashboard import fmt
from dashboard.data import store
from dashboard.i18n import t
from pipelines import accounts, config, settings
from pipelines.access import Actor
from pipelines.config import local_tz
from pipelines.demo import DEMO_PASSWORD

COOKIE_NAME = "followup_auth"


def _secret(name: str, env: str) -> str | None:
    value = os.environ.get(env)
    if value:
        return value
    try:
        return st.secrets.get(name)
    except Exception:  # noqa: BLE001 - no secrets.toml at all; Streamlit's error type varies by version
        return None


def session_hours() -> float:
    try:
        return float(_secret("session_hours", "FOLLOWUP_SESSION_HOURS") or 12)
    except ValueError:
        return 12.0


def is_demo() -> bool:
    return bool(settings.get(store(), "demo"))


@st.cache_resource(show_spinner=False)
def _demo_key() -> str:
    """The demo database needs no configured key: a random one per process (logins end on restart)."""
    return secrets.token_urlsafe(48)


LOCAL_KEY_FILE = "cookie.key"


def _local_key() -> str | None:
    """An embedded database's own key, made at its first start and kept in its data folder (owner
    read/write only), beside the data it guards: a new team's first start stopped at "no login key"
    until someone found the setting. Not for PostgreSQL: its replicas must share one configured key."""
    if store().backend != "duckdb":
        return None
    path = config.data_dir() / LOCAL_KEY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made before, or by another process this moment
        key = path.read_text(encoding="ascii").strip()
        return key or None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


def cookie_key() -> str | None:
    """The cookie key from secrets or the environment; the demo database may go without (a key per
    process), and an embedded database makes its own (_local_key)."""
    key = _secret("cookie_key", "FOLLOWUP_COOKIE_KEY")
    if key:
        return key
    return _demo_key() if is_demo() else _local_key()


def _credentials() -> dict:
    """Accounts that may hold a session now: active, with a password, not locked."""
    df = store().query(
        "SELECT username, display_name, role, password_hash FROM users WHERE active"
        " AND password_hash IS NOT NULL AND (locked_until IS NULL OR locked_until < current_timestamp)")
    return {"usernames": {r["username"]: {"name": r["display_name"], "password": r["password_hash"],
                                          "roles": [r["role"]]} for r in df.iter_rows(named=True)}}


def authenticator(key: str) -> stauth.Authenticate:
    # A logged-in session needs no credentials (its account is re-checked in restore_session);
    # only a cookie login reads them, so most page runs make no query here.
    logged_in = bool(st.session_state.get("authentication_status"))
    credentials = {"usernames": {}} if logged_in else _credentials()
    # login_sleep_time: the library sleeps 0.7 s in every logged-out run, for a cookie manager it
    # no longer reads (0.4.2 takes the cookie from the request, st.context.cookies): the login
    # form and every login answered 0.7 s late for nothing.
    return stauth.Authenticate(credentials, COOKIE_NAME, key, session_hours() / 24, auto_hash=False,
                               login_sleep_time=0)


def _cookie_issued_at(auth: stauth.Authenticate) -> float:
    """When the cookie that just logged the user in was issued (its expiry less the session length)."""
    token = getattr(auth.cookie_controller.cookie_model, "token", None)
    if not isinstance(token, dict):  # logged in by an earlier, interrupted run: read the cookie again
        token = auth.cookie_controller.get_cookie()
    if isinstance(token, dict) and "exp_date" in token:
        return float(token["exp_date"]) - session_hours() * 3600
    return 0.0  # unknown: treat as expired rather than trust it


def restore_session(auth: stauth.Authenticate) -> None:
    """Log the user in from the library's cookie, then re-check the account in the database."""
    if not st.session_state.get("authentication_status"):
        try:
            auth.login(location="unrendered")
        except LoginError:  # the cookie names an account that is disabled, locked or gone
            st.session_state["authentication_status"] = None
    username = st.session_state.get("username") if st.session_state.get("authentication_status") else None
    if username is None:
        st.session_state.pop("actor", None)
        return
    if "login_at" not in st.session_state:
        # Our login form sets login_at; without it the library logged the user in from the cookie
        # (in Authenticate() itself): the session began when that cookie was issued, not now.
        st.session_state["login_at"] = _cookie_issued_at(auth)
    actor = _session_actor(username, st.session_state["login_at"])
    if actor is None:
        if "actor" in st.session_state:  # a session that was running: the login form said nothing of why
            # a follow-up being typed went with the session, unsaved and unsaid: its text is given back
            draft = (st.session_state.get("log_summary") or "").strip()
            st.session_state["login_notice"] = ("info", t("auth.session_expired") + (
                t("auth.draft_unsaved", summary=fmt.literal(draft)) if draft else ""))
        end_session(auth, record=False)
        return
    st.session_state["actor"] = actor
    st.session_state.pop("login_notice", None)  # logged in (by the cookie too): said nothing more
    st.session_state.setdefault("lang", actor.lang)


def _session_actor(username: str, started: float) -> Actor | None:
    """The session's account, or None when the session must end: checked server-side, so that a
    logout, disabling or password reset after the session began ends it at once, even for a
    copied cookie (the JWT itself cannot be revoked); and the session's length."""
    if time.time() - started > session_hours() * 3600:
        return None
    return accounts.session_actor(store(), username, datetime.fromtimestamp(started, UTC))


def still_logged_in() -> bool:
    """For a widget's callback, which Streamlit runs before the page and so before
    restore_session: the session may have ended since the page was drawn (a logout in another
    tab, a disabled account, a password reset), and a tab left open saved a follow-up after it.
    The page's run that follows ends the session and says why."""
    S = st.session_state
    if "actor" not in S or not S.get("authentication_status") or "login_at" not in S:
        return False
    return _session_actor(S["actor"].username, S["login_at"]) is not None


# The key of the cookie manager's "set" component (extra_streamlit_components' default, which
# streamlit-authenticator uses); its value turns true once the browser has stored the cookie.
_COOKIE_SET_KEY = "set"


def send_cookie(auth: stauth.Authenticate) -> None:
    """Set the login cookie after our form's login, and keep asking until the browser says so.

    The cookie is written by a component in the browser, which may not have loaded before a
    rerun removes it (a page switch after a login at another page's URL, a component's value
    arriving): then the cookie was lost and a reload found no session. So the component is
    drawn again on every run until its value reports the cookie stored.
    """
    if not st.session_state.get("cookie_pending"):
        return
    if st.session_state.get(_COOKIE_SET_KEY) is True:
        del st.session_state["cookie_pending"]
        return
    auth.cookie_controller.set_cookie()


def login_page(auth: stauth.Authenticate) -> None:
    """Our login form: the password check with lockout, then the library's session and cookie."""
    st.title(t("app.name"))
    st.caption(t("app.tagline"))
    # a password just changed, a session ended: kept until the next login attempt (popped when
    # drawn, the cookie component's rerun right after took it away before it was seen)
    if notice := st.session_state.get("login_notice"):
        (st.success if notice[0] == "success" else st.info)(notice[1])
    with st.form("login", clear_on_submit=False):
        st.subheader(t("auth.title"))
        username = st.text_input(t("auth.username"), key="login_username", autocomplete="username")
        password = st.text_input(t("auth.password"), type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if submitted:
        _attempt(username.strip(), password)
    if is_demo():
        st.info(t("app.demo_database") + "\n\n" + t("auth.demo_accounts", password=DEMO_PASSWORD)
                + "\n\n`admin` · `leader` · `manager1` · `manager2` · `rep1` … `rep8`")


def _attempt(username: str, password: str) -> None:
    st.session_state.pop("login_notice", None)
    if not username or not password:
        st.warning(t("auth.missing"))
        return
    result = accounts.authenticate(store(), username, password)
    if not result.ok:
        if result.reason == "locked":
            until = result.locked_until.astimezone(local_tz()).strftime("%H:%M")
            st.error(t("auth.locked", until=until))
        elif result.reason == "disabled":
            st.error(t("auth.disabled"))
        else:
            st.error(t("auth.failed"))
        return
    actor = result.actor
    # a language picked on the login page is the user's choice now: kept, and saved as theirs
    # (the account's saved one replaced it at login)
    chosen = st.session_state.pop("lang_chosen", None)
    if chosen is not None and chosen != actor.lang:
        accounts.set_language(store(), actor, chosen)
    st.session_state.update({"authentication_status": True, "username": actor.username,
                             "name": actor.display_name, "roles": [actor.role], "logout": None,
                             "actor": actor, "lang": chosen or actor.lang, "login_at": time.time(),
                             "cookie_pending": True})
    st.rerun()


def password_change(auth: stauth.Authenticate) -> None:
    """The signed-in user's own password (sidebar): the current one, the new one twice. A change
    ends every session of the account, this one too: back to the login page, which says why."""
    with st.popover(t("auth.change_password"), icon=":material/key:", type="tertiary"):
        changed = _own_password_form()
    if changed:
        _changed(auth)


def first_password(auth: stauth.Authenticate) -> None:
    """The whole page for an account whose password someone else set (an admin's new account or
    reset): it is known to them, so no page opens until the user has chosen their own."""
    st.title(t("auth.must_change_title"))
    st.info(t("auth.must_change_intro"), icon=":material/key:")
    with st.container(border=True):
        changed = _own_password_form()
    if changed:
        _changed(auth)


def _own_password_form() -> bool:
    """The current password, the new one twice; True once changed (mistakes are said in the form)."""
    with st.form("own_password", border=False):
        current = st.text_input(t("auth.current_password"), type="password", key="own_pw_current",
                                autocomplete="current-password")
        new = st.text_input(t("auth.new_password"), type="password", key="own_pw_new", autocomplete="new-password")
        again = st.text_input(t("auth.new_password_again"), type="password", key="own_pw_again",
                              autocomplete="new-password")
        if not st.form_submit_button(t("auth.change_password_submit"), type="primary"):
            return False
        if new != again:
            st.error(t("auth.password_mismatch"))
            return False
        try:
            accounts.change_own_password(store(), st.session_state["actor"], current, new)
        except accounts.WrongPassword:
            st.error(t("auth.current_wrong"))
            return False
        except accounts.SamePassword:
            st.error(t("auth.same_password"))
            return False
        except accounts.PasswordPolicyError:
            st.error(t("error.password_policy", field=t("auth.new_password")))
            return False
    return True


def _changed(auth: stauth.Authenticate) -> None:
    end_session(auth)
    st.session_state["login_notice"] = ("success", t("auth.password_changed"))
    st.rerun()


def end_session(auth: stauth.Authenticate, record: bool = True) -> None:
    actor = st.session_state.get("actor")
    if record and actor is not None:
        accounts.record_logout(store(), actor)
    if st.session_state.get("authentication_status"):
        auth.logout(location="unrendered")
    for key in ("actor", "login_at", "cookie_pending", "filters_last"):  # the next user chooses their own
        st.session_state.pop(key, None)
    if record:  # a logout: the address's filters are not a link for whoever logs in next
        st.query_params.clear()


def now_local() -> datetime:
    return datetime.now(local_tz())
