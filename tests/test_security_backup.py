"""Backup and restore: consistent while writing, verified before replacing, identical after.

On both backends (a DuckDB file; PostgreSQL, where the restore is one transaction that other
replicas follow) unless a test is about the file itself (its lock, its bytes).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from pipelines import backup, backup_pg, checks, cli, customers, follow_ups, migrate, pipl, postgres
from pipelines.access import SYSTEM
from pipelines.config import local_tz
from pipelines.models import FollowUpIn
from pipelines.store import Store, StoreError, forget, open_store
from tests.conftest import BACKENDS, Org
from tests.helpers_security import PEOPLE, seed

KEY = "backup key for tests 2026"


def _tables(store: Store) -> list[str]:
    cur = store.cursor()
    return backup_pg.app_tables(cur) if store.backend == "postgres" else backup.table_names(cur)


def _snapshot(store: Store) -> dict[str, pl.DataFrame]:
    return {t: store.query(f"SELECT * FROM {t} ORDER BY ALL") for t in _tables(store)}


@pytest.fixture(params=BACKENDS)
def location(request, tmp_path, monkeypatch):
    """A new database of each backend (its location); the data folder (PIPL ledger) is the test's own."""
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    if request.param == "postgres":
        server = request.getfixturevalue("pg_server")
        name = server.create(template=server.template)
        yield server.url(name)
        forget(server.url(name))
        server.drop(name)
        return
    yield str(tmp_path / "live.duckdb")
    forget(str(tmp_path / "live.duckdb"))


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request, tmp_path_factory):
    """One seeded database per backend for this module; `world` gives each test its own copy."""
    server = request.getfixturevalue("pg_server") if request.param == "postgres" else None
    name = server.create(template=server.template) if server else None
    location = server.url(name) if server else str(tmp_path_factory.mktemp("seeded") / "seeded.duckdb")
    s = Store(location)
    org = Org(s)
    people = seed(s, org)
    s.close()
    yield server, name or location, dict(org.actors), people
    if server:
        server.drop(name)


@pytest.fixture
def world(seeded, tmp_path, monkeypatch):
    """A copy of the seeded database (a template database on PostgreSQL), its actors, its people."""
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    server, base, actors, people = seeded
    if server:
        name = server.create(template=base)
        location = server.url(name)
    else:
        location = str(tmp_path / "live.duckdb")
        shutil.copyfile(base, location)
    s = Store(location)
    yield s, actors, people
    forget(location)
    s.close()
    if server:
        server.drop(name)


def test_backup_then_restore_gives_identical_tables(world, tmp_path):
    s, org, people = world
    before = _snapshot(s)  # the backup's own audit entry is written after the export
    result = backup.backup(s, org["admin"], tmp_path / "bk")
    assert Path(result.path).name[:8].isdigit() and result.tables["follow_ups"] == 9
    manifest = json.loads((Path(result.path) / "manifest.json").read_text())
    assert manifest["schema_version"] >= 2 and manifest["tables"]["customers"]["rows"] == 3
    # change things after the backup: they must be gone after the restore
    customers.delete(s, org["rep1"], people["rep1"].customer_id)
    follow_ups.add(s, org["rep2"], FollowUpIn(customer_id=people["rep2"].customer_id, rep_id=org["rep2"].id,
                                              occurred_at=datetime.now(local_tz()) - timedelta(hours=1),
                                              channel="visit", summary="备份之后"))
    last_id = s.scalar("SELECT max(id) FROM follow_ups")
    log = s.query("SELECT * FROM audit_log ORDER BY ALL")  # the backup's own entry, the delete …
    restored = backup.restore(s, org["admin"], tmp_path / "bk")  # the folder of backups: newest is used
    assert restored.path == result.path
    live = open_store(s.location)
    after = _snapshot(live)
    assert set(after) == set(before)
    for table, frame in before.items():
        if table == "audit_log":  # the data goes back, never the log: every entry stays, with its id
            assert after[table].filter(pl.col("id") <= log["id"].max()).equals(log)
            entry = after[table].filter(pl.col("action") == "restore_backup")
            assert entry.height == 1 and entry["id"][0] > log["id"].max()
            assert json.loads(entry["after"][0])["audit_entries_kept"] == log.height - frame.height \
                == restored.audit_entries_kept > 0
        else:
            assert after[table].equals(frame), table
    assert checks.failed(live) == {}
    assert Path(f"{s.location}.before-restore").exists() == (s.backend == "duckdb")
    assert after["audit_log"].filter(pl.col("action") == "backup").height == 1  # written after the export, kept
    # new rows continue after the restored ids (PostgreSQL: after every id ever given, none reused)
    fid = follow_ups.add(live, org["rep1"], FollowUpIn(customer_id=people["rep1"].customer_id, rep_id=org["rep1"].id,
                                                       occurred_at=datetime.now(local_tz()), channel="phone",
                                                       summary="恢复之后"))
    assert fid == (10 if s.backend == "duckdb" else last_id + 1)
    assert live.scalar("SELECT count(*) FROM follow_ups") == 10


