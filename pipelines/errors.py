"""A pydantic ValidationError as one plain message per field, in the user's language.

Forms show the message beside the field; the importer writes it into the rejects file. Each
pydantic error type maps to a catalog key `error.<kind>`; our own checks (pipelines.validators)
already raise with the catalog key as their type. The field is named by its `field.<name>` label.
"""

from __future__ import annotations

from string import Formatter
from typing import Any

from pydantic import ValidationError

from pipelines import i18n
from pipelines.codes import INDUSTRIES

# pydantic's error type → our catalog key (error.<key>)
_KIND: dict[str, str] = {
    "missing": "missing",
    "string_type": "missing",  # our text fields turn blank input into None before the type check
    "none_required": "missing",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "int_parsing": "not_integer",
    "int_type": "not_integer",
    "int_from_float": "not_integer",
    "decimal_parsing": "not_number",
    "decimal_type": "not_number",
    "float_parsing": "not_number",
    "float_type": "not_number",
    "decimal_max_digits": "not_number",
    "decimal_max_places": "not_number",
    "decimal_whole_digits": "not_number",
    "finite_number": "not_number",
    "greater_than_equal": "min_value",
    "greater_than": "min_value",
    "less_than_equal": "max_value",
    "less_than": "max_value",
    "literal_error": "choice",
    "date_parsing": "not_date",
    "date_type": "not_date",
    "date_from_datetime_parsing": "not_date",
    "date_from_datetime_inexact": "not_date",
    "datetime_parsing": "not_datetime",
    "datetime_type": "not_datetime",
    "datetime_from_date_parsing": "not_datetime",
    "bool_parsing": "not_bool",
    "bool_type": "not_bool",
}

# Which label kind names a field's codes in a "not one of the choices" message.
_CODE_KIND: dict[str, str] = {"stage": "stage", "stage_after": "stage", "from_stage": "stage",
                              "to_stage": "stage", "channel": "channel", "size": "size",
                              "customer_type": "customer_type", "decision_role": "decision_role",
                              "level": "level", "role": "role", "rule": "rule", "status": "risk_status",
                              "kind": "feedback_type", "severity": "severity", "scale": "survey_scale"}


def field_label(name: str, lang: str) -> str:
    """The label of a model field (`field.<name>`), or the name itself when it has none."""
    key = f"field.{name}"
    text = i18n.t(key, lang)
    return name if text == key else text


def _choices(field: str, lang: str, expected: str) -> str:
    codes = [c.strip().strip("'") for c in expected.replace(" or ", ",").split(",") if c.strip()]
    if field == "industry":
        return "、".join(f"{c} {INDUSTRIES.get(c, '')}".strip() for c in codes)
    kind = _CODE_KIND.get(field)
    return "、".join(i18n.label(kind, c, lang) if kind else c for c in codes)


def _context(kind: str, field: str, err: dict[str, Any], lang: str) -> dict[str, Any]:
    ctx = dict(err.get("ctx") or {})
    value = err.get("input")
    out: dict[str, Any] = {**ctx, "value": "" if value is None else str(value)[:40]}
    if kind == "too_long":
        out["max"] = ctx.get("max_length", "")
        out["actual"] = ctx.get("actual_length", len(str(value or "")))
    elif kind == "too_short":
        out["min"] = ctx.get("min_length", "")
    elif kind == "min_value":
        out["min"] = ctx.get("ge", ctx.get("gt", ""))
    elif kind == "max_value":
        out["max"] = ctx.get("le", ctx.get("lt", ""))
    elif kind == "choice":
        out["choices"] = _choices(field, lang, str(ctx.get("expected", "")))
    return out


def message(err: dict[str, Any], lang: str, labels: dict[str, str] | None = None) -> tuple[str, str]:
    """(field name, message) of one entry of `ValidationError.errors()`; `labels` names fields
    whose form shows another label than `field.<name>` (a contact's 姓名)."""
    loc = err.get("loc") or ()
    field = str(loc[0]) if loc else ""
    kind = _KIND.get(err["type"], err["type"])
    if err.get("input", "") is None and kind in ("not_integer", "not_number", "not_date", "not_datetime", "not_bool",
                                                 "choice"):
        kind = "missing"  # an empty choice or box: "enter a whole number" said nothing of what was wrong
    key = f"error.{kind}"
    if i18n.t(key, lang) == key:  # a pydantic type we have no words for
        key = "error.invalid"
    template = i18n.t(key, lang)
    values = _context(kind, field, err, lang)
    values["field"] = (labels or {}).get(field) or (field_label(field, lang) if field else "")
    wanted = {name for _, name, _, _ in Formatter().parse(template) if name}
    for name in wanted - values.keys():
        values[name] = ""
    return field, template.format(**{k: values[k] for k in wanted})


def explain(error: ValidationError, lang: str = i18n.DEFAULT_LANGUAGE,
            labels: dict[str, str] | None = None) -> dict[str, str]:
    """{field: message}, the first error of each field, in the user's language."""
    out: dict[str, str] = {}
    for err in error.errors():
        field, text = message(err, lang, labels)
        out.setdefault(field, text)
    return out
