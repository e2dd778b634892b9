"""The whole benchmark: build or reuse the database, then ingest, page queries, saves, memory."""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks import writes
from pipelines import demo, local_copy, postgres
from pipelines.config import local_tz
from pipelines.periods import preset_range
from pipelines.store import Store, forget


def database(path: str, follow_ups: int) -> None:
    """Build the demo database of `follow_ups` rows (N/10 customers) unless it is already there.

    `path` is a DuckDB file or a postgresql:// URL of an existing (empty, or earlier bench) database.
    """
    s = Store(path)
    try:
        # The database itself, not PostgreSQL's local analytics copy (which a read would build).
        have = s.cursor().execute("SELECT count(*) FROM follow_ups").fetchone()[0]
        if have == follow_ups:
            return
        if have:
            raise RuntimeError(f"{postgres.redact(path)} holds {have} follow-ups, not {follow_ups};"
                               " remove it or pass another --db")
        demo.generate(s, follow_ups=follow_ups)
        s.checkpoint()
    finally:
        s.close()


def run(path: str, follow_ups: int, runs: int = 5, browser: bool = False, ingest: bool = True, saves_each: int = 25,
        log=print) -> dict[str, Any]:
    """Every figure of `followup bench`, as the JSON document of ../shared/INTERFACES.md."""
    from benchmarks import ingest as ingest_bench
    from benchmarks import pages

    started = time.perf_counter()
    on_pg = postgres.is_url(path)
    log(f"database: {postgres.redact(path)} ({follow_ups:,} follow-ups)")
    database(path, follow_ups)
    os.environ["FOLLOWUP_DB"] = path
    from dashboard import data

    data._store.clear()
    store = data.store()
    began = time.perf_counter()
    store.warm()  # PostgreSQL: every table into the local analytics copy
    copy_seconds = time.perf_counter() - began
    customers = store.scalar("SELECT count(*) FROM customers")
    result: dict[str, Any] = {"follow_ups": follow_ups, "customers": customers,
                              "runs": runs, "date": datetime.now(local_tz()).date().isoformat(),
                              "cpus": os.cpu_count(), "backend": store.backend}
    if on_pg:
        result["local_copy"] = local_copy.enabled()
        result["local_copy_build_s"] = round(copy_seconds, 1) if local_copy.enabled() else None
    today = datetime.now(local_tz()).date()
    start, end = preset_range("last_quarter", today)
    team = store.scalar("SELECT name FROM teams ORDER BY id LIMIT 1")
    log("page queries …")
    result.update(pages.measure(runs, {"team": team, "from": start.isoformat(), "to": end.isoformat()}))
    if ingest:
        log("ingest …")
        csv = Path(f"data/bench-{follow_ups}.csv") if on_pg else Path(path).with_suffix(".csv")
        rows = ingest_bench.write_csv(store, csv)
        result["ingest"] = ingest_bench.measure(csv, rows, runs, pg_url=path if on_pg else None)
    log("saves with 20 writers …")
    result["save_ms"] = _saves(path, store, saves_each)
    if browser:
        log("browser: /funnel …")
        data._store.clear()
        forget(path)
        from benchmarks import browser as browser_bench

        result["browser_funnel_ms"] = browser_bench.funnel_ms(path, runs)
    result["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _saves(path: str, store: Store, saves_each: int) -> dict[str, float]:
    """Saves into a copy of the bench database (the bench database itself stays as built)."""
    if postgres.is_url(path):
        from benchmarks import pg
        from dashboard import data

        data._store.clear()
        forget(path)  # PostgreSQL copies a template database only while no one is connected to it
        with pg.scratch(path, "writes", template=pg.database_name(path)) as url:
            wstore = Store(url)
            try:
                return writes.measure(wstore, saves_each=saves_each)
            finally:
                wstore.close()
    folder = Path(tempfile.mkdtemp(prefix="followup-bench-"))
    try:
        store.checkpoint()
        copy = folder / "writes.duckdb"
        shutil.copy(path, copy)
        wstore = Store(str(copy))
        try:
            return writes.measure(wstore, saves_each=saves_each)
        finally:
            wstore.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def table(result: dict[str, Any]) -> str:
    """The figures as a plain-text table, as printed by `followup bench` and kept in README."""
    lines = [(f"followup bench — {result['follow_ups']:,} follow-ups, {result['customers']:,} customers,"
              f" {result['cpus']} cores, {result['date']} (median of {result['runs']} runs)")]
    if result.get("backend") == "postgres":
        copy = (f"local analytics copy (built in {result['local_copy_build_s']} s)" if result.get("local_copy")
                else "no local copy: every query reads PostgreSQL")
        lines.append(f"backend: PostgreSQL; {copy}")
    lines.append("")
    if "ingest" in result:
        i = result["ingest"]
        lines += [f"ingest (CSV → database): {i['rows_per_s']:,} rows/s; DuckDB read_csv: {i['duckdb_rows_per_s']:,}"
                  f" rows/s; ratio {i['ratio']:.2f}", ""]
    lines.append(f"{'page':<10} {'cold ms':>9} {'cached ms':>10} {'filtered ms':>12} {'filt. cached':>13}")
    for page, cold in result["queries"].items():
        lines.append(f"{page:<10} {cold:>9.1f} {result['queries_cached'][page]:>10.2f}"
                     f" {result['queries_filtered'][page]:>12.1f} {result['queries_filtered_cached'][page]:>13.2f}")
    s = result["save_ms"]
    lines += ["", f"follow-up save, {s['writers']} writers: p50 {s['p50']} ms, p99 {s['p99']} ms ({s['saves']} saves)"]
    if "browser_funnel_ms" in result:
        lines.append(f"browser: /funnel opened → chart drawn: {result['browser_funnel_ms']} ms (median)")
    lines.append(f"peak memory: {result['peak_memory_mb']} MB")
    return "\n".join(lines)
