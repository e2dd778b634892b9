"""Exports people open in Excel: CSV in UTF-8 with a BOM, and .xlsx with one sheet per table.

Text cells starting with =, +, -, @ (or a tab/carriage return) would run as formulas in Excel
(CSV injection): they are prefixed with an apostrophe (a negative number, -5, is left as it is,
as Excel reads it as that number). Callers record the export in the audit
log with `audited_export`.
"""

from __future__ import annotations

import io
import re
import unicodedata

import polars as pl

from pipelines import audit
from pipelines.access import Actor
from pipelines.store import Store

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_START = "[" + "".join(re.escape(c) for c in _FORMULA_START) + "]"
MARKED = f"^'{_START}"  # a cell neutralise() marked: what the importer takes the mark off again
# A negative number is text a spreadsheet reads as that number, not as a formula: it is left as it
# is, so that a rejects file with -5 in it can be corrected and imported again as it stands.
_NEGATIVE_NUMBER = r"^-\d+(\.\d+)?$"


def neutralise(value: str | None) -> str | None:
    if value and value.startswith(_FORMULA_START) and not re.match(_NEGATIVE_NUMBER, value):
        return "'" + value
    return value


def safe_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Neutralise formula-like text in every string column; other types pass unchanged."""
    text = [c for c, t in df.schema.items() if t == pl.Utf8]
    if not text:
        return df
    return df.with_columns([
        pl.when(pl.col(c).str.contains(f"^{_START}") & ~pl.col(c).str.contains(_NEGATIVE_NUMBER))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in text])


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
    # times as Excel reads them (polars' own default is ISO with a T and microseconds)
    safe_frame(_printable(df)).write_csv(buf, datetime_format="%Y-%m-%d %H:%M:%S")
    return b"\xef\xbb\xbf" + buf.getvalue()


# whole numbers with thousands separators, other numbers with two decimals (polars' own default
# shows three decimals on every number: "685.000")
NUMBER_FORMATS = {**dict.fromkeys((pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32,
                                   pl.UInt64), "#,##0"),
                  pl.Float32: "#,##0.00", pl.Float64: "#,##0.00"}
RATE, YUAN, WHOLE, SCORE = "0.0%", "¥#,##0", "#,##0", "0.0"  # formats a caller may give a column


def display_width(text: str) -> int:
    """Display width: a Chinese character (or a full-width sign) takes two columns of a Latin one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _widths(df: pl.DataFrame) -> dict[str, int]:
    """Column widths in pixels that fit the header and the text (Excel's autofit counts a Chinese
    character as one Latin one, so Chinese headers were cut)."""
    out = {}
    for name in df.columns:
        cells = df.get_column(name).head(500).cast(pl.Utf8).drop_nulls().to_list()
        widest = max([display_width(name), *(display_width(c) for c in cells)])
        out[name] = min(400, 16 + 7 * widest)
    return out


def to_xlsx_bytes(sheets: dict[str, pl.DataFrame], formats: dict[str, str] | None = None) -> bytes:
    """One sheet per table (sheet names cut to Excel's 31 characters); `formats` gives columns
    (by header) an Excel number format, e.g. RATE for fractions shown as percentages."""
    import xlsxwriter

    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"remove_timezone": True, "strings_to_formulas": False,
                                   "strings_to_urls": False}) as book:
        for name, df in sheets.items():
            # Text cells are typed text with Excel's quote prefix (a style, not a character): shown
            # as written and never run as a formula, even when edited. The CSV's apostrophe mark
            # showed in Excel's cells ('+8613800000000).
            frame = _printable(df)
            text = {c: {"quote_prefix": True} for c, kind in frame.schema.items() if kind == pl.Utf8}
            chosen = {**text, **{c: f for c, f in (formats or {}).items() if c in frame.columns}}
            frame.write_excel(book, worksheet=name[:31], autofit=True, dtype_formats=NUMBER_FORMATS,
                              column_formats=chosen or None, column_widths=_widths(frame))
    return buf.getvalue()


def audited_export(store: Store, actor: Actor, what: str, rows: int, fmt: str, detail: str = "") -> None:
    """Record that `actor` exported `rows` rows of `what` as `fmt`."""
    store.write(lambda cur: audit.record(cur, actor, "export", what, None,
                                         detail=f"{fmt}, {rows} rows{'; ' + detail if detail else ''}"))
