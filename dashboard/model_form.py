"""One form builder for the entry forms of a pydantic model (customer, contact, need, contract, follow-up edit).

Saving runs in the submit button's callback, before the page is drawn again: the model checks
the values, and each field's message (pipelines.errors.explain) appears right under the field.
A saved "new" form comes back empty; an edit form shows the stored values again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import streamlit as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from dashboard import fmt
from dashboard.guard import callback
from dashboard.i18n import lang, t
from dashboard.widgets import date_in, field_error, not_saved, notice, when_inputs
from pipelines import errors, logs
from pipelines.access import FieldRefused, NotPermitted
from pipelines.config import local_tz
from pipelines.store import StoreError

log = logging.getLogger("dashboard")
S = st.session_state
# What the stored data refuses of a form's values, by field (customers.clashes): checked beside the
# model's own rules, so that both kinds of message come in one round
Recheck = Callable[[dict[str, Any]], dict[str, FieldRefused]]


@dataclass(frozen=True)
class Field:
    """A form field: the model field's name, its widget kind and, for choices, the options."""

    name: str
    kind: str = "text"  # text | area | select | date | datetime | number | money | toggle | tags
    options: tuple = ()
    fmt: Callable[[Any], str] | None = None
    help: str | None = None
    label: str | None = None  # the catalog key of its label, when not field.<name> (a contact's 姓名)


def field_label(f: Field) -> str:
    return t(f.label or f"field.{f.name}")


def _widget(key: str, f: Field) -> None:
    k = f"{key}_{f.name}"
    if f.kind == "area":
        st.text_area(field_label(f), key=k, help=f.help, height=100)
    elif f.kind == "select":
        # the seeded value as the default too (see widgets.date_in): a form the browser mounts in a
        # run that did not just seed it shows and sends back the default, not the seeded value
        chosen = S.get(k)
        st.selectbox(field_label(f), f.options, key=k, help=f.help, placeholder=t("common.choose"),
                     index=f.options.index(chosen) if chosen in f.options else None,
                     format_func=lambda v: "—" if v is None else (f.fmt(v) if f.fmt else str(v)))
    elif f.kind == "date":
        date_in(st, field_label(f), k, help=f.help)
    elif f.kind == "datetime":
        # the date wider than the time: halves cut it to "2026-11-2" on a 1024 px tablet
        a, b = st.columns([3, 2])
        when_inputs(a, b, t("log.date"), f"{k}_date", f"{k}_time", help=f.help)  # 跟进日期 · 跟进时间
    elif f.kind == "number":
        # a decimal box (shown as typed, %g): a whole-number box cut 7.5 to 7 and saved it; the model names it
        st.number_input(field_label(f), key=k, step=1.0, value=None, format="%g", help=f.help)
    elif f.kind == "money":
        st.number_input(field_label(f), key=k, step=1000.0, value=None, format="%.2f", help=f.help)
    elif f.kind == "toggle":
        st.toggle(field_label(f), value=bool(S.get(k, True)), key=k, help=f.help)
    else:
        st.text_input(field_label(f), key=k, help=f.help, placeholder=t("customers.tags_hint") if f.kind == "tags" else None)


def _seed(key: str, fields: list[Field], initial: dict, model: type[BaseModel]) -> None:
    for f in fields:
        value = initial.get(f.name)
        if value is None and f.kind == "select" and f.name in model.model_fields:
            # a new record's choice starts at the model's default (客户阶段 初步接触, 客户类型 新客户)
            default = model.model_fields[f.name].get_default(call_default_factory=True)
            value = default if default in f.options else None
        if f.kind == "datetime":
            moment = value or datetime.now(local_tz())
            moment = moment.astimezone(local_tz()) if moment.tzinfo else moment
            S[f"{key}_{f.name}_date"] = moment.date()
            S[f"{key}_{f.name}_time"] = moment.time().replace(second=0, microsecond=0)
        elif f.kind == "tags":
            S[f"{key}_{f.name}"] = ", ".join(value or [])
        elif f.kind == "money":
            S[f"{key}_{f.name}"] = float(value) if value is not None else None
        elif f.kind == "toggle":
            S[f"{key}_{f.name}"] = bool(value) if value is not None else True
        elif f.kind in ("text", "area"):
            S[f"{key}_{f.name}"] = value or ""
        else:
            S[f"{key}_{f.name}"] = value


def _value(key: str, f: Field) -> Any:
    if f.kind == "datetime":
        d, tm = S.get(f"{key}_{f.name}_date"), S.get(f"{key}_{f.name}_time")
        return datetime.combine(d, tm) if d and tm else None
    value = S.get(f"{key}_{f.name}")
    if f.kind == "money" and value is not None:
        try:
            return Decimal(str(round(float(value), 2)))
        except (InvalidOperation, ValueError):
            return value
    return value


