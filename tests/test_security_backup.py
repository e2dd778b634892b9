"""Backup and restore: consistent while writing, verified before replacing, identical after."""

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

from pipelines import backup, checks, cli, customers, follow_ups, pipl
from pipelines.access import SYSTEM
from pipelines.config import local_tz
from pipelines.models import FollowUpIn
from pipelines.store import Store, StoreError, forget, open_store
from tests.conftest import Org
from tests.helpers_security import PEOPLE, seed

KEY = "backup key for tests 2026"


def _snapshot(store: Store) -> dict[str, pl.DataFrame]:
    cur = store.cursor()
    return {t: store.query(f"SELECT * FROM {t} ORDER BY ALL") for t in backup.table_names(cur)}


@pytest.fixture
def world(tmp_path):
    path = tmp_path / "live.duckdb"
    s = Store(str(path))
    org = Org(s)
    people = seed(s, org)
    yield s, org, people
    forget(str(path))
    s.close()


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
    restored = backup.restore(s, org["admin"], tmp_path / "bk")  # the folder of backups: newest is used
    assert restored.path == result.path
    live = open_store(s.location)
    after = _snapshot(live)
    for table, frame in before.items():
        if table == "audit_log":  # the restore itself adds its entry
            frame_after = after[table].filter(pl.col("id") <= frame["id"].max())
            assert frame_after.equals(frame)
            assert after[table].filter(pl.col("action") == "restore_backup").height == 1
        else:
            assert after[table].equals(frame), table
    assert checks.failed(live) == {}
    assert Path(f"{s.location}.before-restore").exists()
    assert after["audit_log"].filter(pl.col("action") == "backup").height == 0  # written after the export
    # new rows continue after the restored ids
    fid = follow_ups.add(live, org["rep1"], FollowUpIn(customer_id=people["rep1"].customer_id, rep_id=org["rep1"].id,
                                                       occurred_at=datetime.now(local_tz()), channel="phone",
                                                       summary="恢复之后"))
    assert fid == 10


def test_damaged_backup_is_refused_before_anything_changes(world, tmp_path):
    s, org, _ = world
    result = backup.backup(s, org["admin"], tmp_path / "bk")
    folder = Path(result.path)
    live = Path(s.location)
    s.checkpoint()
    digest = hashlib.sha256(live.read_bytes()).hexdigest()
    with (folder / "follow_ups.parquet").open("r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(backup.BackupError) as err:
        backup.restore(s, org["admin"], folder)
    assert "follow_ups.parquet" in err.value.en
    assert s.scalar("SELECT count(*) FROM follow_ups") == 9  # the store is still open and unchanged
    s.checkpoint()
    assert hashlib.sha256(live.read_bytes()).hexdigest() == digest
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


def test_encrypted_backup_holds_no_plain_names_and_needs_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_DB_KEY", KEY)
    path = tmp_path / "enc.duckdb"
    s = Store(str(path), key=KEY)
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
    other = tmp_path / "other.duckdb"
    with pytest.raises(backup.BackupError, match="key differs"):
        backup.build(folder, backup.verify(folder, "some other key"), other, "some other key")
    assert not other.exists()
    monkeypatch.setenv("FOLLOWUP_DB_KEY", KEY)
    backup.restore(s, org["admin"], folder)
    live = open_store(str(path))
    assert live.encrypted and live.scalar("SELECT count(*) FROM customers") == 2
    forget(str(path))


def test_restore_applies_later_erasures_again(world, tmp_path):
    s, org, people = world
    result = backup.backup(s, org["admin"], tmp_path / "bk")
    pipl.erase(s, org["admin"], "customer", people["rep2"].customer_id)
    later = Path(backup.backup(s, org["admin"], tmp_path / "later").path)
    held = " ".join(str(pl.read_parquet(f).rows()) for f in later.glob("*.parquet"))
    assert "机密乙" not in held and "李秘乙" not in held and "13987654321" not in held  # later backups: gone
    backup.restore(s, org["admin"], result.path)
    live = open_store(s.location)
    assert live.scalar("SELECT name FROM customers WHERE id = $i", {"i": people["rep2"].customer_id}) \
        == pipl.placeholder("customer", people["rep2"].customer_id)
    assert live.scalar("SELECT count(*) FROM follow_ups WHERE customer_id = $i",
                       {"i": people["rep2"].customer_id}) == 3  # the statistics stay


def test_cli_backup_and_restore(tmp_path, capsys):
    path = tmp_path / "cli.duckdb"
    s = Store(str(path))
    seed(s, Org(s), reps=("rep1",), follow_ups_each=1)
    s.close()
    assert cli.main(["backup", str(tmp_path / "bk"), "--db", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"path", "tables"} and out["tables"]["customers"] == 1
    forget(str(path))
    assert cli.main(["restore", str(tmp_path / "bk"), "--db", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == out["path"]
    forget(str(path))


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
        assert "Admin page" in err and "Traceback" not in err
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
