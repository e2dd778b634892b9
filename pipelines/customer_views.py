"""Reading customers for an acting user: the log form's picker, the customer list, one customer's page."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines import masking, sql
from pipelines.access import Actor
from pipelines.explorer import NO_EXTRA, Extra, sorted_page
from pipelines.filters import Filters, search_text
from pipelines.store import Store

LIST_SORTS: tuple[str, ...] = ("last_follow_up", "risk_rank", "name", "stage", "contract_amount", "created_at")


def picker(store: Store, actor: Actor, q: str = "", limit: int = 30) -> pl.DataFrame:
    """Customers matching a name, pinyin initials or credit code; the actor's recent ones first."""
    text = search_text(q)
    return store.query(*sql.scoped(actor, "customers/picker",
                                   {"q": text, "me": actor.id if actor.id is not None else -1,
                                    "limit": int(limit)}))


def _listing_sql(actor: Actor, filters: Filters, extra: Extra, query: str = "customers/listing") -> tuple[str, dict]:
    parts, params = [], {}
    for text, p in (filters.customer_predicate("c"), filters.rep_predicate("c.owner_id"), extra.predicate()):
        parts.append(text)
        params.update(p)
    if filters.q:
        # the search comes without spaces (杭州 青禾 finds 杭州青禾): so are the texts it is matched in
        parts.append("(contains(lower(replace(c.name, ' ', '')), $q) OR starts_with(coalesce(c.name_initials, ''), $q)"
                     " OR starts_with(lower(coalesce(c.uscc, '')), $q)"
                     " OR contains(lower(replace(coalesce(c.city, ''), ' ', '')), $q)"
                     " OR contains(lower(replace(coalesce(c.group_name, ''), ' ', '')), $q))")
        params["q"] = search_text(filters.q)
    body = sql.load(query).replace("__FILTERS__", " AND ".join(parts) or "true")
    return sql.scoped(actor, body, params, inline=True)


def count(store: Store, actor: Actor, filters: Filters, extra: Extra = NO_EXTRA) -> int:
    if not extra.risk:  # the count needs none of the list's joins
        return int(store.scalar(*_listing_sql(actor, filters, extra, "customers/count")))
    text, params = _listing_sql(actor, filters, extra)
    return int(store.scalar(f"SELECT count(*) FROM ({text})", params))


def listing(store: Store, actor: Actor, filters: Filters, extra: Extra = NO_EXTRA, sort: str = "last_follow_up",
            descending: bool = True, number: int = 1, size: int = 50) -> pl.DataFrame:
    """One page of the customer list (the period of `filters` does not apply to customers)."""
    text, params = _listing_sql(actor, filters, extra)
    return sorted_page(store, text, params, sort if sort in LIST_SORTS else "last_follow_up", descending,
                       number, size)


def every(store: Store, actor: Actor, filters: Filters, extra: Extra = NO_EXTRA) -> pl.DataFrame:
    """Every customer of the list (its export), most recently followed first."""
    text, params = _listing_sql(actor, filters, extra)
    return store.query(f"SELECT * FROM ({text}) ORDER BY last_follow_up DESC NULLS LAST, id DESC", params)


@dataclass(frozen=True)
class CustomerDetail:
    """Everything about one customer that the actor may see."""

    base: dict
    contacts: pl.DataFrame
    needs: pl.DataFrame
    stage_history: pl.DataFrame
    follow_ups: pl.DataFrame
    risks: pl.DataFrame
    contracts: pl.DataFrame
    ownership: pl.DataFrame


def detail(store: Store, actor: Actor, customer_id: int) -> CustomerDetail | None:
    """One customer's page, or None when it does not exist or the actor may not see it."""
    def run(name: str) -> pl.DataFrame:
        return store.query(*sql.scoped(actor, f"customers/{name}", {"id": int(customer_id)}))

    base = run("base")
    if base.is_empty():
        return None
    return CustomerDetail(
        base=base.row(0, named=True), contacts=contacts(store, actor, customer_id),
        needs=run("needs"), stage_history=run("stage_history"), follow_ups=run("follow_ups"),
        risks=run("risks"), contracts=run("contracts"), ownership=run("ownership"))


def contacts(store: Store, actor: Actor, customer_id: int) -> pl.DataFrame:
    """A customer's contacts the actor may see, masked for the actor's role."""
    found = store.query(*sql.scoped(actor, "customers/contacts", {"id": int(customer_id)}))
    return masking.mask_contacts(found, actor)


def contact_search(store: Store, actor: Actor, q: str, limit: int = 30) -> pl.DataFrame:
    """Contacts the actor may see whose name, phone, email or WeChat id (or customer's name)
    matches `q`: a PIPL request names the person, not always the company. Names only."""
    text = search_text(q)
    if not text:
        return pl.DataFrame(schema={"id": pl.Int64, "name": pl.String, "position": pl.String,
                                    "customer_name": pl.String})
    digits = "".join(ch for ch in text if ch.isdigit())
    return store.query(*sql.scoped(actor, "customers/contact_search",
                                   {"q": text, "digits": digits, "limit": int(limit)}))


def owners(store: Store, actor: Actor) -> pl.DataFrame:
    """Accounts a customer may be given to by this actor: reps (and managers) in the actor's scope."""
    return store.query(*sql.scoped(actor, "customers/owners"))


def last_channel(store: Store, actor: Actor) -> str | None:
    """The channel the actor used last (the log form's default)."""
    return store.scalar(*sql.scoped(actor, "log/last_channel", {"me": actor.id if actor.id is not None else -1}))


def tags(store: Store, actor: Actor) -> list[str]:
    """Tags in use among the actor's customers (the tag filter's choices)."""
    return store.query(*sql.scoped(actor, "customers/tags"))["tag"].to_list()
