"""The audit log: who did what, when, to which row, with the values before and after.

Entries are written in the same transaction as the change they describe; the app has no
function that edits or deletes them.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pipelines.access import Actor
from pipelines.config import local_tz

ACTIONS = ("create", "update", "delete", "restore", "export", "login", "login_failed", "logout",
           "permission", "import", "reveal", "backup", "restore_backup", "erase", "reassign",
           "stage_override", "settings")


def _default(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        # in local time, as the rows read back (a delete's time was written in UTC, and its
        # restore's "before" showed the same moment in +08:00)
        return value.astimezone(local_tz()).isoformat()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def to_json(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, default=_default, sort_keys=True)


def record(cur, actor: Actor, action: str, table: str | None = None, row_id: int | None = None,
           before: dict | None = None, after: dict | None = None, detail: str | None = None) -> None:
    """Append one entry (inside the caller's transaction)."""
    cur.execute(
        "INSERT INTO audit_log (user_id, username, action, table_name, row_id, before, after, detail)"
        " VALUES ($uid, $uname, $action, $table, $row, $before, $after, $detail)",
        {"uid": actor.id, "uname": actor.username, "action": action, "table": table, "row": row_id,
         "before": to_json(before), "after": to_json(after), "detail": detail},
    )