def test_damaged_backup_is_refused_before_anything_changes(world, tmp_path):
    s, org, people = world
    result = backup.backup(s, org["admin"], tmp_path / "bk")
    customers.delete(s, org["rep1"], people["rep1"].customer_id)  # after the backup: must stay
    folder = Path(result.path)
    before = _snapshot(s)
    if s.backend == "duckdb":
        s.checkpoint()
        digest = hashlib.sha256(Path(s.location).read_bytes()).hexdigest()
    with (folder / "follow_ups.parquet").open("r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(backup.BackupError) as err:
        backup.restore(s, org["admin"], folder)
    assert "follow_ups.parquet" in err.value.en
    assert s.scalar("SELECT count(*) FROM follow_ups") == 9  # the store is still open and unchanged
    now = _snapshot(s)
    assert now.keys() == before.keys() and all(now[t].equals(before[t]) for t in before)
    if s.backend == "duckdb":
        s.checkpoint()
        assert hashlib.sha256(Path(s.location).read_bytes()).hexdigest() == digest
    (folder / "manifest.json").unlink()
    with pytest.raises(backup.BackupError, match="No backup found"):
        backup.restore(s, org["admin"], folder)


def test_backup_is_consistent_while_writes_go_on(world, tmp_path):
    """Each follow-up and its audit entry commit together: a consistent backup holds both or neither."""
    s, org, people = world
    stop = threading.Event()
    rep = org["rep1"]

    def writer():
        i = 0
        while not stop.is_set():
            follow_ups.add(s, rep, FollowUpIn(customer_id=people["rep1"].customer_id, rep_id=rep.id,
                                              occurred_at=datetime.now(local_tz()) - timedelta(minutes=1),
                                              channel="phone", summary=f"并发 {i}"))
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        result = backup.backup(s, org["admin"], tmp_path / "bk")
    finally:
        stop.set()
        t.join()
    folder = Path(result.path)
    scan = pl.read_parquet(folder / "follow_ups.parquet")
    audit = pl.read_parquet(folder / "audit_log.parquet")
    created = audit.filter((pl.col("action") == "create") & (pl.col("table_name") == "follow_ups"))
    assert sorted(scan["id"].to_list()) == sorted(created["row_id"].to_list())


def test_encrypted_backup_holds_no_plain_names_and_needs_the_key(location, tmp_path, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_DB_KEY", KEY)
    s = Store(location, key=KEY)  # PostgreSQL: the database is not encrypted by the app, its backups are
    org = Org(s)
    seed(s, org, reps=("rep1", "rep2"), follow_ups_each=1)
    result = backup.backup(s, org["admin"], tmp_path / "bk")
    folder = Path(result.path)
    assert json.loads((folder / "manifest.json").read_text())["encrypted"] is True
    with pytest.raises(pl.exceptions.ComputeError):
        pl.read_parquet(folder / "customers.parquet")  # unreadable without the key
    for f in folder.glob("*.parquet"):
        data = f.read_bytes()
        assert not any(p[0].encode() in data or p[1].encode() in data for p in PEOPLE.values()), f.name
    monkeypatch.setenv("FOLLOWUP_DB_KEY", "some other key")
    if s.backend == "duckdb":
        other = tmp_path / "other.duckdb"
        with pytest.raises(backup.BackupError, match="key differs"):
            backup.build(folder, backup.verify(folder, "some other key"), other, "some other key")
        assert not other.exists()
    else:
        with pytest.raises(backup.BackupError, match="key differs"):
            backup.restore(s, org["admin"], folder)  # refused before its transaction
        assert s.scalar("SELECT count(*) FROM customers") == 2
    monkeypatch.setenv("FOLLOWUP_DB_KEY", KEY)
    backup.restore(s, org["admin"], folder)
    live = open_store(location)
    assert live.encrypted == (s.backend == "duckdb") and live.scalar("SELECT count(*) FROM customers") == 2
    s.close()


def test_restore_applies_later_erasures_again(world, tmp_path):
    s, org, people = world
    result = backup.backup(s, org["admin"], tmp_path / "bk")
    pipl.erase(s, org["admin"], "customer", people["rep2"].customer_id)
    later = Path(backup.backup(s, org["admin"], tmp_path / "later").path)
    held = " ".join(str(pl.read_parquet(f).rows()) for f in later.glob("*.parquet"))
    assert "机密乙" not in held and "李秘乙" not in held and "13987654321" not in held  # later backups: gone
    request = s.query("SELECT id, detail FROM audit_log WHERE action = 'erase'")
    assert backup.restore(s, org["admin"], result.path).erasures_reapplied == 1
    live = open_store(s.location)
    assert live.scalar("SELECT name FROM customers WHERE id = $i", {"i": people["rep2"].customer_id}) \
        == pipl.placeholder("customer", people["rep2"].customer_id)
    # the erasure's own entry (when, by whom, the request) stays beside the one made again
    assert request.height == 1 and live.query("SELECT id, detail FROM audit_log WHERE id = $i",
                                              {"i": request["id"][0]}).equals(request)
    assert live.scalar("SELECT count(*) FROM follow_ups WHERE customer_id = $i",
                       {"i": people["rep2"].customer_id}) == 3  # the statistics stay


def test_a_restore_keeps_the_log_of_a_database_the_backup_did_not_come_from(world, tmp_path):
    """A backup of another database holds other entries under the same ids: the live ones are
    kept under new ids, and new entries go on after all of them."""
    s, org, _ = world
    other = Store(str(tmp_path / "other.duckdb"))
    Org(other)
    for n in range(3):
        other.write(lambda c, n=n: c.execute("INSERT INTO audit_log (username, action, detail) VALUES"
                                             " ('elsewhere', 'note', $d)", {"d": f"另一个库 {n}"}))
    folder = backup.backup(other, SYSTEM, tmp_path / "bk").path
    other.close()
    log = s.query("SELECT username, action, detail, created_at FROM audit_log ORDER BY id")
    backup.restore(s, org["admin"], folder)
    live = open_store(s.location)
    kept = live.query("SELECT id, username, action, detail, created_at FROM audit_log ORDER BY id")
    assert kept.filter(pl.col("username") == "elsewhere").height == 3
    mine = kept.filter(pl.col("username") != "elsewhere", pl.col("action") != "restore_backup")
    assert mine.drop("id").sort(pl.all()).equals(log.sort(pl.all()))
    assert kept["id"].n_unique() == kept.height
    live.write(lambda c: c.execute("INSERT INTO audit_log (username, action) VALUES ('x', 'note')"))
    assert live.scalar("SELECT count(DISTINCT id) = count(*) FROM audit_log")


def test_cli_backup_and_restore(location, tmp_path, capsys):
    s = Store(location)
    seed(s, Org(s), reps=("rep1",), follow_ups_each=1)
    s.close()
    assert cli.main(["backup", str(tmp_path / "bk"), "--db", location, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"path", "tables"} and out["tables"]["customers"] == 1
    forget(location)
    assert cli.main(["restore", str(tmp_path / "bk"), "--db", location]) == 0
    said = capsys.readouterr().out
    assert out["path"] in said and ("before-restore" in said) == ("://" not in location)
    forget(location)


def test_cli_backup_while_another_process_holds_the_file(tmp_path, capsys):
    path = tmp_path / "held.duckdb"
    Store(str(path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import sys, time; from pipelines.store import Store;"
         f" s = Store({str(path)!r}); print('ready', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert cli.main(["backup", str(tmp_path / "bk"), "--db", str(path)]) == 1
        err = capsys.readouterr().err
        assert "Administration page" in err and "Traceback" not in err
        assert not (tmp_path / "bk").exists() or not any((tmp_path / "bk").iterdir())
    finally:
        holder.kill()
        holder.wait()


def test_backup_to_a_read_only_folder_gives_a_clear_message(world, tmp_path):
    s, org, _ = world
    target = tmp_path / "ro"
    target.mkdir()
    target.chmod(0o555)
    try:
        if _root_ignores_permissions(target):
            # root bypasses file modes: make the folder a file instead, which no user can write into
            target.chmod(0o755)
            shutil.rmtree(target)
            target.write_text("not a folder")
        with pytest.raises(StoreError) as err:
            backup.backup(s, org["admin"], target)
        assert "backup" in err.value.en.lower()
    finally:
        if target.is_dir():
            target.chmod(0o755)


def _root_ignores_permissions(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_text("x")
    except OSError:
        return False
    probe.unlink()
    return True


def test_restore_requires_admin(world, tmp_path):
    s, org, _ = world
    from pipelines.access import NotPermitted

    with pytest.raises(NotPermitted):
        backup.backup(s, org["manager1"], tmp_path / "bk")
    result = backup.backup(s, SYSTEM, tmp_path / "bk")
    with pytest.raises(NotPermitted):
        backup.restore(s, org["rep1"], result.path)


def test_scheduled_backups_inside_the_app_process(tmp_path, monkeypatch):
    """The dashboard holds the file's lock, so it makes the scheduled backups itself."""
    path = str(tmp_path / "sched.duckdb")
    s = open_store(path)
    seed(s, Org(s), reps=("rep1",), follow_ups_each=1)
    folder = tmp_path / "scheduled"
    monkeypatch.setenv("FOLLOWUP_BACKUP_DIR", str(folder))
    monkeypatch.setenv("FOLLOWUP_BACKUP_EVERY_HOURS", str(1 / 3600))  # every second
    monkeypatch.setenv("FOLLOWUP_BACKUP_KEEP", "2")
    try:
        backup.start_schedule(path)
        deadline = time.time() + 60
        while len(list(folder.glob("*/manifest.json"))) < 2 and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(2.5)  # a third round at least: the oldest is pruned
    finally:
        backup.stop_schedule(path)
        forget(path)
    made = sorted(folder.glob("*/manifest.json"))
    assert len(made) == 2
    assert s.location == path and backup.verify(made[-1].parent, None)["tables"]["customers"]["rows"] == 1
    assert not backup.due(folder, 3600, time.time()) and backup.due(tmp_path / "none", 3600, time.time())


# -- PostgreSQL: replicas, the last check before COMMIT, scheduled rounds, across backends ---------

def test_restore_that_fails_its_last_check_changes_nothing(world, tmp_path, monkeypatch):
    """The restored tables are compared with the backup before the swap (DuckDB) or the COMMIT
    (PostgreSQL): a difference there leaves every row, and the id sequences, as they were."""
    s, org, people = world
    folder = Path(backup.backup(s, org["admin"], tmp_path / "bk").path)
    customers.delete(s, org["rep1"], people["rep1"].customer_id)
    before = _snapshot(s)
    if s.backend == "postgres":
        real = migrate._fingerprint
        monkeypatch.setattr(migrate, "_fingerprint", lambda cur, rel, cols:
                            (-1, "0") if rel == "follow_ups" else real(cur, rel, cols))
        expected = StoreError
    else:
        real_stats = backup.content_stats
        monkeypatch.setattr(backup, "content_stats", lambda cur, rel:
                            (-1, "0") if "main.follow_ups" in rel else real_stats(cur, rel))
        expected = backup.BackupError
    with pytest.raises(expected, match="follow_ups"):
        backup.restore(s, org["admin"], folder)
    now = _snapshot(s)
    assert now.keys() == before.keys() and all(now[t].equals(before[t]) for t in before)
    fid = follow_ups.add(s, org["rep2"], FollowUpIn(customer_id=people["rep2"].customer_id, rep_id=org["rep2"].id,
                                                    occurred_at=datetime.now(local_tz()), channel="phone", summary="之后"))
    assert fid > before["follow_ups"]["id"].max()


def _pg_store(pg_server) -> tuple[str, Store]:
    url = pg_server.url(pg_server.create(template=pg_server.template))
    return url, Store(url)


def test_other_replica_sees_the_restore(pg_server, tmp_path, monkeypatch):
    """Replica B's local analytics copy and caches follow a restore made on replica A."""
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(postgres, "VERSION_TTL_SECONDS", 0.0)  # B asks PostgreSQL for the version at once
    url, a = _pg_store(pg_server)
    b = Store(url)
    try:
        org = Org(a)
        people = seed(a, org, reps=("rep1", "rep2"), follow_ups_each=2)
        expected = _snapshot(b)  # B's copy now holds every table (the backup's own audit entry comes after)
        folder = backup.backup(a, org["admin"], tmp_path / "bk").path
        customers.delete(a, org["rep1"], people["rep1"].customer_id)
        follow_ups.add(a, org["rep2"], FollowUpIn(customer_id=people["rep2"].customer_id, rep_id=org["rep2"].id,
                                                  occurred_at=datetime.now(local_tz()), channel="visit", summary="之后"))
        live = "SELECT (SELECT count(*) FROM follow_ups), (SELECT count(*) FROM customers WHERE deleted_at IS NULL)"
        assert b.query(live).row(0) == (5, 1)  # B sees A's writes
        version = b.data_version
        backup.restore(a, org["admin"], folder)
        assert b.data_version > version  # B's page caches are keyed on it
        after = _snapshot(b)
        for table, frame in expected.items():
            if table == "audit_log":
                assert after[table].filter(pl.col("id") <= frame["id"].max()).equals(frame)
            else:
                assert after[table].equals(frame), table
        assert b.query(live).row(0) == (4, 2)
        assert b._copy.refreshes > 1  # read from B's local copy, refreshed from the change log
    finally:
        b.close()
        a.close()


def test_a_write_of_another_replica_during_the_restore_does_not_slip_past_it(pg_server, tmp_path, monkeypatch):
    """The restore locks the tables before its snapshot: a write that is still open when it starts
    is waited for and then replaced, never left behind beside the restored rows."""
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    url, a = _pg_store(pg_server)
    b = Store(url)
    try:
        org = Org(a)
        people = seed(a, org, reps=("rep1",), follow_ups_each=1)
        folder = backup.backup(a, org["admin"], tmp_path / "bk").path
        cur = b.cursor()
        cur.execute("BEGIN TRANSACTION")
        cur.execute("INSERT INTO follow_ups (customer_id, rep_id, occurred_at, channel, summary)"
                    " VALUES ($c, $r, now(), 'phone', '恢复期间')",
                    {"c": people["rep1"].customer_id, "r": org["rep1"].id})
        done = threading.Event()
        worker = threading.Thread(target=lambda: (backup.restore(a, org["admin"], folder), done.set()))
        worker.start()
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        deadline = time.time() + 30
        while not done.is_set() and pg_server.psql(waiting) == "0" and time.time() < deadline:
            time.sleep(0.05)
        assert not done.is_set()  # the restore waits for B's open write
        cur.execute("COMMIT")
        worker.join(30)
        assert done.is_set()
        assert a.scalar("SELECT count(*) FROM follow_ups WHERE summary = '恢复期间'") == 0
        assert a.scalar("SELECT count(*) FROM follow_ups") == 1
    finally:
        b.close()
        a.close()


def test_scheduled_backups_one_replica_makes_each(pg_server, tmp_path, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    url, a = _pg_store(pg_server)
    b = Store(url)
    try:
        seed(a, Org(a), reps=("rep1",), follow_ups_each=1)
        backup._scheduled_round_postgres(a, str(tmp_path / "a"), 3600, 14)
        backup._scheduled_round_postgres(b, str(tmp_path / "b"), 3600, 14)  # made by A this hour
        assert len(list((tmp_path / "a").glob("*/manifest.json"))) == 1 and not (tmp_path / "b").exists()
        # while one replica holds the claim, another does not make the round even when it is due
        cur = b.cursor()
        cur.execute("BEGIN TRANSACTION")
        cur.execute("SELECT * FROM postgres_query('db', $q)",
                    {"q": f"SELECT pg_advisory_xact_lock({backup_pg.SCHEDULE_LOCK})"}).fetchall()
        assert backup_pg.claim_schedule(a, 0, time.time() + 7200) is None
        cur.execute("ROLLBACK")
        previous = backup_pg.claim_schedule(a, 0, time.time() + 7200)
        assert previous is not None and backup_pg.claim_schedule(b, 3600, time.time() + 7200) is None
        backup_pg.release(a, previous)  # a failed backup gives its round back
        assert backup_pg.claim_schedule(b, 3600, time.time() + 7200) == previous
        # the app's schedule runs on PostgreSQL too: the process's store makes the round it claims
        backup_pg.release(a, 0)
        folder = tmp_path / "scheduled"
        monkeypatch.setenv("FOLLOWUP_BACKUP_DIR", str(folder))
        monkeypatch.setattr("pipelines.store.open_store", lambda location: a)
        try:
            assert backup.start_schedule(url) is not None
            deadline = time.time() + 30
            while not list(folder.glob("*/manifest.json")) and time.time() < deadline:
                time.sleep(0.05)
        finally:
            backup.stop_schedule(url)
        assert backup.verify(next(folder.glob("*/manifest.json")).parent, None)["backend"] == "postgres"
    finally:
        b.close()
        a.close()


def test_backup_of_one_backend_restores_into_the_other(pg_server, tmp_path, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    path = str(tmp_path / "file.duckdb")
    d = Store(path)
    org = Org(d)
    seed(d, org, reps=("rep1",), follow_ups_each=2)
    expected = {t: f for t, f in _snapshot(d).items() if t not in ("schema_version", "audit_log")}
    from_file = backup.backup(d, org["admin"], tmp_path / "from-file").path
    _url, p = _pg_store(pg_server)
    try:
        backup.restore(p, SYSTEM, from_file)
        got = _snapshot(p)
        assert all(got[t].equals(f) for t, f in expected.items())
        from_pg = backup.backup(p, SYSTEM, tmp_path / "from-pg").path
    finally:
        p.close()
    d.close()
    other = str(tmp_path / "other.duckdb")
    backup.restore(Store(other), SYSTEM, from_pg)  # and PostgreSQL's backup into a DuckDB file
    live = open_store(other)
    try:
        got = _snapshot(live)
        assert all(got[t].equals(f) for t, f in expected.items())
        fid = follow_ups.add(live, org["rep1"], FollowUpIn(customer_id=int(expected["customers"]["id"][0]),
                                                           rep_id=org["rep1"].id, occurred_at=datetime.now(local_tz()),
                                                           channel="phone", summary="跨库之后"))
        assert fid == expected["follow_ups"]["id"].max() + 1  # the sequence came along
    finally:
        forget(other)


def test_an_older_backup_restores_into_postgresql(pg_server, tmp_path, monkeypatch):
    """A backup of an older schema is brought to the current one (the migrations' backfills) first."""
    from pipelines import migrations

    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    old = Store(str(tmp_path / "old.duckdb"), migrate=False)
    migrations.apply(old, upto=4)
    org = Org(old)
    folder = backup.backup(old, SYSTEM, tmp_path / "bk").path
    old.close()
    assert backup.verify(Path(folder), None)["schema_version"] == 4 < migrations.latest()
    _url, p = _pg_store(pg_server)
    try:
        counts = backup.restore(p, SYSTEM, folder).tables
        assert counts["users"] == len(org.actors) and set(counts) == set(_tables(p)) - {"schema_version"}
        assert p.scalar("SELECT count(*) FROM users") == len(org.actors)
    finally:
        p.close()
