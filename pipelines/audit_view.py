"""Searching and exporting the audit log (admins). Read-only: the app never edits an entry.

The audit log has no v_* scope (only admins read it), so the query is built here from the
search's optional parts, each a bound parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from pipelines import audit_changes, exports, i18n, sql
from pipelines.access import Actor, require_role
from pipelines.pipl import REAPPLIED
from pipelines.store import Store

COLUMNS = "id, created_at, username, action, table_name, row_id, before, after, detail"
# each column's header in the catalog (the screen's and the export's)
HEADERS = {"id": "security.audit_id", "created_at": "security.audit_time", "username": "security.audit_user",
           "action": "security.audit_action", "table_name": "security.audit_table", "row_id": "security.audit_row",
           "before": "security.audit_before", "after": "security.audit_after", "detail": "security.audit_detail"}
ACTIONS = ("create", "update", "delete", "restore", "export", "login", "login_failed", "logout", "permission",
           "import", "reveal", "backup", "restore_backup", "erase", "reassign", "stage_override", "settings")
TABLES = ("customers", "contacts", "needs", "contracts", "follow_ups", "stage_changes", "risks", "feedback",
          "surveys", "targets", "users", "teams", "audit_log", "import_runs", "settings", "ownership_changes")


def action_label(code: str, lang: str) -> str:
    """An action as people read it (新建, 登录 …); an unknown code as stored."""
    return i18n.t(f"security.action_{code}", lang) if code in ACTIONS else code


def table_label(code: str, lang: str) -> str:
    return i18n.t(f"security.table_{code}", lang) if code in TABLES else code


# why a login failed, as accounts.authenticate stores it
LOGIN_FAILURES = ("unknown user", "locked", "disabled", "no password")


def _detail(action: pl.Expr, detail: pl.Expr, lang: str) -> pl.Expr:
    """A failed login's reason in words; other details as stored."""
    failed = action == "login_failed"
    before, after = i18n.t("security.login_wrong_password", lang, count="\0").split("\0")
    count = detail.str.extract(r"\((\d+)\)").fill_null("?")
    out = pl.when(failed & detail.str.starts_with("wrong password")).then(
        pl.concat_str([pl.lit(before), count, pl.lit(after)]))
    for reason in LOGIN_FAILURES:
        out = out.when(failed & (detail == reason)).then(
            pl.lit(i18n.t(f"security.login_{reason.replace(' ', '_')}", lang)))
    return out.otherwise(detail)


# Other details the code writes in English (the stored evidence), in the reader's words: a
# pattern, its catalog key under security.detail_*, and the names of its groups there.
_WORDED = [
    (re.compile(r"^password set$"), "password_set", ()),
    (re.compile(r"^risk note$"), "risk_note", ()),
    (re.compile(r"^import run (\d+)$"), "import_run", ("run",)),
    (re.compile(r"^risk refresh: opened (\d+), updated (\d+), closed (\d+)$"), "risk_refresh",
     ("opened", "updated", "closed")),
    (re.compile(r"^(csv|xlsx|json|pdf|pipl), (\d+) rows$"), "export", ("format", "rows")),
    (re.compile(r"^(csv|xlsx|json|pdf|pipl), (\d+) rows; (.+)$", re.DOTALL), "export_for", ("format", "rows", "what")),
    (re.compile(r"^demo accounts: (\d+)$"), "demo_accounts", ("n",)),
    (re.compile(r"^demo data: (\d+) customers, (\d+) follow-ups, seed (\d+), as of (\S+)$"), "demo_data",
     ("customers", "follow_ups", "seed", "as_of")),
]
# pipl.erase's detail: what was erased, how much, and the request's note (or that a restore made it again)
_ERASED = re.compile(r"^PIPL erasure of (customer|contact) #(\d+): rows (\d+), audit_entries (\d+)(?:; (.*))?$",
                     re.DOTALL)
_UNMET = re.compile(r"^(\w+) (\d+)/(\d+) before (\w+)$")  # a stage rule a manager overrode (customers.py)
EXPORT_TABLES = ("monthly_summary", "pipl_customer", "pipl_contact")


_SEARCH_KEYS = {"user": "security.audit_user", "actions": "security.audit_action", "tables": "security.audit_table",
                "date_from": "security.audit_from", "date_to": "security.audit_to", "text": "security.audit_text",
                "row_id": "security.audit_row"}  # an audit export's search (AuditSearch.where's parameters)
