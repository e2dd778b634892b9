"""The customer list and the team table as CSV or Excel files, as people read them (labels,
local times, catalog headers) and with numbers kept as numbers; every export is audited. The
follow-up records' export is explorer.export."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines import customer_views, exports, i18n, summary
from pipelines.access import Actor
from pipelines.explorer import Extra, filter_text, industry_named, labelled, local_time
from pipelines.filters import Filters
from pipelines.store import Store


def _file(frame: pl.DataFrame, sheet: str, fmt: str, formats: dict[str, str]) -> bytes:
    return exports.to_csv_bytes(frame) if fmt == "csv" else exports.to_xlsx_bytes({sheet: frame}, formats)


def export_customers(store: Store, actor: Actor, filters: Filters, extra: Extra, fmt: str, lang: str) -> bytes:
    """Every customer of the list's filters (not only the page shown), most recently followed first."""
    rows = customer_views.every(store, actor, filters, extra)
    head = {c: i18n.t(k, lang) for c, k in (
        ("name", "field.customer_name"), ("uscc", "field.customer_uscc"), ("stage", "field.stage"),
        ("industry", "field.industry"), ("size", "field.size"), ("province", "field.province"),
        ("city", "field.city"), ("customer_type", "field.customer_type"), ("tags", "field.tags"),
        ("owner_name", "field.owner"), ("team", "field.team_id"), ("last_follow_up", "customers.last_follow_up"),
        ("follow_ups", "customers.follow_up_count"), ("contract_amount", "customers.contract_total"),
        ("risk_level", "field.level"), ("created_at", "customers.created_at"))}
    frame = rows.select(
        "name", "uscc", labelled("stage", "stage", lang), industry_named(lang), labelled("size", "size", lang),
        "province", "city", labelled("customer_type", "customer_type", lang), "tags", "owner_name", "team",
        local_time("last_follow_up"), "follow_ups", pl.col("contract_amount").cast(pl.Float64),
        labelled("level", "risk_level", lang), local_time("created_at"),
    ).rename(head)
    data = _file(frame, i18n.t("customers.sheet_name", lang), fmt, {head["contract_amount"]: exports.YUAN})
    exports.audited_export(store, actor, "customers", frame.height, fmt, detail=filter_text(filters, extra))
    return data


def export_team(store: Store, actor: Actor, filters: Filters, today: date, fmt: str, lang: str) -> bytes:
    """The team page's table, one row per rep, with each figure and its target as numbers."""
    rows = summary.team_view(store, actor, filters, today)["team"]
    columns = [("display_name", "analytics.rep_col", None), ("team", "analytics.team_col", None),
               ("won_amount", "metric.won_amount", exports.YUAN),
               ("target_amount", "metric.target_amount", exports.YUAN),
               ("attainment", "metric.target_attainment", exports.RATE),
               ("effective_follow_ups", "metric.effective_follow_ups", None),
               ("target_effective_follow_ups", "team.target_effective", None),
               ("effective_attainment", "team.effective_attainment", exports.RATE),
               ("new_customers", "team.new_customers", None),
               ("target_new_customers", "team.target_new_customers", None),
               ("new_customers_attainment", "team.new_attainment", exports.RATE),
               ("days_over_cap", "metric.days_over_cap", None), ("max_daily_customers", "team.max_daily", None),
               ("avg_weekly_hours", "team.avg_weekly_hours", exports.SCORE),
               ("weeks_over_hours", "metric.weeks_over_hours", None),
               ("conversion", "metric.channel_conversion", exports.RATE),
               ("converted", "channels.converted", None), ("conversion_n", "metric.conversion_n", None)]
    frame = rows.select([pl.col(c).cast(pl.Float64) if fmt_ in (exports.YUAN, exports.RATE, exports.SCORE)
                         else pl.col(c) for c, _, fmt_ in columns]) \
        .rename({c: i18n.t(k, lang) for c, k, _ in columns})
    data = _file(frame, i18n.t("team.sheet_name", lang), fmt,
                 {i18n.t(k, lang): f for _, k, f in columns if f})
    exports.audited_export(store, actor, "team", frame.height, fmt, detail=filter_text(filters))
    return data
