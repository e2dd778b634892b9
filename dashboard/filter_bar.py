"""The filter bar shared by the records explorer and every analytics page.

Its state lives in the URL's query parameters (INTERFACES.md: from, to, team, rep, industry,
size, province, customer_type, channel, stage, q), so a copied link reproduces the view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import streamlit as st

from dashboard import fmt
from dashboard.data import actor, cached
from dashboard.i18n import label, lang, t
from dashboard.widgets import date_in, keep_choice, keep_choices
from pipelines import filters as filters_mod
from pipelines import i18n
from pipelines.codes import ALL_STAGES, CHANNELS, CUSTOMER_TYPES, INDUSTRIES, SIZES
from pipelines.config import local_tz
from pipelines.filters import Filters
from pipelines.periods import PRESETS, match_preset, preset_range

DEFAULT_FIELDS = ("period", "team", "rep", "industry", "size", "province", "customer_type", "channel")
_URL_KEYS = ("from", "to", "team", "rep", "industry", "size", "province", "customer_type", "channel",
             "stage", "q")


def today() -> date:
    return datetime.now(local_tz()).date()


def _choices(field: str, opts: dict) -> list[str]:
    return {"team": opts["team"], "rep": opts["rep"], "province": opts["province"],
            "industry": list(INDUSTRIES), "size": list(SIZES), "customer_type": list(CUSTOMER_TYPES),
            "channel": list(CHANNELS), "stage": list(ALL_STAGES)}[field]


def _format(field: str, opts: dict):
    if field == "rep":
        return lambda u: opts["rep_names"].get(u, u)
    if field == "industry":
        return fmt.industry
    if field in ("size", "customer_type", "channel", "stage"):
        return lambda c: label(field, c)
    return str


def _named(field: str, choices: list[str], opts: dict) -> dict[str, str]:
    """Each choice's text in every UI language → the choice (see keep_choices)."""
    out: dict[str, str] = {}
    for language in i18n.LANGUAGES:
        for c in choices:
            if field in ("size", "customer_type", "channel", "stage"):
                out[i18n.label(field, c, language)] = c
            elif field == "industry":
                out[fmt.industry(c, language)] = c
            elif field == "rep":
                out[opts["rep_names"].get(c, c)] = c
    return out


def filter_bar(key: str, fields: tuple[str, ...] = DEFAULT_FIELDS,
               default_period: str = "this_month", more: Callable[[Any, Any], object] | None = None) -> Filters:
    """Draw the bar and return the filter; the URL is updated to match. `more` draws a page's own
    two filters in the panel's next two cells (one place to look for every filter)."""
    if actor().role == "rep":  # a rep's data is their own: no team or rep to choose
        fields = tuple(f for f in fields if f not in ("team", "rep"))
    current, source = _opening(key, fields)
    notes: list[str] = []
    if source == "url":  # what a link asked for that this page does not do, said instead of dropped
        current, notes = _link_notes(current, fields)
    if current.date_from is None and current.date_to is None and "period" in fields:
        current = current.with_period(*preset_range(default_period, today()))
    opts = cached(filters_mod.options)
    values: dict = {}
    # "compact_": app.py lays the panel out two fields to a row on a phone
    with st.expander(t("filter.title"), expanded=True, icon=":material/tune:", key=f"compact_filters_{key}"):
        cols = st.columns(4)
        slot = 0
        if "period" in fields:
            names = list(PRESETS) + ["custom"]
            preset = match_preset(current.date_from, current.date_to, today()) or "custom"
            pkey = f"{key}_period"
            if pkey not in st.session_state:
                st.session_state[pkey] = preset
            keep_choice(pkey, names, fallback=preset)  # named in the UI language: a switch changes the text
            choice = cols[0].selectbox(t("filter.period"), names, key=pkey,
                                       format_func=lambda n: t(f"filter.preset_{n}"), placeholder=t("common.choose"))
            if choice == "custom":
                rkey = f"{key}_range"
                if rkey not in st.session_state:
                    st.session_state[rkey] = (current.date_from or today(), current.date_to or today())
                picked = date_in(cols[1], t("filter.range"), rkey)
                start, end = (tuple(picked) + (None, None))[:2] if isinstance(picked, (tuple, list)) else (picked, picked)
                values["date_from"], values["date_to"] = start, end or start
                slot = 2
            else:
                values["date_from"], values["date_to"] = preset_range(choice, today())
                slot = 1
        for field in fields:
            if field in ("period", "q"):
                continue
            wkey = f"{key}_{field}"
            choices = _choices(field, opts)
            if wkey not in st.session_state:
                st.session_state[wkey] = [v for v in getattr(current, field) if v in choices]
                if source == "url" and (unknown := [v for v in getattr(current, field) if v not in choices]):
                    notes.append(t("filter.note_unknown", field=t(f"filter.{field}"),
                                   values=i18n.list_sep(lang()).join(fmt.literal(v) for v in unknown)))
            keep_choices(wkey, choices, _named(field, choices, opts))  # named in the UI language
            values[field] = tuple(cols[slot % 4].multiselect(
                t(f"filter.{field}"), choices, key=wkey, format_func=_format(field, opts),
                placeholder=t("filter.all"), select_all=False))  # its English "Select all" = no filter
            slot += 1
        if more is not None:
            more(cols[slot % 4], cols[(slot + 1) % 4])
        if "q" in fields:
            qkey = f"{key}_q"
            if qkey not in st.session_state:
                st.session_state[qkey] = current.q
            values["q"] = st.text_input(t("filter.q"), key=qkey, placeholder=t("filter.q_hint")).strip()
    chosen = Filters(**{**{f: getattr(current, f) for f in ("date_from", "date_to")}, **values})
    _sync_url(chosen)
    _say_notes(key, notes, chosen, fresh=source == "url")
    _remember(chosen, fields, "period" in fields and (chosen.date_from, chosen.date_to) == preset_range(default_period, today()))
    return chosen


