"""The `followup` command line: demo, users, exit codes and --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pipelines.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                          timeout=120)


def test_demo_json_then_refuses_a_second_fill(tmp_path):
    db = str(tmp_path / "x.duckdb")
    out = run("demo", "--db", db, "--follow-ups", "500", "--as-of", "2026-10-31", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["customers"] == 50 and report["follow_ups"] == 500 and report["users"] == 12
    again = run("demo", "--db", db, "--json")
    assert again.returncode == 1
    assert again.stdout == ""
    assert "演示数据只写入空数据库" in again.stderr


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--follow-ups", "many"])
    assert exc.value.code == 2


def test_users_add_list_passwd_disable(tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "u.duckdb")
    monkeypatch.setenv("PW", "a-long-password-1")
    assert main(["users", "add", "zhang", "--name", "张三", "--role", "rep", "--team", "华东",
                 "--password-env", "PW", "--db", db]) == 0
    assert main(["users", "list", "--db", db, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    row = next(u for u in listed["users"] if u["username"] == "zhang")
    assert row["team"] == "华东" and row["can_login"] is True and "password_hash" not in row
    monkeypatch.setenv("PW", "short")
    assert main(["users", "passwd", "zhang", "--password-env", "PW", "--db", db]) == 1
    assert "至少10位" in capsys.readouterr().err
    assert main(["users", "disable", "zhang", "--db", db]) == 0
    from pipelines import accounts
    from pipelines.store import forget, open_store

    assert accounts.authenticate(open_store(db), "zhang", "a-long-password-1").reason == "disabled"
    forget(db)


def test_unknown_account_is_a_clear_failure(tmp_path, capsys):
    assert main(["users", "disable", "nobody", "--db", str(tmp_path / "n.duckdb")]) == 1
    assert "nobody" in capsys.readouterr().err


def test_logs_and_rejects_go_beside_the_commands_database(tmp_path, monkeypatch):
    """They went to ./data whichever database a command or `make run DB=…` used, so two databases
    shared their backups, rejects and logs."""
    from pipelines import config

    monkeypatch.delenv("FOLLOWUP_DATA_DIR", raising=False)
    monkeypatch.delenv("FOLLOWUP_DB", raising=False)
    assert config.data_dir() == config.Path("data")  # the default database's folder
    monkeypatch.setenv("FOLLOWUP_DB", str(tmp_path / "a" / "x.duckdb"))
    assert config.data_dir() == tmp_path / "a"
    monkeypatch.setenv("FOLLOWUP_DB", "postgresql://u@h/db")
    assert config.data_dir() == config.Path("data")
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "elsewhere"))
    assert config.data_dir() == tmp_path / "elsewhere"

    monkeypatch.delenv("FOLLOWUP_DATA_DIR")
    monkeypatch.delenv("FOLLOWUP_DB")
    db = tmp_path / "b" / "y.duckdb"
    sheet = tmp_path / "f.csv"
    sheet.write_text("客户名称,跟进日期,跟进方式,跟进人,跟进内容\n甲公司,2026-03-05,电话,rep1,聊了\n乙公司,不是日期,电话,rep1,聊了\n",
                     encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "ingest", str(sheet), "--db", str(db), "--json"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env={k: v for k, v in os.environ.items() if k not in ("FOLLOWUP_DATA_DIR", "FOLLOWUP_DB")})
    assert out.returncode == 0, out.stderr
    rejects = json.loads(out.stdout)["files"][0]["rejects_path"]
    assert rejects.startswith(str(tmp_path / "b" / "rejects")), rejects
    assert (tmp_path / "b" / "logs").is_dir() and not (tmp_path / "data").exists()


def test_a_piped_password_says_how_to_pass_one(tmp_path):
    """`echo pw | followup users add …` ended in 意外错误 (EOFError): the prompt asks twice."""
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "users", "add", "boss", "--name", "管理员",
                          "--role", "admin", "--db", str(tmp_path / "f.duckdb")], input="Ein-gutes-Passwort-1\n",
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "--password-env" in out.stderr and "意外错误" not in out.stderr, out.stderr
