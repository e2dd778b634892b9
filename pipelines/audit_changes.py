"""An audit entry's values before and after, in the reader's words: "团队:华东销售一组 → 华南销售二组"
instead of {"team_id": 1} → {"team_id": 2}. The stored JSON stays the evidence (exports keep it);
this is how people read it."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import polars as pl

from pipelines import i18n
from pipelines.access import Actor, require_role
from pipelines.config import local_tz
from pipelines.store import Store

# columns holding a code, and the catalog section of its labels (the PIPL copy reads them too)
CODED = {"stage": "stage", "from_stage": "stage", "to_stage": "stage", "stage_after": "stage",
         "channel": "channel", "level": "level", "rule": "rule", "decision_role": "decision_role",
         "size": "size", "customer_type": "customer_type", "industry": "industry", "scale": "survey_scale",
         "role": "role", "severity": "severity", "language": "language"}
# the same column name holds different codes in different tables
CODED_BY_TABLE = {("risks", "status"): "risk_status", ("feedback", "status"): "feedback_status",
                  ("feedback", "kind"): "feedback_type", ("import_runs", "kind"): "ingest.kind",
                  ("stage_changes", "from"): "stage", ("stage_changes", "to"): "stage"}  # a stage override
# fields holding an account's or a team's id
PEOPLE = ("user_id", "owner_id", "rep_id", "manager_id", "changed_by", "closed_by", "from_owner_id",
          "to_owner_id", "created_by", "acknowledged_by", "raised_by", "actor_id")
# a time as stored in the JSON (ISO, with microseconds and offset): said as local minutes
_MOMENT = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:?\d\d|Z)?$")
TEAMS = ("team_id",)
RECORDS = ("customer_id", "follow_up_id", "risk_id", "parent_id", "import_run_id", "contact_id")  # said by number
# a field's label where the table gives it another name than field.<name>
LABELS = {("contacts", "name"): "field.contact_name", ("users", "name"): "field.display_name",
          # an import's counts, as the import page names them
          **{("import_runs", f): f"ingest.{f}" for f in (
              "rows_read", "rows_rejected", "rows_duplicate", "users_created", "customers_created", "stage_changes",
              "stage_changes_rule_broken")},
          ("import_runs", "rows_loaded"): "ingest.rows_loaded_done", ("import_runs", "file"): "ingest.file",
          ("import_runs", "kind"): "ingest.kind_label", ("import_runs", "error"): "ingest.error_label",
          # a stage override's entry: {"from", "to", "reason"}
          ("stage_changes", "from"): "field.from_stage", ("stage_changes", "to"): "field.to_stage",
          ("stage_changes", "reason"): "field.override_reason"}
SKIP = ("id", "created_at", "updated_at", "name_initials", "password_hash")  # kept in the evidence, not said
MAX_VALUE = 60  # characters of one value shown; the rest is in the stored JSON


def names(store: Store, actor: Actor) -> dict[str, dict[int, str]]:
    """Accounts' and teams' names by id (small tables), to say who an id is (admins read the log)."""
    require_role(actor, "admin")
    users = store.query("SELECT id, display_name FROM users")
    teams = store.query("SELECT id, name FROM teams")
    return {"users": dict(users.iter_rows()), "teams": dict(teams.iter_rows())}


def _load(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"": text}
    return value if isinstance(value, dict) else {"": value}


def _value(field: str, value: Any, lang: str, known: dict[str, dict[int, str]], table: str | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return i18n.t("common.yes" if value else "common.no", lang)
    kind = CODED_BY_TABLE.get((table, field)) or CODED.get(field)
    if kind and isinstance(value, str):
        return i18n.label(kind, value, lang)
    if field in PEOPLE and isinstance(value, int):
        return known["users"].get(value, f"#{value}")
    if field in TEAMS and isinstance(value, int):
        return known["teams"].get(value, f"#{value}")
    if field in RECORDS and isinstance(value, int):
        return f"#{value}"
    if isinstance(value, str) and _MOMENT.match(value):
        moment = datetime.fromisoformat(value)
        return (moment.astimezone(local_tz()) if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        text = i18n.list_sep(lang).join(str(v) for v in value)
    elif isinstance(value, dict):  # a setting or a restore's rows per table: "audit_log 4, contacts 2401, …"
        text = ", ".join(f"{k} {v if not isinstance(v, (dict, list)) else '…'}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def _field(field: str, lang: str, table: str | None) -> str:
    key = LABELS.get((table, field), f"field.{field}")
    text = i18n.t(key, lang)
    return field if text == key else text


def _leaves(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    """A nested setting (risk_rules → silent_30d → days) as its leaves by path."""
    if isinstance(value, dict) and value:
        return {p: v for k, sub in value.items() for p, v in _leaves(sub, (*path, k)).items()}
    return {path: value}


def _part(part: str, lang: str) -> str:
    """A key inside a setting in words: a rule, a stage or a severity by its label, else a field's."""
    for kind in ("rule", "stage", "severity"):
        text = i18n.label(kind, part, lang)
        if text != part:
            return text
    return _field(part, lang, None)


def _nested(field: str, old: dict, new: dict, lang: str, known: dict, colon: str) -> list[str]:
    """The leaves a setting's change moved: "风险预警规则 › 30天无有效跟进 › 天数:30 → 35"."""
    a, b = _leaves(old), _leaves(new)
    out = []
    for path in [*a, *(p for p in b if p not in a)]:
        if a.get(path) != b.get(path):
            label = " › ".join([_field(field, lang, None), *(_part(str(k), lang) for k in path)])
            leaf = str(path[-1]) if path else field
            out.append(f"{label}{colon}{_value(leaf, a.get(path), lang, known)} → {_value(leaf, b.get(path), lang, known)}")
    return out


def describe(before: str | None, after: str | None, lang: str, known: dict[str, dict[int, str]],
             table: str | None = None) -> str | None:
    """The fields an entry changed, one "名称:旧 → 新" per field (a creation or a deletion: its values)."""
    old, new = _load(before), _load(after)
    if not old and not new:
        return None
    colon, sep = (":", ";") if lang == "zh_CN" else (": ", "; ")
    parts = []
    for field in [*old, *(f for f in new if f not in old)]:
        if field in SKIP:
            continue
        label = _field(field, lang, table) + colon if field else ""
        if old and new:
            if field not in new or old.get(field) == new.get(field):
                continue
            if isinstance(old.get(field), dict) and isinstance(new[field], dict):
                parts += _nested(field, old[field], new[field], lang, known, colon)
                continue
            parts.append(f"{label}{_value(field, old.get(field), lang, known, table)}"
                         f" → {_value(field, new[field], lang, known, table)}")
        elif (old or new)[field] not in (None, "", []):  # a creation or deletion: the values it had
            parts.append(f"{label}{_value(field, (old or new)[field], lang, known, table)}")
    return sep.join(parts) or None


def with_changes(df: pl.DataFrame, lang: str, known: dict[str, dict[int, str]], tables: pl.Series,
                 column: str = "changes") -> pl.DataFrame:
    """`df` with `column`, each entry's describe() (`tables`: the entries' table codes, as stored)."""
    return df.with_columns(pl.Series(column, [
        describe(b, a, lang, known, table)
        for b, a, table in zip(df.get_column("before"), df.get_column("after"), tables, strict=True)], dtype=pl.String))
