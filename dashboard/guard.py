"""The first line of every page: the page's role check, a clear refusal, and error ids."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from dashboard.data import actor
from dashboard.i18n import t
from dashboard.nav import allowed, spec
from pipelines import logs

log = logging.getLogger("dashboard")


def guard(path: str) -> None:
    """Stop the page with a "not permitted" message unless the user's role may open it."""
    user = actor()
    if not allowed(path, user.role):
        st.title(t(spec(path).title_key))
        st.error(t("auth.not_permitted", role=t(f"role.{user.role}")), icon=":material/block:")
        st.page_link("views/home.py", label=t("auth.back_home"), icon=":material/home:")
        st.stop()


def safely(render: Callable[[], None]) -> None:
    """Run a page; an unexpected error shows a short message with an id, never a traceback."""
    try:
        render()
    except Exception as exc:  # noqa: BLE001 - st.stop/st.rerun are BaseException and pass through
        error_id = logs.log_unexpected(log, exc, "page")
        st.error(t("app.error_unexpected", error_id=error_id), icon=":material/error:")
