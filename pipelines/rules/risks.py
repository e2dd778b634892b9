"""Risk rules (manual 1.2.7, ../shared/METRICS.md "Risk rules"): configuration and evaluation.

Rules raised by a person (decision-maker change, budget cut, competitor, manual) are rows that
people open and close (pipelines/risk_actions.py). Computed rules are evaluated in DuckDB SQL
(`sql/risks/fired.sql`) for a set of customers inside the write that changed them
(`follow_ups.after_write_hooks`), and for the whole database by `refresh()`:
a newly firing rule opens a row, a row whose condition ended is closed (status `resolved`,
`closed_at`), a row whose level or evidence changed is updated; nothing else is touched, so
evaluating twice changes nothing. `on_track` (green) is not stored: it is computed on read
for every active customer with no open red or yellow risk (pipelines/risk_board.py).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pyarrow as pa

from pipelines import audit, customer_activity, i18n, risk_summary, settings, sql
from pipelines.access import SYSTEM, Actor, NotPermitted, require_role
from pipelines.codes import RAISED_RULES, RISK_RULES
from pipelines.config import local_tz, tz_name
from pipelines.store import Store

COMPUTED_RULES: tuple[str, ...] = ("silent_30d", "silent_60d", "next_follow_up_overdue", "stage_stalled",
                                   "complaint_overdue", "low_satisfaction")
# The thresholds each computed rule takes, with their allowed range (days or score).
THRESHOLDS: dict[str, tuple[str, int, int]] = {
    "silent_30d": ("days", 1, 365), "silent_60d": ("days", 2, 730),
    "next_follow_up_overdue": ("days", 0, 365), "stage_stalled": ("days", 1, 730),
    "low_satisfaction": ("max_score", 1, 4),
}
FRESH_KEY = "risks_evaluated_on"  # settings row: the local date of the last whole-database run


class RuleError(ValueError):
    """An invalid rule setting; `key` is a catalog key under `risk.`, `values` its placeholders.
    `all`: every invalid setting of the save, this one first (a form says each beside its box at
    once; one a save, an admin who typed two wrong numbers learnt of the second on the next try)."""

    def __init__(self, key: str, **values: Any):
        super().__init__(key)
        self.key, self.values = key, values
        self.all: list[RuleError] = [self]


def _refuse(errors: list[RuleError]) -> None:
    if errors:
        errors[0].all = errors
        raise errors[0]


@dataclass(frozen=True)
class Changes:
    opened: int = 0
    updated: int = 0
    closed: int = 0

    def __add__(self, other: Changes) -> Changes:
        return Changes(self.opened + other.opened, self.updated + other.updated, self.closed + other.closed)

    @property
    def total(self) -> int:
        return self.opened + self.updated + self.closed


# -- configuration --------------------------------------------------------------------------

def merged(stored: dict | None) -> dict[str, dict]:
    """The defaults with a stored setting laid over them, rule by rule."""
    out = copy.deepcopy(settings.DEFAULTS["risk_rules"])
    for rule, values in (stored or {}).items():
        if rule in out and isinstance(values, dict):
            out[rule].update(values)
    return out


def rules(store: Store) -> dict[str, dict]:
    return merged(settings.get(store, "risk_rules"))


def rules_in(cur) -> dict[str, dict]:
    """The rules inside an open transaction."""
    return merged(settings.get_in(cur, "risk_rules"))


DAYS_IN_NAME = ("silent_30d", "silent_60d")  # rules whose names state their days ("30天无有效跟进")


def rule_name(code: str, lang: str, config: dict[str, dict] | None = None) -> str:
    """A rule's name; with the rules' `config`, a name that states days states the configured
    ones (an admin who sets the 30-day rule to 45 days reads 45天无有效跟进 everywhere)."""
    if config is not None and code in DAYS_IN_NAME and code in config:
        return i18n.t(f"rule_named.{code}", lang, days=int(config[code]["days"]))
    return i18n.label("rule", code, lang)


def rule_names(store: Store, actor: Actor, lang: str) -> dict[str, str]:
    """Every rule's name in `lang` as configured; any signed-in user reads them (the names,
    not the settings). `actor` keeps the dashboard's cached-read signature."""
    config = rules(store)
    return {code: rule_name(code, lang, config) for code in RISK_RULES}


