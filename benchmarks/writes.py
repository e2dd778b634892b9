"""Follow-up saves through the app's write path, 20 writers at once: p50 and p99 latency."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import numpy as np

from pipelines import accounts, follow_ups
from pipelines.models import FollowUpIn
from pipelines.store import Store


def measure(store: Store, writers: int = 20, saves_each: int = 25) -> dict[str, float]:
    """Each writer is a rep saving follow-ups on its own customers (the stage unchanged)."""
    reps = store.query("SELECT u.username, min(c.id) AS first, max(c.id) AS last FROM users u"
                       " JOIN customers c ON c.owner_id = u.id AND c.deleted_at IS NULL"
                       " WHERE u.role = 'rep' GROUP BY 1 ORDER BY 1")
    actors = [(accounts.get_actor(store, r["username"]), r["first"], r["last"]) for r in reps.iter_rows(named=True)]
    customers = store.query("SELECT id, owner_id FROM customers WHERE deleted_at IS NULL AND stage <> 'lost'"
                            " ORDER BY id LIMIT 20000")
    by_owner: dict[int, list[int]] = {}
    for row in customers.iter_rows(named=True):
        by_owner.setdefault(row["owner_id"], []).append(row["id"])
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(writers)

    def writer(n: int) -> None:
        actor = actors[n % len(actors)][0]
        mine = by_owner[actor.id]
        start.wait()
        for i in range(saves_each):
            item = FollowUpIn(customer_id=mine[(n * saves_each + i) % len(mine)], rep_id=actor.id,
                              occurred_at=datetime.now(timezone.utc) - timedelta(seconds=i), channel="phone",
                              summary=f"基准测试 {n}-{i}", duration_minutes=10)
            began = time.perf_counter()
            try:
                follow_ups.add(store, actor, item)
            except BaseException as exc:  # noqa: BLE001 - counted and reported
                errors.append(exc)
                continue
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} saves failed, first: {errors[0]!r}")
    values = np.array(latencies)
    return {"p50": round(float(np.percentile(values, 50)), 1), "p99": round(float(np.percentile(values, 99)), 1),
            "saves": len(latencies), "writers": writers}
