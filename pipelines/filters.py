"""The filter shared by the records explorer and every analytics page.

It round-trips through the URL's query parameters of ../shared/INTERFACES.md (`from`, `to`,
`team`, `rep`, `industry`, `size`, `province`, `customer_type`, `channel`, `stage`, `q`;
several values comma-separated) and becomes SQL predicates with bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any

_LISTS = ("team", "rep", "industry", "size", "province", "customer_type", "channel", "stage")
# the invisible word joiner the pages put in shown text (dashboard.fmt.literal): a name copied from
# a page and pasted into a search carries it
_JOINER = "\u2060"


def search_text(q: str | None, spaces: bool = False) -> str:
    """A search as typed or pasted, lower-cased, without the pages' invisible joiners; without its
    spaces unless `spaces` (names are matched without theirs: 杭州 青禾 finds 杭州青禾)."""
    text = (q or "").replace(_JOINER, "").strip().lower()
    return text if spaces else "".join(text.split())


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None  # inclusive, local date
    date_to: date | None = None  # inclusive, local date
    team: tuple[str, ...] = ()  # team names
    rep: tuple[str, ...] = ()  # usernames
    industry: tuple[str, ...] = ()
    size: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    customer_type: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    q: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    # -- URL ------------------------------------------------------------------------------

    @classmethod
    def from_query(cls, params: dict[str, Any]) -> Filters:
        """From URL query parameters; values that do not parse are dropped, not fatal."""
        def one(key: str) -> str:
            value = params.get(key, "")
            if isinstance(value, list):
                value = ",".join(value)
            return str(value).strip()

        def day(key: str) -> date | None:
            try:
                return date.fromisoformat(one(key)) if one(key) else None
            except ValueError:
                return None

        lists = {k: tuple(v for v in (p.strip() for p in one(k).split(",")) if v) for k in _LISTS}
        return cls(date_from=day("from"), date_to=day("to"), q=one("q"), **lists)

    def to_query(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        for k in _LISTS:
            if getattr(self, k):
                out[k] = ",".join(getattr(self, k))
        if self.q:
            out["q"] = self.q
        return out

    def with_period(self, start: date, end: date) -> Filters:
        return replace(self, date_from=start, date_to=end)

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "extra")

    # -- SQL ------------------------------------------------------------------------------

    def period_params(self) -> dict[str, Any]:
        """`$period_start`/`$period_end` as local dates; the end is exclusive (day after `to`)."""
        start = self.date_from or date(1970, 1, 1)
        end = (self.date_to or date(2999, 12, 31)) + timedelta(days=1)
        return {"period_start": start, "period_end": end}

    def customer_predicate(self, alias: str = "c") -> tuple[str, dict[str, Any]]:
        """Predicate on a customers row: industry, size, province, type, stage, owner's team/rep."""
        parts: list[str] = []
        params: dict[str, Any] = {}
        for key in ("industry", "size", "province", "customer_type", "stage"):
            values = getattr(self, key)
            if values:
                parts.append(f"list_contains($f_{key}, {alias}.{key})")
                params[f"f_{key}"] = list(values)
        if self.team:
            text, team_params = self.team_predicate(f"{alias}.owner_id")
            parts.append(text)
            params.update(team_params)
        return (" AND ".join(parts) or "true"), params

    def team_predicate(self, column: str) -> tuple[str, dict[str, Any]]:
        """Predicate on a person id column: the person is in one of the chosen teams."""
        if not self.team:
            return "true", {}
        return ((f"{column} IN (SELECT u.id FROM users u JOIN teams t ON t.id = u.team_id"
                 f" WHERE list_contains($f_team, t.name))"), {"f_team": list(self.team)})

    def rep_predicate(self, column: str) -> tuple[str, dict[str, Any]]:
        """Predicate on a rep id column (a follow-up's maker, a contract's signer, an owner)."""
        if not self.rep:
            return "true", {}
        return (f"{column} IN (SELECT id FROM users WHERE list_contains($f_rep, username))",
                {"f_rep": list(self.rep)})

    def channel_predicate(self, column: str) -> tuple[str, dict[str, Any]]:
        if not self.channel:
            return "true", {}
        return f"list_contains($f_channel, {column})", {"f_channel": list(self.channel)}


def options(store, actor) -> dict[str, list]:
    """What the filter bar offers this actor: teams, reps, provinces among their customers (one
    query: the bar runs it on every analytics page)."""
    from pipelines import sql

    rows = store.query(*sql.scoped(actor, "filters/options"))

    def of(kind: str) -> dict[str, list]:
        part = rows.filter(kind=kind)
        return {"value": part["value"].to_list(), "display_name": part["display_name"].to_list()}

    reps = of("rep")
    return {"team": of("team")["value"],
            "rep": reps["value"],
            "rep_names": dict(zip(reps["value"], reps["display_name"])),
            "province": of("province")["value"]}
