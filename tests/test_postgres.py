"""The PostgreSQL backend: schema twins, the RETURNING bridge, the shared data version, two
processes writing one database at once, and `followup migrate` on the demo database."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from pipelines import cli, migrations, postgres
from pipelines.store import Store
from tests.conftest import Org


@pytest.fixture
def pg_store(pg_server) -> Store:
    name = pg_server.create(template=pg_server.template)
    s = Store(pg_server.url(name))
    yield s
    s.close()
    pg_server.drop(name)


def _columns(store: Store) -> set[tuple[str, str, str]]:
    df = store.query("SELECT table_name, column_name, data_type FROM duckdb_columns()"
                     " WHERE database_name = 'db' AND schema_name IN ('main', 'public')")
    return {(r["table_name"], r["column_name"], r["data_type"]) for r in df.iter_rows(named=True)}


def test_every_duckdb_migration_has_a_postgresql_twin():
    duck = [(v, p.name) for v, p in migrations.available()]
    pg = [(v, p.name) for v, p in migrations.available("postgres")]
    assert pg == duck, "add pipelines/migrations/postgres/<same name>.sql with the PostgreSQL DDL"


def test_both_backends_end_with_the_same_tables_columns_and_types(pg_store, tmp_path):
    duck = Store(str(tmp_path / "s.duckdb"))
    try:
        expected = _columns(duck)
    finally:
        duck.close()
    got = _columns(pg_store)
    assert got == expected, (f"only in DuckDB: {sorted(expected - got)}; only in PostgreSQL: {sorted(got - expected)}")
    assert pg_store.scalar("SELECT max(version) FROM schema_version") == migrations.latest()


def test_reopening_applies_nothing_twice(pg_store):
    again = Store(pg_store.location)
    try:
        assert migrations.apply(again) == []
        assert again.scalar("SELECT count(*) FROM schema_version") == len(migrations.available("postgres"))
    finally:
        again.close()


def test_insert_and_update_returning_run_on_postgresql(pg_store):
    org = Org(pg_store)
    cur = pg_store.cursor()
    owner = org["rep1"].id
    one = cur.execute("INSERT INTO customers (name, owner_id, tags) VALUES ($n, $o, $t) RETURNING id, tags, stage",
                      {"n": "甲公司", "o": owner, "t": ["重点", "华东"]}).fetchone()
    assert one[1:] == (["重点", "华东"], "initial_contact")
    cur.register("frame", __import__("pyarrow").table({"name": ["乙", "丙", "丁"]}))
    many = cur.execute(f"INSERT INTO customers (name, owner_id) SELECT name, {owner} FROM frame"
                       " ORDER BY name DESC RETURNING id, name").fetchall()
    assert [n for _, n in many] == sorted(["丁", "丙", "乙"], reverse=True) and len({i for i, _ in many}) == 3 and one[0] not in dict(many)
    none = cur.execute(f"INSERT INTO customers (name, owner_id) SELECT name, {owner} FROM frame WHERE false"
                       " RETURNING id").fetchall()
    assert none == []
    changed = cur.execute("UPDATE customers SET stage = 'needs_confirmed' WHERE stage = 'initial_contact'"
                          " AND name <> $n RETURNING id, stage", {"n": "甲公司"}).fetchall()
    assert sorted(changed) == sorted((i, "needs_confirmed") for i, _ in many)
    joined = cur.execute("UPDATE customers SET size = f.name FROM frame f WHERE customers.name = f.name"
                         " RETURNING customers.id, customers.size").fetchall()
    assert sorted(s for _, s in joined) == ["丁", "丙", "乙"]
    assert cur.execute("SELECT max(nextval('teams_id_seq')) FROM range($n)", {"n": 5}).fetchone()[0] >= 7


def test_a_write_on_one_replica_moves_the_others_data_version(pg_store, monkeypatch):
    monkeypatch.setattr(postgres, "VERSION_TTL_SECONDS", 0.0)
    other = Store(pg_store.location)
    try:
        before = other.data_version
        pg_store.write(lambda cur: cur.execute("INSERT INTO teams (name) VALUES ('三组')"))
        assert other.data_version > before
        assert other.data_version == pg_store.data_version
    finally:
        other.close()


def test_conflicting_writes_from_two_replicas_are_retried(pg_store):
    """Both replicas increment one row at once (REPEATABLE READ): no increment is lost."""
    import threading

    pg_store.write(lambda cur: cur.execute("INSERT INTO settings (key, value) VALUES ('n', '0')"))
    other = Store(pg_store.location)

    def bump(cur):
        cur.execute("UPDATE settings SET value = (value::INTEGER + 1)::VARCHAR WHERE key = 'n'")

    threads = [threading.Thread(target=lambda s=s: [s.write(bump, attempts=100) for _ in range(10)])
               for s in (pg_store, other, pg_store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert pg_store.scalar("SELECT value FROM settings WHERE key = 'n'") == "40"


WRITER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timedelta, timezone
    from pipelines import follow_ups
    from pipelines.access import Actor
    from pipelines.models import FollowUpIn
    from pipelines.store import Store

    url, me, rep_id, team, cid, n, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), \\
        int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
    store = Store(url)
    rep = Actor(rep_id, me, "rep", team, me)
    time.sleep(max(0.0, start - time.time()))  # both processes begin together
    for i in range(n):
        follow_ups.add(store, rep, FollowUpIn(customer_id=cid, rep_id=rep_id, channel="phone",
                       summary=f"{me}-{i}", occurred_at=datetime.now(timezone.utc) - timedelta(minutes=i)))
    done = time.time()
    deadline = done + 60
    while time.time() < deadline:  # each sees the other's records (reads: the local analytics copy)
        other = store.scalar("SELECT count(*) FROM follow_ups WHERE summary NOT LIKE $p", {"p": me + "-%"})
        if other >= n:
            break
        time.sleep(0.05)
    print(other, done, time.time())
""")


