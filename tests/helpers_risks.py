"""Small databases for the risk tests: customers with a stage history, follow-ups, complaints
and surveys placed a given number of days before a fixed evaluation time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pipelines.config import local_tz

TODAY = date(2026, 10, 31)
NOW = datetime.combine(TODAY, time(12), tzinfo=local_tz())


def at(days_ago: int, hour: int = 10) -> datetime:
    """A local time `days_ago` days before TODAY."""
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour), tzinfo=local_tz())


def customer(store, owner, changes=(("initial_contact", 5),), name: str | None = None) -> int:
    """A customer whose stage history is `changes`: (stage, days_ago) oldest first."""
    cur = store.cursor()
    stage = changes[-1][0]
    cid = cur.execute("INSERT INTO customers (name, owner_id, stage, created_at) VALUES ($n, $o, $s, $at)"
                      " RETURNING id", {"n": name or f"客户{stage}", "o": owner.id, "s": stage,
                                        "at": at(changes[0][1])}).fetchone()[0]
    previous = None
    for to_stage, days_ago in changes:
        cur.execute("INSERT INTO stage_changes (customer_id, from_stage, to_stage, changed_at, changed_by)"
                    " VALUES ($c, $f, $t, $at, $by)",
                    {"c": cid, "f": previous, "t": to_stage, "at": at(days_ago, 9), "by": owner.id})
        previous = to_stage
    return cid


def follow_up(store, cid: int, rep, days_ago: int, effective: bool = True, next_days_ago: int | None = None) -> int:
    """A follow-up `days_ago` days back; its next follow-up date `next_days_ago` days back (negative: ahead)."""
    next_date = None if next_days_ago is None else TODAY - timedelta(days=next_days_ago)
    return store.cursor().execute(
        "INSERT INTO follow_ups (customer_id, rep_id, occurred_at, channel, summary, effective, next_follow_up_date)"
        " VALUES ($c, $r, $at, 'phone', '电话沟通', $e, $n) RETURNING id",
        {"c": cid, "r": rep.id, "at": at(days_ago), "e": effective, "n": next_date}).fetchone()[0]


def complaint(store, cid: int, deadline_days_ago: int, status: str = "open", kind: str = "complaint",
              created_days_ago: int = 30) -> int:
    resolved = at(1) if status == "resolved" else None
    return store.cursor().execute(
        "INSERT INTO feedback (customer_id, kind, severity, description, deadline, status, resolved_at, created_at)"
        " VALUES ($c, $k, 'high', '交付延期', $d, $s, $r, $at) RETURNING id",
        {"c": cid, "k": kind, "d": TODAY - timedelta(days=deadline_days_ago), "s": status, "r": resolved,
         "at": at(created_days_ago)}).fetchone()[0]


def survey(store, cid: int, score: int, days_ago: int = 5, scale: str = "csat") -> int:
    return store.cursor().execute(
        "INSERT INTO surveys (customer_id, scale, score, surveyed_on) VALUES ($c, $s, $v, $d) RETURNING id",
        {"c": cid, "s": scale, "v": score, "d": TODAY - timedelta(days=days_ago)}).fetchone()[0]


def open_rules(store, cid: int) -> set[str]:
    """The rules of the customer's open risks."""
    frame = store.query("SELECT rule FROM risks WHERE customer_id = $c AND status <> 'resolved'", {"c": cid})
    return set(frame["rule"].to_list())
