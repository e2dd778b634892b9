"""Reasons for rejected rows in Chinese and English, from the catalog's `error.*` messages and
`field.*` labels, and the rejects file (CSV, UTF-8 with BOM so Excel opens it)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import polars as pl

from pipelines import exports, i18n
from pipelines.ingest.mapping import CHOICE_CODES, FIELDS
from pipelines.ingest.readers import ROW

LANGS = ("zh_CN", "en")
_YMD = re.compile(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")


def impossible_date(value: str | None) -> bool:
    """Written as a year, month and day that no calendar has (2026-02-30, 2026/13/1)."""
    found = _YMD.match(value or "")
    if not found:
        return False
    try:
        date(*(int(g) for g in found.groups()))
    except ValueError:
        return True
    return False


def reason(kind: str, field: str, error: str, value: str | None, lang: str) -> str:
    """The message for one rejected cell, e.g. 跟进方式:「xx」不是可选值,可选:电话、邮件…"""
    spec = next((f for f in FIELDS.get(kind, ()) if f.name == field), None)
    label = i18n.t(f"field.{field}", lang)
    text = value or ""
    ctx: dict[str, object] = {"field": label, "value": text, "actual": len(text),
                              "length": len(unicodedata.normalize("NFKC", text).replace(" ", ""))}
    if spec is not None:
        ctx.update(max=spec.max_len if spec.max_len is not None else spec.high, min=spec.low)
        if spec.choice:
            sep = i18n.list_sep(lang)
            ctx["choices"] = sep.join(i18n.label(spec.choice, c, lang) for c in CHOICE_CODES[spec.choice])
    key = error if "." in error else f"error.{error}"
    if spec is not None and spec.type == "bool" and error == "choice":
        key = "error.not_bool"
    if error in ("not_date", "not_datetime") and impossible_date(value):  # not the format: the day
        key = "error.no_such_date"
    return i18n.t(key, lang, **ctx)


def explain(rejects: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Add `reason_zh` and `reason_en`; formatted once per distinct (field, error, value)."""
    if rejects.height == 0:
        return rejects.with_columns(pl.lit("").alias("reason_zh"), pl.lit("").alias("reason_en"))
    distinct = rejects.select("field", "error", "value").unique()
    zh, en = [], []
    for f, e, v in distinct.iter_rows():
        zh.append(reason(kind, f, e, v, "zh_CN"))
        en.append(reason(kind, f, e, v, "en"))
    distinct = distinct.with_columns(pl.Series("reason_zh", zh, pl.String), pl.Series("reason_en", en, pl.String))
    return rejects.join(distinct, on=["field", "error", "value"], how="left", nulls_equal=True).sort(ROW, "field")


def by_reason(rejects: pl.DataFrame) -> pl.DataFrame:
    """One line per field and reason: how many rows, with the first row's value as the example
    (in the rejects' own columns, so that explain() words it)."""
    return rejects.group_by("field", "error", maintain_order=True).agg(
        pl.col(ROW).first(), pl.col("column").first(), pl.col("value").first(), pl.col(ROW).n_unique().alias("rows"))


