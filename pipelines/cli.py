"""`followup`: the command line. Each subcommand lives in pipelines/commands/<name>.py.

Every subcommand takes `--db` (default FOLLOWUP_DB) and, where it reports, `--json` (one JSON
document on stdout, nothing else). Exit 0 on success, 1 on a failure explained on stderr,
2 on a usage error. Commands act as the account `system` in the audit log.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import logging
import os
import sys
from typing import Any

from pipelines import logs
from pipelines.access import NotPermitted
from pipelines.store import StoreError

# Subcommand modules of ../shared/INTERFACES.md, in the order `followup --help` lists them.
# A module not built yet is left out; tests/test_cli.py fails until all are there.
COMMANDS = ["demo", "ingest", "report", "risks", "users", "backup", "restore", "encrypt", "migrate",
            "bench", "serve"]

log = logging.getLogger("pipelines.cli")


class CommandError(Exception):
    """A failure the command explains on stderr (exit 1)."""


def emit(args: argparse.Namespace, payload: Any, text: str | None = None) -> None:
    """Print the JSON document with --json, else the human-readable text."""
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    elif text is not None:
        print(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="followup", description="销售跟进记录系统 / sales follow-up records")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in commands_built():
        importlib.import_module(f"pipelines.commands.{name}").register(sub)
    return parser


def commands_built() -> list[str]:
    return [n for n in COMMANDS if importlib.util.find_spec(f"pipelines.commands.{n}") is not None]


def common(parser: argparse.ArgumentParser, json_flag: bool = True) -> None:
    parser.add_argument("--db", help="database path or URL (default: FOLLOWUP_DB or data/followup.duckdb)")
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on a usage error
    db = getattr(args, "db", None) if args.command != "bench" else None
    before = os.environ.get("FOLLOWUP_DB")
    if db:  # the command's database is the process's: its logs, rejects and backups go beside it
        os.environ["FOLLOWUP_DB"] = db
    try:
        return _run(args)
    finally:  # (main runs in-process in tests: leave the environment as it was)
        if db and before is None:
            del os.environ["FOLLOWUP_DB"]
        elif db:
            os.environ["FOLLOWUP_DB"] = before


def _run(args: argparse.Namespace) -> int:
    logs.setup()
    try:
        return int(args.func(args) or 0)
    except StoreError as exc:
        print(f"错误 / error: {exc.zh}\n{exc.en}", file=sys.stderr)
    except NotPermitted as exc:
        print(f"错误 / error: {exc.zh} / {exc.en}", file=sys.stderr)
    except CommandError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - a short message with an id; the traceback goes to the log
        error_id = logs.log_unexpected(log, exc, f"command {args.command}")
        print(f"意外错误 / unexpected error ({type(exc).__name__}); 错误编号 / error id {error_id},"
              f" 详见 / see {logs.log_file()}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    # `python -m pipelines.cli`: run the module the subcommands import, so its classes are theirs.
    from pipelines.cli import main as _main

    sys.exit(_main())