def validate(config: dict) -> dict[str, dict]:
    """Checked and normalised rules; raises RuleError naming the rule and what is wrong."""
    out = merged(config)
    errors = []
    for rule, values in out.items():
        values["enabled"] = bool(values.get("enabled", True))
        if rule != "manual" and values.get("level") not in ("red", "yellow"):
            errors.append(RuleError("error_level", rule=rule))
        if rule in THRESHOLDS:
            name, low, high = THRESHOLDS[rule]
            try:
                number = int(values[name])
            except (TypeError, ValueError, KeyError):
                errors.append(RuleError("error_threshold", rule=rule, min=low, max=high))
                continue
            if not low <= number <= high or number != values[name]:
                errors.append(RuleError("error_threshold", rule=rule, min=low, max=high))
                continue
            values[name] = number
    _refuse(errors)
    if out["silent_60d"]["days"] <= out["silent_30d"]["days"]:
        raise RuleError("error_silent_order", long=out["silent_60d"]["days"], short=out["silent_30d"]["days"])
    return out


def save(store: Store, actor: Actor, config: dict, now: datetime | None = None) -> Changes | None:
    """Store edited rules (admins) and re-evaluate every customer with them; None when the rules
    are the ones already in force (nothing is written)."""
    require_role(actor, "admin")
    if not settings.put(store, actor, "risk_rules", validate(config)):
        return None
    return refresh(store, actor, now=now)


def raised_level(config: dict[str, dict], rule: str, chosen: str | None = None) -> str:
    """The level of a raised risk: the rule's configured level; `manual` takes the chosen one."""
    if rule == "manual":
        return chosen or "yellow"
    return config[rule]["level"]


# -- evaluation -----------------------------------------------------------------------------

def _params(config: dict[str, dict], now: datetime, customer_ids: list[int] | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "now": now, "today": now.astimezone(local_tz()).date(), "tz": tz_name(),
        "all": customer_ids is None, "ids": [int(i) for i in customer_ids or []],
    }
    for rule in COMPUTED_RULES:
        params[f"{rule}_on"] = bool(config[rule]["enabled"])
        params[f"{rule}_level"] = config[rule]["level"]
        if rule in THRESHOLDS:
            name = THRESHOLDS[rule][0]
            params[f"{rule}_{name}"] = int(config[rule][name])
    return params


INLINE_IDS = 1000  # more ids than this (an import) stay a bound list: the SQL text stays small
_ID_FILTER = re.compile(r"\$all OR list_contains\(\$ids::BIGINT\[\], ([a-z_.]+)\)")


def fired(cur, customer_ids: list[int] | None, now: datetime) -> Any:
    """The computed rules firing at `now` (an Arrow table), as fired.sql defines them."""
    params = _params(rules_in(cur), now, customer_ids)
    text, bound = sql.scoped(SYSTEM, "risks/fired", params)
    if customer_ids is not None and len(customer_ids) <= INLINE_IDS:
        # A save evaluates one customer: written out as a constant IN list (integers only), the
        # filter reaches every table scan, which a bound `$all OR list_contains(...)` does not;
        # this halves the cost of every save.
        ids = sql.id_list(customer_ids)
        text = _ID_FILTER.sub(lambda m: f"{m.group(1)} IN ({ids})", text)
        bound = sql.bind(text, {**params, **bound})
    return cur.execute(text, bound).to_arrow_table()


