"""Figures composed from several metrics: month-over-month headline, per-rep team performance,
the monthly summary for leadership (with its generated text) and `followup report`'s payload.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from pipelines import metrics, reads, rollups, settings
from pipelines.access import SYSTEM, Actor
from pipelines.codes import CHANNELS, STAGES
from pipelines.filters import Filters
from pipelines.i18n import label, month_label, t
from pipelines.periods import month_end, month_start, next_month, prev_month
from pipelines.rules import risks
from pipelines.store import Store

HEADLINE = ("follow_ups", "effective_follow_ups", "new_customers", "contracts_signed", "won_amount")

def months_back(month: date, n: int) -> date:
    """The first day of the month `n` months before `month`."""
    start = month_start(month)
    for _ in range(n):
        start = prev_month(start)
    return start


def for_month(filters: Filters, month: date) -> Filters:
    """The filter narrowed to one calendar month."""
    return filters.with_period(month_start(month), month_end(month))


def daily_sources(store: Store, actor: Actor, filters: Filters) -> dict[str, pl.DataFrame]:
    """The day-level frames behind the HEADLINE figures, for trends and headline (new customers and
    stage entries come from one read of the stage summary)."""
    new_customers, stage_entries = metrics.stage_daily(store, actor, filters)
    return {"follow_ups": metrics.follow_ups(store, actor, filters),
            "new_customers": new_customers,
            "stage_entries": stage_entries,
            "won_amount": metrics.won_amount(store, actor, filters)}


def sources_in(sources: dict[str, pl.DataFrame], filters: Filters) -> dict[str, pl.DataFrame]:
    """The daily sources of a wider window narrowed to the filter's period: the same frames
    `daily_sources` returns for that period (every row is one local day)."""
    start, end = filters.period_params()["period_start"], filters.period_params()["period_end"]
    return {k: v.filter(pl.col("day") >= start, pl.col("day") < end) for k, v in sources.items()}


def figure_frame(sources: dict[str, pl.DataFrame], metric: str) -> pl.DataFrame:
    """The day-level frame holding `metric` (contracts_signed: the entries into contract_signed)."""
    if metric in ("follow_ups", "effective_follow_ups"):
        return sources["follow_ups"]
    if metric == "contracts_signed":
        entries = sources["stage_entries"]
        return (entries.filter(pl.col("stage") == "contract_signed")
                .select("day", "rep_id", pl.col("entries").alias("contracts_signed")))
    return sources[metric]


def monthly_figures(sources: dict[str, pl.DataFrame], months: list[date]) -> dict[date, dict[str, float]]:
    """The HEADLINE figures of each month of `months` (first days): {month: {metric: value}}, 0
    where a month has no rows. Only those months' days are rolled up (the headline needs three)."""
    wanted = pl.Series(months, dtype=pl.Date).implode()
    out = {m: dict.fromkeys(HEADLINE, 0.0) for m in months}
    for metric in HEADLINE:
        if metric == "effective_follow_ups":
            continue  # rolled up together with follow_ups
        values = ["follow_ups", "effective_follow_ups"] if metric == "follow_ups" else [metric]
        frame = figure_frame(sources, metric)
        frame = frame.filter(pl.col("day").dt.truncate("1mo").is_in(wanted))
        for row in rollups.rollup(frame, values, "month").iter_rows(named=True):
            out[row["bucket"]].update({v: float(row[v]) for v in values})
    return out


def headline_window(filters: Filters, month: date) -> Filters:
    """The filter's period widened to hold `month` and the same month a year earlier."""
    start = months_back(month_start(month), 12)
    end = month_end(month)
    if filters.date_from and filters.date_from < start:
        start = filters.date_from
    if filters.date_to and filters.date_to > end:
        end = filters.date_to
    return filters.with_period(start, end)


def headline_from(sources: dict[str, pl.DataFrame], month: date) -> pl.DataFrame:
    """metric, this_month, last_month, mom, last_year, yoy (changes None where the base is 0)."""
    month = month_start(month)
    last, year = prev_month(month), months_back(month, 12)
    figures = monthly_figures(sources, [month, last, year])
    rows = []
    for metric in HEADLINE:
        this, before, ago = figures[month][metric], figures[last][metric], figures[year][metric]
        rows.append({"metric": metric, "this_month": this, "last_month": before, "mom": rollups.change(this, before),
                     "last_year": ago, "yoy": rollups.change(this, ago)})
    return pl.DataFrame(rows, schema={"metric": pl.Utf8, "this_month": pl.Float64, "last_month": pl.Float64,
                                      "mom": pl.Float64, "last_year": pl.Float64, "yoy": pl.Float64})


