"""Every dashboard page's queries, learnt by running the page and timed through the app's cache.

A page is run once in Streamlit's AppTest with `dashboard.data.recorder` set, which lists
the cached calls it makes (the same calls, with the same filters, a user's visit makes).
Cold: the app's query cache cleared before each run (DuckDB's buffers stay warm).
Cached: the same calls again with the cache in place.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from pathlib import Path

from dashboard import data
from dashboard.nav import pages_built
from pipelines.signed_rows import SignedTable

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
PASSWORD = "followup-demo"


def _user_for(roles: frozenset[str]) -> str:
    """The widest view that may open the page: admin, else a manager."""
    return "admin" if "admin" in roles else "manager1"


class Visitor:
    """One logged-in AppTest session that visits pages and lists the cached calls of each visit.

    Between two visits of the same page it opens the help page (no filter bar), so Streamlit
    drops the first visit's widget state and the second visit reads its filter from the URL,
    as a link opened afresh does.
    """

    def __init__(self, username: str) -> None:
        from streamlit.testing.v1 import AppTest

        self.at = AppTest.from_file(str(APP), default_timeout=300)
        self.at.run()
        self.at.text_input(key="login_username").input(username)
        self.at.text_input(key="login_password").input(PASSWORD)
        self.at.button[0].click()
        self.at.run()

    def _open(self, page_file: str, query: dict[str, str]) -> None:
        self.at.query_params.clear()
        for key, value in query.items():
            self.at.query_params[key] = value
        self.at.switch_page(f"views/{page_file}")
        self.at.run()
        problems = [str(e.value) for e in self.at.exception] + [str(e.value) for e in self.at.error]
        if problems:
            raise RuntimeError(f"{page_file}: {problems[:2]}")

    def record(self, page_file: str, query: dict[str, str]) -> list[tuple]:
        """The cached calls the page makes for this user with the URL `query`."""
        self._open("help.py", {})
        data.recorder = []
        try:
            self._open(page_file, query)
            calls = list(data.recorder)
        finally:
            data.recorder = None
        unique = []
        for call in calls:
            if call not in unique:
                unique.append(call)
        return unique


def record(page_file: str, username: str, query: dict[str, str]) -> list[tuple]:
    """The cached calls a page makes for `username` with the URL `query` (a fresh session)."""
    return Visitor(username).record(page_file, query)


def _run_calls(calls: list[tuple]) -> float:
    version = data.store().data_version
    started = time.perf_counter()
    for call in calls:
        data._cached(*call, version)
    return (time.perf_counter() - started) * 1000


def time_calls(calls: list[tuple], runs: int) -> tuple[float, float]:
    """(median ms with the app cache cleared before each run, median ms served from the cache)."""
    cold, warm = [], []
    _run_calls(calls)  # warm-up: DuckDB's buffers and Python's imports
    for _ in range(runs):
        data._cached.clear()
        SignedTable.forget_usable()  # kept per data version like the cache: cold runs ask again
        cold.append(_run_calls(calls))
        warm.append(_run_calls(calls))
    return statistics.median(cold), statistics.median(warm)


def measure(runs: int, filtered_query: dict[str, str]) -> dict[str, dict[str, float]]:
    """{queries, queries_cached, queries_filtered, queries_filtered_cached}: {page: median ms}."""
    out: dict[str, dict[str, float]] = {"queries": {}, "queries_cached": {}, "queries_filtered": {},
                                        "queries_filtered_cached": {}}
    # streamlit-authenticator prints cookie notices to stdout, which holds only JSON with --json.
    with contextlib.redirect_stdout(sys.stderr):
        _measure_pages(runs, filtered_query, out)
    return out


def _measure_pages(runs: int, filtered_query: dict[str, str], out: dict[str, dict[str, float]]) -> None:
    visitors: dict[str, Visitor] = {}
    for spec in pages_built():
        if spec.path in ("import", "admin", "help"):
            continue  # no figures: forms and text only
        key = spec.path or "home"
        user = _user_for(spec.roles)
        if user not in visitors:  # (setdefault would build, and log in, a new one every time)
            visitors[user] = Visitor(user)
        visitor = visitors[user]
        for suffix, query in (("", {}), ("_filtered", filtered_query)):
            calls = visitor.record(spec.file, query)
            cold, warm = time_calls(calls, runs)
            out[f"queries{suffix}"][key] = round(cold, 1)
            out[f"queries{suffix}_cached"][key] = round(warm, 2)
