"""`followup risks refresh` / `followup risks list [--level red|yellow|green]`."""

from __future__ import annotations

from pipelines import risk_board
from pipelines.access import SYSTEM
from pipelines.cli import common, emit
from pipelines.rules import risks
from pipelines.store import open_store


def register(sub) -> None:
    p = sub.add_parser("risks", help="风险预警 / risk warnings")
    actions = p.add_subparsers(dest="action", required=True)
    refresh = actions.add_parser("refresh", help="按规则重新评估全部客户 / evaluate the rules for every customer")
    common(refresh)
    refresh.set_defaults(func=run_refresh)
    listing = actions.add_parser("list", help="列出未关闭的风险 / list the open risks")
    common(listing)
    listing.add_argument("--level", choices=("red", "yellow", "green"))
    listing.set_defaults(func=run_list)


def run_refresh(args) -> int:
    changes = risks.refresh(open_store(args.db), SYSTEM)
    emit(args, {"opened": changes.opened, "updated": changes.updated, "closed": changes.closed},
         f"风险已重新评估 / risks evaluated: 新增 opened {changes.opened}, 更新 updated {changes.updated},"
         f" 关闭 closed {changes.closed}")
    return 0


def run_list(args) -> int:
    store = open_store(args.db)
    risks.ensure_fresh(store)
    entries = risk_board.listing(store, SYSTEM, level=args.level)
    lines = [f"{e['level']:<6} {e['rule']:<24} {(e['since'] or '')[:10]}  {e['customer_id']:>7}  {e['customer_name']}"
             for e in entries]
    emit(args, {"risks": entries}, "\n".join(lines) if lines else "没有未关闭的风险 / no open risks")
    return 0
