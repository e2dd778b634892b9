"""The records explorer (`/records`): the follow-ups a user may see, filtered, sorted, paged, exported.

The filter is the shared `Filters` (URL query parameters) plus two of the explorer's own:
customer tags and the customer's current risk level. Sorting and paging happen in SQL, so a
page of 50 rows costs the same on a thousand follow-ups as on a million.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipelines import exports, i18n, sql
from pipelines.access import Actor
from pipelines.codes import INDUSTRIES, RISK_LEVELS
from pipelines.filters import Filters, search_text
from pipelines.store import Store

SORTS: tuple[str, ...] = ("occurred_at", "customer_name", "rep_name", "channel", "duration_minutes",
                          "stage", "next_follow_up_date")
PAGE_SIZES: tuple[int, ...] = (25, 50, 100, 200)


@dataclass(frozen=True)
class Extra:
    """The explorer's filters beyond the shared bar (URL keys `tags` and `risk`)."""

    tags: tuple[str, ...] = ()
    risk: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, params: dict[str, Any]) -> Extra:
        def split(key: str) -> tuple[str, ...]:
            value = params.get(key, "")
            value = ",".join(value) if isinstance(value, list) else str(value)
            return tuple(v for v in (p.strip() for p in value.split(",")) if v)

        return cls(tags=split("tags"), risk=tuple(r for r in split("risk") if r in RISK_LEVELS))

    def predicate(self) -> tuple[str, dict[str, Any]]:
        """SQL on a customer (alias c) and its risk level (alias l), with parameters."""
        parts, params = [], {}
        if self.tags:
            parts.append("list_has_any(c.tags, $f_tags)")
            params["f_tags"] = list(self.tags)
        if self.risk:
            parts.append("list_contains($f_risk, coalesce(l.risk_level, CASE WHEN c.stage <> 'lost' THEN 'green' END))")
            params["f_risk"] = list(self.risk)
        return " AND ".join(parts) or "true", params

    def to_query(self) -> dict[str, str]:
        out = {}
        if self.tags:
            out["tags"] = ",".join(self.tags)
        if self.risk:
            out["risk"] = ",".join(self.risk)
        return out


NO_EXTRA = Extra()


def ids_predicate(column: str, ids: list[int] | None) -> str:
    """`column IN (…)` for a page's ids (integers read from the database, written as literals:
    DuckDB pushes a constant IN list into the table scan, a bound list it does not)."""
    if ids is None:
        return "true"
    return f"{column} IN ({sql.id_list(ids)})" if ids else "false"


def _filtered_sql(actor: Actor, filters: Filters, extra: Extra, ids: list[int] | None = None,
                  query: str = "records/explore") -> tuple[str, dict[str, Any]]:
    """The scoped explorer query with the filter predicates in place, and its parameters
    (only the follow-ups `ids` among them when given)."""
    parts, params = [ids_predicate("f.id", ids)], dict(filters.period_params())
    for text, p in (filters.customer_predicate("c"), filters.rep_predicate("f.rep_id"),
                    filters.channel_predicate("f.channel")):
        parts.append(text)
        params.update(p)
    if filters.q:
        parts.append("(contains(lower(f.summary), $q) OR contains(lower(c.name), $q)"
                     " OR starts_with(c.name_initials, $q) OR starts_with(lower(c.uscc), $q)"
                     " OR contains(lower(coalesce(f.participants, '')), $q)"
                     " OR contains(lower(coalesce(f.outcome, '')), $q)"
                     " OR contains(lower(coalesce(f.next_action, '')), $q)"
                     " OR contains(lower(coalesce(u.display_name, '')), $q))")
        params["q"] = search_text(filters.q, spaces=True)
    text, p = extra.predicate()
    parts.append(text)
    params.update(p)
    body = sql.load(query).replace("__FILTERS__", " AND ".join(parts) or "true")
    return sql.scoped(actor, body, params, inline=True)


def deleted(store: Store, actor: Actor, limit: int = 50) -> pl.DataFrame:
    """The latest deleted follow-ups the actor may restore (none for read-only roles): id,
    customer_name, occurred_at, channel, summary, deleted_at."""
    if actor.read_only:
        return pl.DataFrame(schema={"id": pl.Int64, "customer_name": pl.String, "occurred_at": pl.Datetime("us", "UTC"),
                                    "channel": pl.String, "summary": pl.String, "deleted_at": pl.Datetime("us", "UTC")})
    rep = actor.id if actor.role == "rep" else None
    return store.query(*sql.scoped(actor, "records/deleted", {"rep": rep, "limit": limit}))


def deleted_one(store: Store, actor: Actor, follow_up_id: int) -> dict | None:
    """deleted_at and deleted_by (a name) of a follow-up the actor may see, when it is deleted; else None."""
    found = store.query(*sql.scoped(actor, "records/deleted_one", {"id": int(follow_up_id)}))
    return found.row(0, named=True) if found.height else None


def count(store: Store, actor: Actor, filters: Filters, extra: Extra = NO_EXTRA) -> int:
    """How many follow-ups match."""
    if not filters.q and not extra.risk:  # the count needs none of the page's joins
        return int(store.scalar(*_filtered_sql(actor, filters, extra, query="records/count")))
    text, params = _filtered_sql(actor, filters, extra)
    return int(store.scalar(f"SELECT count(*) FROM ({text})", params))