def headline_reads(filters: Filters, month: date) -> dict[str, tuple]:
    """The reads behind the headline of `month`, as (function, filters) each taking (store, actor)
    first: the daily sources of `month` and the month before, and of the same month a year
    earlier (a quarter of the rows of the 13 months between them); won amounts, few rows, in one
    read of the 13 months."""
    month, whole = month_start(month), replace(filters, date_from=None, date_to=None)
    recent, year_ago = whole.with_period(prev_month(month), month_end(month)), for_month(whole, months_back(month, 12))
    return {"follow_ups": (metrics.follow_ups, recent), "follow_ups_year_ago": (metrics.follow_ups, year_ago),
            "stages": (metrics.stage_daily, recent), "stages_year_ago": (metrics.stage_daily, year_ago),
            "won_amount": (metrics.won_amount, whole.with_period(months_back(month, 12), month_end(month)))}


def headline_frames(read: dict, month: date) -> dict[str, pl.DataFrame]:
    """The daily sources of the headline's three months from the results of `headline_reads`."""
    month = month_start(month)
    recent = whole_months(prev_month(month), next_month(month))
    year_ago = whole_months(months_back(month, 12), next_month(months_back(month, 12)))
    won = read["won_amount"]
    return {"follow_ups": pl.concat([read["follow_ups_year_ago"], read["follow_ups"]]),
            "new_customers": pl.concat([read["stages_year_ago"][0], read["stages"][0]]),
            "stage_entries": pl.concat([read["stages_year_ago"][1], read["stages"][1]]),
            "won_amount": pl.concat([sources_in({"w": won}, year_ago)["w"], sources_in({"w": won}, recent)["w"]])}


def whole_months(start: date, end: date) -> Filters:
    """A filter for the days of [start, end) (first days of months)."""
    return Filters().with_period(start, end - timedelta(days=1))


def headline_sources(store: Store, actor: Actor, filters: Filters, month: date) -> dict[str, pl.DataFrame]:
    """The daily sources of `month`, the month before and the same month a year earlier: the
    three months the headline reads."""
    reads = {k: fn(store, actor, f) for k, (fn, f) in headline_reads(filters, month).items()}
    return headline_frames(reads, month)


def headline(store: Store, actor: Actor, filters: Filters, month: date) -> pl.DataFrame:
    """The HEADLINE figures of `month` with month-over-month and year-over-year changes."""
    return headline_from(headline_sources(store, actor, filters, month), month)


def team_view(store: Store, actor: Actor, filters: Filters, today: date) -> dict[str, pl.DataFrame]:
    """The team page's frames, each queried once: `team` (team_performance), `daily` (daily
    effective customers) and `weekly` (weekly hours), which the table's figures roll up from."""
    # The two largest reads (every follow-up of the period) on the read workers, the small ones here.
    pending = {"conversion": reads.submit(metrics.follow_up_conversion, store, actor, filters),
               "daily": reads.submit(metrics.daily_effective_customers, store, actor, filters)}
    try:
        sources = {"follow_ups": metrics.follow_ups(store, actor, filters),
                   "won_amount": metrics.won_amount(store, actor, filters)}
        reps = _reps(store, actor, filters, today, sources["won_amount"])
        daily = pending["daily"].result()
        team = team_performance(store, actor, filters, today, sources, pending["conversion"].result(),
                                daily_customers=daily, reps=reps)
    finally:
        reads.cancel(pending.values())
    return {"team": team, "daily": daily, "weekly": metrics.hours_from(sources["follow_ups"])}


def _reps(store: Store, actor: Actor, filters: Filters, today: date,
          won_daily: pl.DataFrame | None = None) -> pl.DataFrame:
    """The active reps with their names, team and target attainment (won_amount's frame for the
    period when the caller has it already)."""
    people = metrics.people(store, actor).select("rep_id", "username", "display_name", "team")
    return metrics.target_attainment(store, actor, filters, today, won_daily).join(people, on="rep_id", how="left")


