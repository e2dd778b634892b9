"""Editable settings (stage rules, cadences, risk thresholds), stored as JSON in `settings`.

Each setting has a default here; a stored value replaces it. Admins edit them in /admin.
"""

from __future__ import annotations

import json
from typing import Any

from pipelines import audit
from pipelines.access import Actor, require_role
from pipelines.store import Store

DEFAULTS: dict[str, Any] = {
    # Gates a customer must pass to enter `to_stage` (or to skip past it): at least `min_count`
    # follow-ups on `channel` for that customer, at any time before the change. Manual 1.2.5.
    "stage_rules": [{"to_stage": "proposal", "channel": "demo", "min_count": 3}],
    # Days between follow-ups by stage: sets the default next date and what counts as due.
    "cadence_days": {"initial_contact": 14, "needs_confirmed": 10, "proposal": 7, "negotiation": 5,
                     "contract_signed": 30, "after_sales": 60},
    # Risk rules of ../shared/METRICS.md (issue 6): level and thresholds; pipelines/rules/risks.py.
    "risk_rules": {
        "decision_maker_change": {"level": "red", "enabled": True},
        "budget_cut": {"level": "yellow", "enabled": True},
        "competitor_engaged": {"level": "yellow", "enabled": True},
        "manual": {"enabled": True},
        "silent_30d": {"level": "yellow", "enabled": True, "days": 30},
        "silent_60d": {"level": "red", "enabled": True, "days": 60},
        "next_follow_up_overdue": {"level": "yellow", "enabled": True, "days": 7},
        "stage_stalled": {"level": "yellow", "enabled": True, "days": 45},
        "complaint_overdue": {"level": "red", "enabled": True},
        "low_satisfaction": {"level": "yellow", "enabled": True, "max_score": 2},
    },
    # Days a complaint or feedback may stay unresolved, by severity: its default deadline.
    "feedback_deadline_days": {"high": 3, "medium": 7, "low": 14},
    # The manual's references, shown beside the figures.
    "daily_effective_cap": 15,
    "weekly_hours_cap": 8,
    "phone_conversion_reference": 0.05,
}


def get(store: Store, key: str) -> Any:
    row = store.cursor().execute("SELECT value FROM settings WHERE key = $k", {"k": key}).fetchone()
    if row is None:
        return DEFAULTS.get(key)
    return json.loads(row[0])


def get_in(cur, key: str) -> Any:
    """Read a setting inside an open transaction."""
    row = cur.execute("SELECT value FROM settings WHERE key = $k", {"k": key}).fetchone()
    return DEFAULTS.get(key) if row is None else json.loads(row[0])


def put(store: Store, actor: Actor, key: str, value: Any) -> bool:
    """Store a setting; False (and no write, no audit entry) when it already has that value."""
    require_role(actor, "admin")
    text = json.dumps(value, ensure_ascii=False)

    def work(cur) -> bool:
        before = cur.execute("SELECT value FROM settings WHERE key = $k", {"k": key}).fetchone()
        old = DEFAULTS.get(key) if before is None else json.loads(before[0])
        if old == value:
            return False
        if before is None:
            cur.execute("INSERT INTO settings (key, value) VALUES ($k, $v)", {"k": key, "v": text})
        else:
            cur.execute("UPDATE settings SET value = $v, updated_at = current_timestamp WHERE key = $k",
                        {"k": key, "v": text})
        audit.record(cur, actor, "settings", "settings", None,
                     before={key: old},
                     after={key: value})
        return True

    return store.write(work)
