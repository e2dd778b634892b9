"""Help (`/help`, every role): each page's use, the glossary (manual 10.2), every metric's
definition (the same catalog text the analytics pages show), and the FAQ (manual 10.4)."""

from __future__ import annotations

from string import Formatter

import streamlit as st

from dashboard.data import store
from dashboard.guard import guard, safely
from dashboard.i18n import label, lang, t
from dashboard.nav import PAGES
from pipelines import i18n, metrics, settings


def _keys(prefix: str) -> list[str]:
    """Catalog keys under a prefix, in the catalog's order."""
    return [k for k in i18n.catalog(lang()) if k.startswith(prefix)]


def _fill(text: str, values: dict) -> str:
    """A definition with its thresholds filled in from the settings."""
    wanted = {n for _, n, _, _ in Formatter().parse(text) if n}
    return text.format(**{n: values.get(n, "N") for n in wanted})


def _pages() -> None:
    for p in PAGES:
        key = f"help.page.{p.path or 'home'}"
        roles = i18n.list_sep(lang()).join(
            t(f"role.{r}") for r in ("rep", "manager", "leader", "admin") if r in p.roles)
        with st.expander(t(p.title_key), icon=p.icon, expanded=p.path in ("", "log")):
            st.markdown(t(key))
            st.caption(t("help.roles", roles=roles))


def _glossary() -> None:
    terms = [k for k in _keys("help.term.") if not k.endswith("_def")]
    rows = [f"| {t('help.term_col')} | {t('help.meaning_col')} |", "| --- | --- |"]
    rows += [f"| **{t(k)}** | {t(k + '_def')} |" for k in terms]
    st.markdown("\n".join(rows))


def _metrics() -> None:
    st.caption(t("help.metrics_intro"))
    s = store()
    # {days}: the window of "channels before a contract" (the /channels chart's), not the 14 of conversion
    values = {"cap": settings.get(s, "daily_effective_cap"), "days": metrics.PRECURSOR_WINDOW_DAYS}
    for key in _keys("definition."):
        name = key.split(".", 1)[1]
        title = t(f"metric.{name}")
        if name == "weekly_hours":
            values_here = {**values, "cap": settings.get(s, "weekly_hours_cap")}
        else:
            values_here = values
        st.markdown(f"**{title if title != f'metric.{name}' else t('help.filters_note')}**  \n"
                    + _fill(t(key), values_here))
    st.markdown(f"**{t('help.due_title')}**  \n{t('home.due_help')}")
    st.subheader(t("help.risk_rules_title"))
    for key in _keys("rule_condition."):
        code = key.split(".", 1)[1]
        st.markdown(f"- **{label('rule', code)}**:{t(key)}" if lang() == "zh_CN" else
                    f"- **{label('rule', code)}**: {t(key)}")


def _faq() -> None:
    for key in _keys("help.faq.q"):
        with st.expander(t(key), icon=":material/help:"):
            st.markdown(t(key.replace(".q", ".a", 1)))


def render() -> None:
    guard("help")
    st.title(t("nav.help"))
    st.caption(t("help.intro"))
    tabs = st.tabs([t("help.tab_pages"), t("help.tab_glossary"), t("help.tab_metrics"), t("help.tab_faq")])
    with tabs[0]:
        _pages()
    with tabs[1]:
        _glossary()
    with tabs[2]:
        _metrics()
    with tabs[3]:
        _faq()


safely(render)
