"""Reads behind the risk board (`/risks`), `followup risks list` and the customer page.

Every read takes the acting user and goes through `sql.scoped`, so a rep sees only the
rep's customers and a manager the team's. Green (`on_track`) entries are computed on read.
Evidence is stored as anchor facts (JSON); `evidence_text` renders the sentence in the
user's language with the day count as of today.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl

from pipelines import sql
from pipelines.access import Actor
from pipelines.config import local_tz, tz_name
from pipelines.filters import Filters
from pipelines.i18n import label, t
from pipelines.store import Store


@dataclass(frozen=True)
class BoardFilter:
    """The board's filters: team names, rep usernames, rule codes, minimum age in days."""

    team: tuple[str, ...] = ()
    rep: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    min_age_days: int = 0

    def customers_predicate(self) -> tuple[str, dict[str, Any]]:
        f = Filters(team=self.team, rep=self.rep)
        team_sql, team_params = f.customer_predicate("c")
        rep_sql, rep_params = f.rep_predicate("c.owner_id")
        return f"({team_sql}) AND ({rep_sql})", {**team_params, **rep_params}


def _today(today: date | None) -> date:
    return today or datetime.now(local_tz()).date()


def _open_sql(flt: BoardFilter, customer_ids: list[int] | None = None) -> tuple[str, dict[str, Any]]:
    """risks/open.sql for the filter; with `customer_ids`, for those customers only (written out as
    integers: a constant list reaches the scans)."""
    predicate, params = flt.customers_predicate()
    risk_customers = "true"
    if customer_ids is not None:
        predicate += f" AND c.id IN ({sql.id_list(customer_ids)})"
        risk_customers = f"customer_id IN ({sql.id_list(customer_ids)})"
    text = sql.load("risks/open").replace("__CUSTOMERS__", predicate).replace("__RISK_CUSTOMERS__", risk_customers)
    return text, params


def _params(flt: BoardFilter, today: date | None) -> dict[str, Any]:
    return {"rules": list(flt.rules), "min_age_days": int(flt.min_age_days), "today": _today(today),
            "tz": tz_name()}


def entries(store: Store, actor: Actor, flt: BoardFilter = BoardFilter(), today: date | None = None,
            level: str | None = None) -> pl.DataFrame:
    """One row per open red/yellow risk and one `on_track` row per active customer with none."""
    body, params = _open_sql(flt)
    text = sql.load("risks/entries").replace("__OPEN__", body.strip())
    frame = store.query(*sql.scoped(actor, text, {**params, **_params(flt, today)}, inline=True))
    if level:
        frame = frame.filter(pl.col("level") == level)
    order = pl.col("level").replace_strict({"red": 0, "yellow": 1, "green": 2}, default=3)
    return frame.sort([order, "since", "customer_id", "rule"])


def board(store: Store, actor: Actor, flt: BoardFilter = BoardFilter(), today: date | None = None,
          per_column: int = 50) -> pl.DataFrame:
    """Cards for the board: one row per customer in its worst level's column (first `per_column`),
    with its entries (a list of structs), red before yellow, oldest first."""
    if flt.rules or flt.min_age_days > 0:
        body, params = _open_sql(flt)
        cards_sql = sql.load("risks/cards_filtered").replace("__OPEN__", body.strip().rstrip(";"))
    else:  # the default view: ranked from customer_activity, without reading every risk
        predicate, params = flt.customers_predicate()
        cards_sql = sql.load("risks/cards_all").replace("__CUSTOMERS__", predicate)
    text = sql.load("risks/board").replace("__CARDS__", cards_sql.strip())
    cards = store.query(*sql.scoped(actor, text, {**params, **_params(flt, today), "per_column": per_column},
                                    inline=True))
    # names and entries (with evidence and notes) of the shown cards only
    customer_ids = cards.get_column("customer_id").to_list()
    names = store.query(*sql.scoped(actor, sql.load("risks/card_names").replace("__IDS__", sql.id_list(customer_ids)),
                                    inline=True))
    body, params = _open_sql(flt, customer_ids)
    shown = store.query(*sql.scoped(actor, body, {**params, **_params(flt, today)}, inline=True))
    shown = shown.join(latest_notes(store, actor, shown.get_column("risk_id").drop_nulls().to_list()),
                       on="risk_id", how="left", maintain_order="left")
    entry = pl.struct("risk_id", "level", "rule", "status", "since", "evidence", "note", "latest_note",
                      "latest_note_by", "latest_note_at")
    listed = (shown.sort([pl.col("level") != "red", "since", "rule"])
              .group_by("customer_id", maintain_order=True).agg(entry.alias("entries")))
    return (cards.rename({"card_since": "since"})
            .join(names, on="customer_id", how="left", maintain_order="left")
            .join(listed, on="customer_id", how="left", maintain_order="left")
            .select("customer_id", "customer_name", "owner_name", "owner_username", "team_name", "stage",
                    "column_level", "in_column", "rank", "open_red", "open_yellow", "open_green", "since",
                    "entries"))


