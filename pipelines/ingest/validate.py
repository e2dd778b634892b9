"""The models' field rules applied to whole columns (polars expressions), not row by row.

Each field gives a parsed column and an error column holding the catalog key of the first
rule it breaks (`error.<key>` of pipelines/validators.py and models.py). Checks that need a
Python library (credit code, phone, e-mail, province) run once per distinct value only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import polars as pl

from pipelines import validators
from pipelines.config import tz_name
from pipelines.ingest.mapping import BOOLS, FIELDS, Field, Mapping, choice_values, norm
from pipelines.ingest.readers import ROW, Table

ERR = "__err"
RAW = "__raw"
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_AWARE = ("%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M%z")
_NAIVE = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_DATE_PART = r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?"
_NEEDS_KEY = ("follow_ups", "contacts", "contracts")  # rows that name a customer by name or code


@dataclass
class Checked:
    kind: str
    good: pl.DataFrame  # `_row` and one parsed column per field, rows with no error
    rejects: pl.DataFrame  # `_row`, field, column, value, error (catalog key)
    rows_read: int
    columns: dict[str, str]  # field → the file's column


REJECT_SCHEMA = {ROW: pl.Int64, "field": pl.String, "column": pl.String, "value": pl.String,
                 "error": pl.String}


def _candidates(formats: list[str] | None) -> list:
    """Parsers from text to local naive datetimes: the mapping's formats first, then the usual
    forms (2026-03-05, 2026/3/5, 2026年3月5日, with or without a time or seconds, ISO with an
    offset) and Excel serial day numbers."""
    tz = tz_name()

    def strptime(fmt: str, normalised: bool, builtin: bool = True):
        def parse(raw: pl.Series) -> pl.Series:
            text = _normalise(raw) if normalised else raw
            # no cache of converted values: times are mostly distinct, and it cost more than it saved
            parsed = text.str.to_datetime(fmt, strict=False, exact=True, time_unit="us", cache=False)
            if "%z" in fmt:
                parsed = parsed.dt.convert_time_zone(tz).dt.replace_time_zone(None)
            early = parsed.min()
            if builtin and early is not None and early.year < 1900:  # "02-03-24" read by %Y as the year 2
                parsed = pl.select(pl.when(pl.lit(parsed).dt.year() >= 1900).then(pl.lit(parsed))).to_series()
            return parsed
        return parse

    def excel(raw: pl.Series) -> pl.Series:
        serial = pl.lit(raw.str.strip_chars().cast(pl.Float64, strict=False))
        days = pl.duration(microseconds=(serial * 86_400_000_000).round(0))
        return pl.select(pl.when(serial.is_between(20000, 80000)).then(pl.lit(datetime(1899, 12, 30)) + days)
                         ).to_series().dt.cast_time_unit("us")

    # Text already in ISO form needs no normalising (the fast path for big files).
    return ([strptime(f, False, False) for f in formats or []] + [strptime(f, False) for f in _NAIVE + _AWARE]
            + [strptime(f, True) for f in _AWARE + _NAIVE] + [excel])


def _normalise(raw: pl.Series) -> pl.Series:
    """2026年3月5日 14:30 / 2026/3/5T14:30Z → 2026-3-5 14:30(+00:00); other text → null."""
    text = (raw.str.replace(_DATE_PART, "${1}-${2}-${3} ").str.replace("T", " ", literal=True)
            .str.replace(r"Z$", "+00:00").str.replace(r"\s+", " ").str.strip_chars())
    return pl.select(pl.when(text.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}")).then(text)).to_series()


def parse_datetime(raw: pl.Series, formats: list[str] | None = None, sample: int = 2000) -> pl.Series:
    """Local naive datetimes of a text column, set-wise: the parser that reads most of a sample of
    the rows still unparsed runs on all of them, until no parser reads any (a file usually has
    one or two forms, so two or three passes over the column instead of one per form)."""
    out = pl.Series(raw.name, [None] * raw.len(), dtype=pl.Datetime("us"))
    todo = raw.is_not_null()
    parsers = _candidates(formats)
    while parsers and todo.any():
        idx = todo.arg_true()
        probe = raw.gather(idx.head(sample))
        scores = [p(probe).is_not_null().sum() for p in parsers]
        best = max(range(len(parsers)), key=scores.__getitem__)
        if scores[best] == 0:
            if idx.len() <= sample:
                break
            scores = [p(raw.gather(idx)).is_not_null().sum() for p in parsers]  # rare forms further down
            best = max(range(len(parsers)), key=scores.__getitem__)
            if scores[best] == 0:
                break
        if idx.len() == raw.len():  # first pass over a column with no blanks: no gather/scatter
            out = parsers.pop(best)(raw)
            todo = out.is_null()
            continue
        parsed = parsers.pop(best)(raw.gather(idx))
        got = parsed.is_not_null()
        out = out.scatter(idx.filter(got), parsed.filter(got))
        todo = todo.scatter(idx.filter(got), False)
    return out


def _distinct_check(raw: pl.Expr, frame: pl.DataFrame, fn, fast=None) -> tuple[pl.Expr, pl.Expr]:
    """Run a validators function once per distinct value; (value, error key) columns. `fast`
    marks the distinct values that are certainly valid and already in their stored form (a
    column-wise test), so `fn` runs only on the others."""
    distinct = frame.select(raw.alias("v")).get_column("v").unique().drop_nulls()
    sure = distinct.filter(fast(distinct)) if fast is not None and distinct.len() else distinct.clear()
    values: list[str | None] = []
    errors: list[str | None] = []
    others = distinct.filter(~distinct.is_in(sure.implode())) if sure.len() else distinct
    if others.len() == 0:  # every value is valid as it stands (the usual case): no lookups per row
        return raw, None
    for v in others.to_list():
        try:
            values.append(fn(v))
            errors.append(None)
        except Exception as exc:  # PydanticCustomError: its type is the catalog key
            kind = exc.type() if callable(getattr(exc, "type", None)) else getattr(exc, "type", "invalid")
            values.append(None)
            errors.append(kind)
    keys = pl.concat([sure, others])
    value = pl.concat([sure, pl.Series(values, dtype=pl.String)])
    error = pl.concat([pl.Series([None] * sure.len(), dtype=pl.String), pl.Series(errors, dtype=pl.String)])
    return (raw.replace_strict(keys, value, default=None, return_dtype=pl.String),
            raw.replace_strict(keys, error, default=None, return_dtype=pl.String))


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015, as python-stdnum checks it
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_certain(codes: pl.Series) -> pl.Series:
    """True for a credit code that validators.uscc accepts unchanged: 18 characters of its
    alphabet (upper case, no spaces), the first 8 digits, and the right check character."""
    index = {ch: i for i, ch in enumerate(_USCC_ALPHABET)}
    shaped = codes.str.contains(f"^[0-9]{{8}}[{_USCC_ALPHABET}]{{10}}$")
    text = pl.col("c")
    total = pl.sum_horizontal([text.str.slice(i, 1).replace_strict(index, default=0, return_dtype=pl.Int32) * w
                               for i, w in enumerate(_USCC_WEIGHTS)])
    check = ((31 - total) % 31).replace_strict(dict(enumerate(_USCC_ALPHABET)), return_dtype=pl.String)
    right = pl.DataFrame({"c": codes}).select(check == text.str.slice(17, 1)).to_series()
    return (shaped & right).fill_null(False)


def _raw(f: Field, column: str | None, mapping: Mapping, spaced: bool = True) -> pl.Expr:
    """The cell text: trimmed, blank → null, the mapping's default and value codes applied.
    `spaced`: the column holds an ideographic space (U+3000) somewhere, to be made a space."""
    if column is not None:
        raw = pl.col(column)
        if spaced:
            raw = raw.str.replace_all("\u3000", " ", literal=True)
        raw = raw.str.strip_chars().replace("", None)
    else:
        raw = pl.lit(None, dtype=pl.String)
    if f.name in mapping.defaults:
        raw = pl.coalesce(raw, pl.lit(str(mapping.defaults[f.name])))
    if mapping.values.get(f.name):  # their value → our code, exactly as they write it
        theirs = {str(k): str(v) for k, v in mapping.values[f.name].items()}
        raw = raw.replace(theirs)
    return raw.alias(f.name + RAW)


def _value(frame: pl.DataFrame, f: Field, mapping: Mapping) -> tuple[pl.Expr, pl.Expr | None]:
    """(parsed value, error from the validators' distinct-value check or None)."""
    raw = pl.col(f.name + RAW)
    if f.type in ("text", "user", "tags"):
        return raw.alias(f.name), None
    if f.type in ("datetime", "date"):
        parsed = parse_datetime(frame.get_column(f.name + RAW), mapping.formats.get(f.name))
        if f.type == "date":
            return pl.lit(parsed.dt.date()).alias(f.name), None
        return pl.lit(parsed.dt.replace_time_zone(tz_name(), ambiguous="earliest", non_existent="null")
                      ).alias(f.name), None
    if f.type in ("choice", "bool"):  # few distinct values: look each up once
        known = choice_values(f.choice) if f.type == "choice" else {norm(k): v for k, v in BOOLS.items()}
        distinct = frame.get_column(f.name + RAW).unique().drop_nulls().to_list()
        found = {v: known[norm(v)] for v in distinct if norm(v) in known}
        return raw.replace_strict(found, default=None,
                                  return_dtype=pl.String if f.type == "choice" else pl.Boolean).alias(f.name), None
    if f.type == "int":
        number = raw.str.replace_all(",", "").cast(pl.Float64, strict=False)
        return pl.when(number == number.round(0)).then(number.cast(pl.Int64, strict=False)).alias(f.name), None
    if f.type == "money":
        number = raw.str.replace_all(r"[,,¥¥$元\s]", "").cast(pl.Float64, strict=False)
        return number.round(2).cast(pl.Decimal(18, 2), strict=False).alias(f.name), None
    fn = {"uscc": validators.uscc, "phone": validators.phone, "email": validators.email,
          "province": validators.province}[f.type]
    value, err = _distinct_check(raw, frame, fn, uscc_certain if f.type == "uscc" else None)
    return value.alias(f.name), err


def _text_hits(raws: pl.DataFrame, fields: tuple[Field, ...]) -> set[str]:
    """The text checks that some row can fail ("<field>|control", "<field>|long"), found with one
    pass over each column, so the per-row checks run only where they can find something (a value
    of at most max_len bytes has at most max_len characters)."""
    probes = []
    for f in fields:
        if f.type in ("text", "user", "tags"):
            raw = pl.col(f.name + RAW)
            probes.append(raw.str.contains(CONTROL).any().alias(f.name + "|control"))
            if f.max_len:
                probes.append((raw.str.len_bytes() > f.max_len).any().alias(f.name + "|long"))
    if not probes or raws.height == 0:
        return set()
    return {k for k, hit in raws.select(probes).row(0, named=True).items() if hit}


def _error(f: Field, distinct_err: pl.Expr | None, hits: set[str]) -> pl.Expr:
    """The catalog key of the first rule the field breaks, else null."""
    raw, value = pl.col(f.name + RAW), pl.col(f.name)
    unparsed = raw.is_not_null() & value.is_null()
    none = pl.lit(None, dtype=pl.String)
    if f.type in ("text", "user", "tags"):
        err = none
        if f.max_len and f.name + "|long" in hits:
            err = pl.when(raw.str.len_chars() > f.max_len).then(pl.lit("too_long")).otherwise(err)
        if f.name + "|control" in hits:  # checked first: control characters are named before length
            err = pl.when(raw.str.contains(CONTROL)).then(pl.lit("control_chars")).otherwise(err)
    elif f.type == "datetime":
        now = pl.lit(datetime.now(timezone.utc)).dt.convert_time_zone(tz_name())
        err = pl.when(unparsed).then(pl.lit("not_datetime")).when(value > now).then(pl.lit("future_time"))
    elif f.type == "date":
        err = pl.when(unparsed).then(pl.lit("not_date"))
    elif f.type == "int":
        err = pl.when(unparsed).then(pl.lit("not_integer")).when(
            (value < f.low) | (value > f.high)).then(pl.lit("range"))
    elif f.type == "money":
        err = pl.when(unparsed).then(pl.lit("not_number")).when(value < 0).then(pl.lit("min_value"))
    elif f.type in ("choice", "bool"):
        err = pl.when(unparsed).then(pl.lit("choice" if f.type == "choice" else "not_bool"))
    else:
        err = distinct_err if distinct_err is not None else none
    if f.required:
        err = pl.when(raw.is_null()).then(pl.lit("missing")).otherwise(err)
    return err.alias(f.name + ERR)


def check(table: Table, kind: str, columns: dict[str, str], mapping: Mapping | None = None) -> Checked:
    """Parse and check every field of `kind`; split the rows into good ones and rejects."""
    mapping = mapping or Mapping()
    fields = FIELDS[kind]
    used = sorted({columns[f.name] for f in fields if f.name in columns})
    found = table.frame.select([pl.col(c).str.contains("\u3000", literal=True).any() for c in used]).row(0) \
        if used and table.frame.height else [False] * len(used)
    spaced = {c for c, hit in zip(used, found) if hit}  # replacing costs a copy: only where needed
    raws = table.frame.select([pl.col(ROW)] + [_raw(f, columns.get(f.name), mapping, columns.get(f.name) in spaced)
                                               for f in fields])
    values = [_value(raws, f, mapping) for f in fields]
    hits = _text_hits(raws, fields)
    checks = {f.name: _error(f, e, hits) for f, (_, e) in zip(fields, values)}
    if kind in _NEEDS_KEY:  # a row must name its customer by name or credit code
        checks["customer_name"] = pl.when(
            pl.col("customer_name" + RAW).is_null() & pl.col("customer_uscc" + RAW).is_null()
        ).then(pl.lit("missing")).otherwise(checks["customer_name"]).alias("customer_name" + ERR)
    parsed = raws.lazy().with_columns([v for v, _ in values]).with_columns(list(checks.values())).collect()
    errors = [f.name + ERR for f in fields]
    bad = pl.any_horizontal([pl.col(e).is_not_null() for e in errors])
    rejects = [
        parsed.filter(pl.col(f.name + ERR).is_not_null()).select(
            pl.col(ROW), pl.lit(f.name).alias("field"), pl.lit(columns.get(f.name, "")).alias("column"),
            pl.col(f.name + RAW).alias("value"), pl.col(f.name + ERR).alias("error"))
        for f in fields]
    good = parsed.select([ROW] + [f.name for f in fields])
    if sum(r.height for r in rejects):
        good = good.filter(~parsed.select(bad).to_series())
    return Checked(kind, good, concat_rejects(rejects), table.frame.height, columns)


def concat_rejects(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [f.cast(REJECT_SCHEMA) for f in frames if f.height]  # type: ignore[arg-type]
    if not frames:
        return pl.DataFrame(schema=REJECT_SCHEMA)
    return pl.concat(frames).sort(ROW, "field")


def reject(frame: pl.DataFrame, field: str, column: str, error: str, value: Any = None) -> pl.DataFrame:
    """Reject rows found while loading (scope, unknown customer); `value` is a column name."""
    return frame.select(pl.col(ROW), pl.lit(field).alias("field"), pl.lit(column).alias("column"),
                        (pl.col(value).cast(pl.String) if value else pl.lit(None, pl.String)).alias("value"),
                        pl.lit(error).alias("error"))
