"""The first line of every page: the page's role check, a clear refusal, and error ids."""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st

from dashboard.data import actor, failure_text
from dashboard.i18n import t
from dashboard.nav import allowed, spec


def guard(path: str) -> None:
    """Stop the page with a "not permitted" message unless the user's role may open it."""
    user = actor()
    if not allowed(path, user.role):
        st.title(t(spec(path).title_key))
        st.error(t("auth.not_permitted", role=t(f"role.{user.role}")), icon=":material/block:")
        st.page_link("views/home.py", label=t("auth.back_home"), icon=":material/home:")
        st.stop()


_CALLBACK_ERROR = "_callback_error"


def callback(fn: Callable) -> Callable:
    """A widget's callback, guarded as safely() guards a page: Streamlit runs callbacks before the
    page, outside it, and an error there replaced the whole page with Streamlit's English notice.
    The error's id is kept for the page, which shows it at the top (safely). Nothing runs once
    the session has ended (auth.still_logged_in): the page that follows asks for a login."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        from dashboard.auth import still_logged_in  # the login machinery loads with the app, not each page

        if not still_logged_in():
            return None
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the user sees an id, the log the traceback
            st.session_state[_CALLBACK_ERROR] = failure_text(exc, "callback")
    return run


def safely(render: Callable[[], None]) -> None:
    """Run a page; an unexpected error shows a short message with an id, never a traceback."""
    failed = st.session_state.pop(_CALLBACK_ERROR, None)
    if failed:
        st.error(failed, icon=":material/error:")
    try:
        render()
    except Exception as exc:  # noqa: BLE001 - st.stop/st.rerun are BaseException and pass through
        st.error(failure_text(exc, "page"), icon=":material/error:")
