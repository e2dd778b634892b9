"""Shared fixtures: a fresh store per test, a small organisation, a small demo database."""

from __future__ import annotations

import copy
import fcntl
import itertools
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

os.environ.setdefault("FOLLOWUP_DATA_DIR", str(Path(__file__).parent.parent / "test-artifacts" / "data"))

from pipelines.access import Actor
from pipelines.store import Store

# The storage backends the data-layer tests (store, ingest, metrics, risks, access) run on.
BACKENDS = os.environ.get("FOLLOWUP_TEST_BACKENDS", "duckdb,postgres").split(",")


@pytest.fixture(scope="session")
def pg_server():
    """A throw-away PostgreSQL server (one per xdist worker) with a migrated template database."""
    from tests.helpers_postgres import PgServer

    server = PgServer()
    server.template = server.create()
    Store(server.url(server.template)).close()
    server.shared = server.create(template=server.template)  # the `store` fixture's, reset per test
    yield server
    server.stop()


_tests = itertools.count(1)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path) -> Store:
    """An empty, migrated database of each backend."""
    if request.param == "postgres":
        server = request.getfixturevalue("pg_server")
        server.reset(server.shared)
        # A location of its own per test (same database): nothing keyed on the location
        # (open stores, caches) carries over from the test before.
        s = Store(f"{server.url(server.shared)}?application_name=test{next(_tests)}")
        yield s
        s.close()
        return
    path = tmp_path / "test.duckdb"
    shutil.copy(_migrated_duckdb(request), path)
    s = Store(str(path))
    yield s
    s.close()


def _migrated_duckdb(request) -> Path:
    """An empty DuckDB file with every migration applied, made once per worker: a file copy
    gives each test the same database several times faster than migrating a new file."""
    factory = request.getfixturevalue("tmp_path_factory")
    path = factory.getbasetemp() / "migrated-template.duckdb"
    if not path.exists():
        s = Store(str(path))
        s.checkpoint()
        s.close()
    return path


class Org:
    """Two teams: manager1 leads rep1, rep2; manager2 leads rep3; plus leader and admin."""

    def __init__(self, store: Store):
        self.store = store
        cur = store.cursor()
        t1 = cur.execute("INSERT INTO teams (name) VALUES ('一组') RETURNING id").fetchone()[0]
        t2 = cur.execute("INSERT INTO teams (name) VALUES ('二组') RETURNING id").fetchone()[0]
        self.teams = {1: t1, 2: t2}
        people = [("admin", "admin", None), ("leader", "leader", None), ("manager1", "manager", t1),
                  ("manager2", "manager", t2), ("rep1", "rep", t1), ("rep2", "rep", t1), ("rep3", "rep", t2)]
        self.actors: dict[str, Actor] = {}
        for username, role, team in people:
            uid = cur.execute("INSERT INTO users (username, display_name, role, team_id) VALUES ($u, $u, $r, $t)"
                              " RETURNING id", {"u": username, "r": role, "t": team}).fetchone()[0]
            self.actors[username] = Actor(uid, username, role, team, username)
        cur.execute("UPDATE teams SET manager_id = $m WHERE id = $t", {"m": self.actors["manager1"].id, "t": t1})
        cur.execute("UPDATE teams SET manager_id = $m WHERE id = $t", {"m": self.actors["manager2"].id, "t": t2})

    def __getitem__(self, username: str) -> Actor:
        return self.actors[username]


@pytest.fixture
def org(store) -> Org:
    return Org(store)


_built: dict[tuple[str, str], tuple] = {}


def copy_of_world(request, tmp_path_factory, name: str, build) -> tuple[Store, Org, object]:
    """A fresh store of the backend `request.param` holding what `build(store, org)` writes.

    Built once per backend and worker, then copied for each test (a file copy on DuckDB, a new
    database from it as template on PostgreSQL): each test still owns its rows and may change
    them, without paying for building them through the write path every time.
    """
    backend = request.param
    server = request.getfixturevalue("pg_server") if backend == "postgres" else None
    if (name, backend) not in _built:
        if server:
            source = server.create(template=server.template)
            store = Store(server.url(source))
        else:
            source = str(tmp_path_factory.mktemp(f"{name}-source") / "world.duckdb")
            store = Store(source)
        org = Org(store)
        made = build(store, org)
        if not server:
            store.checkpoint()
        store.close()
        _built[(name, backend)] = (source, org.teams, org.actors, made)
    source, teams, actors, made = _built[(name, backend)]
    if server:
        clone = server.create(template=source)
        store = Store(server.url(clone))
        request.addfinalizer(lambda: (store.close(), server.drop(clone)))
    else:
        path = tmp_path_factory.mktemp(name) / "world.duckdb"
        shutil.copy(source, path)
        store = Store(str(path))
        request.addfinalizer(store.close)
    org = Org.__new__(Org)
    org.store, org.teams, org.actors = store, teams, dict(actors)
    return store, org, copy.deepcopy(made)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """A small demo database, built once per test session (tests must not change it).

    Under xdist the workers share one build (the first worker to ask builds it, the others wait
    on the lock and copy it), instead of each spending seconds of CPU on the same rows.
    """
    from pipelines import demo

    path = str(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    run_folder = tmp_path_factory.getbasetemp()  # this run's own: the build never outlives the run
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_folder = run_folder.parent  # the workers' folders sit in the run's folder
    shared = run_folder / "demo-3000.duckdb"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not shared.exists():
            building = f"{shared}.{os.getpid()}.partial"
            s = Store(building)
            demo.generate(s, follow_ups=3000, customers=300, as_of=date(2026, 10, 31), seed=11)
            s.checkpoint()
            s.close()
            os.replace(building, shared)
    shutil.copy(shared, path)
    return path
