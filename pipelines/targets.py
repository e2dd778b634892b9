"""Monthly targets: managers set them for their team's reps on /team, admins for anyone.

Each saved target is an insert or an update of the (rep, month) row with its audit entry, all
reps of one save in one transaction.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pipelines import rows
from pipelines.access import Actor, NotPermitted, require_writer
from pipelines.i18n import t
from pipelines.models import TargetIn
from pipelines.store import Store

# what people type around an amount: thousands separators, a currency sign, spaces, 元
_AMOUNT_NOISE = re.compile(r"[\s,,¥¥]|元$")


def amount_text(amount: Decimal | float | None) -> str:
    """A stored target amount as the targets grid shows it: 290,000 (cents only when there are)."""
    value = Decimal(str(amount or 0))
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _amount(cell: Any) -> Any:
    """A typed amount as the model reads it: 290,000 / ¥290000 / 29万 / 29.5万元 → 290000;
    blank → 0 (no target). Anything else goes on as typed, for the model to refuse."""
    text = _AMOUNT_NOISE.sub("", str(cell if cell is not None else ""))
    if not text:
        return Decimal(0)
    if text.endswith("万"):
        try:
            return str(Decimal(text[:-1]) * 10000)
        except InvalidOperation:
            return str(cell)
    return text


def _count(cell: Any) -> Any:
    """A typed count: 1,200 → 1200, blank → 0; 1.5 or 三 goes on as typed, for the model to refuse."""
    text = re.sub(r"[\s,,]", "", str(cell if cell is not None else ""))
    return text or 0


def from_cells(rep_id: int, month: date, amount: Any, effective: Any, new: Any) -> TargetIn:
    """A rep's target from the cells of the /team grid, as typed (text): raises the model's
    ValidationError naming each field it refuses. The grid takes text because its number cells
    dropped what they did not take (1.5 was saved as 15, -50000 as 50000)."""
    return TargetIn(rep_id=rep_id, month=month, amount=_amount(amount), effective_follow_ups=_count(effective),
                    new_customers=_count(new))


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
