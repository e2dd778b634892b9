"""Monthly targets: managers set them for their team's reps on /team, admins for anyone.

Each saved target is an insert or an update of the (rep, month) row with its audit entry, all
reps of one save in one transaction.
"""

from __future__ import annotations

from pipelines import rows
from pipelines.access import Actor, NotPermitted, require_writer
from pipelines.i18n import t
from pipelines.models import TargetIn
from pipelines.store import Store


def _check(cur, actor: Actor, rep_id: int) -> None:
    require_writer(actor)
    if actor.role not in ("manager", "admin"):
        raise NotPermitted(t("targets.not_permitted", "zh_CN"), t("targets.not_permitted", "en"))
    found = cur.execute("SELECT team_id FROM users WHERE id = $id AND role = 'rep' AND active",
                        {"id": rep_id}).fetchone()
    if found is None:
        raise NotPermitted(t("targets.not_a_rep", "zh_CN"), t("targets.not_a_rep", "en"))
    if actor.role == "manager" and (actor.team_id is None or found[0] != actor.team_id):
        raise NotPermitted(t("targets.not_permitted", "zh_CN"), t("targets.not_permitted", "en"))


def save(store: Store, actor: Actor, targets: list[TargetIn]) -> int:
    """Insert or update each (rep, month) target; all or nothing. Returns how many changed."""
    def work(cur) -> int:
        changed = 0
        for target in targets:
            _check(cur, actor, target.rep_id)
            values = target.model_dump()
            found = cur.execute("SELECT id FROM targets WHERE rep_id = $r AND month = $m",
                                {"r": target.rep_id, "m": target.month}).fetchone()
            if found is None:
                rows.insert(cur, actor, "targets", values)
                changed += 1
            else:
                before, after = rows.update(cur, actor, "targets", found[0], values)
                changed += before != after
        return changed

    return store.write(work)
