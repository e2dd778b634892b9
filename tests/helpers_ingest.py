"""Small builders for the import tests: files in each format, and a quick look at the tables."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

HEADER_ZH = ["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容", "客户阶段", "是否有效", "时长(分钟)"]


def rows_zh(n: int = 3) -> list[list[str]]:
    """n good follow-up rows with Chinese values, one customer per row, rep1 of team 1."""
    return [[f"杭州青禾{i}号有限公司", f"2026-03-{(i % 28) + 1:02d} 10:{i % 60:02d}", "电话", "rep1",
             f"沟通需求 {i}", "需求确认", "是", "30"] for i in range(n)]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8",
              bom: bool = False) -> Path:
    lines = [",".join(header)] + [",".join(_quote(c) for c in r) for r in rows]
    text = "\n".join(lines) + "\n"
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _quote(cell: str) -> str:
    return f'"{cell}"' if ("," in cell or '"' in cell or "\n" in cell) else cell


def frame(header: list[str], rows: list[list[str]]) -> pl.DataFrame:
    return pl.DataFrame([list(r) for r in rows], schema=header, orient="row")


def count(store, table: str, where: str = "true") -> int:
    return store.scalar(f"SELECT count(*) FROM {table} WHERE {where}")


def read_rejects(path: str) -> list[dict]:
    """The rows of a rejects file (UTF-8 with BOM), by header."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