_SCOPE = "($all OR list_contains($ids::BIGINT[], customer_id))"
_CLOSE = f"""
UPDATE risks SET status = 'resolved', closed_at = $now, updated_at = current_timestamp
WHERE status <> 'resolved' AND list_contains($computed, rule) AND {_SCOPE}
  AND NOT EXISTS (SELECT 1 FROM risk_fired f WHERE f.customer_id = risks.customer_id AND f.rule = risks.rule)
RETURNING id AS risk_id, customer_id, rule, level, closed_at AS happened_at"""
# The scope filter is repeated on the risks in each statement: a save's evaluation then reads
# one customer's risks, not all of them (DuckDB does not carry it over from risk_fired).
_UPDATE = """
UPDATE risks SET level = f.level, evidence = f.evidence, updated_at = current_timestamp
FROM risk_fired f
WHERE risks.customer_id = f.customer_id AND risks.rule = f.rule AND risks.status <> 'resolved'
  AND ($all OR list_contains($ids::BIGINT[], risks.customer_id))
  AND (risks.level <> f.level OR risks.evidence IS DISTINCT FROM f.evidence)
RETURNING risks.id AS risk_id, risks.customer_id, risks.rule, risks.level"""
# A rule firing again since the very moment it fired before (a deleted follow-up restored, a
# setting changed and changed back) is the same risk: its resolved row opens again, the latest
# one if there are several, instead of a second row in the customer's risk history.
_REOPEN = """
UPDATE risks SET status = 'open', closed_at = NULL, level = f.level, evidence = f.evidence,
       updated_at = current_timestamp
FROM risk_fired f
WHERE risks.customer_id = f.customer_id AND risks.rule = f.rule AND risks.status = 'resolved'
  AND risks.raised_at = f.since AND ($all OR list_contains($ids::BIGINT[], risks.customer_id))
  AND risks.id = (SELECT max(r.id) FROM risks r WHERE r.customer_id = f.customer_id AND r.rule = f.rule
                  AND r.raised_at = f.since)
  AND NOT EXISTS (SELECT 1 FROM risks r WHERE r.customer_id = f.customer_id AND r.rule = f.rule
                  AND r.status <> 'resolved')
RETURNING risks.id AS risk_id, risks.customer_id, risks.rule, risks.level"""
_OPEN = """
INSERT INTO risks (customer_id, level, rule, status, raised_at, evidence)
SELECT f.customer_id, f.level, f.rule, 'open', f.since, f.evidence
FROM risk_fired f
WHERE NOT EXISTS (SELECT 1 FROM risks r WHERE r.customer_id = f.customer_id AND r.rule = f.rule
                  AND r.status <> 'resolved' AND ($all OR list_contains($ids::BIGINT[], r.customer_id)))
ORDER BY f.customer_id, f.rule
RETURNING id AS risk_id, customer_id, rule, level, raised_at AS happened_at"""


_NOTHING = pa.table({"risk_id": pa.array([], pa.int64())})


def _needed(cur, ids: list[int], fired_rows) -> set[str]:
    """Which of close / update / open have work for these few customers: their open computed
    risks against what fires now. A save usually changes one thing or nothing, and each
    statement skipped saves its planning, which is most of its cost."""
    stored = {(c, r): (lv, ev) for c, r, lv, ev in cur.execute(
        "SELECT customer_id, rule, level, evidence FROM risks WHERE status <> 'resolved'"
        f" AND list_contains($computed, rule) AND customer_id IN ({', '.join(map(str, ids))})",
        {"computed": list(COMPUTED_RULES)}).fetchall()}
    firing = {(c, r): (lv, ev) for c, r, lv, ev in zip(*(fired_rows.column(k).to_pylist()
                                                           for k in ("customer_id", "rule", "level", "evidence")))}
    needed = set()
    if stored.keys() - firing.keys():
        needed.add("close")
    if firing.keys() - stored.keys():
        needed.add("open")
    if any(stored[key] != value for key, value in firing.items() if key in stored):
        needed.add("update")
    return needed


