"""Labels in the user's language (zh-CN by default, English second), from the message catalog."""

from __future__ import annotations

import streamlit as st

from pipelines import i18n


def lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **values: object) -> str:
    return i18n.t(key, lang(), **values)


def label(kind: str, code: str | None) -> str:
    return i18n.label(kind, code, lang())


def options(kind: str, codes) -> dict[str, str]:
    """{code: label} for a select box's format_func."""
    return {c: label(kind, c) for c in codes}