def _keys(key: str, fields: list[Field]) -> list[str]:
    out = [f"{key}_seeded", f"{key}_errors", f"{key}_shown"]
    for f in fields:
        out += [f"{key}_{f.name}_date", f"{key}_{f.name}_time"] if f.kind == "datetime" else [f"{key}_{f.name}"]
    return out


@callback
def _submit(key: str, model: type[BaseModel], fields: list[Field], fixed: dict,
            save: Callable[..., Any], success: str | Callable[[BaseModel], str], recheck: Recheck | None = None,
            changes_only: bool = False) -> None:
    S[f"{key}_errors"] = {}
    data = {**{f.name: _value(key, f) for f in fields}, **fixed}
    try:
        record = model(**data)
    except ValidationError as exc:
        found = errors.explain(exc, lang(), {f.name: field_label(f) for f in fields if f.label})
        if recheck is not None:
            found = {**_refused(recheck(_accepted(model, data, found))), **found}
        S[f"{key}_errors"] = found
        return
    shown = S.get(f"{key}_shown") or {}
    changed = frozenset(f.name for f in fields if _value(key, f) != shown.get(f.name))
    try:
        save(record, changed) if changes_only else save(record)
    except FieldRefused as exc:  # said beside the field, as the model's own rules are
        S[f"{key}_errors"] = {**_refused(recheck(record.model_dump()) if recheck else {}), exc.field: exc.text(lang())}
        return
    except (NotPermitted, StoreError) as exc:
        S[f"{key}_notice"] = ("error", fmt.literal(exc.text(lang())))
        return
    except Exception as exc:  # noqa: BLE001 - the user sees an id, the log the traceback
        S[f"{key}_notice"] = ("error", t("app.error_unexpected", error_id=logs.log_unexpected(log, exc, key)))
        return
    for k in _keys(key, fields):
        S.pop(k, None)
    S[f"{key}_notice"] = ("success", success(record) if callable(success) else success)


def _accepted(model: type[BaseModel], data: dict, refused: dict) -> dict[str, Any]:
    """The values of the fields the model did not refuse, each checked and normalised on its own
    (a credit code upper-cased, a name trimmed), as the model would store them."""
    out = {}
    for name, value in data.items():
        info = model.model_fields.get(name)
        if info is None or name in refused:
            continue
        kind = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        try:
            out[name] = TypeAdapter(kind).validate_python(value)
        except ValidationError:
            continue  # refused only with the other fields (a cross-field rule): not checked here
    return out


def _refused(found: dict[str, FieldRefused]) -> dict[str, str]:
    return {name: refused.text(lang()) for name, refused in found.items()}


def model_form(key: str, model: type[BaseModel], fields: list[Field], save: Callable[[BaseModel], Any],
               success: str | Callable[[BaseModel], str], initial: dict | None = None, fixed: dict | None = None,
               submit: str | None = None, columns: int = 2, recheck: Recheck | None = None,
               changes_only: bool = False) -> None:
    """Draw the form; `save(record)` runs on submit once the model accepts the values. An edit
    form (`changes_only`) calls `save(record, changed)`, with the names of the fields changed from
    the values it was drawn with: written alone, two people editing one record at once keep each
    other's changes (the whole form written back undid a change saved since it was drawn)."""
    notice(f"{key}_notice")
    # Streamlit forgets a widget's value when a run does not draw it (a deleted record's form,
    # restored later): those forms are seeded again rather than drawn empty
    if not S.get(f"{key}_seeded") or any(k not in S for k in _keys(key, fields)[2:]):
        _seed(key, fields, initial or {}, model)
        S[f"{key}_seeded"] = True
        S[f"{key}_shown"] = {f.name: _value(key, f) for f in fields}
    errs = S.get(f"{key}_errors", {})
    with st.form(key):
        # row by row, so that Tab goes across as the eye reads (名称 → 统一社会信用代码 beside it);
        # one column each went down the left column first, six Tabs from the name to the code
        for start in range(0, len(fields), columns):
            for cell, f in zip(st.columns(columns), fields[start:start + columns]):
                with cell:
                    _widget(key, f)
                    field_error(errs, f.name)
        for name in set(errs) - {f.name for f in fields}:  # a fixed field (e.g. the customer)
            field_error(errs, name)
        st.form_submit_button(submit or t("common.save"), type="primary", icon=":material/save:",
                              on_click=_submit, args=(key, model, fields, fixed or {}, save, success, recheck,
                                                      changes_only))
        if errs:  # under the button too: a long form's first fields are off a phone's screen
            labels = {f.name: field_label(f) for f in fields}
            not_saved([labels.get(name) or t(f"field.{name}") for name in errs])


def reset(key: str, fields: list[Field]) -> None:
    """Forget a form's values (e.g. when another record is picked for editing)."""
    for k in _keys(key, fields):
        S.pop(k, None)