def _log_events(cur, changed, action: str, at: datetime | None = None) -> int:
    """Write one risk_events row per changed risk (the automatic part of a risk's history);
    at `at`, or at the row's own `happened_at`."""
    if changed.num_rows == 0:
        return 0
    cur.register("risk_changed", changed)
    when = "happened_at" if at is None else "$at"
    try:
        cur.execute("INSERT INTO risk_events (risk_id, customer_id, action, rule, level, happened_at)"
                    f" SELECT risk_id, customer_id, $action, rule, level, {when} FROM risk_changed"
                    " ORDER BY risk_id", {"action": action, **({} if at is None else {"at": at})})
    finally:
        cur.unregister("risk_changed")
    return changed.num_rows


def evaluate(cur, customer_ids: list[int] | None, now: datetime | None = None,
             created: Collection[int] = ()) -> Changes:
    """Bring the stored computed risks of these customers (None: all) in line with the rules at
    `now`, inside the caller's transaction (`created`: customers it inserted, see
    customer_activity.refresh)."""
    now = now or datetime.now(UTC)
    if customer_ids is not None and not customer_ids:
        return Changes()
    ids = None if customer_ids is None else sorted({int(i) for i in customer_ids})
    if ids is not None and len(ids) > INLINE_IDS:
        # An import touching many customers: one pass over everyone (0.7 s at 1,000,000
        # follow-ups) is far cheaper than matching a long id list row by row (52 s for 100,000).
        ids = None
    fired_rows = fired(cur, ids, now)
    cur.register("risk_fired", fired_rows)
    try:
        scope = {"all": ids is None, "ids": ids or [], "now": now, "computed": list(COMPUTED_RULES)}

        def run(statement: str):
            if ids is not None:  # as in fired(): a constant list reaches the scan
                statement = _ID_FILTER.sub(lambda m: f"{m.group(1)} IN ({', '.join(map(str, ids))})", statement)
            return cur.execute(statement, sql.bind(statement, scope)).to_arrow_table()

        needed = _needed(cur, ids, fired_rows) if ids is not None else {"close", "update", "open"}
        if needed:  # the risk summary: these customers' counts out, and in again below
            risk_summary.add_customers(cur, ids, -1)
        closed, updated, reopened, opened = (
            run(statement) if step in needed else _NOTHING
            for step, statement in (("close", _CLOSE), ("update", _UPDATE), ("open", _REOPEN), ("open", _OPEN)))
        if needed:
            risk_summary.add_customers(cur, ids, +1)
    finally:
        cur.unregister("risk_fired")
    # the customers' summary row follows their follow-ups and risks, in the same transaction
    customer_activity.refresh(cur, ids, created)
    return Changes(opened=_log_events(cur, reopened, "opened", now) + _log_events(cur, opened, "opened"),
                   updated=_log_events(cur, updated, "updated", now), closed=_log_events(cur, closed, "closed"))


def evaluate_hook(cur, customer_ids: list[int], created: Collection[int] = ()) -> None:
    """`follow_ups.after_write_hooks` entry: re-evaluate the customers a write touched."""
    evaluate(cur, customer_ids, created=created)


def _mark_fresh(cur, day: date) -> None:
    # UPDATE, then INSERT when there was no row: the PostgreSQL backend (DuckDB's postgres
    # extension) has no ON CONFLICT. One transaction and the UNIQUE key keep it safe.
    params = {"k": FRESH_KEY, "v": f'"{day.isoformat()}"'}
    if not cur.execute("UPDATE settings SET value = $v, updated_at = now() WHERE key = $k", params).fetchone()[0]:
        cur.execute("INSERT INTO settings (key, value) VALUES ($k, $v)", params)


