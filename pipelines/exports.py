"""Exports people open in Excel: CSV in UTF-8 with a BOM, and .xlsx with one sheet per table.

Text cells starting with =, +, -, @ (or a tab/carriage return) would run as formulas in Excel
(CSV injection): they are prefixed with an apostrophe. Callers record the export in the audit
log with `audited_export`.
"""

from __future__ import annotations

import io

import polars as pl

from pipelines import audit
from pipelines.access import Actor
from pipelines.store import Store

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str | None) -> str | None:
    if value and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Neutralise formula-like text in every string column; other types pass unchanged."""
    text = [c for c, t in df.schema.items() if t == pl.Utf8]
    if not text:
        return df
    starts = "=|\\+|-|@|\t|\r"
    return df.with_columns([
        pl.when(pl.col(c).str.contains(f"^({starts})")).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c))
        .alias(c) for c in text])


def _printable(df: pl.DataFrame) -> pl.DataFrame:
    """Lists become 'a, b'; time zones are dropped after converting to local wall time."""
    out = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            col = col.list.join(", ")
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone:
            col = col.dt.replace_time_zone(None)
        elif isinstance(dtype, pl.Decimal):
            col = col.cast(pl.Float64)
        out.append(col.alias(name))
    return df.select(out)


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    """CSV, UTF-8 with BOM so Excel on Chinese Windows opens it correctly."""
    buf = io.BytesIO()
    safe_frame(_printable(df)).write_csv(buf)
    return b"\xef\xbb\xbf" + buf.getvalue()


def to_xlsx_bytes(sheets: dict[str, pl.DataFrame]) -> bytes:
    """One sheet per table (sheet names cut to Excel's 31 characters)."""
    import xlsxwriter

    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"remove_timezone": True, "strings_to_formulas": False,
                                   "strings_to_urls": False}) as book:
        for name, df in sheets.items():
            safe_frame(_printable(df)).write_excel(book, worksheet=name[:31], autofit=True)
    return buf.getvalue()


def audited_export(store: Store, actor: Actor, what: str, rows: int, fmt: str, detail: str = "") -> None:
    """Record that `actor` exported `rows` rows of `what` as `fmt`."""
    store.write(lambda cur: audit.record(cur, actor, "export", what, None,
                                         detail=f"{fmt}, {rows} rows{'; ' + detail if detail else ''}"))
