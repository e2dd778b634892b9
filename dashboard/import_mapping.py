"""Saying on the import page which column of a file holds which field, and what a field the file
has no column for should be, instead of writing a YAML mapping file: a sales admin's sheet with
销售日期 for 跟进日期 and no 跟进方式 column could not be imported without one. The choices can be
downloaded as a mapping file for next month's file of the same layout."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import fmt
from dashboard.data import cached
from dashboard.i18n import label, t
from pipelines import metrics
from pipelines.ingest import mapping as maps
from pipelines.ingest.kinds import ASSUMED

COLUMNS_PER_ROW = 3


def _choices(field: maps.Field) -> tuple[list, Callable] | None:
    """The values a field with no column may get for every row, and how they read; None for a
    field that needs a column of its own (a time, a summary, a name)."""
    if field.type == "choice":
        return list(maps.CHOICE_CODES[field.choice]), lambda c: label(field.choice, c)
    if field.type == "bool":
        return [True, False], lambda b: t("common.yes" if b else "common.no")
    if field.type == "user":  # a rep the user may see, by name (the import takes a username)
        people = cached(metrics.people).filter(pl.col("role") == "rep", pl.col("active"))
        names = dict(zip(people["username"].to_list(), people["display_name"].to_list()))
        return list(names), lambda u: f"{names[u]}({u})"
    return None


def _name(kind: str, field: str) -> str:
    """A field's name in the boxes: a contract's rep is its 签约人 (the rejects say so too)."""
    return t("field.signer") if (kind, field) == ("contracts", "rep") else t(f"field.{field}")


def _translations(kind: str, frame: pl.DataFrame, used: dict[str, str], base: maps.Mapping | None,
                  key: str) -> dict[str, dict[str, str]]:
    """For each choice field read from a column, the cells that are none of its values (another
    system's Outbound, Won): which of ours each one is. Left unanswered, such rows are refused."""
    out: dict[str, dict[str, str]] = {}
    for field in maps.FIELDS[kind]:
        if field.type != "choice" or field.name not in used:
            continue
        theirs = maps.unknown_values(frame.get_column(used[field.name]), field, base)
        if not theirs:
            continue
        st.markdown(t("ingest.adjust_values", column=fmt.literal(used[field.name]), field=_name(kind, field.name)))
        codes = list(maps.CHOICE_CODES[field.choice])
        for start in range(0, len(theirs), COLUMNS_PER_ROW):
            cells = st.columns(COLUMNS_PER_ROW)
            for cell, value in zip(cells, theirs[start:start + COLUMNS_PER_ROW]):
                digest = hashlib.md5(value.encode("utf-8")).hexdigest()[:10]  # a key per value, whatever its text
                code = cell.selectbox(fmt.literal(value), [None, *codes], key=f"{key}_{field.name}_v_{digest}",
                                      placeholder=t("common.choose"),
                                      format_func=lambda c, f=field: t("ingest.adjust_value_refused") if c is None
                                      else label(f.choice, c))
                if code is not None:
                    out.setdefault(field.name, {})[value] = code
    return out


def adjust(kind: str, headers: list[str], found: dict[str, str], base: maps.Mapping | None, key: str,
           opened: bool, file_name: str, frame: pl.DataFrame) -> maps.Mapping | None:
    """The choices, in an expander (`opened` when a required field has no column); the mapping they
    make over `base` (with the columns found, so the downloaded file names every one), or None while
    nothing was changed from what was found (`found`)."""
    columns: dict[str, str | None] = {}
    defaults: dict = {}
    assumed = ASSUMED.get(kind, {})
    # keyed by the file: another file's box, shut, stayed shut for a file that needs it open
    with st.expander(t("ingest.adjust_title"), icon=":material/swap_horiz:", expanded=opened, key=f"{key}_box"):
        st.caption(t("ingest.adjust_help"))
        fields = maps.FIELDS[kind]
        for start in range(0, len(fields), COLUMNS_PER_ROW):
            cells = st.columns(COLUMNS_PER_ROW)
            for cell, field in zip(cells, fields[start:start + COLUMNS_PER_ROW]):
                now = found.get(field.name)
                options = [None, *headers]
                # a found column can be dropped too (another system's Stage, whose values are not ours)
                picked = cell.selectbox(_name(kind, field.name) + (" *" if field.required else ""), options,
                                        index=options.index(now) if now in options else 0,
                                        key=f"{key}_{field.name}", placeholder=t("common.choose"),
                                        format_func=lambda h: t("ingest.adjust_no_column") if h is None else h)
                if picked != now:
                    columns[field.name] = picked
                choices = _choices(field) if picked is None else None
                if choices:
                    values, shown = choices
                    given = (base.defaults if base else {}).get(field.name, assumed.get(field.name))
                    value = cell.selectbox(t("ingest.adjust_default", field=_name(kind, field.name)), [None, *values],
                                           index=values.index(given) + 1 if given in values else 0,
                                           key=f"{key}_{field.name}_default", placeholder=t("common.choose"),
                                           format_func=lambda v, f=shown: t("ingest.adjust_no_default") if v is None else f(v))
                    if value is not None and value != given:
                        defaults[field.name] = value
        # one column for two fields: the field that had it lost it without a word (its box still
        # showed it); the later pick is left out and said
        chosen = {f: c for f, c in {**found, **columns}.items() if c}
        twice = {f: c for f, c in columns.items() if c and [g for g, d in chosen.items() if d == c and g != f]}
        for field_name, column in twice.items():
            other = next(g for g, d in chosen.items() if d == column and g != field_name)
            st.warning(t("ingest.adjust_twice", column=fmt.literal(column), field=_name(kind, field_name), other=_name(kind, other)),
                       icon=":material/warning:")
            columns.pop(field_name)
        used = {f: c for f, c in {**found, **columns}.items() if c}
        values = _translations(kind, frame, used, base, key)
        if not columns and not defaults and not values:
            return None
        made = maps.adjusted(base, kind, {**found, **columns}, defaults, values)
        st.download_button(t("ingest.adjust_download"), maps.to_yaml(made).encode("utf-8"),
                           file_name=f"{Path(file_name).stem}.mapping.yaml", mime="text/yaml",
                           icon=":material/download:", help=t("ingest.adjust_download_help"))
    return made
