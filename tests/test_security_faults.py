"""Faults: a failed write leaves nothing; kill -9 mid-write or mid-import leaves a sound database that
takes the work again; a read-only file and a full disk give a clear message."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from pipelines import checks, customers, follow_ups, rows
from pipelines.config import local_tz
from pipelines.ingest.load import load_file
from pipelines.models import CustomerIn, FollowUpIn
from pipelines.store import Store, StoreError
from tests.conftest import Org

ROOT = Path(__file__).resolve().parent.parent
N_IMPORT = 30_000


def _child(code: str, env_db: str, **extra_env) -> subprocess.Popen:
    env = {**os.environ, "FOLLOWUP_TEST_DB": env_db, **extra_env}
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env)


@pytest.fixture
def duck(tmp_path):
    """A DuckDB file with the test organisation: these tests are about the embedded file itself."""
    s = Store(str(tmp_path / "faults.duckdb"))
    org = Org(s)
    yield s, org
    s.close()


def _sound(path: str) -> Store:
    """Reopen after a crash: the database opens and every data check finds nothing."""
    s = Store(path)
    assert checks.failed(s) == {}
    return s


def test_a_failed_write_leaves_nothing(store, org):
    before = {t: store.scalar(f"SELECT count(*) FROM {t}") for t in ("customers", "stage_changes", "audit_log")}

    def work(cur):
        rows.insert(cur, org["admin"], "customers", {"name": "半途而废", "owner_id": org["rep1"].id})
        raise RuntimeError("the disk went away")

    with pytest.raises(RuntimeError):
        store.write(work)
    cid = customers.create(store, org["admin"], CustomerIn(name="正常客户", owner_id=org["rep1"].id))

    def broken_hook(cur, ids, created=()):
        raise RuntimeError("risk engine failed")

    follow_ups.after_write_hooks.append(broken_hook)
    try:
        with pytest.raises(RuntimeError):
            follow_ups.add(store, org["rep1"], FollowUpIn(customer_id=cid, rep_id=org["rep1"].id, channel="phone",
                                                          occurred_at=datetime.now(local_tz()) - timedelta(hours=1),
                                                          summary="不会保存", stage_after="needs_confirmed"))
    finally:
        follow_ups.after_write_hooks.remove(broken_hook)
    assert store.scalar("SELECT count(*) FROM customers") == before["customers"] + 1
    assert store.scalar("SELECT count(*) FROM follow_ups") == 0
    assert store.scalar("SELECT stage FROM customers WHERE id = $i", {"i": cid}) == "initial_contact"
    assert store.scalar("SELECT count(*) FROM stage_changes") == before["stage_changes"] + 1
    assert store.scalar("SELECT count(*) FROM audit_log") == before["audit_log"] + 1  # only the good create


BURST = """
import os, sys
from datetime import date, datetime, timedelta
from pipelines import customers, follow_ups
from pipelines.access import Actor
from pipelines.config import local_tz
from pipelines.models import CustomerIn, FollowUpIn
from pipelines.store import Store
s = Store(os.environ["FOLLOWUP_TEST_DB"])
rep = Actor(*s.query("SELECT id, username, role, team_id FROM users WHERE username = 'rep1'").row(0))
cid = s.scalar("SELECT id FROM customers LIMIT 1")
i = 0
while True:
    follow_ups.add(s, rep, FollowUpIn(customer_id=cid, rep_id=rep.id, channel="phone", summary=f"burst {i}",
                                      occurred_at=datetime.now(local_tz()) - timedelta(minutes=1),
                                      stage_after="needs_confirmed" if i == 5 else None))
    i += 1
    print(i, flush=True)
"""


def test_kill_9_during_a_burst_of_writes(duck):
    store, org = duck
    customers.create(store, org["admin"], CustomerIn(name="压测客户", owner_id=org["rep1"].id))
    path = store.location
    store.close()
    child = _child(BURST, path)
    committed = 0
    try:
        while committed < 15:
            line = child.stdout.readline()
            assert line, child.stderr.read()
            committed = int(line)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    s = _sound(path)
    saved = s.scalar("SELECT count(*) FROM follow_ups")
    assert saved >= committed  # every acknowledged save survived
    # each save is whole: its row and its audit entry, or neither
    assert s.scalar("SELECT count(*) FROM audit_log WHERE action = 'create' AND table_name = 'follow_ups'") == saved
    assert s.scalar("SELECT stage FROM customers") == "needs_confirmed"
    # and the work can go on
    follow_ups.add(s, org["rep1"], FollowUpIn(customer_id=1, rep_id=org["rep1"].id, channel="visit", summary="继续",
                                              occurred_at=datetime.now(local_tz())))
    assert s.scalar("SELECT count(*) FROM follow_ups") == saved + 1
    s.close()


IMPORT = """
import os, sys, time
from pipelines import follow_ups
from pipelines.access import Actor
from pipelines.ingest.load import load_file
from pipelines.store import Store
s = Store(os.environ["FOLLOWUP_TEST_DB"])
admin = Actor(*s.query("SELECT id, username, role, team_id FROM users WHERE username = 'admin'").row(0))
def inserted(cur, customer_ids, created=()):  # the rows are in, the transaction still open: wait to be killed
    print("inserted", flush=True)
    time.sleep(60)
