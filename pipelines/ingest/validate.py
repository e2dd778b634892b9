"""The models' field rules applied to whole columns (polars expressions), not row by row.

Each field gives a parsed column and an error column holding the catalog key of the first
rule it breaks (`error.<key>` of pipelines/validators.py and models.py). Checks that need a
Python library (credit code, phone, e-mail, province) run once per distinct value only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl

from pipelines import i18n, validators
from pipelines.config import tz_name
from pipelines.ingest.dates import candidates, first_parser, fixed_offset, parse_datetime, parse_rest
from pipelines.ingest.mapping import BOOLS, FIELDS, NEEDS_KEY, Field, Mapping, choice_values, norm
from pipelines.ingest.readers import ROW, Table

ERR = "__err"
RAW = "__raw"
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


@dataclass
class Checked:
    kind: str
    good: pl.DataFrame  # `_row` and one parsed column per field, rows with no error
    rejects: pl.DataFrame  # `_row`, field, column, value, error (catalog key)
    rows_read: int
    columns: dict[str, str]  # field → the file's column


REJECT_SCHEMA = {ROW: pl.Int64, "field": pl.String, "column": pl.String, "value": pl.String,
                 "error": pl.String}


def _distinct_check(raw: pl.Expr, distinct: pl.Series, fn, fast=None) -> tuple[pl.Expr, pl.Expr]:
    """Run a validators function once per distinct value; (value, error key) columns. `fast`
    marks the distinct values that are certainly valid and already in their stored form (a
    column-wise test), so `fn` runs only on the others."""
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
        except Exception as exc:  # noqa: BLE001 - PydanticCustomError: its type is the catalog key
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
    shaped = codes.str.contains(f"^[0-9]{{8}}[{_USCC_ALPHABET}]{{10}}$")
    # a shaped code is 18 ASCII bytes: each byte's value in the alphabet by its position in a table
    value = pl.Series([max(_USCC_ALPHABET.find(chr(b)), 0) for b in range(256)], dtype=pl.Int32)
    byte = pl.col("c").cast(pl.Binary).bin.get
    total = pl.sum_horizontal([pl.lit(value).gather(byte(i, null_on_oob=True)) * w
                               for i, w in enumerate(_USCC_WEIGHTS)])
    right = pl.DataFrame({"c": codes}).select((31 - total) % 31 == pl.lit(value).gather(byte(17, null_on_oob=True)))
    return (shaped & right.to_series()).fill_null(False)


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


_TEXT = ("text", "user", "tags")
_LOOKED_UP = ("choice", "bool", "uscc", "phone", "email", "province")  # looked up once per distinct value
_BY_VALUE = (*_LOOKED_UP, "user")  # columns of few distinct values: reps, owners, signers
_DATES = ("datetime", "date")
_ODD = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u3000]"  # a control character or an ideographic space
NAIVE = "__naive"


@dataclass
class _Plan:
    """What one pass over the file's columns found, for the fields' expressions."""

    raws: dict[str, pl.Expr]  # field → its cell text (_raw), or the column as it is when that is the same
    distinct: dict[str, pl.Series]  # field of _BY_VALUE → its distinct non-blank cell texts
    hits: set[str]  # "<field>|control", "<field>|long": the text checks some row may fail


def _plan(frame: pl.DataFrame, fields: tuple[Field, ...], columns: dict[str, str], mapping: Mapping) -> _Plan:
    """One query over the file's columns (polars spreads them over the cores): the distinct values
    of looked-up and user fields, whether another text column has a control character or an
    ideographic space (U+3000) or too many bytes, whether any other column has an ideographic space.

    A looked-up or user field's cells are trimmed and checked as its distinct values (few, or far
    fewer than the rows), and when trimming changes none of them the column is used as it is: no
    copy. The other text checks are asked of the file's cells, whose trimmed text has no more bytes
    and no other characters, so a check that finds nothing there finds nothing in the cell text."""
    scans = []
    for f in fields:
        col = pl.col(columns[f.name]) if f.name in columns else None
        if col is None:
            continue
        if f.type in _BY_VALUE:
            scans.append(col.unique().implode().alias(f.name + "|distinct"))
        elif f.type in _TEXT:
            scans.append(col.str.contains(_ODD).any().alias(f.name + "|odd"))
            if f.max_len:
                scans.append((col.str.len_bytes() > f.max_len).any().alias(f.name + "|long"))
        else:
            scans.append(col.str.contains("\u3000", literal=True).any().alias(f.name + "|spaced"))
    row = frame.select(scans) if scans else pl.DataFrame()
    found = {name: row.get_column(name)[0] for name in row.columns}  # a list cell comes back as a Series
    plan = _Plan({}, {}, set())
    for f in fields:
        column = columns.get(f.name)
        if f.type in _BY_VALUE:
            cells = found[f.name + "|distinct"] if column else pl.Series([None], dtype=pl.String)
            spaced = bool(cells.str.contains("\u3000", literal=True).any())
            raw = _raw(f, column, mapping, spaced)
            texts = cells.to_frame(column or "_").select(raw).to_series()
            if column and texts.equals(cells):
                raw = pl.col(column).alias(f.name + RAW)
                texts = cells.drop_nulls()  # already distinct
            else:
                texts = texts.unique().drop_nulls()
            plan.distinct[f.name] = texts
            if f.type == "user":  # the text checks, asked of the values themselves
                if texts.str.contains(CONTROL).any():
                    plan.hits.add(f.name + "|control")
                if f.max_len and (texts.str.len_bytes() > f.max_len).any():
                    plan.hits.add(f.name + "|long")
        elif f.type in _TEXT:
            odd = bool(found.get(f.name + "|odd"))
            # their values and defaults are cell texts that no scan of the file saw
            extra = [str(v) for v in (mapping.values.get(f.name) or {}).values()]
            extra += [str(mapping.defaults[f.name])] if f.name in mapping.defaults else []
            if odd or any(pl.Series(extra, dtype=pl.String).str.contains(CONTROL)):
                plan.hits.add(f.name + "|control")
            if f.max_len and (found.get(f.name + "|long") or any(len(v.encode()) > f.max_len for v in extra)):
                plan.hits.add(f.name + "|long")
            raw = _raw(f, column, mapping, odd)  # U+3000 or not, replacing it where there is none is exact
        else:
            raw = _raw(f, column, mapping, bool(found.get(f.name + "|spaced")))
        plan.raws[f.name] = raw
    return plan


def _probes(frame: pl.DataFrame, fields: tuple[Field, ...], plan: _Plan, sample: int) -> dict[str, pl.Series]:
    """The first `sample` non-blank cell texts of each date field (parse_datetime's probe), from
    the first rows when they hold enough."""
    dates = [f for f in fields if f.type in _DATES]
    head = frame.head(4 * sample).select([plan.raws[f.name] for f in dates]) if dates else None
    probes = {}
    for f in dates:
        probe = head.get_column(f.name + RAW).drop_nulls().head(sample)
        if probe.len() < sample and frame.height > head.height:
            probe = frame.select(plan.raws[f.name]).to_series().drop_nulls().head(sample)
        probes[f.name] = probe
    return probes


def _value(f: Field, plan: _Plan, firsts: dict[str, int | None], mapping: Mapping
           ) -> tuple[list[pl.Expr], pl.Expr | None]:
    """(the field's value columns, error from the validators' distinct-value check or None).
    A date field's value is first the `__naive` first pass of parse_datetime (finished by
    _redo when it leaves rows); an integer field's first reading is Int64's, with `|odd` telling
    whether some cell needs the float route instead (then _redo reads the column again)."""
    raw = pl.col(f.name + RAW)
    if f.type in _TEXT:
        return [raw.alias(f.name)], None
    if f.type in _DATES:
        best = firsts[f.name]
        first = None if best is None else candidates(mapping.formats.get(f.name))[best]
        naive = pl.lit(None, dtype=pl.Datetime("us")) if first is None else first.expr(raw, quick=first.quick)
        return [naive.alias(f.name + NAIVE)], None
    if f.type in ("choice", "bool"):  # few distinct values: look each up once
        known = choice_values(f.choice) if f.type == "choice" else {norm(k): v for k, v in BOOLS.items()}
        found = {v: known[norm(v)] for v in plan.distinct[f.name].to_list() if norm(v) in known}
        return [raw.replace_strict(found, default=None,
                                   return_dtype=pl.String if f.type == "choice" else pl.Boolean).alias(f.name)], None
    if f.type == "int":
        # up to 15 characters, where Int64 reads a number the float route reads as the same integer
        odd = (raw.is_not_null() & (raw.cast(pl.Int64, strict=False).is_null() | (raw.str.len_bytes() > 15))).any()
        return [raw.cast(pl.Int64, strict=False).alias(f.name), odd.alias(f.name + "|odd")], None
    if f.type == "money":
        number = raw.str.replace_all(r"[,,¥¥$元\s]", "").cast(pl.Float64, strict=False)
        return [number.round(2).cast(pl.Decimal(18, 2), strict=False).alias(f.name)], None
    fn = {"uscc": validators.uscc, "phone": validators.phone, "email": validators.email,
          "province": validators.province}[f.type]
    value, err = _distinct_check(raw, plan.distinct[f.name], fn, uscc_certain if f.type == "uscc" else None)
    return [value.alias(f.name)], err


def _integers(raw: pl.Expr) -> pl.Expr:
    """Integers of any form the float route reads: 1,200 / 30.0 / 1e3."""
    number = raw.str.replace_all(",", "").cast(pl.Float64, strict=False)
    return pl.when(number == number.round(0)).then(number.cast(pl.Int64, strict=False))


def _final(f: Field, naive: pl.Series) -> pl.Expr:
    """A date field's value from its naive local times (`naive`, the column's values)."""
    col = pl.col(f.name + NAIVE)
    if f.type == "date":
        return col.dt.date().alias(f.name)
    offset = fixed_offset(naive.min(), naive.max())
    if offset is not None:  # one offset: the instants are a subtraction away, no zone rules per value
        return (col - offset).dt.replace_time_zone("UTC").dt.convert_time_zone(tz_name()).alias(f.name)
    return col.dt.replace_time_zone(tz_name(), ambiguous="earliest", non_existent="null").alias(f.name)


def _redo(parsed: pl.DataFrame, fields: tuple[Field, ...], firsts: dict[str, int | None],
          mapping: Mapping, sample: int) -> dict[str, pl.Series]:
    """The value columns the query's first readings left unfinished (none when a file writes its
    dates one way and its integers as digits): the rows a date field's quick form left to its
    full one, the year check and parse_datetime's further passes; the float route for integers."""
    redo = {}
    for f in fields:
        if f.type == "int" and parsed.get_column(f.name + "|odd").any():  # no rows: empty
            redo[f.name] = parsed.select(_integers(pl.col(f.name + RAW)).alias(f.name)).to_series()
        if f.type not in _DATES:
            continue
        raw, formats, best = parsed.get_column(f.name + RAW), mapping.formats.get(f.name), firsts[f.name]
        if best is None:
            if raw.null_count() < raw.len():  # no form reads the first rows: the whole search
                redo[f.name + NAIVE] = parse_datetime(raw, formats, sample).alias(f.name + NAIVE)
            continue
        parsers = candidates(formats)
        first = parsers.pop(best)
        quick = parsed.get_column(f.name + NAIVE)
        left = (raw.is_not_null() & quick.is_null()).arg_true()
        if not left.len():  # it read every cell: only the year check may change it
            settled = first.settle(quick)
            if settled is not quick:
                redo[f.name + NAIVE] = settled.alias(f.name + NAIVE)
            continue
        out = quick.clone()  # scatter writes in place
        if first.quick:  # what the quick form did not read, the full one may
            out = out.scatter(left, raw.gather(left).to_frame().select(first.expr(pl.col(raw.name))).to_series())
        out = first.settle(out)
        out = parse_rest(raw, out, raw.is_not_null() & out.is_null(), parsers, sample)
        redo[f.name + NAIVE] = out.alias(f.name + NAIVE)
    return redo


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
        now = pl.lit(datetime.now(UTC)).dt.convert_time_zone(tz_name())
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