def column_counts(cards: pl.DataFrame) -> dict[str, int]:
    """Customers per column (red / yellow / green) from a board() result."""
    counts = {"red": 0, "yellow": 0, "green": 0}
    for row in cards.group_by("column_level").agg(pl.col("in_column").first()).iter_rows():
        counts[row[0]] = int(row[1])
    return counts


def board_open_counts(cards: pl.DataFrame) -> dict[str, int]:
    """Open entries per level from a board() result (the same figures as open_counts)."""
    if cards.is_empty():
        return {"red": 0, "yellow": 0, "green": 0}
    first = cards.row(0, named=True)
    return {level: int(first[f"open_{level}"]) for level in ("red", "yellow", "green")}


def open_counts(store: Store, actor: Actor, flt: BoardFilter = BoardFilter(), today: date | None = None
                ) -> dict[str, int]:
    """Open entries per level (red and yellow risks; green: customers on track)."""
    body, params = _open_sql(flt)
    text = sql.load("risks/counts").replace("__OPEN__", body.strip())
    counts = {"red": 0, "yellow": 0, "green": 0}
    for level, n in store.query(*sql.scoped(actor, text, {**params, **_params(flt, today)}, inline=True)).iter_rows():
        counts[level] = int(n)
    return counts


def listing(store: Store, actor: Actor, level: str | None = None, today: date | None = None) -> list[dict]:
    """`followup risks list`: {customer_id, customer_name, level, rule, since} per entry."""
    frame = entries(store, actor, today=today, level=level)
    return [{"customer_id": r["customer_id"], "customer_name": r["customer_name"], "level": r["level"],
             "rule": r["rule"], "since": r["since"].isoformat() if r["since"] else None}
            for r in frame.select("customer_id", "customer_name", "level", "rule", "since").iter_rows(named=True)]


def latest_notes(store: Store, actor: Actor, risk_ids: list[int]) -> pl.DataFrame:
    """The newest note added to each of `risk_ids` (risk_id, latest_note, latest_note_by,
    latest_note_at): what the board shows under a warning once someone has written about it."""
    text = sql.load("risks/latest_notes").replace("__IDS__", sql.id_list(risk_ids))
    return store.query(*sql.scoped(actor, text, inline=True)).with_columns(pl.col("risk_id").cast(pl.Int64))


def history(store: Store, actor: Actor, customer_id: int) -> pl.DataFrame:
    """Every step of the customer's risks, newest first (empty when not visible to the actor)."""
    return store.query(*sql.scoped(actor, "risks/history", {"customer_id": customer_id}))


def trend(store: Store, actor: Actor, flt: BoardFilter = BoardFilter(), weeks: int = 26,
          today: date | None = None) -> pl.DataFrame:
    """Open red and yellow risks at the end of each of the last `weeks` weeks."""
    predicate, params = flt.customers_predicate()
    if flt.team or flt.rep:
        predicate = f"r.customer_id IN (SELECT c.id FROM v_customers c WHERE {predicate})"
    else:  # no join with the customers: v_risks keeps the visible ones
        predicate, params = "true", {}
    end = _today(today)
    text = sql.load("risks/trend").replace("__CUSTOMERS__", predicate)
    return store.query(*sql.scoped(actor, text, {**params, "start": end - timedelta(weeks=weeks - 1), "end": end,
                                                 "tz": tz_name(), "rules": list(flt.rules)}, inline=True))


def age_days(since: datetime | None, today: date | None = None) -> int | None:
    if since is None:
        return None
    return (_today(today) - since.astimezone(local_tz()).date()).days


def evidence_text(rule: str, evidence: str | None, lang: str, today: date | None = None,
                  note: str | None = None, closed_at: datetime | None = None) -> str:
    """The sentence behind a fired rule, e.g. "last effective follow-up 41 days ago (2026-09-20)".
    A closed risk's days are counted to the day it closed, and said to be so: counted to today
    they would grow for ever on a warning nobody has to act on."""
    if not evidence:
        return note or ""
    if closed_at is not None:
        text = evidence_text(rule, evidence, lang, closed_at.astimezone(local_tz()).date(), note)
        return t("risk.evidence_when_closed", lang, text=text)
    facts = json.loads(evidence)
    day = _today(today)

    def since(key: str) -> int:
        return (day - date.fromisoformat(facts[key])).days

    if rule in ("silent_30d", "silent_60d"):
        key = "risk.evidence_silent" if facts.get("met") else "risk.evidence_silent_never"
        return t(key, lang, days=since("last"), date=facts["last"])
    if rule == "next_follow_up_overdue":
        return t("risk.evidence_overdue", lang, days=since("due"), date=facts["due"])
    if rule == "stage_stalled":
        return t("risk.evidence_stalled", lang, stage=label("stage", facts["stage"], lang),
                 days=since("entered"), date=facts["entered"])
    if rule == "complaint_overdue":
        return t("risk.evidence_complaint", lang, count=facts["count"], date=facts["deadline"],
                 days=since("deadline"))
    if rule == "low_satisfaction":
        return t("risk.evidence_low_satisfaction", lang, score=facts["score"], date=facts["surveyed_on"])
    return note or ""