_PERSON = re.compile(r"\b(customer|contact) #(\d+)\b")


def _what(text: str, lang: str) -> str:
    """What an export held, in words: a PIPL export's person (联系人 #3), an audit export's search."""
    text = _PERSON.sub(lambda m: f"{i18n.t(f'security.pipl_{m[1]}', lang)} #{m[2]}", text)
    return re.sub(r"\b(" + "|".join(_SEARCH_KEYS) + r")=",
                  lambda m: i18n.t(_SEARCH_KEYS[m[1]], lang) + "=", text)


def worded(detail: str | None, lang: str) -> str | None:
    """A stored detail in the reader's words where it is one the code writes; else as stored."""
    if not detail:
        return detail
    for pattern, key, names in _WORDED:
        found = pattern.match(detail)
        if found:
            values = dict(zip(names, found.groups(), strict=True))
            if "format" in values:
                values["format"] = values["format"].upper()  # CSV, XLSX
            if "what" in values:
                values["what"] = _what(values["what"], lang)
            return i18n.t(f"security.detail_{key}", lang, **values)
    erased = _ERASED.match(detail)
    if erased:
        kind, row, rows, entries, note = erased.groups()
        if note == REAPPLIED:
            note = i18n.t("security.detail_reapplied", lang)
        text = i18n.t("security.detail_erased", lang, what=i18n.t(f"security.pipl_{kind}", lang), id=row, rows=rows,
                      entries=entries)
        return text + (("; " if lang != "zh_CN" else ";") + note if note else "")
    unmet = [_UNMET.match(part) for part in detail.split("; ")]
    if all(unmet):
        sep = ";" if lang == "zh_CN" else "; "
        return sep.join(i18n.t("security.detail_unmet", lang, channel=i18n.label("channel", m[1], lang),
                               found=m[2], needed=m[3], stage=i18n.label("stage", m[4], lang)) for m in unmet)
    return detail


