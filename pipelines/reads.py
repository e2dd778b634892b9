"""Independent reads of one page, run side by side on the process's two read workers.

A page's reads are small: DuckDB spends most of such a query planning and building hash tables,
which it spreads poorly over the machine's two cores, so two reads at once nearly halve the
page's wait. Each worker thread reads through its own store cursor (`Store.cursor` is per thread).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_PREFIX = "followup-read"
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix=_PREFIX)


def submit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """fn(*args, **kwargs) on a read worker. On a worker itself it runs at once instead: a job that
    waited for jobs queued behind it on the same two workers could wait for ever."""
    if not threading.current_thread().name.startswith(_PREFIX):
        return _POOL.submit(fn, *args, **kwargs)
    done: Future = Future()
    try:
        done.set_result(fn(*args, **kwargs))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller by result(), as the pool does
        done.set_exception(exc)
    return done


def cancel(pending: Iterable[Future]) -> None:
    """Drop the jobs that have not started (after a failure nothing is left waiting to run)."""
    for future in pending:
        future.cancel()
