"""`followup demo`: fill an empty database with realistic demo data and the demo accounts."""

from __future__ import annotations

import time
from datetime import date

from pipelines import demo
from pipelines.cli import CommandError, common, emit
from pipelines.store import open_store


def register(sub) -> None:
    p = sub.add_parser("demo", help="填充演示数据 / fill the database with demo data")
    common(p)
    p.add_argument("--customers", type=int, help="customers (default: follow-ups / 10)")
    p.add_argument("--follow-ups", type=int, default=12_000, dest="follow_ups")
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--as-of", type=date.fromisoformat, dest="as_of", help="last day (default: today)")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.follow_ups < 0 or args.months < 1 or (args.customers is not None and args.customers < 1):
        raise CommandError("--follow-ups ≥ 0, --months ≥ 1, --customers ≥ 1")
    store = open_store(args.db)
    started = time.perf_counter()
    try:
        result = demo.generate(store, customers=args.customers, follow_ups=args.follow_ups,
                               months=args.months, as_of=args.as_of, seed=args.seed)
    except demo.DemoError as exc:
        raise CommandError(f"{exc.zh} / {exc.en}") from None
    store.checkpoint()
    seconds = time.perf_counter() - started
    emit(args, {"customers": result.customers, "follow_ups": result.follow_ups, "users": result.users,
                "seconds": round(seconds, 2)},
         f"演示数据已生成 / demo data written: {result.customers} 客户 customers, {result.follow_ups}"
         f" 跟进 follow-ups, {result.users} 账号 accounts ({seconds:.1f}s)\n"
         f"演示账号 / demo logins: admin, leader, manager1, manager2, rep1 … rep8;"
         f" 密码 / password: {demo.DEMO_PASSWORD}")
    return 0
