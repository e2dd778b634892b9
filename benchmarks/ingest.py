"""Ingest speed: the project's import of an N-row follow-up CSV against DuckDB's own read_csv."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.access import SYSTEM
from pipelines.ingest import load_file
from pipelines.store import Store

EXPORT = """
COPY (
    SELECT c.name AS 客户名称, c.uscc AS 统一社会信用代码,
           strftime(f.occurred_at, '%Y-%m-%d %H:%M:%S') AS 跟进时间, f.channel AS 跟进方式,
           u.username AS 跟进人, f.summary AS 跟进内容, f.duration_minutes AS 沟通时长,
           CASE WHEN f.effective THEN '是' ELSE '否' END AS 是否有效, f.stage_after AS 客户阶段,
           f.next_follow_up_date AS 下次跟进日期
    FROM follow_ups f JOIN customers c ON c.id = f.customer_id JOIN users u ON u.id = f.rep_id
    ORDER BY f.id
) TO '{path}' (HEADER, DELIMITER ',')
"""


def write_csv(store: Store, path: Path) -> int:
    """The bench database's follow-ups as a spreadsheet export with Chinese headers."""
    if not path.exists():
        store.cursor().execute(EXPORT.format(path=str(path).replace("'", "''")))
    return store.scalar("SELECT count(*) FROM follow_ups")


def _ours(csv: Path, folder: Path, pg_url: str | None = None) -> tuple[float, int]:
    """The app's import into an empty database of the bench's backend (opened and migrated untimed)."""
    if pg_url is not None:
        from benchmarks import pg

        with pg.scratch(pg_url, "ingest") as url:
            return _import(csv, Store(url))
    db = folder / "ingest.duckdb"
    try:
        return _import(csv, Store(str(db)))
    finally:
        db.unlink()


def _import(csv: Path, store: Store) -> tuple[float, int]:
    try:
        started = time.perf_counter()
        summary = load_file(store, SYSTEM, csv, kind="follow_ups")
        seconds = time.perf_counter() - started
    finally:
        store.close()
    if summary.error or summary.rows_loaded == 0:
        raise RuntimeError(f"bench import failed: {summary.error or summary.as_json()}")
    return seconds, summary.rows_loaded


def _duckdb(csv: Path, folder: Path) -> float:
    db = folder / "plain.duckdb"
    con = duckdb.connect(str(db))
    started = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    con.close()
    db.unlink()
    return seconds


def measure(csv: Path, rows: int, runs: int, pg_url: str | None = None) -> dict[str, float]:
    """Rows per second of each (median of `runs` after a warm-up), into empty databases
    (ours: PostgreSQL databases beside `pg_url` when given, else DuckDB files). The two take
    turns, so that both medians come from the same minutes of a shared, noisy machine."""
    folder = Path(tempfile.mkdtemp(prefix="followup-bench-"))
    try:
        _duckdb(csv, folder)  # warm-up: the file in the page cache
        theirs_runs, ours_runs = [], []
        for _ in range(runs):
            theirs_runs.append(_duckdb(csv, folder))
            ours_runs.append(_ours(csv, folder, pg_url))
        theirs = statistics.median(theirs_runs)
        ours = statistics.median(s for s, _ in ours_runs)
        loaded = ours_runs[0][1]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"rows": rows, "rows_loaded": loaded, "rows_per_s": round(rows / ours),
            "duckdb_rows_per_s": round(rows / theirs), "ratio": round(theirs / ours, 3),
            "seconds": round(ours, 2), "duckdb_seconds": round(theirs, 2)}
