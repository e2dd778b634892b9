"""Reading date and time cells set-wise: which of the usual forms (or a mapping's formats) a
column is written in, found on a sample, then run over the whole column with polars.

Dates come out as local naive datetimes; validate.py makes them instants in the configured zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from pipelines.config import tz_name

_AWARE = ("%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M%z")
_NAIVE = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_DATE_PART = r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?"
class Parser:
    """One way to read text as local naive datetimes: a strptime format (on the text as it is,
    or `normalised` first), or Excel serial day numbers (`fmt` None)."""

    def __init__(self, fmt: str | None, normalised: bool = False, builtin: bool = True):
        self.fmt, self.normalised, self.builtin = fmt, normalised, builtin

    @property
    def quick(self) -> bool:
        """Its format without `%.f` reads a subset of what it reads, to the same values (`%.f` may
        read nothing), and polars parses that form natively, several times faster than `%.f`."""
        return self.builtin and self.fmt is not None and "%.f" in self.fmt

    def expr(self, text: pl.Expr, quick: bool = False) -> pl.Expr:
        """The parsed column, before the year check of settle()."""
        if self.fmt is None:
            serial = text.str.strip_chars().cast(pl.Float64, strict=False)
            days = pl.duration(microseconds=(serial * 86_400_000_000).round(0))
            return pl.when(serial.is_between(20000, 80000)).then(pl.lit(datetime(1899, 12, 30)) + days
                                                                 ).dt.cast_time_unit("us")
        if self.normalised:
            text = normalise(text)
        fmt = self.fmt.replace("%.f", "") if quick else self.fmt
        # no cache of converted values: times are mostly distinct, and it cost more than it saved
        parsed = text.str.to_datetime(fmt, strict=False, exact=True, time_unit="us", cache=False)
        if "%z" in fmt:
            parsed = parsed.dt.convert_time_zone(tz_name()).dt.replace_time_zone(None)
        return parsed

    def settle(self, parsed: pl.Series) -> pl.Series:
        """Years before 1900 read by a usual form are not dates ("02-03-24" read by %Y as the year 2)."""
        early = parsed.min()
        if self.builtin and self.fmt is not None and early is not None and early.year < 1900:
            parsed = parsed.to_frame().select(pl.when(pl.first().dt.year() >= 1900).then(pl.first())).to_series()
        return parsed

    def __call__(self, raw: pl.Series) -> pl.Series:
        return self.settle(raw.to_frame("t").select(self.expr(pl.col("t")).alias(raw.name)).to_series())


def candidates(formats: list[str] | None) -> list[Parser]:
    """Parsers from text to local naive datetimes: the mapping's formats first, then the usual
    forms (2026-03-05, 2026/3/5, 2026年3月5日, with or without a time or seconds, ISO with an
    offset) and Excel serial day numbers. Text already in ISO form needs no normalising (the fast
    path for big files)."""
    return ([Parser(f, builtin=False) for f in formats or []] + [Parser(f) for f in _NAIVE + _AWARE]
            + [Parser(f, normalised=True) for f in _AWARE + _NAIVE] + [Parser(None)])


def normalise(raw: pl.Expr) -> pl.Expr:
    """2026年3月5日 14:30 / 2026/3/5T14:30Z → 2026-3-5 14:30(+00:00); other text → null."""
    text = (raw.str.replace(_DATE_PART, "${1}-${2}-${3} ").str.replace("T", " ", literal=True)
            .str.replace(r"Z$", "+00:00").str.replace(r"\s+", " ").str.strip_chars())
    return pl.when(text.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}")).then(text)


def parse_datetime(raw: pl.Series, formats: list[str] | None = None, sample: int = 2000) -> pl.Series:
    """Local naive datetimes of a text column, set-wise: the parser that reads most of a sample of
    the rows still unparsed runs on all of them, until no parser reads any (a file usually has
    one or two forms, so two or three passes over the column instead of one per form)."""
    out = pl.Series(raw.name, [None] * raw.len(), dtype=pl.Datetime("us"))
    return parse_rest(raw, out, raw.is_not_null(), candidates(formats), sample)


def parse_rest(raw: pl.Series, out: pl.Series, todo: pl.Series, parsers: list[Parser],
                sample: int = 2000) -> pl.Series:
    """parse_datetime's passes over the rows `todo` with the parsers not yet used."""
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


def first_parser(probe: pl.Series, parsers: list[Parser]) -> int | None:
    """The parser parse_datetime's first pass picks for a column whose first non-blank values are
    `probe`: the first one that reads all of them (the usual case: no need to try the others),
    else the one that reads most; None when none reads any (parse_datetime then looks further)."""
    scores = []
    for p in parsers:
        scores.append(p(probe).is_not_null().sum())
        if scores[-1] == probe.len():
            return len(scores) - 1
    best = max(range(len(scores)), key=scores.__getitem__)
    return best if scores[best] else None


def fixed_offset(early: datetime | None, late: datetime | None) -> timedelta | None:
    """The zone's UTC offset for local times from `early` to `late` when it is the same for all of
    them: no clock change in that span (Asia/Shanghai has had none since 1991). Found on local
    times every 15 minutes a day either side, so a change between two of them would have to be
    undone within 15 minutes to be missed; spans over 30 years are not looked at."""
    if early is None or late is None or early.year < 1900 or late - early > timedelta(days=366 * 30):
        return None
    points = pl.datetime_range(early - timedelta(days=1), late + timedelta(days=1), "15m", time_unit="us",
                               eager=True)
    utc = points.dt.replace_time_zone(tz_name(), ambiguous="earliest", non_existent="null").dt.convert_time_zone(
        "UTC").dt.replace_time_zone(None)
    offsets = (points - utc).unique()
    return offsets[0] if offsets.len() == 1 and offsets.null_count() == 0 else None
