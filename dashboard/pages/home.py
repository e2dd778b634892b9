"""Home (`/`): the day's work for a rep, the team's for a manager, the company for leadership."""

from __future__ import annotations

import streamlit as st

from dashboard.data import actor
from dashboard.guard import guard, safely
from dashboard.i18n import t


def render() -> None:
    guard("")
    user = actor()
    st.title(t("home.welcome", name=user.display_name))


safely(render)
