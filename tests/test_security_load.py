"""Load: 20 threads save follow-ups at once through the app's own write path (pipelines.follow_ups.add).

No save may fail, be lost or be doubled. The p50/p99 save latency is printed; the timing targets
belong to the benchmark (`followup bench`). Each save re-evaluates the customer's risks in its
transaction, which makes a save cost ~100 ms of CPU on this 2-core machine: 20 x 500 saves take
many minutes, so the suite runs 20 x 10 (every writer still meets the others) and the issue's
full size runs with `FOLLOWUP_LOAD_SAVES=500 .venv/bin/pytest -s tests/test_security_load.py`.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from datetime import datetime, timedelta

import pytest

from pipelines import checks, customers, follow_ups
from pipelines.access import Actor
from pipelines.config import local_tz
from pipelines.models import CustomerIn, FollowUpIn
from pipelines.store import Store
from tests.conftest import Org

THREADS = 20
SAVES = int(os.environ.get("FOLLOWUP_LOAD_SAVES", "10"))


@pytest.mark.slow
def test_twenty_threads_saving_at_once(tmp_path):
    s = Store(str(tmp_path / "load.duckdb"))
    org = Org(s)
    reps = [org["rep1"], org["rep2"], org["rep3"]]
    # each writer logs for its own customer (as reps do); two writers share each rep
    work: list[tuple[Actor, int]] = []
    for i in range(THREADS):
        rep = reps[i % 3]
        work.append((rep, customers.create(s, org["admin"], CustomerIn(name=f"负载客户{i:02d}", owner_id=rep.id))))
    start = datetime.now(local_tz()) - timedelta(days=1)
    latencies: list[list[float]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def writer(n: int) -> None:
        rep, cid = work[n]
        barrier.wait()
        try:
            for i in range(SAVES):
                t0 = time.perf_counter()
                follow_ups.add(s, rep, FollowUpIn(customer_id=cid, rep_id=rep.id, channel="phone",
                                                  occurred_at=start + timedelta(seconds=i),
                                                  summary=f"线程{n} 第{i}条", duration_minutes=5))
                latencies[n].append(time.perf_counter() - t0)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    assert errors == []
    total = THREADS * SAVES
    # nothing lost, nothing doubled: exactly one row per (thread, save), and one audit entry each
    assert s.scalar("SELECT count(*) FROM follow_ups") == total
    assert s.scalar("SELECT count(DISTINCT summary) FROM follow_ups") == total
    per_customer = s.query("SELECT customer_id, count(*) AS n FROM follow_ups GROUP BY 1")
    assert per_customer.height == THREADS and set(per_customer["n"]) == {SAVES}
    assert s.scalar("SELECT count(*) FROM audit_log WHERE action = 'create' AND table_name = 'follow_ups'") == total
    assert checks.failed(s) == {}
    flat = sorted(x for lat in latencies for x in lat)
    p50, p99 = statistics.median(flat) * 1000, flat[int(len(flat) * 0.99) - 1] * 1000
    print(f"\nload: {THREADS} threads x {SAVES} saves = {total} in {elapsed:.1f}s"
          f" ({total / elapsed:.0f}/s); save latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    s.close()