def _weeks_elapsed(filters: Filters, today: date) -> float | None:
    """The period's days up to today (inclusive) in weeks; None without a period or before it."""
    if filters.date_from is None or filters.date_to is None:
        return None
    days = (min(filters.date_to, today) - filters.date_from).days + 1
    return days / 7 if days > 0 else None


def team_performance(store: Store, actor: Actor, filters: Filters, today: date,
                     sources: dict[str, pl.DataFrame] | None = None,
                     conversion: pl.DataFrame | None = None,
                     daily_customers: pl.DataFrame | None = None,
                     reps: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per active rep the actor may see, with the team page's figures for the period:
    rep_figures' columns, the manual's caps (days over the daily effective customers cap, weekly
    hours) and the other two targets against their figures (effective follow-ups; new customers,
    by owner), attainment null without a target. Callers pass what they have fetched already: the period's daily `sources`
    (follow_ups, won_amount), follow_up_conversion's counts, daily_effective_customers' frame,
    `_reps`' frame."""
    cap = settings.get(store, "daily_effective_cap")
    hours_cap = settings.get(store, "weekly_hours_cap")
    daily = sources["follow_ups"] if sources else metrics.follow_ups(store, actor, filters)
    if reps is None:
        reps = _reps(store, actor, filters, today, (sources or {}).get("won_amount"))
    base = rep_figures(store, actor, filters, today, {**(sources or {}), "follow_ups": daily}, conversion, reps)
    weekly = (rollups.rollup(daily, ["minutes"], "week", "rep_id")
              .group_by("rep_id").agg(avg_weekly_hours=(pl.col("minutes") / 60).mean(),
                                      weeks_over_hours=(pl.col("minutes") / 60 > hours_cap).sum()))
    if weeks := _weeks_elapsed(filters, today):
        # the period's hours over its weeks so far: a mean of the weeks with follow-ups counted a
        # one-day stub week whole and left out the weeks with none (10.5 for a rep at 13.0 a week)
        totals = daily.group_by("rep_id").agg(avg_weekly_hours=pl.col("minutes").sum() / 60 / weeks)
        weekly = weekly.drop("avg_weekly_hours").join(totals, on="rep_id", how="left")
    if daily_customers is None:
        daily_customers = metrics.daily_effective_customers(store, actor, filters)
    per_day = (daily_customers.group_by("rep_id")
               .agg(days_over_cap=(pl.col("customers") > cap).sum(), max_daily_customers=pl.col("customers").max()))
    # the targets' other two figures: new customers by their owner (new_customers.sql's rep)
    new = rollups.rollup(metrics.new_customers(store, actor, filters), ["new_customers"], "period", "rep_id")
    goals = reps.select("rep_id", "target_effective_follow_ups", "target_new_customers")
    return (base.join(weekly, on="rep_id", how="left").join(per_day, on="rep_id", how="left")
            .join(new.select("rep_id", "new_customers"), on="rep_id", how="left").join(goals, on="rep_id", how="left")
            .with_columns([pl.col(c).fill_null(0) for c in ("days_over_cap", "max_daily_customers", "weeks_over_hours",
                                                             "new_customers")])
            .with_columns(effective_attainment=rollups.safe_ratio(pl.col("effective_follow_ups"),
                                                                  pl.col("target_effective_follow_ups")),
                          new_customers_attainment=rollups.safe_ratio(pl.col("new_customers"),
                                                                      pl.col("target_new_customers")))
            .select("rep_id", "username", "display_name", "team", "follow_ups", "effective_follow_ups",
                    "days_over_cap", "max_daily_customers", "avg_weekly_hours", "weeks_over_hours",
                    "conversion", "conversion_n", "converted", "won_amount", "target_amount", "attainment",
                    "pacing", "target_effective_follow_ups", "effective_attainment", "new_customers",
                    "target_new_customers", "new_customers_attainment")
            .sort("won_amount", "username", descending=[True, False]))


def rep_figures(store: Store, actor: Actor, filters: Filters, today: date,
                sources: dict[str, pl.DataFrame] | None = None,
                conversion: pl.DataFrame | None = None,
                reps: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per active rep the actor may see: follow-ups, effective follow-ups, conversion
    and won amount against target for the period, by won amount. The monthly summary's reps
    (it shows no caps, so it does not read every effective follow-up's customer per day)."""
    sources = sources or {}
    base = reps if reps is not None else _reps(store, actor, filters, today, sources.get("won_amount"))
    daily = sources["follow_ups"] if "follow_ups" in sources else metrics.follow_ups(store, actor, filters)
    if conversion is None:
        conversion = metrics.follow_up_conversion(store, actor, filters)
    counts = rollups.rollup(daily, ["follow_ups", "effective_follow_ups"], "period", "rep_id")
    conv = rollups.with_rate(
        rollups.rollup(conversion, ["follow_ups", "converted"],
                       "period", "rep_id").rename({"follow_ups": "conversion_n"}),
        "converted", "conversion_n").select("rep_id", "conversion_n", "converted", pl.col("rate").alias("conversion"))
    zero = ["follow_ups", "effective_follow_ups", "conversion_n", "converted"]
    return (base.join(counts, on="rep_id", how="left").join(conv, on="rep_id", how="left")
            .with_columns([pl.col(c).fill_null(0) for c in zero])
            .select("rep_id", "username", "display_name", "team", "follow_ups", "effective_follow_ups",
                    "conversion", "conversion_n", "converted", "won_amount", "target_amount", "attainment",
                    "pacing")
            .sort("won_amount", "username", descending=[True, False]))


def _funnel_figures(store: Store, actor: Actor, filters: Filters) -> dict[str, pl.DataFrame]:
    """The month's funnel and win rate from one read of its stage changes, counted in the reading
    worker (so the page's own thread does not wait on them)."""
    period = metrics.funnel_period(store, actor, filters)
    return {"funnel": metrics.funnel_from(period), "win_rate": metrics.win_rate_from(period)}


SCOPE_FIELDS = ("team", "rep", "industry", "size", "province", "customer_type", "channel")
_CODED = {"industry", "size", "customer_type", "channel"}  # stored as codes: shown by their labels


def scope_text(store: Store, actor: Actor, filters: Filters, lang: str) -> str:
    """Whose figures these are, in words, for a summary read away from the page (a forwarded PDF
    or workbook): the company, the manager's team or the rep, then the filters chosen."""
    if actor.role == "manager":
        base = store.scalar("SELECT name FROM teams WHERE id = $t", {"t": actor.team_id}) or t("common.no_team", lang)
    elif actor.role == "rep":
        base = actor.display_name or actor.username
    else:
        base = t("monthly.scope_company", lang)
    sep, list_sep = (";", "、") if lang == "zh_CN" else ("; ", ", ")
    fields = SCOPE_FIELDS
    if actor.role not in ("manager", "rep") and filters.team:  # not 全公司;团队:二组, which says both
        base, fields = list_sep.join(filters.team), tuple(f for f in SCOPE_FIELDS if f != "team")
    parts = [base]
    # reps by the names people know them by (the filter holds usernames: 销售代表:rep5)
    names = dict(metrics.people(store, actor).select("username", "display_name").iter_rows()) if filters.rep else {}
    for name in fields:
        values = getattr(filters, name)
        if values:
            shown = [label(name, v, lang) if name in _CODED else names.get(v) or v for v in values]
            parts.append(f"{t(f'filter.{name}', lang)}{':' if lang == 'zh_CN' else ': '}{list_sep.join(shown)}")
    scope = t("monthly.scope", lang, scope=sep.join(parts))
    # read away from the page: a channel narrows the follow-up figures only, which it must say
    return scope + t("monthly.scope_channel", lang) if filters.channel else scope


def monthly_summary(store: Store, actor: Actor, filters: Filters, month: date, today: date) -> dict:
    """Everything the monthly page and its exports show, for one calendar month."""
    month = month_start(month)
    one = for_month(filters, month)
    # Each figure fetched once: the headline's three months hold the month's daily frames, and
    # the channel table and the reps' conversion share one count. The reads run two at a time
    # (pipelines.reads), the team table's inputs first; this thread then builds the team table (its
    # own small reads) while the workers fetch the rest, so little is left for it after the reads.
    head = headline_reads(filters, month)
    jobs = {"follow_ups": head.pop("follow_ups"), "won_amount": head.pop("won_amount"),
            "conversion": (metrics.follow_up_conversion, one),
            "funnel": (_funnel_figures, one), **head,
            "satisfaction": (metrics.satisfaction, one), "risks": (metrics.risk_counts, one)}
    pending = {k: reads.submit(fn, store, actor, f) for k, (fn, f) in jobs.items()}
    try:
        mine = sources_in({k: pending[k].result() for k in ("follow_ups", "won_amount")}, one)
        conversion = pending["conversion"].result()
        reps = rep_figures(store, actor, one, today, mine, conversion)
        done = {k: future.result() for k, future in pending.items()}
    finally:
        reads.cancel(pending.values())
    return {
        "month": month,
        "as_of": today if month_start(today) == month else None,  # the month is not over yet
        "headline": headline_from(headline_frames(done, month), month),
        "win_rate": done["funnel"]["win_rate"],
        "funnel": done["funnel"]["funnel"],
        "channels": metrics.channel_rates(conversion),
        "reps": reps,
        "risks": done["risks"],
        "satisfaction": done["satisfaction"],
        "risk_rules": risks.rules(store),  # the rules' names state their configured days
    }


def ranked_reps(reps: pl.DataFrame, n: int = 3) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(top, bottom) reps by won amount, then effective follow-ups; bottom excludes the top. A rep
    with nothing in the month (no target, no follow-up, nothing won: an account an import made for
    a name in its file, a rep who has left) is not ranked: three of them at the bottom pushed out
    the reps who had missed their targets."""
    in_play = (pl.col("target_amount").is_not_null() | (pl.col("follow_ups") > 0)
               | (pl.col("won_amount").fill_null(0) > 0))
    order = reps.filter(in_play).sort(["won_amount", "effective_follow_ups", "username"], descending=[True, True, False])
    top = order.head(n)
    rest = order.filter(~pl.col("rep_id").is_in(top["rep_id"].implode()))
    return top, rest.tail(n).reverse()


# -- the generated text -----------------------------------------------------------------------

def yuan(amount: float) -> str:
    return f"¥{amount:,.0f}"


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _figure(metric: str, value: float) -> str:
    return yuan(value) if metric == "won_amount" else f"{value:,.0f}"


def any_risk(risks: pl.DataFrame) -> bool:
    """Whether a month's risk counts (risk_counts) hold anything: a warning open at its end, raised or
    closed in it. A month without says so once, not over counts of 0 (the page and the text)."""
    return bool(risks.height) and bool(risks.select(pl.sum_horizontal(
        pl.col("open_at_end", "raised", "closed").sum())).item())


def summary_text(summary: dict, lang: str = "zh_CN") -> list[str]:
    """Short sentences stating the month's figures and biggest changes, from the figures only."""
    head = {r["metric"]: r for r in summary["headline"].iter_rows(named=True)}
    month = summary["month"]
    lines = [t("monthly.text_overview", lang, month=month_label(month, lang),
               follow_ups=_figure("follow_ups", head["follow_ups"]["this_month"]),
               effective=_figure("follow_ups", head["effective_follow_ups"]["this_month"]),
               new_customers=_figure("new_customers", head["new_customers"]["this_month"]),
               contracts=_figure("contracts_signed", head["contracts_signed"]["this_month"]),
               won=yuan(head["won_amount"]["this_month"]))]
    rate = summary["win_rate"].row(0, named=True) if summary["win_rate"].height else None
    if rate and rate["win_rate"] is not None:  # with the counts behind it (the exports had no win rate)
        lines.append(t("monthly.text_win_rate", lang, rate=percent(rate["win_rate"]), won=f"{rate['contracts_signed']:,}",
                       lost=f"{rate['lost_customers']:,}"))
    changes = sorted((r for r in head.values() if r["mom"] is not None), key=lambda r: -abs(r["mom"]))
    big = [r for r in changes if abs(r["mom"]) >= 0.01][:2]
    for r in big:
        key = "monthly.text_up" if r["mom"] > 0 else "monthly.text_down"
        lines.append(t(key, lang, metric=t(f"metric.{r['metric']}", lang), change=percent(abs(r["mom"])),
                       last=_figure(r["metric"], r["last_month"]), this=_figure(r["metric"], r["this_month"])))
    if changes and not big:
        lines.append(t("monthly.text_flat", lang))
    funnel = summary["funnel"].filter(pl.col("customers") > 0, pl.col("conversion_to_next").is_not_null())
    funnel = funnel.filter(pl.col("stage") != STAGES[-2])  # contract → after-sales is service, not selling
    if funnel.height:
        weakest = funnel.sort("conversion_to_next").row(0, named=True)
        nxt = STAGES[STAGES.index(weakest["stage"]) + 1]
        lines.append(t("monthly.text_weakest_step", lang, step_from=label("stage", weakest["stage"], lang),
                       step_to=label("stage", nxt, lang), rate=percent(weakest["conversion_to_next"])))
    reps = summary["reps"]
    if reps.height > 1 and reps["won_amount"].max() > 0:  # of one rep (a rep's own, a filter) it is no news
        best = reps.sort("won_amount", descending=True).row(0, named=True)
        key = "monthly.text_top_rep" if best["attainment"] is not None else "monthly.text_top_rep_no_target"
        lines.append(t(key, lang, name=best["display_name"], won=yuan(best["won_amount"]),
                       attainment=percent(best["attainment"] or 0)))
    risks = summary["risks"].filter(pl.col("level") != "green")
    red = int(risks.filter(pl.col("level") == "red")["open_at_end"].sum())
    yellow = int(risks.filter(pl.col("level") == "yellow")["open_at_end"].sum())
    raised, closed = int(risks["raised"].sum()), int(risks["closed"].sum())
    as_of = summary.get("as_of")
    if any_risk(risks):  # "月末仍有红色预警 0 条、黄色预警 0 条" said nothing
        lines.append(t("monthly.text_risks_now" if as_of else "monthly.text_risks", lang, red=f"{red:,}",
                       yellow=f"{yellow:,}") + t("monthly.text_risks_flow", lang, raised=f"{raised:,}",
                                                 closed=f"{closed:,}"))
    else:
        lines.append(t("monthly.no_risks", lang))
    if as_of:  # a month under way, compared with whole months
        lines.append(t("monthly.text_partial", lang, day=as_of.day, days=month_end(as_of).day))
    return lines


# -- `followup report` ---------------------------------------------------------------------------

def report_payload(store: Store, month: date, actor: Actor = SYSTEM) -> dict:
    """The monthly summary as INTERFACES.md's `followup report --json` document."""
    month = month_start(month)
    one = for_month(Filters(), month)
    sources = headline_sources(store, actor, Filters(), month)
    conversion = metrics.follow_up_conversion(store, actor, one)
    head = {r["metric"]: r["this_month"] for r in headline_from(sources, month).iter_rows(named=True)}
    period = metrics.funnel_period(store, actor, one)  # the funnel and the win rate from one query
    funnel = metrics.funnel_from(period)
    channels = metrics.channel_rates(conversion).filter(pl.col("follow_ups") > 0)
    reps = rep_figures(store, actor, one, next_month(month), sources_in(sources, one), conversion)
    return {
        "month": month.strftime("%Y-%m"),
        "follow_ups": int(head["follow_ups"]),
        "effective_follow_ups": int(head["effective_follow_ups"]),
        "new_customers": int(head["new_customers"]),
        "contracts_signed": int(head["contracts_signed"]),
        "won_amount": round(head["won_amount"], 2),
        "win_rate": metrics.win_rate_from(period)["win_rate"][0],
        "funnel": dict(zip(funnel["stage"].to_list(), funnel["customers"].to_list())),
        "stage_conversion": dict(zip(funnel["stage"].to_list()[:-1], funnel["conversion_to_next"].to_list()[:-1])),
        "channel_conversion": {r["channel"]: r["rate"] for r in channels.iter_rows(named=True)
                               if r["channel"] in CHANNELS},
        "channel_follow_ups": dict(zip(channels["channel"].to_list(), channels["follow_ups"].to_list())),
        "reps": [{"username": r["username"], "effective_follow_ups": int(r["effective_follow_ups"]),
                  "target_amount": round(r["target_amount"], 2), "won_amount": round(r["won_amount"], 2),
                  "attainment": r["attainment"]}
                 for r in reps.sort("username").iter_rows(named=True)],
    }
