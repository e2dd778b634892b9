"""Admin (`/admin`, admins only): one tab per section module in dashboard/admin_sections."""

from __future__ import annotations

import importlib

import streamlit as st

from dashboard.admin_sections import SECTIONS
from dashboard.guard import guard, safely
from dashboard.i18n import t


def render() -> None:
    guard("admin")
    st.title(t("nav.admin"))
    st.caption(t("admin.intro"))
    modules = [importlib.import_module(f"dashboard.admin_sections.{name}") for name in SECTIONS]
    for tab, module in zip(st.tabs([t(m.TITLE_KEY) for m in modules]), modules):
        with tab:
            safely(module.render)  # one broken section does not hide the others


safely(render)
