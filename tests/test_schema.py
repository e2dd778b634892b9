"""The stored models and the migrated tables hold the same columns with compatible types."""

from __future__ import annotations

import typing
from datetime import date, datetime
from decimal import Decimal

import pytest

from pipelines import migrations
from pipelines.models import STORED_MODELS
from pipelines.store import Store

COMPATIBLE = {
    int: {"BIGINT", "INTEGER"}, str: {"VARCHAR"}, bool: {"BOOLEAN"}, datetime: {"TIMESTAMP WITH TIME ZONE"},
    date: {"DATE"}, Decimal: {"DECIMAL(18,2)"}, list: {"VARCHAR[]"},
}


def _base_type(annotation) -> type:
    """int | None → int; Literal['a'] → str; Annotated[str, …] → str; list[str] → list."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _base_type(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return type(typing.get_args(annotation)[0])
    if origin is list:
        return list
    if origin in (typing.Union, __import__("types").UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base_type(args[0])
    return annotation


@pytest.fixture(scope="module")
def columns(tmp_path_factory) -> dict[str, dict[str, str]]:
    s = Store(str(tmp_path_factory.mktemp("schema") / "s.duckdb"))
    df = s.query("SELECT table_name, column_name, data_type FROM information_schema.columns"
                 " WHERE table_catalog = 'db'")
    out: dict[str, dict[str, str]] = {}
    for row in df.iter_rows(named=True):
        out.setdefault(row["table_name"], {})[row["column_name"]] = row["data_type"]
    s.close()
    return out


@pytest.mark.parametrize("model", STORED_MODELS, ids=lambda m: m.__table__)
def test_model_matches_table(model, columns):
    table = columns[model.__table__]
    assert set(model.model_fields) == set(table), (
        f"{model.__name__} vs {model.__table__}: only in model {set(model.model_fields) - set(table)},"
        f" only in table {set(table) - set(model.model_fields)}")
    for name, field in model.model_fields.items():
        assert table[name] in COMPATIBLE[_base_type(field.annotation)], (name, table[name], field.annotation)


def test_every_interfaces_table_exists(columns):
    for table in ("customers", "contacts", "needs", "contracts", "follow_ups", "stage_changes", "risks",
                  "feedback", "surveys", "targets", "users", "teams", "audit_log", "import_runs", "settings",
                  "ownership_changes"):
        assert {"id", "created_at", "updated_at"} <= set(columns[table]), table


def test_migrations_are_numbered_without_gaps():
    numbers = [v for v, _ in migrations.available()]
    assert numbers == list(range(1, len(numbers) + 1))
