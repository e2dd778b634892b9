"""What a user may see and change: the one place where role scope becomes SQL.

Every query in `pipelines/sql/` reads the `v_*` views defined here (prepended as CTEs by
`pipelines.sql.scoped`), never the raw tables, so a rep's query can reach only the
rep's customers and everything hanging off them, a manager's only the team's.
Visibility follows the customer's current owner: reassignment moves access with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """The acting user of a read or write."""

    id: int | None
    username: str
    role: str
    team_id: int | None = None
    display_name: str = ""
    lang: str = "zh_CN"
    must_change_password: bool = False  # someone else set it: no page opens until the user changes it

    @property
    def sees_all(self) -> bool:
        return self.role in ("leader", "admin")

    @property
    def read_only(self) -> bool:
        return self.role == "leader"

    @property
    def sees_contact_details(self) -> bool:
        """Leadership reads masked phones, emails and WeChat IDs (SPEC's role table)."""
        return self.role != "leader"


# Commands run from a shell act as this account in the audit log.
SYSTEM = Actor(id=None, username="system", role="admin", display_name="system")


class NotPermitted(Exception):
    """The acting user may not do this; the message is shown as-is."""

    def __init__(self, zh: str = "没有权限执行此操作。", en: str = "You are not permitted to do this."):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    def text(self, lang: str = "zh_CN") -> str:
        return self.en if lang == "en" else self.zh


class FieldRefused(NotPermitted):
    """A value the model accepts and the stored data refuses (a credit code another customer
    has): said beside its field, `field` naming it."""

    def __init__(self, field: str, zh: str, en: str):
        super().__init__(zh, en)
        self.field = field


def owner_predicate(actor: Actor, column: str = "owner_id") -> tuple[str, dict[str, Any]]:
    """SQL predicate on a customer's owner column for this actor, with its parameters."""
    if actor.sees_all:
        return "true", {}
    if actor.role == "manager":
        return (f"{column} IN (SELECT id FROM users WHERE team_id = $actor_team)",
                {"actor_team": actor.team_id if actor.team_id is not None else -1})
    if actor.role == "rep":
        return f"{column} = $actor_id", {"actor_id": actor.id if actor.id is not None else -1}
    return "false", {}


def user_predicate(actor: Actor, alias: str = "") -> tuple[str, dict[str, Any]]:
    """Which accounts' rows (reps in filters, per-rep figures) this actor may see."""
    a = f"{alias}." if alias else ""
    if actor.sees_all:
        return "true", {}
    if actor.role == "manager":
        return (f"({a}team_id = $actor_team OR {a}id = $actor_id)",
                {"actor_team": actor.team_id if actor.team_id is not None else -1,
                 "actor_id": actor.id if actor.id is not None else -1})
    return f"{a}id = $actor_id", {"actor_id": actor.id if actor.id is not None else -1}


_VIEW_NAME = re.compile(r"\bv_[a-z_]+\b")


def scope_ctes(actor: Actor, used: str | None = None) -> tuple[str, dict[str, Any]]:
    """The `v_*` CTEs for this actor: live rows the actor may see. With `used` (a query's text),
    only the views it names and the views those read: DuckDB parses and binds every CTE of a
    query, and the unused ones cost 0.3–0.5 ms per query (a page runs ten to twenty)."""
    owner, p1 = owner_predicate(actor, "c.owner_id")
    summary_owner, p3 = owner_predicate(actor, "x.owner_id")
    users, p2 = user_predicate(actor)
    visible = f"c.deleted_at IS NULL AND {owner}"

    def by_customer(table: str, live: bool = True) -> str:
        # An inner join on the customer's primary key (one match at most, so rows are neither
        # duplicated nor lost) rather than `customer_id IN (SELECT id FROM v_customers)`: DuckDB
        # runs it as a perfect hash join on the dense ids, several times cheaper than the
        # semi-join on a million follow-ups, for every role.
        alive = "x.deleted_at IS NULL AND " if live else ""
        return f"SELECT x.* FROM {table} x JOIN customers c ON c.id = x.customer_id WHERE {alive}{visible}"

    def person(column: str) -> str:
        return "true" if actor.sees_all else f"{column} IN (SELECT id FROM users WHERE {users})"

    def by_person(table: str, column: str) -> str:
        return (f"SELECT x.* FROM {table} x JOIN customers c ON c.id = x.customer_id"
                f" WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL AND {person('x.' + column)}")

    views = {
        "v_users": f"(SELECT * FROM users WHERE {users})",
        "v_customers": f"NOT MATERIALIZED (SELECT c.* FROM customers c WHERE {visible})",
        "v_follow_ups": f"({by_customer('follow_ups')})",
        "v_deleted_follow_ups": f"({by_customer('follow_ups', live=False)} AND x.deleted_at IS NOT NULL)",
        "v_stage_changes": f"({by_customer('stage_changes')})",
        "v_contracts": f"({by_customer('contracts')})",
        "v_contacts": f"({by_customer('contacts')})",
        "v_needs": f"({by_customer('needs')})",
        "v_risks": f"({by_customer('risks', live=False)})",
        "v_feedback": f"({by_customer('feedback')})",
        "v_surveys": f"({by_customer('surveys')})",
        "v_targets": "(SELECT * FROM targets WHERE rep_id IN (SELECT id FROM v_users))",
        "v_ownership_changes": f"({by_customer('ownership_changes', live=False)})",
        "v_risk_events": f"({by_customer('risk_events', live=False)})",
        "v_feedback_events": f"({by_customer('feedback_events', live=False)})",
        "v_customer_activity": f"""(SELECT c.*, a.last_follow_up_at, a.last_effective_at, a.next_follow_up_on,
    coalesce(a.open_red, 0) AS open_red, coalesce(a.open_yellow, 0) AS open_yellow, a.open_since, a.last_closed_at
    FROM customers c LEFT JOIN customer_activity a ON a.id = c.id WHERE {visible})""",
        "v_follow_up_daily": f"(SELECT x.* FROM follow_up_daily x WHERE {summary_owner})",
        # The work of the people the actor may see, on any live customer: the figures credited to
        # a person (METRICS.md: a follow-up belongs to the rep who made it, a contract to the rep
        # on it) read these, so that a rep's own figures are the leader's with that rep chosen,
        # whoever owns the customer now. Counts and sums only: the records stay the v_* above.
        "v_work_customers": "NOT MATERIALIZED (SELECT c.* FROM customers c WHERE c.deleted_at IS NULL)",
        "v_work_follow_ups": f"({by_person('follow_ups', 'rep_id')})",
        "v_work_contracts": f"({by_person('contracts', 'rep_id')})",
        "v_work_follow_up_daily": f"(SELECT x.* FROM follow_up_daily x WHERE {person('x.rep_id')})",
        "v_stage_daily": f"(SELECT x.* FROM stage_daily x WHERE {summary_owner})",
        "v_risk_daily": f"(SELECT x.* FROM risk_daily x WHERE {summary_owner})",
    }
    # follow_up_daily (pipelines/daily_summary.py), stage_daily (pipelines/stage_summary.py) and
    # risk_daily (pipelines/risk_summary.py) hold only live customers' rows,
    # keyed by the customer's current owner: the owner predicate alone is the customers' scope.
    # v_customer_activity: the visible customers with their customer_activity facts (migration
    # 0005; a customer without a row has none of them and no open risk), one join for readers.
    wanted = views.keys() if used is None else _named(views, used)
    ctes = ",\n".join(f"{name} AS {body}" for name, body in views.items() if name in wanted)
    return ctes, {**p1, **p2, **p3}


def _named(views: dict[str, str], used: str) -> set[str]:
    """The views `used` names, with the views those read."""
    wanted, todo = set(), set(_VIEW_NAME.findall(used)) & views.keys()
    while todo:
        name = todo.pop()
        wanted.add(name)
        todo |= (set(_VIEW_NAME.findall(views[name])) & views.keys()) - wanted
    return wanted


def require_writer(actor: Actor) -> None:
    if actor.read_only:
        raise NotPermitted("管理层为只读账号,不能修改数据。", "Leadership accounts are read-only.")


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise NotPermitted()


def can_write_owner(actor: Actor, owner_id: int, owner_team_id: int | None) -> bool:
    """May the actor change records of a customer owned by `owner_id` (in `owner_team_id`)?"""
    if actor.role == "admin":
        return True
    if actor.role == "manager":
        return owner_team_id is not None and owner_team_id == actor.team_id
    if actor.role == "rep":
        return owner_id == actor.id
    return False