def check(table: Table, kind: str, columns: dict[str, str], mapping: Mapping | None = None,
          sample: int = 2000) -> Checked:
    """Parse and check every field of `kind`; split the rows into good ones and rejects."""
    mapping = mapping or Mapping()
    fields = FIELDS[kind]
    frame = table.frame
    plan = _plan(frame, fields, columns, mapping)
    firsts = {name: first_parser(probe, candidates(mapping.formats.get(name))) if probe.len() else None
              for name, probe in _probes(frame, fields, plan, sample).items()}
    values = {f.name: _value(f, plan, firsts, mapping) for f in fields}
    errors = {f.name: _error(f, values[f.name][1], plan.hits) for f in fields}
    if kind in NEEDS_KEY:  # a row must name its customer by name or credit code
        errors["customer_name"] = pl.when(
            pl.col("customer_name" + RAW).is_null() & pl.col("customer_uscc" + RAW).is_null()
        ).then(pl.lit("missing")).otherwise(errors["customer_name"]).alias("customer_name" + ERR)
    if kind == "follow_ups":
        # the import template's own example row (its customer and summary), left above the rows a
        # user typed: refused by name, so that it never becomes a customer and a follow-up
        example = pl.any_horizontal(
            (pl.col("customer_name" + RAW) == i18n.t("ingest.example.customer_name", lang))
            & (pl.col("summary" + RAW) == i18n.t("ingest.example.summary", lang)) for lang in i18n.LANGUAGES)
        errors["customer_name"] = pl.when(example.fill_null(False)).then(pl.lit("template_example")) \
            .otherwise(errors["customer_name"]).alias("customer_name" + ERR)
        # FollowUpIn's rule: the next follow-up not before this one's local date
        errors["next_follow_up_date"] = pl.when(
            errors["next_follow_up_date"].is_null()
            & (pl.col("next_follow_up_date") < pl.col("occurred_at").dt.date())
        ).then(pl.lit("next_before_follow_up")).otherwise(errors["next_follow_up_date"]) \
            .alias("next_follow_up_date" + ERR)
    dates = [f for f in fields if f.type in _DATES]
    # one query, so that polars spreads the columns over the cores; date fields are finished after
    parsed = (frame.lazy().select([pl.col(ROW)] + [plan.raws[f.name] for f in fields])
              .with_columns([e for f in fields for e in values[f.name][0]])
              .with_columns([errors[f.name] for f in fields if f not in dates]).collect())
    redo = _redo(parsed, fields, firsts, mapping, sample)
    again = [f for f in fields if f in dates or f.name in redo]
    if again:
        naive = {f.name: redo.get(f.name + NAIVE, parsed.get_column(f.name + NAIVE)) for f in dates}
        parsed = (parsed.lazy().with_columns(list(redo.values()))
                  .with_columns([_final(f, naive[f.name]) for f in dates])
                  .with_columns([errors[f.name] for f in again]).collect())
    # only the fields some row breaks: each filter copies the rows it keeps
    broken = [f for f in fields if parsed.get_column(f.name + ERR).null_count() < parsed.height]
    good = parsed.lazy()
    if broken:
        good = good.filter(~pl.any_horizontal([pl.col(f.name + ERR).is_not_null() for f in broken]))
    rejects = [
        parsed.lazy().filter(pl.col(f.name + ERR).is_not_null()).select(
            pl.col(ROW), pl.lit(f.name).alias("field"), pl.lit(columns.get(f.name, "")).alias("column"),
            pl.col(f.name + RAW).alias("value"), pl.col(f.name + ERR).alias("error"))
        for f in broken]
    if table.ragged:  # its columns are shifted: whatever its cells parse as, the row is refused whole
        rows = pl.Series(list(table.ragged), dtype=pl.Int64)
        good = good.filter(~pl.col(ROW).is_in(rows.implode()))
        rejects.append(pl.LazyFrame({ROW: rows, "value": list(table.ragged.values())},
                                    schema={ROW: pl.Int64, "value": pl.String}).select(
            ROW, pl.lit("row").alias("field"), pl.lit("").alias("column"), "value",
            pl.lit("ingest.reject.extra_cells").alias("error")))
    good, *rejects = pl.collect_all([good.select([ROW] + [f.name for f in fields]), *rejects])
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
