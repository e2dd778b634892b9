"""Labels in the user's language (zh-CN by default, English second), from the message catalog."""

from __future__ import annotations

import streamlit as st

from pipelines import i18n


def lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **values: object) -> str:
    return i18n.t(key, lang(), **values)


def label(kind: str, code: str | None) -> str:
    if kind == "rule" and code is not None and "actor" in st.session_state:
        return rule_names().get(code) or i18n.label(kind, code, lang())
    return i18n.label(kind, code, lang())


def rule_names() -> dict[str, str]:
    """The risk rules' names as configured (a name that states days states the set ones), read
    once per data version: saving the rules changes them at once."""
    from dashboard.data import cached  # dashboard.data uses this module
    from pipelines.rules import risks

    return cached(risks.rule_names, lang())


def options(kind: str, codes) -> dict[str, str]:
    """{code: label} for a select box's format_func."""
    return {c: label(kind, c) for c in codes}