follow_ups.after_write_hooks.insert(0, inserted)
load_file(s, admin, os.environ["FOLLOWUP_TEST_FILE"])
"""


def _import_file(folder: Path, n: int) -> Path:
    lines = ["客户名称,跟进日期,跟进方式,跟进人,跟进内容,时长(分钟)"]
    start = date(2026, 1, 1)
    lines += [f"客户{i % 500:03d},{start + timedelta(days=i // 1000)} {i % 1000 // 60:02d}:{i % 60:02d},电话,"
              f"rep{1 + i % 3},第{i}次电话沟通,{i % 90}" for i in range(n)]  # every row distinct
    path = folder / "历史跟进.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_kill_9_during_an_import_then_import_again(duck, tmp_path):
    store, org = duck
    path = store.location
    store.close()
    file = _import_file(tmp_path, N_IMPORT)
    child = _child(IMPORT, path, FOLLOWUP_TEST_FILE=str(file))
    try:
        while (line := child.stdout.readline().strip()) != "inserted":
            assert line, child.stderr.read()
        assert child.poll() is None, "the import finished before it could be killed"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    s = _sound(path)
    assert s.scalar("SELECT count(*) FROM follow_ups") == 0
    assert s.scalar("SELECT count(*) FROM import_runs WHERE status = 'done'") == 0
    first = load_file(s, org["admin"], file)
    assert first.error is None and first.rows_loaded == N_IMPORT
    again = load_file(s, org["admin"], file)
    assert again.rows_loaded == 0 and again.rows_duplicate == N_IMPORT
    assert checks.failed(s) == {}
    s.close()


@contextmanager
def tmpfs(folder: Path, size: str):
    """A small RAM file system at `folder` (needs root, as `make test` runs here)."""
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"these fault tests mount a small tmpfs and need root: {done.stderr}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_read_only_file_gives_a_clear_message(duck, tmp_path):
    """A read-only volume (root ignores chmod 444, so the file system itself is made read-only)."""
    store, org = duck
    customers.create(store, org["admin"], CustomerIn(name="只读客户", owner_id=org["rep1"].id))
    store.checkpoint()
    with tmpfs(tmp_path / "ro", "16m") as folder:
        shutil.copy(store.location, folder / "copy.duckdb")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        with pytest.raises(StoreError) as err:
            Store(str(folder / "copy.duckdb"))
        assert "read-only" in err.value.en and "只读" in err.value.zh
        reader = Store(str(folder / "copy.duckdb"), read_only=True)  # reading still works
        assert reader.scalar("SELECT count(*) FROM customers") == 1
        with pytest.raises(StoreError, match="open read-only"):
            reader.write(lambda cur: cur.execute("DELETE FROM customers"))
        reader.close()


def test_full_disk_gives_a_clear_message_and_keeps_what_was_saved(tmp_path):
    with tmpfs(tmp_path / "tiny", "3m") as mount:
        s = Store(str(mount / "full.duckdb"))
        org = Org(s)
        big = "很长的跟进摘要" * 500
        saved = 0
        with pytest.raises(StoreError) as err:
            for i in range(10_000):
                s.write(lambda cur, i=i: cur.execute("INSERT INTO settings (key, value) VALUES ($k, $v)",
                                                     {"k": f"k{i}", "v": big}))
                saved += 1
        assert "No space left on the disk" in err.value.en and "磁盘空间不足" in err.value.zh
        assert s.scalar("SELECT count(*) FROM settings") == saved  # nothing half-written
        s.close()
        shutil.copy(mount / "full.duckdb", tmp_path / "moved.duckdb")
        wal = mount / "full.duckdb.wal"
        if wal.exists():
            shutil.copy(wal, tmp_path / "moved.duckdb.wal")
        again = Store(str(tmp_path / "moved.duckdb"))  # moved to a disk with room: all there, sound
        assert again.scalar("SELECT count(*) FROM settings") == saved and checks.failed(again) == {}
        assert again.scalar("SELECT count(*) FROM users") == len(org.actors)
        again.close()