def refresh(store: Store, actor: Actor = SYSTEM, now: datetime | None = None) -> Changes:
    """Evaluate every customer (`followup risks refresh`); idempotent, audited when it changes rows."""
    if actor.role != "admin":
        raise NotPermitted("只有管理员可以重新评估全部风险。", "Only admins re-evaluate all risks.")
    now = now or datetime.now(UTC)

    def work(cur):
        changes = evaluate(cur, None, now)
        _mark_fresh(cur, now.astimezone(local_tz()).date())
        if changes.total:
            audit.record(cur, actor, "update", "risks", None,
                         detail=f"risk refresh: opened {changes.opened}, updated {changes.updated},"
                                f" closed {changes.closed}")
        return changes

    return store.write(work)


def ensure_fresh(store: Store, now: datetime | None = None) -> bool:
    """Run the whole-database evaluation once per local day (days passing change the rules'
    outcome with no write). True when it ran. A read-only store is left as it is."""
    now = now or datetime.now(UTC)
    if store.read_only:
        return False
    day = now.astimezone(local_tz()).date()
    if settings.get(store, FRESH_KEY) == day.isoformat():
        return False
    refresh(store, SYSTEM, now)
    return True


def replay(store: Store, start: date, end: date, step_days: int = 7) -> Changes:
    """Evaluate the whole database at the end of each step from `start` to `end` (local days),
    as a scheduler would have: gives freshly loaded history (demo, import) its risk history."""
    total = Changes()
    day = start
    while day <= end:
        at = datetime.combine(day, time(18), tzinfo=local_tz())
        total = total + store.write(lambda cur, at=at: evaluate(cur, None, at))
        day += timedelta(days=step_days)
    return total


def seed_demo(store: Store, as_of: date, weeks: int = 26) -> Changes:
    """Risk history for a fresh demo database: evaluations over the last `weeks` weeks (weekly;
    every four weeks above 5,000 customers, where each whole-database run costs more), the
    history of the raised demo risks, and a final refresh at `as_of`."""
    step = 7 if (store.scalar("SELECT count(*) FROM customers") or 0) <= 5000 else 28
    changes = replay(store, as_of - timedelta(weeks=weeks), as_of - timedelta(days=1), step_days=step)

    def history(cur):
        for action, at, by, where in (("raised", "raised_at", "raised_by", "true"),
                                      ("acknowledged", "acknowledged_at", "acknowledged_by",
                                       "acknowledged_at IS NOT NULL"),
                                      ("resolved", "closed_at", "closed_by", "closed_at IS NOT NULL")):
            cur.execute("INSERT INTO risk_events (risk_id, customer_id, action, rule, level, note, actor_id,"
                        f" happened_at) SELECT id, customer_id, $a, rule, level,"
                        f" CASE WHEN $a = 'raised' THEN note END, {by}, {at} FROM risks"
                        f" WHERE list_contains($raised, rule) AND {where} ORDER BY id",
                        {"a": action, "raised": list(RAISED_RULES)})

    store.write(history)
    # at the end of the demo's last working day, or now when that is still ahead (a demo made
    # this morning): risks closed by this refresh would otherwise be closed in the future
    end = min(datetime.combine(as_of, time(18), tzinfo=local_tz()), datetime.now(UTC))
    return changes + refresh(store, SYSTEM, end)


def save_days(store: Store, actor: Actor, key: str, values: dict[str, Any], keys: tuple[str, ...]
              ) -> dict[str, int] | None:
    """Store a {code: days} setting (`cadence_days`, `feedback_deadline_days`): whole days 1–365;
    None when those are the days already in force."""
    require_role(actor, "admin")
    clean: dict[str, int] = {}
    errors = []
    for code in keys:
        number = values.get(code)
        if not isinstance(number, (int, float)) or number != int(number) or not 1 <= number <= 365:
            errors.append(RuleError("error_days", code=code))
            continue
        clean[code] = int(number)
    _refuse(errors)
    return clean if settings.put(store, actor, key, clean) else None