def labelled(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Actions, tables and details in words (failed logins' reasons, exports, settings); the values
    before and after stay as stored (the evidence)."""
    details = [d for d in df.get_column("detail").unique().to_list() if d]
    words = {d: w for d in details if (w := worded(d, lang)) != d}
    tables = {n: table_label(n, lang) for n in TABLES} | {n: i18n.t(f"security.table_{n}", lang) for n in EXPORT_TABLES}
    return df.with_columns(pl.col("action").replace_strict({a: action_label(a, lang) for a in ACTIONS},
                                                           default=pl.col("action")),
                           pl.col("table_name").replace_strict(tables, default=pl.col("table_name")),
                           _detail(pl.col("action"), pl.col("detail").replace_strict(
                               words, default=pl.col("detail"), return_dtype=pl.String), lang).alias("detail"))


@dataclass(frozen=True)
class AuditSearch:
    user: str = ""  # part of a username
    actions: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    date_from: date | None = None  # inclusive, local date
    date_to: date | None = None  # inclusive, local date
    text: str = ""  # in the values before/after or the detail
    row_id: int | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        parts, params = ["true"], {}
        if self.user.strip():
            parts.append("contains(lower(username), lower($user))")
            params["user"] = self.user.strip()
        if self.actions:
            parts.append("list_contains($actions, action)")
            params["actions"] = list(self.actions)
        if self.tables:
            parts.append("list_contains($tables, table_name)")
            params["tables"] = list(self.tables)
        if self.date_from:
            parts.append("created_at::DATE >= $date_from")  # the cursor's TimeZone is local time
            params["date_from"] = self.date_from
        if self.date_to:
            parts.append("created_at::DATE <= $date_to")
            params["date_to"] = self.date_to
        if self.text.strip():
            # or the record it is about, by its name now: a contact's edit, delete and undo name only
            # the fields they changed, and a search for the person found its creation alone
            parts.append("(contains(coalesce(before, ''), $text) OR contains(coalesce(after, ''), $text)"
                         " OR contains(coalesce(detail, ''), $text)"
                         " OR (table_name = 'customers' AND row_id IN (SELECT id FROM customers WHERE contains(name, $text)))"
                         " OR (table_name = 'contacts' AND row_id IN (SELECT id FROM contacts WHERE contains(name, $text)))"
                         " OR (table_name = 'users' AND row_id IN (SELECT id FROM users"
                         " WHERE contains(display_name, $text) OR contains(username, $text)))"
                         " OR (table_name = 'teams' AND row_id IN (SELECT id FROM teams WHERE contains(name, $text))))")
            params["text"] = self.text.strip()
        if self.row_id is not None:
            parts.append("row_id = $row_id")
            params["row_id"] = self.row_id
        return " AND ".join(parts), params


NAMED_TABLES = ("customers", "contacts", "users", "teams", "follow_ups", "needs", "contracts", "stage_changes",
                "risks", "feedback", "surveys", "ownership_changes")  # the tables sql/admin/record_names.sql names
RECORD = "record"  # the column with_records() adds, beside row_id
CHANGES = "changes"  # the values before and after in words (audit_changes)
# the page's order: the changes in words; the stored JSON is opened per entry
SHOWN = (*COLUMNS.split(", ")[:6], RECORD, CHANGES, "detail")
EXPORTED = (*SHOWN, "before", "after")  # the exports keep the stored JSON beside the words


def with_records(store: Store, df: pl.DataFrame) -> pl.DataFrame:
    """The entries with `record`: the name of the row each one is about (客户 662 said which
    customer only to whoever looked the number up)."""
    text = sql.load("admin/record_names")
    for table in NAMED_TABLES:
        ids = df.filter(pl.col("table_name") == table).get_column("row_id").drop_nulls().unique().to_list()
        text = text.replace(f"__{table}__", sql.id_list(ids))
    names = store.query(text) if df.height else pl.DataFrame()
    if names.is_empty():
        return df.with_columns(pl.lit(None, dtype=pl.String).alias(RECORD))
    return df.join(names.rename({"name": RECORD}), on=["table_name", "row_id"], how="left", maintain_order="left")


def count(store: Store, actor: Actor, search: AuditSearch) -> int:
    require_role(actor, "admin")
    where, params = search.where()
    return store.scalar(f"SELECT count(*) FROM audit_log WHERE {where}", params)


def search(store: Store, actor: Actor, search: AuditSearch, limit: int = 500, offset: int = 0) -> pl.DataFrame:
    """Matching entries, newest first."""
    require_role(actor, "admin")
    where, params = search.where()
    return with_records(store, store.query(f"SELECT {COLUMNS} FROM audit_log WHERE {where} ORDER BY id DESC"
                                           " LIMIT $limit OFFSET $offset", {**params, "limit": limit, "offset": offset}))


def options(store: Store, actor: Actor) -> dict[str, list[str]]:
    """The actions and tables present, for the search's pickers."""
    require_role(actor, "admin")
    return {"actions": store.query("SELECT DISTINCT action FROM audit_log ORDER BY 1")["action"].to_list(),
            "tables": store.query("SELECT DISTINCT table_name FROM audit_log WHERE table_name IS NOT NULL"
                                  " ORDER BY 1")["table_name"].to_list()}


def export(store: Store, actor: Actor, search: AuditSearch, fmt: str, lang: str = i18n.DEFAULT_LANGUAGE) -> bytes:
    """Every matching entry as CSV (UTF-8 with BOM) or xlsx, with the screen's headers and words,
    formulas neutralised; audited."""
    require_role(actor, "admin")
    where, params = search.where()
    df = with_records(store, store.query(f"SELECT {COLUMNS} FROM audit_log WHERE {where} ORDER BY id", params))
    df = audit_changes.with_changes(labelled(df, lang), lang, audit_changes.names(store, actor), df["table_name"],
                                    CHANGES)
    df = df.select(EXPORTED).rename({**{c: i18n.t(k, lang) for c, k in HEADERS.items()},
                                     RECORD: i18n.t("security.audit_record", lang),
                                     CHANGES: i18n.t("security.audit_changes", lang)})
    sheet = i18n.t("security.audit_title", lang)
    data = exports.to_csv_bytes(df) if fmt == "csv" else exports.to_xlsx_bytes({sheet: df})
    what = ", ".join(f"{k}={'/'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in params.items())
    exports.audited_export(store, actor, "audit_log", df.height, fmt, detail=what)  # date_from=2026-10-29, …
    return data
