"""A PIPL export as people read it: one sheet per table named in words, headers from the
catalog, codes (stage, channel, level …) as their labels and times in local time.

The JSON export keeps the data as held (tables, columns and codes as stored), for another
system to read; this is the copy a person opens in Excel, and the one the admin page shows.
"""

from __future__ import annotations

import polars as pl

from pipelines import audit_changes, audit_view, i18n
from pipelines.config import local_tz


def header(column: str, lang: str, table: str | None = None) -> str:
    """A column's header: its `pipl_column` name (ids and bookkeeping), else its field label (a
    contact's name is 姓名, as on the contact form)."""
    for key in (f"pipl_column.{column}", audit_changes.LABELS.get((table, column), f"field.{column}")):
        text = i18n.t(key, lang)
        if text != key:
            return text
    return column


def _values(table: str, frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        kind = audit_changes.CODED_BY_TABLE.get((table, name)) or audit_changes.CODED.get(name)
        if kind and dtype == pl.String:
            codes = frame.get_column(name).drop_nulls().unique().to_list()
            col = col.replace_strict({c: i18n.label(kind, c, lang) for c in codes}, default=col, return_dtype=pl.String)
        elif isinstance(dtype, pl.Datetime):
            if dtype.time_zone:
                col = col.dt.convert_time_zone(str(local_tz()))
            col = col.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif dtype == pl.Boolean:
            col = col.replace_strict({True: i18n.t("common.yes", lang), False: i18n.t("common.no", lang)},
                                     default=None, return_dtype=pl.String)
        elif isinstance(dtype, pl.List):
            col = col.cast(pl.List(pl.String)).list.join(i18n.list_sep(lang))
        elif dtype.is_integer() and (name == "id" or name.endswith("_id")):  # a number as written: 1722, not 1,722
            col = col.cast(pl.String)
        out.append(col.alias(name))
    return frame.select(out)


def readable(data: dict[str, pl.DataFrame], lang: str) -> dict[str, pl.DataFrame]:
    """{sheet title: table} of pipl.person_data's tables (the audit log as the audit page shows it)."""
    sheets = {}
    for table, frame in data.items():
        if table == "audit_log":
            shown = audit_view.labelled(frame.select(audit_view.COLUMNS.split(", ")), lang)
            headers = {c: i18n.t(k, lang) for c, k in audit_view.HEADERS.items()}
        else:
            shown = frame
            headers = {c: header(c, lang, table) for c in frame.columns}
        shown = _values(table, shown, lang)
        seen: set[str] = set()
        for column, text in headers.items():  # two columns one label: the second keeps its code too
            headers[column] = text if text not in seen else f"{text} ({column})"
            seen.add(headers[column])
        sheets[audit_view.table_label(table, lang)] = shown.rename(headers)
    return sheets