def sorted_page(store: Store, text: str, params: dict[str, Any], sort: str, descending: bool, number: int,
                size: int, by_ids: Callable[[list[int]], tuple[str, dict[str, Any]]] | None = None
                ) -> pl.DataFrame:
    """One page (numbered from 1) of a query's rows, sorted in SQL; `sort` must be a checked column.

    With `by_ids` (the same query restricted to given ids), the page is found in two steps:
    the ids of the page, sorting only the id and the sort column (DuckDB reads no wide column
    of the thousands of rows that do not make the page), then the page's full rows."""
    size = max(1, min(int(size), 1000))
    order = f"ORDER BY {sort} {'DESC' if descending else 'ASC'} NULLS LAST, id DESC"
    paging = {"limit": size, "offset": (max(int(number), 1) - 1) * size}
    if by_ids is None:
        return store.query(f"SELECT * FROM ({text}) {order} LIMIT $limit OFFSET $offset", {**params, **paging})
    ids = store.query(f"SELECT id FROM ({text}) {order} LIMIT $limit OFFSET $offset", {**params, **paging})
    text, params = by_ids(ids["id"].to_list())
    return store.query(f"SELECT * FROM ({text}) {order}", params)


def page(store: Store, actor: Actor, filters: Filters, extra: Extra = NO_EXTRA, sort: str = "occurred_at",
         descending: bool = True, number: int = 1, size: int = 50) -> pl.DataFrame:
    """One page (numbered from 1) of the matching follow-ups, sorted in SQL."""
    text, params = _filtered_sql(actor, filters, extra)
    return sorted_page(store, text, params, sort if sort in SORTS else "occurred_at", descending, number, size,
                       lambda ids: _filtered_sql(actor, filters, extra, ids))


def matching(store: Store, actor: Actor, filters: Filters, extra: Extra = NO_EXTRA) -> pl.DataFrame:
    """Every matching follow-up, newest first (the export's rows)."""
    text, params = _filtered_sql(actor, filters, extra)
    return store.query(f"SELECT * FROM ({text}) ORDER BY occurred_at DESC, id DESC", params)


EXPORT_COLUMNS: tuple[str, ...] = (
    "occurred_at", "customer_name", "customer_uscc", "rep", "channel", "participants", "summary",
    "duration_minutes", "effective", "outcome", "stage_after", "next_follow_up_date", "next_action",
    "stage", "industry", "province", "city", "customer_type", "tags", "level")


def shown_rep(hidden: str) -> pl.Expr:
    """`rep_name` as people read it: a rep the viewer may not see (v_users shows a rep only
    themself, so a colleague's follow-up of the rep's own customer has no name) is `hidden`
    ("another colleague"), a row without a rep "—"."""
    return pl.when(pl.col("rep_name").is_null() & pl.col("rep_id").is_not_null()).then(pl.lit(hidden)) \
        .otherwise(pl.col("rep_name")).fill_null("—").alias("rep_name")


def labelled(kind: str, col: str, lang: str) -> pl.Expr:
    """A column of codes as the catalog's labels of `kind` (stage, channel, …); an unknown code as it is."""
    mapping = {k[len(kind) + 1:]: v for k, v in i18n.catalog(lang).items() if k.startswith(kind + ".")}
    return pl.col(col).replace_strict(mapping, default=pl.col(col), return_dtype=pl.Utf8)


def industry_named(lang: str) -> pl.Expr:
    """The industry as the pages show it, "C 制造业": the export said "制造业" beside the screen's "C 制造业"."""
    return pl.col("industry").replace_strict({c: i18n.industry(c, lang) for c in INDUSTRIES},
                                             default=pl.col("industry"), return_dtype=pl.Utf8)


def printable(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The rows as people read them: labels instead of codes, local times, catalog headers."""
    def lab(kind: str, col: str) -> pl.Expr:
        return labelled(kind, col, lang)

    yes, no = i18n.t("common.yes", lang), i18n.t("common.no", lang)
    out = df.select(
        local_time("occurred_at"),
        "customer_name", "customer_uscc",
        shown_rep(i18n.t("common.other_rep", lang)).alias("rep"),
        lab("channel", "channel"), "participants", "summary", "duration_minutes",
        pl.when(pl.col("effective")).then(pl.lit(yes)).otherwise(pl.lit(no)).alias("effective"),
        "outcome", lab("stage", "stage_after"), "next_follow_up_date", "next_action",
        lab("stage", "stage"),
        industry_named(lang),
        "province", "city", lab("customer_type", "customer_type"), "tags",
        lab("level", "risk_level").alias("level"),
    )
    return out.rename({c: i18n.t(f"field.{c}", lang) for c in EXPORT_COLUMNS})


def local_time(col: str) -> pl.Expr:
    """A stored time in the configured zone: a time, so Excel sorts and filters it as one."""
    return pl.col(col).dt.convert_time_zone(_tz())


def _tz() -> str:
    from pipelines.config import tz_name

    return tz_name()


def filter_text(filters: Filters, extra: Extra = NO_EXTRA) -> str:
    """The filters as a link's query ("channel=phone&from=…"): what an export's audit entry records."""
    return "&".join(f"{k}={v}" for k, v in {**filters.to_query(), **extra.to_query()}.items())


def export(store: Store, actor: Actor, filters: Filters, extra: Extra, fmt: str, lang: str) -> bytes:
    """The whole filtered set as CSV (UTF-8 with BOM) or Excel; the export is audited."""
    df = printable(matching(store, actor, filters, extra), lang)
    data = exports.to_csv_bytes(df) if fmt == "csv" else exports.to_xlsx_bytes(
        {i18n.t("records.sheet_name", lang): df})
    exports.audited_export(store, actor, "follow_ups", df.height, fmt, detail=filter_text(filters, extra))
    return data