def write_rejects(rejects: pl.DataFrame, path: Path, kind: str, source: pl.DataFrame | None = None) -> Path:
    """The rejects file: row number, field, column, value and the reason in both languages, then
    the whole source row under its own headers (`source`: the file's text columns and `_row`), so
    that the rows can be corrected in the file itself and imported again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = explain(rejects, kind).select(
        pl.col(ROW).alias("行号 row"),
        pl.col("field").map_elements(lambda f: i18n.t(f"field.{f}", "zh_CN"), return_dtype=pl.String)
        .alias("字段 field"),
        pl.col("field").alias("field_code"),
        pl.col("column").alias("原列名 column"),
        pl.col("value").alias("值 value"),
        pl.col("reason_zh").alias("原因"),
        pl.col("reason_en").alias("reason"))
    if source is not None:
        taken = set(out.columns)
        headers = [c for c in source.columns if c != ROW]
        # a header equal to one of ours (a re-imported rejects file) keeps a mark, not our column
        names = {c: f"{c} (原)" if c in taken else c for c in headers}
        rows = source.filter(pl.col(ROW).is_in(rejects.get_column(ROW).unique().implode())).select(
            pl.col(ROW).alias("行号 row"),
            *[pl.col(c).cast(pl.String).alias(names[c]) for c in headers])
        out = out.join(rows, on="行号 row", how="left", maintain_order="left")
    with path.open("wb") as fh:
        fh.write("\ufeff".encode())
        exports.safe_frame(out).write_csv(fh)  # a cell Excel would run as a formula gets a leading '
    return path


def default_text(field: str, value: object, lang: str) -> str:
    """A value a field gets by default (a mapping's, or kinds.ASSUMED) as people read it: a
    channel's, stage's or customer type's name, 是/否, else as written."""
    if isinstance(value, bool):
        return i18n.t("common.yes" if value else "common.no", lang)
    if field in ("channel", "stage", "customer_type"):
        return i18n.label(field, str(value), lang)
    return str(value)


def assumed_notice(assumed: dict[str, object], lang: str, page: bool = False) -> str | None:
    """What the page and the command say about fields a file has no column for (kinds.assumed):
    each field with the value every row gets, e.g. 是否有效 = 是;时长(分钟) = 0."""
    if not assumed:
        return None
    sep = ";" if lang == "zh_CN" else "; "
    items = sep.join(f"{i18n.t(f'field.{f}', lang)} = {default_text(f, v, lang)}" for f, v in assumed.items())
    # what the assumed values count in, for these fields only (a customers file's stage and type
    # are no follow-up figures)
    counts = i18n.list_sep(lang).join(i18n.t(f"ingest.assumed_counts.{f}", lang) for f in assumed)
    # the page's own way to give them values is its column choices; the command's, a mapping file
    return i18n.t("ingest.assumed_page" if page else "ingest.assumed", lang, items=items, counts=counts)


def column_to_add(kind: str, field: str, lang: str) -> str:
    """A field a file lacks, by its name and, where it differs, the template's column to add (the
    field 跟进时间 is the template's 跟进日期, 名称 its 客户名称)."""
    name = i18n.t(f"field.{field}", lang)
    header = next((f.aliases[0] for f in FIELDS[kind] if f.name == field and f.aliases), None) \
        if lang == "zh_CN" else name  # the English template's headers are the English names
    return name if header in (None, name) else i18n.t("ingest.template_column", lang, name=name, header=header)


def rejects_title(rejects: pl.DataFrame, rows_rejected: int, lang: str) -> str:
    """"被拒绝的行:3 行", saying how many of them are the template's own example row (left in a
    filled template, it read as one more error)."""
    example = rejects.filter(pl.col("error") == "template_example").get_column(ROW).n_unique() if rejects.height else 0
    title = i18n.t("ingest.rejects_title", lang, count=f"{rows_rejected:,}")
    return title + (i18n.t("ingest.rejects_example", lang, n=example) if example else "")


def imported_before(before: dict, rows_new: int, lang: str, when: str, user: str) -> tuple[str, bool]:
    """What the import page says of a file with the same bytes imported before (`before`: from
    previous_import; `when` and `user` as the page shows them) and whether it is a warning: when
    the check would load rows again, they are either rows refused last time and mended, or the
    same records read otherwise (another mapping, another rep for every row) about to be stored
    twice; the plain notice had promised that only new rows load."""
    values = {"when": when, "user": user, "rows": f"{before['rows_loaded']:,}"}
    if rows_new:
        return i18n.t("ingest.imported_before_differs", lang, new=f"{rows_new:,}", **values), True
    return i18n.t("ingest.imported_before", lang, **values), False

