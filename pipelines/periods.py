"""Named periods of the filter bar (calendar months and quarters in local time)."""

from __future__ import annotations

from datetime import date, timedelta

# this and last week first: a team's weekly review (weeks start on Monday, UX.md)
PRESETS: tuple[str, ...] = ("this_week", "last_week", "this_month", "last_month", "this_quarter", "last_quarter",
                            "this_year", "last_30_days", "last_12_months")


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def prev_month(d: date) -> date:
    return (d.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_end(d: date) -> date:
    return next_month(d) - timedelta(days=1)


def preset_range(name: str, today: date) -> tuple[date, date]:
    """(first day, last day) of a named period, both inclusive."""
    if name in ("this_week", "last_week"):
        monday = today - timedelta(days=today.weekday()) - timedelta(weeks=name == "last_week")
        return monday, monday + timedelta(days=6)
    if name == "this_month":
        return month_start(today), month_end(today)
    if name == "last_month":
        start = prev_month(today)
        return start, month_end(start)
    if name in ("this_quarter", "last_quarter"):
        q_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        if name == "last_quarter":
            q_start = prev_month(prev_month(prev_month(q_start)))
        return q_start, month_end(next_month(next_month(q_start)))
    if name == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if name == "last_30_days":
        return today - timedelta(days=29), today
    if name == "last_12_months":
        start = month_start(today)
        for _ in range(11):
            start = prev_month(start)
        return start, month_end(today)
    raise ValueError(name)


def match_preset(start: date | None, end: date | None, today: date) -> str | None:
    """The preset a date range equals, or None for a custom range."""
    for name in PRESETS:
        if preset_range(name, today) == (start, end):
            return name
    return None
