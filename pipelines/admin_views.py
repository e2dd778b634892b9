"""What the admin page reads and checks that pipelines.accounts and pipelines.settings do not cover."""

from __future__ import annotations

import polars as pl

from pipelines import sql
from pipelines.access import Actor, require_role
from pipelines.codes import CHANNELS, STAGE_RANK
from pipelines.store import Store


def teams(store: Store, actor: Actor) -> pl.DataFrame:
    require_role(actor, "admin")
    return store.query(*sql.scoped(actor, "admin/teams"))


def check_stage_rules(rows: list[dict]) -> tuple[list[dict], list[tuple[str, dict]]]:
    """Clean stage rules and the problems found, as (catalog key, values) naming the row (from 1)."""
    clean, problems = [], []
    for n, row in enumerate(rows, start=1):
        stage, channel, count = row.get("to_stage"), row.get("channel"), row.get("min_count")
        if not stage and not channel and count in (None, ""):
            continue  # an empty line of the editor
        if STAGE_RANK.get(stage or "", 0) < 1:
            problems.append(("admin.rule_bad_stage", {"row": n}))
        if channel not in CHANNELS:
            problems.append(("admin.rule_bad_channel", {"row": n}))
        try:
            number = int(count)
            ok = float(count) == number and 1 <= number <= 100
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(("admin.rule_bad_count", {"row": n}))
            continue
        clean.append({"to_stage": stage, "channel": channel, "min_count": number})
    return clean, problems
