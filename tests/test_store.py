"""Store: migrations on open, upgrades of an older file, transactions, concurrent writers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from pipelines import follow_ups, migrations
from pipelines.models import FollowUpIn
from pipelines.store import Store, StoreError


def test_new_path_creates_empty_database(tmp_path):
    s = Store(str(tmp_path / "sub" / "new.duckdb"))
    assert s.scalar("SELECT max(version) FROM schema_version") == migrations.latest()
    assert s.scalar("SELECT count(*) FROM users") == 0  # no accounts outside the demo database
    assert s.scalar("SELECT count(*) FROM customers") == 0


def test_older_schema_upgrades_and_keeps_data(tmp_path):
    path = str(tmp_path / "old.duckdb")
    old = Store(path, migrate=False)
    migrations.apply(old, upto=1)
    old.write(lambda cur: cur.execute("INSERT INTO teams (name) VALUES ('老团队')"))
    assert old.scalar("SELECT max(version) FROM schema_version") == 1
    old.close()
    upgraded = Store(path)
    assert upgraded.scalar("SELECT max(version) FROM schema_version") == migrations.latest()
    assert upgraded.scalar("SELECT name FROM teams") == "老团队"
    versions = upgraded.query("SELECT version FROM schema_version ORDER BY version")["version"].to_list()
    assert versions == [v for v, _ in migrations.available()]


UNINDEXED = ("audit_log", "customers", "follow_ups", "risk_events", "risks", "stage_changes")


def test_upgrade_drops_the_large_tables_keys_and_keeps_rows_defaults_and_rules(tmp_path):
    path = str(tmp_path / "v8.duckdb")
    old = Store(path, migrate=False)
    migrations.apply(old, upto=8)
    old.write(lambda cur: cur.execute(
        "INSERT INTO customers (name, owner_id, tags) VALUES ('老客户', 1, ['华东']);"
        "INSERT INTO follow_ups (customer_id, rep_id, occurred_at, channel, summary)"
        " VALUES (1, 1, '2026-03-05 10:00:00+08', 'phone', '首次电话')"))
    keyed = "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' ORDER BY 1"
    assert set(UNINDEXED) <= set(old.query(keyed)["table_name"].to_list())
    old.close()

    s = Store(path)
    left = set(s.query(keyed)["table_name"].to_list())
    assert not left & set(UNINDEXED)
    assert {"users", "customer_activity", "settings"} <= left  # the keys that guard something stay
    assert s.query("SELECT id, name, tags, stage FROM customers").rows() == [(1, "老客户", ["华东"], "initial_contact")]
    assert s.scalar("SELECT summary FROM follow_ups WHERE id = 1") == "首次电话"
    # the sequences go on from the old rows; defaults and NOT NULL hold on the new tables
    s.write(lambda cur: cur.execute("INSERT INTO customers (name, owner_id) VALUES ('新客户', 1)"))
    assert s.query("SELECT id, customer_type FROM customers WHERE name = '新客户'").rows() == [(2, "new")]
    with pytest.raises(duckdb.ConstraintException):
        s.write(lambda cur: cur.execute("INSERT INTO follow_ups (customer_id, rep_id, occurred_at, channel)"
                                        " VALUES (1, 1, now(), 'phone')"))


def test_reopening_applies_nothing_twice(tmp_path):
    path = str(tmp_path / "x.duckdb")
    Store(path).close()
    s = Store(path)
    assert s.scalar("SELECT count(*) FROM schema_version") == len(migrations.available())


def test_failed_write_leaves_nothing(store, org):
    def work(cur):
        cur.execute("INSERT INTO teams (name) VALUES ('半截')")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.write(work)
    assert store.scalar("SELECT count(*) FROM teams WHERE name = '半截'") == 0


def test_data_version_advances_on_every_write(store):
    before = store.data_version
    store.write(lambda cur: cur.execute("INSERT INTO teams (name) VALUES ('x')"))
    assert store.data_version > before


def test_conflicting_updates_are_retried(store):
    """8 threads increment one row: write-write conflicts are retried, no increment is lost."""
    store.write(lambda cur: cur.execute("INSERT INTO settings (key, value) VALUES ('n', '0')"))

    def bump(cur):
        cur.execute("UPDATE settings SET value = (value::INTEGER + 1)::VARCHAR WHERE key = 'n'")

    def worker():
        for _ in range(25):
            store.write(bump, attempts=200)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.scalar("SELECT value FROM settings WHERE key = 'n'") == "200"


def test_eight_threads_saving_follow_ups_lose_nothing(store, org):
    from pipelines import customers
    from pipelines.models import CustomerIn

    reps = [org["rep1"], org["rep2"]]
    cids = [customers.create(store, r, CustomerIn(name=f"客户{r.username}", owner_id=r.id)) for r in reps]
    errors: list[BaseException] = []

    def worker(n: int):
        rep, cid = reps[n % 2], cids[n % 2]
        try:
            for i in range(15):  # enough to interleave; the 20-writer load test is the big one
                follow_ups.add(store, rep, FollowUpIn(
                    customer_id=cid, rep_id=rep.id, channel="phone", summary=f"线程{n}第{i}次",
                    occurred_at=datetime.now(UTC) - timedelta(minutes=i)))
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.scalar("SELECT count(*) FROM follow_ups") == 120
    assert store.scalar("SELECT count(DISTINCT summary) FROM follow_ups") == 120


def test_second_process_gets_a_clear_message_not_a_lock_error(tmp_path):
    import subprocess
    import sys

    path = str(tmp_path / "locked.duckdb")
    s = Store(path)
    code = ("import sys\nfrom pipelines.store import Store, StoreError\n"
            f"try:\n    Store({path!r})\nexcept StoreError as e:\n    print(e.zh); sys.exit(3)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 3, out.stderr
    assert "正被另一个进程" in out.stdout
    s.close()


def test_read_only_store_refuses_writes(tmp_path):
    path = str(tmp_path / "ro.duckdb")
    Store(path).close()
    ro = Store(path, read_only=True)
    with pytest.raises(StoreError):
        ro.write(lambda cur: cur.execute("INSERT INTO teams (name) VALUES ('x')"))
    with pytest.raises(duckdb.Error):
        ro.cursor().execute("INSERT INTO teams (name) VALUES ('x')")
