"""`followup bench` on a small database: every figure of INTERFACES.md is reported, JSON only on stdout."""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_json_reports_every_figure(tmp_path):
    # The smallest run the command takes (1,000 follow-ups, one save per writer): the figures'
    # presence and consistency are checked here, their size belongs to the README's bench.
    db = str(tmp_path / "bench.duckdb")
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "bench", "--follow-ups", "1000", "--runs", "1",
                          "--saves", "1", "--db", db, "--json"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert set(report["ingest"]) >= {"rows_per_s", "duckdb_rows_per_s", "ratio"}
    assert report["ingest"]["rows_loaded"] == 1000
    pages = {"home", "records", "customers", "funnel", "trends", "channels", "team", "monthly", "risks"}
    for key in ("queries", "queries_cached", "queries_filtered"):
        assert pages <= set(report[key]), (key, report[key])
        assert all(v >= 0 for v in report[key].values())
    assert report["save_ms"]["p50"] > 0 and report["save_ms"]["p99"] >= report["save_ms"]["p50"]
    assert report["save_ms"]["saves"] == 20  # 20 writers × 1
    assert report["peak_memory_mb"] > 0
