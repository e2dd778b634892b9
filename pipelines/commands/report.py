"""`followup report --month YYYY-MM`: the monthly summary (INTERFACES.md), acting as `system`."""

from __future__ import annotations

from datetime import date

from pipelines import summary
from pipelines.cli import CommandError, common, emit
from pipelines.store import open_store


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise CommandError(f"--month 应为 YYYY-MM,例如 2026-09 / --month must be YYYY-MM, e.g. 2026-09 (got {text!r})") from None


def register(sub) -> None:
    p = sub.add_parser("report", help="月度总结 / the monthly summary")
    common(p)
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.set_defaults(func=run)


def run(args) -> int:
    month = _month(args.month)
    store = open_store(args.db, read_only=True)
    payload = summary.report_payload(store, month)
    lines = [f"{payload['month']} 月度总结 / monthly summary",
             f"  跟进 follow-ups: {payload['follow_ups']}  有效 effective: {payload['effective_follow_ups']}",
             (f"  新增客户 new customers: {payload['new_customers']}  签约 contracts: {payload['contracts_signed']}"
             f"  成交金额 won: {summary.yuan(payload['won_amount'])}"),
             "  漏斗 funnel: " + ", ".join(f"{k} {v}" for k, v in payload["funnel"].items()),
             "  渠道转化 channel conversion: " + ", ".join(
                 f"{k} {summary.percent(v)}" for k, v in payload["channel_conversion"].items()),
             "  销售代表 reps:"]
    lines += [f"    {r['username']}: 有效跟进 {r['effective_follow_ups']}, 成交 {summary.yuan(r['won_amount'])}"
              f" / 目标 {summary.yuan(r['target_amount'])}" for r in payload["reps"]]
    emit(args, payload, "\n".join(lines))
    return 0
