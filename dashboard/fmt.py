"""Display formatting shared by the pages: ¥1,234,500, 123.5万, 5.2%, 2026-03-05, 14:30, hours."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

import polars as pl

from dashboard.i18n import label, lang, t
from pipelines import i18n
from pipelines.codes import INDUSTRIES
from pipelines.config import local_tz

# What Markdown (and Streamlit's additions to it) acts on anywhere in a line: emphasis, code,
# links and images ([…](…), ![…](…), <http://…>), maths ($…$), strike-through; each is written
# with a backslash so that it shows as itself. Other punctuation only counts at a line's start.
_INLINE = re.compile(r"([\\`*_\[\]<>$~])")
# a heading, a list (- 1. 1)), a quote's > is escaped above, a table, a rule; the backslash goes
# before the punctuation (a backslash before a digit would show)
_LINE_START = re.compile(r"^(\s*)([#+\-=|])|^(\s*\d+)([.)])(?=\s|$)", re.MULTILINE)
_DIRECTIVE = re.compile(r":(?=[A-Za-z/])")  # :red[…], :material/…:, an emoji's :code:
_WWW = re.compile(r"(www)\.", re.IGNORECASE)  # a bare www.… becomes a link
_WORD_JOINER = "\u2060"  # invisible: after a colon it opens no directive, after www no link


def literal(text: object) -> str:
    """Text people typed (a customer's name, a note, an account's name, a file's column), made safe
    to put in what Streamlit reads as Markdown: titles, messages, captions, link and button labels.
    Shown as typed: `![x](http://…)` is neither an image fetched from there nor a link, `**粗**`
    not bold, `$y$` not maths. Plain text comes back unchanged. Not for tables, select options or
    files, which show text as it is."""
    if text is None:
        return ""
    out = _INLINE.sub(r"\\\1", str(text))
    out = _LINE_START.sub(lambda m: "\\".join(m.group(1, 2) if m.group(2) else m.group(3, 4)), out)
    out = _WWW.sub(r"\1" + _WORD_JOINER + ".", _DIRECTIVE.sub(":" + _WORD_JOINER, out))
    return out.replace("\n", "  \n")  # a line break in the text stays one


def money(amount: float | Decimal | None) -> str:
    """¥1,234,500 (whole yuan; cents only when there are any)."""
    if amount is None:
        return "—"
    value = float(amount)
    return f"¥{value:,.0f}" if value == int(value) else f"¥{value:,.2f}"


def money_short(amount: float | Decimal | None) -> str:
    """123.5万 / 1.2亿 in Chinese, ¥1.23M in English, for cards (the exact figure goes in the help)."""
    if amount is None:
        return "—"
    value = float(amount)
    if lang() == "zh_CN":
        if abs(value) >= 1e8:
            return f"{value / 1e8:,.1f}亿"
        if abs(value) >= 1e4:
            return f"{value / 1e4:,.1f}万"
        return money(value)
    if abs(value) >= 1e6:  # ¥2.99M: as many figures as 299.2万 (¥3.0M lost a tenth of a million)
        return f"¥{value / 1e6:,.2f}M"
    if abs(value) >= 1e3:
        return f"¥{value / 1e3:,.1f}K"
    return money(value)


def pct(rate: float | None) -> str:
    """0.052 → 5.2%."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def share(rate: float | None, part: int, whole: int) -> str:
    """A rate with the count behind it, 15.0%(6/40) (METRICS.md), 15.0% (6/40) in English; "—"
    when there is none."""
    gap = " " if lang() == "en" else ""
    return "—" if rate is None else f"{pct(rate)}{gap}({int(part):,}/{int(whole):,})"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(local_tz()) if value.tzinfo else value
    return value.strftime("%Y-%m-%d")


def moment(value: datetime | None) -> str:
    """2026-03-05 14:30 in local time; a moment at midnight to the microsecond is a date without a
    time (a sheet's 2026/11/21, stored as that day's 00:00), shown as the date alone: it read as
    a call made at 00:00."""
    if value is None:
        return "—"
    local = value.astimezone(local_tz()) if value.tzinfo else value
    return local.strftime("%Y-%m-%d" if local.time() == time(0) else "%Y-%m-%d %H:%M")


def hours(value: float | None) -> str:
    return "—" if value is None else t("fmt.hours", hours=f"{value:.1f}")


def industry(code: str | None, language: str | None = None) -> str:
    """"C 制造业" / "C Manufacturing": the GB/T 4754 section letter and its name (in `language`,
    else the user's)."""
    return i18n.industry(code, language or lang()) if code else "—"


def industry_col(name: str = "industry") -> pl.Expr:
    """industry() over a column. The labels are looked up here, in the page's thread: polars runs
    map_elements in its own threads, where the user's language cannot be read (it fell back to
    Chinese in the English tables)."""
    return pl.col(name).replace_strict({c: industry(c) for c in INDUSTRIES}, default=pl.col(name),
                                       return_dtype=pl.Utf8).fill_null("—")


def labelled(df: pl.DataFrame, kinds: dict[str, str]) -> pl.DataFrame:
    """Codes replaced by their labels, e.g. {"stage": "stage", "channel": "channel"}."""
    out = df
    for col, kind in kinds.items():
        if col in out.columns:
            codes = out[col].unique().drop_nulls().to_list()
            out = out.with_columns(pl.col(col).replace_strict({c: label(kind, c) for c in codes},
                                                              default=None, return_dtype=pl.Utf8))
    return out


def local_times(df: pl.DataFrame, *cols: str, with_time: bool = True) -> pl.DataFrame:
    """Timestamp and date columns as local text (2026-03-05 14:30, 2026-03-05), ready for a
    table; a missing value reads "—" (Streamlit would show the word None). The text sorts as
    the times do."""
    pattern = "%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d"
    out = df
    for col in cols:
        if col not in out.columns:
            continue
        kind, c = out.schema[col], pl.col(col)
        if isinstance(kind, pl.Datetime):
            if kind.time_zone:
                c = c.dt.convert_time_zone(str(local_tz()))
            # a date without a time (midnight to the microsecond) as the date alone, as moment()
            text = pl.when(c.dt.time() == time(0)).then(c.dt.strftime("%Y-%m-%d")).otherwise(c.dt.strftime(pattern))
            out = out.with_columns(text.fill_null("—").alias(col))
        elif kind == pl.Date:
            out = out.with_columns(c.dt.strftime("%Y-%m-%d").fill_null("—").alias(col))
    return out


def team(col: str = "team") -> pl.Expr:
    """A team's name; a rep in no team (an imported one, before an admin places them) says so
    (Streamlit would show the word None)."""
    return pl.col(col).fill_null(t("common.no_team"))


def blanks(df: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """Missing text reads "—" in a table (Streamlit would show the word None); default: every
    text column, and every date column as text (Streamlit would add 00:00:00)."""
    if not cols:
        df = local_times(df, *(c for c, kind in df.schema.items() if kind == pl.Date))
    cols = cols or tuple(c for c, kind in df.schema.items() if kind == pl.String)
    return df.with_columns(pl.col(c).fill_null("—") for c in cols if c in df.columns)


def level_tags(df: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """Labelled risk levels as one-item lists, which widgets.level_column draws as coloured tags
    (no level, as for a lost customer: an empty cell, as no tag)."""
    none = pl.lit([], dtype=pl.List(pl.String))
    return df.with_columns(pl.when(pl.col(c).is_null()).then(none).otherwise(pl.concat_list(c)).alias(c)
                           for c in cols if c in df.columns)


def evidence(df: pl.DataFrame) -> pl.DataFrame:
    """A risk's stored evidence (JSON facts) as the sentence the risk board shows (a closed one's
    as it stood when it closed, where the frame has `closed_at`)."""
    from pipelines.risk_board import evidence_text

    language = lang()
    closed = pl.col("closed_at") if "closed_at" in df.columns else pl.lit(None, pl.Datetime("us", "UTC"))
    return df.with_columns(pl.struct("rule", "evidence", "note", closed.alias("closed_at")).map_elements(
        lambda r: evidence_text(r["rule"], r["evidence"], language, note=r["note"], closed_at=r["closed_at"]) or None,
        return_dtype=pl.Utf8, skip_nulls=False).alias("evidence"))


def rep_names(df: pl.DataFrame) -> pl.DataFrame:
    """`rep_name` as people read it (explorer.shown_rep): never the word None."""
    from pipelines.explorer import shown_rep

    return df.with_columns(shown_rep(t("common.other_rep")))


def yes_no(df: pl.DataFrame, *cols: str) -> pl.DataFrame:
    yes, no = t("common.yes"), t("common.no")
    return df.with_columns([pl.when(pl.col(c)).then(pl.lit(yes)).otherwise(pl.lit(no)).alias(c)
                            for c in cols if c in df.columns])


def headers(df: pl.DataFrame) -> pl.DataFrame:
    """Column names as catalog field labels (field.<name>), for tables people read."""
    return df.rename({c: t(f"field.{c}") for c in df.columns if t(f"field.{c}") != f"field.{c}"})
