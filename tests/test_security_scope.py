"""Record-level access, for every query function and export that exists: discovered, not listed.

Every public function in pipelines/ that takes `(store, actor, ...)` and does not write is called
as rep1 in a world where rep2 (same team) and rep3 (other team) own customers with marker text.
Nothing of theirs may come back: no marker text, no foreign customer id, and no figure that
changes when their rows exist (the same call in a world without them gives the same result).
Leadership gets every contact detail masked from every function. A function whose parameters
this test cannot supply fails the test, so a new query function is never silently left out.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import io
import pkgutil
import re
from datetime import date, datetime
from typing import Any

import openpyxl
import polars as pl
import pytest

import pipelines
from pipelines.access import NotPermitted
from pipelines.audit_view import AuditSearch
from pipelines.config import local_tz
from pipelines.explorer import Extra
from pipelines.filters import Filters
from pipelines.risk_board import BoardFilter
from pipelines.store import Store
from tests.conftest import Org
from tests.helpers_security import OTHER_MARKERS, PEOPLE, seed

# Functions that change data (their permission checks have their own tests); by name.
WRITES = re.compile(r"^(create|set_|record|backup|restore|add|update|delete|reassign|change_stage|audited_export|"
                    r"load_file|erase|reapply|move_|raise_|acknowledge|resolve|save|refresh|put|add_note|change_own_password|"
                    r"unlock)")
# Reads that write an audit entry on purpose.
AUDITED_READS = ("export", "reveal_contact", "person_data")
SKIP_MODULES = ("pipelines.commands", "pipelines.cli", "pipelines.demo", "pipelines.migrations")


def discover() -> list[tuple[str, str]]:
    found = []
    for info in pkgutil.walk_packages(pipelines.__path__, "pipelines."):
        if info.name.startswith(SKIP_MODULES):
            continue
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if (inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_")
                    and list(inspect.signature(fn).parameters)[:2] == ["store", "actor"] and not WRITES.match(name)):
                found.append((info.name, name))
    return sorted(found)


READS = discover()


def _today() -> date:
    return datetime.now(local_tz()).date()


def arguments(fn, others: dict) -> list[dict[str, Any]]:
    """Keyword arguments for each call of `fn` (a few functions are called once per option)."""
    supplied: dict[str, Any] = {}
    missing = []
    for p in list(inspect.signature(fn).parameters.values())[2:]:
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        value = _value(p.name, p.annotation, others)
        if value is not inspect.Parameter.empty:
            supplied[p.name] = value
        elif p.default is inspect.Parameter.empty:
            missing.append(p.name)
    pages = getattr(importlib.import_module(fn.__module__), "PAGES", None)
    if missing == ["page"] and isinstance(pages, dict):  # one call per page of a module's PAGES
        return [{**supplied, "page": p} for p in pages]
    assert not missing, f"{fn.__module__}.{fn.__name__}: add a value for {missing} to tests/test_security_scope.py"
    if fn.__name__ == "run" and fn.__module__ == "pipelines.metrics":
        from pipelines.metrics import Filters as _F  # noqa: F401 - same Filters

        return [{**supplied, "name": n} for n in ("follow_ups", "new_customers", "stage_entries", "funnel_period")]
    if "fmt" in supplied:
        return [{**supplied, "fmt": f} for f in ("csv", "xlsx")]
    return [supplied]


def _value(name: str, annotation: Any, others: dict) -> Any:
    text = str(annotation)
    by_name = {
        "filters": Filters(), "extra": Extra(), "flt": BoardFilter(), "search": AuditSearch(), "fmt": "csv",
        "lang": "zh_CN", "stage": "initial_contact", "name": "follow_ups", "kind": "customer", "q": "", "username": "rep2",
        "customer_id": others["customer_id"], "contact_id": others["contact_id"], "row_id": others["customer_id"],
        "follow_up_id": others["follow_up_id"], "feedback_id": 1, "risk_id": 1, "risk_ids": [1, 2, 3],
        "today": _today(), "month": _today().replace(day=1), "on": _today(),
        "date_from": date(2020, 1, 1), "date_to": _today(), "level": None, "limit": 500,
        "path": __file__,  # a file to look up among the imports (ingest.previous_import)
        # a form's values naming the other rep's customer (customers.clashes): refused, never named
        "values": {"name": PEOPLE["rep2"][0]},
        # the funnel's per-customer rows, naming the other rep's customer: what is read for them
        # (history, names) must still be only what the actor may see
        "period": pl.DataFrame({"id": [others["customer_id"]], "top": [1],
                                "moved_at": [datetime.now(local_tz())]}),
    }
    if name in by_name:
        return by_name[name]
    by_type = {"AuditSearch": AuditSearch(), "BoardFilter": BoardFilter(), "Extra": Extra(), "Filters": Filters()}
    for type_name, value in by_type.items():
        if re.search(rf"\b{type_name}\b", text):
            return value
    if "date" in text:
        return _today()
    return inspect.Parameter.empty


def call(fn, store: Store, actor, kwargs: dict) -> Any:
    try:
        return fn(store, actor, **kwargs)
    except NotPermitted:
        return None  # refused: nothing shown


def as_text(result: Any) -> str:
    """Everything a result holds, as text, whatever its type."""
    if isinstance(result, pl.DataFrame):
        return str(result.rows()) + " ".join(result.columns)
    if isinstance(result, bytes):
        if result[:2] == b"PK":
            book = openpyxl.load_workbook(io.BytesIO(result))
            return str([list(ws.iter_rows(values_only=True)) for ws in book.worksheets])
        return result.decode("utf-8-sig", errors="replace")
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return " ".join(as_text(getattr(result, f.name)) for f in dataclasses.fields(result))
    if isinstance(result, dict):
        return " ".join(f"{k} {as_text(v)}" for k, v in result.items())
    if isinstance(result, (list, tuple)):
        return " ".join(as_text(v) for v in result)
    return str(result)


def frames(result: Any) -> list[pl.DataFrame]:
    if isinstance(result, pl.DataFrame):
        return [result]
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return [f for fld in dataclasses.fields(result) for f in frames(getattr(result, fld.name))]
    if isinstance(result, dict):
        return [f for v in result.values() for f in frames(v)]
    if isinstance(result, (list, tuple)):
        return [f for v in result for f in frames(v)]
    return []


def test_discovery_finds_the_query_functions():
    names = {f"{m}.{n}" for m, n in READS}
    assert {"pipelines.explorer.page", "pipelines.explorer.export", "pipelines.metrics.funnel"} <= names
    assert not any(WRITES.match(n) for _, n in READS)


def test_a_rep_sees_none_of_another_reps_rows(store, org):
    world = seed(store, org, follow_ups_each=2)
    others = {"customer_id": world["rep2"].customer_id, "contact_id": world["rep2"].contact_id,
              "follow_up_id": world["rep2"].follow_up_ids[0]}
    own = {world["rep1"].customer_id}
    rep1 = org["rep1"]
    problems = []
    for module, name in READS:
        fn = getattr(importlib.import_module(module), name)
        for kwargs in arguments(fn, others):
            version = store.data_version
            result = call(fn, store, rep1, kwargs)
            if store.data_version != version and not any(a in name for a in AUDITED_READS):
                problems.append(f"{module}.{name} wrote to the database: add it to WRITES")
            text = as_text(result)
            leaked = [m for m in OTHER_MARKERS if m in text]
            if leaked:
                problems.append(f"{module}.{name}{kwargs.get('fmt', '')}: shows {leaked}")
            for df in frames(result):
                if "customer_id" in df.columns and not set(df["customer_id"].drop_nulls()) <= own:
                    problems.append(f"{module}.{name}: customer ids {set(df['customer_id'])}")
    assert problems == []


def test_leadership_sees_every_contact_detail_masked(store, org):
    world = seed(store, org, follow_ups_each=1)
    others = {"customer_id": world["rep1"].customer_id, "contact_id": world["rep1"].contact_id,
              "follow_up_id": world["rep1"].follow_up_ids[0]}
    full = [v for p in PEOPLE.values() for v in (p[2], p[2][-8:], p[3], p[4])]  # mobile, its tail, email, wechat
    problems = []
    for module, name in READS:
        if name == "reveal_contact":  # the one explicit, audited way to see them
            continue
        fn = getattr(importlib.import_module(module), name)
        for kwargs in arguments(fn, others):
            text = as_text(call(fn, store, org["leader"], kwargs))
            shown = [v for v in full if v in text]
            if shown:
                problems.append(f"{module}.{name}: {shown}")
    assert problems == []


@pytest.fixture
def two_worlds(tmp_path):
    """The same rep1 data alone (a) and beside rep2's and rep3's (b), in DuckDB files."""
    out = []
    now = datetime.now(local_tz()).replace(microsecond=0)
    for name, reps in (("a", ("rep1",)), ("b", ("rep1", "rep2", "rep3"))):
        s = Store(str(tmp_path / f"{name}.duckdb"))
        org = Org(s)
        out.append((s, org, seed(s, org, reps=reps, follow_ups_each=2, now=now)))
    yield out
    for s, _, _ in out:
        s.close()


WRITE_TIMES = ("since", "raised_at", "created_at", "updated_at", "changed_at", "last_login_at")


def _comparable(result: Any) -> Any:
    """Drop what differs between two worlds built seconds apart: the times rows were written."""
    if isinstance(result, pl.DataFrame):
        return result.select([c for c, t in result.schema.items()
                              if c == "occurred_at" or "Datetime" not in str(t)]).rows()
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return [_comparable(getattr(result, f.name)) for f in dataclasses.fields(result)]
    if isinstance(result, dict):
        return {k: _comparable(v) for k, v in result.items() if k not in WRITE_TIMES}
    if isinstance(result, (list, tuple)):
        return [_comparable(v) for v in result]
    return result


def test_figures_do_not_change_when_other_reps_rows_exist(two_worlds):
    (a, org_a, _), (b, org_b, world_b) = two_worlds
    others = {"customer_id": world_b["rep2"].customer_id, "contact_id": world_b["rep2"].contact_id,
              "follow_up_id": world_b["rep2"].follow_up_ids[0]}
    problems = []
    for module, name in READS:
        fn = getattr(importlib.import_module(module), name)
        for kwargs in arguments(fn, others):
            if kwargs.get("fmt") or any(x in name for x in AUDITED_READS):
                continue  # exports are checked for leaks above; their bytes hold write times
            ra, rb = call(fn, a, org_a["rep1"], kwargs), call(fn, b, org_b["rep1"], kwargs)
            if _comparable(ra) != _comparable(rb):
                problems.append(f"{module}.{name}")
    assert problems == []


def test_a_query_gets_the_views_it_names_and_the_views_those_read():
    from pipelines.access import Actor, scope_ctes
    from pipelines.sql import scoped

    manager = Actor(id=3, username="m", role="manager", team_id=1)
    names = lambda ctes: re.findall(r"^(v_[a-z_]+) AS", ctes, re.MULTILINE)
    assert names(scope_ctes(manager, "SELECT * FROM v_targets")[0]) == ["v_users", "v_targets"]
    assert names(scope_ctes(manager, "SELECT * FROM v_customer_activity")[0]) == ["v_customer_activity"]
    assert scope_ctes(manager, "SELECT 1")[0] == ""
    every = scope_ctes(manager)[0]
    assert scope_ctes(manager, " ".join(names(every)))[0] == every.strip()
    # The scope's parameters come with the views that use them, and only with those.
    text, params = scoped(manager, "SELECT count(*) FROM v_follow_ups", inline=True)
    assert "v_users AS" not in text and params == {"actor_team": 1}