LAST = "filters_last"  # the filters last chosen on any page, for the next page opened from the menu


def _opening(key: str, fields: tuple[str, ...]) -> tuple[Filters, str]:
    """The URL's filters; on a page opened from the menu (which drops the URL's parameters) with
    none, the filters last chosen on another page: a manager comparing one team's month across
    pages had to choose it again on each. A page opened by a link keeps the link's. With where
    they came from: "drawn" (the page's own widgets hold them), "url" or "remembered"."""
    from_url = Filters.from_query(st.query_params.to_dict())
    if any(f"{key}_{f}" in st.session_state for f in fields):  # this page's widgets: not its first run
        return from_url, "drawn"
    if any(k in st.query_params for k in _URL_KEYS) or LAST not in st.session_state:
        return from_url, "url"
    remembered = Filters.from_query(st.session_state[LAST])
    if "period" not in fields:  # a page with no period (/risks) does not take one into its address
        remembered = remembered.with_period(None, None)
    return remembered, "remembered"


def _link_notes(given: Filters, fields: tuple[str, ...]) -> tuple[Filters, list[str]]:
    """A link's dates the right way round, and a word for each of its filters this page has not:
    the figures were shown unfiltered with nothing said (a stage on /funnel, a team on /risks)."""
    notes = []
    if given.date_from and given.date_to and given.date_from > given.date_to:
        given = given.with_period(given.date_to, given.date_from)
        notes.append(t("filter.note_swapped", start=fmt.day(given.date_from), end=fmt.day(given.date_to)))
    unused = [f for f in _URL_KEYS if f not in ("from", "to") and getattr(given, f) and f not in fields]
    if (given.date_from or given.date_to) and "period" not in fields:
        unused.insert(0, "period")
    if unused:
        notes.append(t("filter.note_unused", fields=i18n.list_sep(lang()).join(t(f"filter.{f}") for f in unused)))
    return given, notes


def _say_notes(key: str, notes: list[str], chosen: Filters, fresh: bool) -> None:
    """The link's notes, kept until the filters are changed (a rerun at once, as the login
    cookie's, took a word said only once)."""
    nkey = f"{key}__link_notes"
    if fresh:
        st.session_state[nkey] = (notes, chosen.to_query())
    said, for_query = st.session_state.get(nkey, ([], None))
    if said and for_query == chosen.to_query():
        st.info("\n\n".join(said), icon=":material/link:")
    else:
        st.session_state.pop(nkey, None)


def _remember(chosen: Filters, fields: tuple[str, ...], default_period: bool) -> None:
    """Kept for the next page: this page's filters (not its text search), and the earlier pages'
    others (/risks has only team and rep, and passing through it lost the channel). A page's
    default period is not kept: /trends opens on twelve months and the other pages on this month,
    unless the user chose another."""
    own = {k for f in fields for k in (("from", "to") if f == "period" else (f,))} - {"q"}  # a search is not carried
    query = {k: v for k, v in st.session_state.get(LAST, {}).items() if k not in own}
    query.update({k: v for k, v in chosen.to_query().items() if k in own})
    if default_period:
        query.pop("from", None)
        query.pop("to", None)
    st.session_state[LAST] = query


def _sync_url(chosen: Filters) -> None:
    wanted = chosen.to_query()
    present = {k: st.query_params.get(k) for k in _URL_KEYS if k in st.query_params}
    if present == wanted:
        return
    for k in _URL_KEYS:
        if k in st.query_params and k not in wanted:
            del st.query_params[k]
    st.query_params.update(wanted)
