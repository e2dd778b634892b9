"""The column-wise check's quick readings give what its full ones give, on awkward cells.

validate.check takes short cuts for the usual file: a date column's first parser is found on
its first rows and run once (in its quick form without `%.f` where it has one), integers are
read by Int64 before the float route, looked-up columns are trimmed as their distinct values
and used as they are when that changes none, and text checks run per row only where a scan of
the column finds something. Each test feeds cells that a short cut could get wrong and
compares with the full reading: parse_datetime, the float route, or the same cell without
padding.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest

from pipelines.config import tz_name
from pipelines.ingest.dates import candidates, parse_datetime
from pipelines.ingest.mapping import FIELDS, Mapping, match_headers
from pipelines.ingest.readers import ROW, Table
from pipelines.ingest.validate import _integers, _raw, check

BASE = {"客户名称": "甲公司", "跟进日期": "2026-03-05 10:00", "跟进方式": "电话", "跟进人": "rep1", "跟进内容": "沟通"}
FUTURE = (datetime.now() + timedelta(days=40)).strftime("%Y-%m-%d")
DATES = ["2026-03-05 10:00:00", "2026-03-05 10:00:00.250", "2026-03-05 10:00", "2026-03-05", "2026/3/5",
         "2026年3月5日 14:30", "2026-03-05T10:00:00Z", "2026-03-05 10:00:00+08:00", "2026-03-05 10:00:00.5+00:00",
         "46000", "46000.25", "02-03-24", "0002-03-05", "上周三", "", "  ", None, " 2026-03-05 10:00 ",
         "2026-03-05\u300010:00", "\u30002026-03-05", "2026-02-30 10:00", "2026-03-05 24:00:00", "2026-3-5 9:05:07",
         "20260305", "2026-03-08 02:30", "2026-03-29 02:30", "2026-10-25 02:30", FUTURE]  # Berlin's clock changes


def _table(columns: dict[str, list[str | None]]) -> tuple[Table, dict[str, str]]:
    n = max(len(v) for v in columns.values())
    data = {h: columns[h] if h in columns else [BASE[h]] * n for h in dict.fromkeys([*BASE, *columns])}
    frame = pl.DataFrame({h: pl.Series(v, dtype=pl.String) for h, v in data.items()})
    frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    return Table(frame, list(data)), match_headers(list(data), "follow_ups")


def _outcome(columns: dict[str, list[str | None]], field: str, sample: int = 2000) -> list:
    """Per row: the field's value, or its error key."""
    table, cols = _table(columns)
    checked = check(table, "follow_ups", cols, sample=sample)
    got = dict(zip(checked.good.get_column(ROW).to_list(), checked.good.get_column(field).to_list()))
    errors = checked.rejects.filter(pl.col("field") == field)
    got.update(zip(errors.get_column(ROW).to_list(), errors.get_column("error").to_list()))
    return [got.get(row, "other field") for row in table.frame.get_column(ROW).to_list()]


def _full_dates(cells: list[str | None], field: str, sample: int) -> list:
    """What parse_datetime makes of the cells, with the check's errors."""
    f = next(f for f in FIELDS["follow_ups"] if f.name == field)
    texts = pl.DataFrame({"c": pl.Series(cells, dtype=pl.String)}).select(_raw(f, "c", Mapping())).to_series()
    parsed = parse_datetime(texts, sample=sample)
    now = datetime.now()
    out = []
    for text, value in zip(texts.to_list(), parsed.to_list()):
        if text is None:
            out.append("missing" if f.required else None)
        elif value is None:
            out.append("not_datetime" if f.type == "datetime" else "not_date")
        elif f.type == "date":  # not before BASE's follow-up (FollowUpIn's rule)
            out.append(value.date() if value.date() >= date(2026, 3, 5) else "next_before_follow_up")
        else:
            local = pl.Series([value]).dt.replace_time_zone(tz_name(), ambiguous="earliest", non_existent="null")[0]
            out.append("not_datetime" if local is None else "future_time" if value > now else local)
    return out