def test_two_processes_write_one_database_at_once(pg_store):
    from pipelines import customers
    from pipelines.models import CustomerIn

    org = Org(pg_store)
    n = 12
    reps = [org["rep1"], org["rep2"]]
    cids = [customers.create(pg_store, r, CustomerIn(name=f"客户{r.username}", owner_id=r.id)) for r in reps]
    start = datetime.now(UTC).timestamp() + 6
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, pg_store.location, r.username, str(r.id), str(r.team_id),
                               str(cid), str(n), str(start)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for r, cid in zip(reps, cids)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    seen = [out.split() for out, _ in outs]
    assert [int(s[0]) for s in seen] == [n, n]
    # README: another replica's save shows within about VERSION_TTL_SECONDS (the data version's reread
    # interval) plus one refresh of the copy; 2 s of slack for a loaded 2-core machine.
    all_done = max(float(s[1]) for s in seen)
    assert all(float(s[2]) - all_done <= postgres.VERSION_TTL_SECONDS + 2.0 for s in seen), seen
    assert pg_store.scalar("SELECT count(*) FROM follow_ups") == 2 * n
    assert pg_store.scalar("SELECT count(DISTINCT summary) FROM follow_ups") == 2 * n
    assert pg_store.scalar("SELECT count(*) FROM audit_log WHERE table_name = 'follow_ups'") == 2 * n


def test_migrate_copies_the_demo_database(demo_db, pg_server, tmp_path, capsys):
    source = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, source)
    expected = {}
    s = Store(str(source), read_only=True)
    for t in s.query("SELECT table_name FROM duckdb_tables() WHERE database_name = 'db'"
                     " AND table_name <> 'schema_version'")["table_name"]:
        expected[t] = s.scalar(f"SELECT count(*) FROM {t}")
    s.close()
    url = pg_server.url(pg_server.create())
    assert cli.main(["migrate", "--from", str(source), "--to", url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {t: v["rows"] for t, v in report["tables"].items()} == expected
    assert expected["follow_ups"] == 3000
    target = Store(url)
    try:
        assert target.scalar("SELECT count(*) FROM follow_ups") == 3000
        new_id = target.scalar("INSERT INTO customers (name, owner_id) VALUES ('新客户', 1) RETURNING id")
        assert new_id > target.scalar("SELECT max(id) FROM customers WHERE name <> '新客户'")
    finally:
        target.close()
    # a second run refuses: the target is no longer empty, nothing is changed
    assert cli.main(["migrate", "--from", str(source), "--to", url]) == 1
    assert "not empty" in capsys.readouterr().err


def test_demo_and_dashboard_run_on_postgresql(pg_server, monkeypatch):
    """`followup demo --db postgresql://…`, then a manager logs in and opens the analytics pages."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    url = pg_server.url(pg_server.create())
    assert cli.main(["demo", "--db", url, "--follow-ups", "600", "--as-of", "2026-10-31"]) == 0
    monkeypatch.setenv("FOLLOWUP_DB", url)
    at = AppTest.from_file(str(Path(__file__).parent.parent / "dashboard" / "app.py"), default_timeout=180)
    at.run()
    at.text_input(key="login_username").input("manager1")
    at.text_input(key="login_password").input("followup-demo")
    at.button[0].click()
    at.run()
    assert not at.exception and not at.error
    assert at.metric, "the home page shows its figures"
    for page in ("views/funnel.py", "views/records.py", "views/risks.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception and not at.error, (page, [e.value for e in at.exception], [e.value for e in at.error])


def test_an_unreachable_server_gives_a_clear_message_without_the_password():
    from pipelines.store import StoreError

    with pytest.raises(StoreError) as caught:
        Store("postgresql://sales:s3cret@127.0.0.1:1/followup")
    assert "PostgreSQL" in caught.value.en and "***" in caught.value.en and "s3cret" not in str(caught.value)
