"""`followup ingest`: JSON keys, exit codes, and a 100,000-row file with one bad row."""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from pipelines import cli
from pipelines.store import Store, forget
from tests.helpers_ingest import HEADER_ZH, rows_zh, write_csv

KEYS = {"path", "run_id", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "rejects_path", "error"}


def _run(capsys, *argv: str) -> tuple[int, dict, str]:
    code = cli.main(["ingest", *argv, "--json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_json_keys_and_exit_codes(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    good = write_csv(tmp_path / "good.csv", HEADER_ZH, rows_zh(3))
    header = write_csv(tmp_path / "header.csv", HEADER_ZH, [])
    code, doc, _ = _run(capsys, str(good), str(header), "--db", db)
    assert code == 0 and list(doc) == ["files"]
    assert all(set(f) >= KEYS for f in doc["files"])
    assert [f["rows_loaded"] for f in doc["files"]] == [3, 0] and doc["files"][1]["rows_read"] == 0
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    code, doc, err = _run(capsys, str(bad), str(good), "--db", db)
    assert code == 1
    assert doc["files"][0]["error"] and doc["files"][0]["rows_loaded"] == 0
    assert doc["files"][1]["error"] is None and doc["files"][1]["rows_duplicate"] == 3  # the other file still ran
    assert "bad.xlsx" in err
    forget(db)


def test_usage_error_exits_2(tmp_path):
    import pytest

    with pytest.raises(SystemExit) as stop:
        cli.main(["ingest", "--kind", "nonsense", str(tmp_path / "x.csv")])
    assert stop.value.code == 2


def test_mapping_option(tmp_path, capsys):
    db = str(tmp_path / "m.duckdb")
    src = write_csv(tmp_path / "crm.csv", ["Account", "Date", "Owner", "Note"],
                    [["Acme", "2026-03-05", "Ann Lee", "call"]])
    mapping = tmp_path / "map.yaml"
    mapping.write_text("kind: follow_ups\ncolumns: {customer_name: Account, occurred_at: Date, rep: Owner,"
                       " summary: Note}\ndefaults: {channel: phone}\n", encoding="utf-8")
    code, doc, _ = _run(capsys, str(src), "--mapping", str(mapping), "--db", db)
    assert code == 0 and doc["files"][0]["rows_loaded"] == 1
    assert (doc["files"][0]["users_created"], doc["files"][0]["users_new"]) == (1, ["Ann Lee"])
    other = write_csv(tmp_path / "crm2.csv", ["Account", "Date", "Owner", "Note"], [["Acme", "2026-03-06", "Bo Wu", "x"]])
    assert cli.main(["ingest", str(other), "--mapping", str(mapping), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "新建的销售账号(无密码):Bo Wu" in out
    # the mapping gives no effective or duration: said with the values every row got
    assert "每一行都按默认值记录:是否有效 = 是;时长(分钟) = 0。" in out
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: follow_ups\ncolumns: {nope: x}\n", encoding="utf-8")
    assert cli.main(["ingest", str(src), "--mapping", str(broken), "--db", db]) == 1
    forget(db)


def test_100k_rows_one_bad_row_in_the_middle(tmp_path, capsys):
    n, bad = 100_000, 50_000
    rng = np.random.default_rng(3)
    minutes = rng.permutation(n)  # distinct times: no duplicates
    frame = pl.DataFrame({
        "客户名称": [f"客户{i % 2000:04d}" for i in range(n)],
        "跟进日期": (pl.Series(minutes).cast(pl.Int64) * 60_000_000).cast(pl.Datetime("us"))
        .dt.offset_by("55y").dt.strftime("%Y-%m-%d %H:%M"),
        "跟进方式": ["电话"] * n, "跟进人": [f"rep{i % 4 + 1}" for i in range(n)], "跟进内容": ["沟通"] * n})
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == bad).then(pl.lit("不是日期"))
                               .otherwise(pl.col("跟进日期")).alias("跟进日期"))
    path = tmp_path / "big.csv"
    frame.write_csv(path)
    db = str(tmp_path / "big.duckdb")
    code, doc, _ = _run(capsys, str(path), "--db", db)
    entry = doc["files"][0]
    assert code == 0
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_rejected"], entry["rows_duplicate"]) == \
        (n, n - 1, 1, 0)
    rejects = pl.read_csv(entry["rejects_path"], infer_schema=False)
    assert rejects.get_column("行号 row").to_list() == [str(bad + 2)]  # header is row 1
    assert rejects.get_column("field_code").to_list() == ["occurred_at"]
    forget(db)
    s = Store(db, read_only=True)
    assert s.scalar("SELECT count(*) FROM follow_ups") == n - 1
    s.close()