LAYOUTS = {
    "every form, shuffled": lambda: DATES * 3,
    "iso, then every form": lambda: ["2026-03-05 10:00:00"] * 60 + DATES,
    "fractions first": lambda: ["2026-03-05 10:00:00.5"] * 60 + ["2026-03-05 10:00:00", "2026-03-05 10:00"] * 5,
    "blanks beyond the probe's rows": lambda: [None] * 130 + DATES,
    "unreadable first rows": lambda: ["上周三"] * 40 + ["2026/3/5"] * 20 + ["2026-03-05"] * 20,
    "a year before 1900": lambda: ["02-03-24"] + ["2026-03-05"] * 30,
    "all blank": lambda: [None, "", " "] * 5,
    "one summer": lambda: ["2026-06-01 10:00", "2026-08-31 23:59", "2026-03-29 03:00", "2026-10-25 01:59"] * 10,
    "over the clock changes": lambda: ["2026-03-29 01:59", "2026-03-29 02:30", "2026-10-25 02:30", "2026-10-25 03:00"],
}


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("field,header", [("occurred_at", "跟进日期"), ("next_follow_up_date", "下次跟进日期")])
def test_date_columns_read_as_parse_datetime_reads_them(layout, field, header, zone, monkeypatch):
    """Times become instants by subtraction where the zone keeps one offset over the column's
    span, by the zone's rules elsewhere (Berlin's gap and repeated hour)."""
    monkeypatch.setenv("FOLLOWUP_TZ", zone)
    cells = LAYOUTS[layout]()
    sample = 20  # a small probe, so that the first rows are not the whole column
    assert _outcome({header: cells}, field, sample) == _full_dates(cells, field, sample)


def test_quick_forms_read_a_subset_of_the_full_forms_to_the_same_values():
    cells = pl.Series([*(c for c in DATES if c), "2026-03-05 10:00:00.", "2026-03-05 10:00:00.1234567",
                       "2026-03-05 10:00:00+0800", "2026-03-05 10:00:00 +08:00", "2026-03-05 10:00:60"])
    quick_ones = [p for p in candidates(None) if p.quick]
    assert quick_ones
    for parser in quick_ones:
        text = cells.to_frame("c")
        quick, full = (text.select(parser.expr(pl.col("c"), quick=q)).to_series() for q in (True, False))
        for q, f in zip(quick.to_list(), full.to_list()):
            assert q is None or q == f, (parser.fmt, q, f)


INTEGERS = ["30", " 30 ", "+5", "-0", "007", "1,000", "1e3", "30.0", "30.5", "半小时", "nan", "inf", "１２",
            "2000", "-1", "9007199254740993", "123456789012345", "1440", "3\u30000", "\u300030", "", None]


@pytest.mark.parametrize("odd", INTEGERS)
def test_integers_read_directly_as_the_float_route_reads_them(odd):
    """Plain digits take Int64's reading; one odd cell sends the column down the float route."""
    cells = ["0", "30", "1440", "00015", "-3", odd]
    f = next(f for f in FIELDS["follow_ups"] if f.name == "duration_minutes")
    texts = pl.DataFrame({"c": pl.Series(cells, dtype=pl.String)}).select(_raw(f, "c", Mapping()))
    full = texts.select(_integers(pl.first())).to_series().to_list()
    expected = [None if t is None else "not_integer" if v is None else "range" if not 0 <= v <= 1440 else v
                for t, v in zip(texts.to_series().to_list(), full)]
    assert _outcome({"时长(分钟)": cells}, "duration_minutes") == expected


PADDING = [" ", "\t", "\u3000", "\u00a0", "\n", " \u3000 "]


@pytest.mark.parametrize("pad", PADDING)
@pytest.mark.parametrize("header,field,cell", [
    ("跟进方式", "channel", "电话"), ("是否有效", "effective", "是"), ("客户阶段", "stage", "需求确认"),
    ("统一社会信用代码", "customer_uscc", "91350100M000100Y43"), ("跟进人", "rep", "rep1"),
    ("跟进内容", "summary", "沟通"), ("时长(分钟)", "duration_minutes", "30"),
    ("跟进日期", "occurred_at", "2026-03-05 10:00"), ("下次跟进日期", "next_follow_up_date", "2026-03-12")])
def test_one_padded_cell_is_trimmed_like_the_others(header, field, cell, pad):
    """A column used as it is, or checked once per distinct value, still trims the one cell that
    needs it, and a blank cell is blank however it is written."""
    got = _outcome({header: [cell] * 5 + [pad + cell + pad, pad]}, field)
    assert got[:6] == [got[0]] * 6 and got[0] not in ("choice", "not_bool", "not_integer", "other field")
    assert got[6] == ("missing" if field in ("channel", "rep", "summary", "occurred_at") else None)


def test_inner_ideographic_spaces_and_control_characters_found_in_one_row():
    got = _outcome({"跟进内容": ["沟通"] * 5 + ["沟\u3000通", "沟\x07通", "\u3000"]}, "summary")
    assert got == ["沟通"] * 5 + ["沟 通", "control_chars", "missing"]
    got = _outcome({"跟进方式": ["电话"] * 5 + ["电\u3000话", "飞鸽传书"]}, "channel")
    assert got == ["phone"] * 6 + ["choice"]
    mapped = Mapping.from_dict({"kind": "follow_ups", "defaults": {"summary": "导入\x07"}})
    table, cols = _table({"跟进内容": ["沟通", None]})
    rejects = check(table, "follow_ups", cols, mapped).rejects
    assert rejects.select("field", "error").rows() == [("summary", "control_chars")]  # a default is a cell too
