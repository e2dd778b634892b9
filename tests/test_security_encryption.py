"""Encryption at rest: DuckDB's own AES-GCM with FOLLOWUP_DB_KEY, offline, and `followup encrypt`."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from pipelines import cli
from pipelines.encryption import encrypt_file, is_encrypted
from pipelines.models import CustomerIn
from pipelines.store import Store, StoreError
from tests.conftest import Org
from tests.helpers_security import PEOPLE, seed

KEY = "correct horse battery staple 2026"
NAMES = [p[0] for p in PEOPLE.values()] + [p[1] for p in PEOPLE.values()]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _holds_plain(path: Path) -> list[str]:
    data = path.read_bytes()
    return [n for n in NAMES if n.encode() in data]


@pytest.fixture(scope="module")
def seeded_plain(tmp_path_factory) -> Path:
    """A plain database with the security world, built once for this module."""
    path = tmp_path_factory.mktemp("enc") / "seeded.duckdb"
    s = Store(str(path))
    seed(s, Org(s))
    s.checkpoint()
    s.close()
    return path


@pytest.fixture
def plain(seeded_plain, tmp_path) -> Path:
    path = tmp_path / "plain.duckdb"
    shutil.copy(seeded_plain, path)
    return path


@pytest.fixture
def encrypted(seeded_plain, tmp_path) -> Path:
    path = tmp_path / "enc.duckdb"
    shutil.copy(seeded_plain, path)
    encrypt_file(str(path), KEY)
    return path


def test_encrypted_file_and_wal_hold_no_plain_customer_name(encrypted, plain):
    assert _holds_plain(encrypted) == []
    assert _holds_plain(plain)  # the same data unencrypted shows the names: the check can fail
    s = Store(str(encrypted), key=KEY)
    s.write(lambda cur: cur.execute("UPDATE contacts SET name = '赵明亮' WHERE id = 1"))
    wal = Path(f"{encrypted}.wal")
    assert wal.exists() and b"\xe8\xb5\xb5\xe6\x98\x8e\xe4\xba\xae" not in wal.read_bytes()  # 赵明亮
    s.checkpoint()
    s.close()
    assert "赵明亮".encode() not in encrypted.read_bytes()


def test_reopen_with_key_reads_and_writes(encrypted):
    s = Store(str(encrypted), key=KEY)
    assert s.scalar("SELECT count(*) FROM customers") == 3
    org_admin = s.query("SELECT id FROM users WHERE username = 'admin'").item()
    from pipelines import customers
    from pipelines.access import Actor

    cid = customers.create(s, Actor(org_admin, "admin", "admin"), CustomerIn(name="新客户", owner_id=org_admin))
    assert cid == 4
    s.close()


@pytest.mark.parametrize("key", ["wrong key", None])
def test_wrong_or_missing_key_fails_cleanly_and_touches_nothing(encrypted, key):
    path = encrypted
    before = _digest(path)
    with pytest.raises(StoreError) as err:
        Store(str(path), key=key)
    assert "FOLLOWUP_DB_KEY" in err.value.en if key is None else "wrong encryption key" in err.value.en
    assert "未作任何改动" in err.value.zh
    assert _digest(path) == before
    assert not Path(f"{path}.wal").exists()
    assert Store(str(path), key=KEY).scalar("SELECT count(*) FROM contacts") == 3


def test_followup_encrypt_converts_a_plain_file(plain, monkeypatch, capsys):
    path = plain
    s = Store(str(path))
    counts = {t: s.scalar(f"SELECT count(*) FROM {t}") for t in ("customers", "follow_ups", "audit_log")}
    s.close()
    assert not is_encrypted(str(path))
    monkeypatch.setenv("FOLLOWUP_DB_KEY", KEY)
    assert cli.main(["encrypt", "--db", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["path"] == str(path)
    assert {t: out["tables"][t] for t in counts} == counts
    assert is_encrypted(str(path))
    assert not Path(f"{path}.bak").exists() and not Path(f"{path}.encrypting").exists()
    assert _holds_plain(path) == []
    reopened = Store(str(path), key=KEY)
    assert {t: reopened.scalar(f"SELECT count(*) FROM {t}") for t in counts} == counts
    # sequences came along: the next row does not collide with a copied id
    new_id = reopened.scalar("INSERT INTO customers (name, owner_id) VALUES ('新客户', 1) RETURNING id")
    assert new_id == 4
    reopened.close()


def test_followup_encrypt_refuses_without_key_or_twice(plain, monkeypatch, capsys):
    path = plain
    monkeypatch.delenv("FOLLOWUP_DB_KEY", raising=False)
    assert cli.main(["encrypt", "--db", str(path)]) == 1
    assert "FOLLOWUP_DB_KEY" in capsys.readouterr().err
    monkeypatch.setenv("FOLLOWUP_DB_KEY", KEY)
    assert cli.main(["encrypt", "--db", str(path)]) == 0
    before = _digest(path)
    assert cli.main(["encrypt", "--db", str(path)]) == 1
    assert "already encrypted" in capsys.readouterr().err
    assert _digest(path) == before
