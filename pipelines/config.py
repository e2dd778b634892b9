"""Settings read from the environment: where the data lives, its key, the local time zone."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "data/followup.duckdb"


def db_location(explicit: str | None = None) -> str:
    """`--db` if given, else FOLLOWUP_DB, else the embedded default file."""
    return explicit or os.environ.get("FOLLOWUP_DB") or DEFAULT_DB


def db_key() -> str | None:
    return os.environ.get("FOLLOWUP_DB_KEY") or None


def tz_name() -> str:
    return os.environ.get("FOLLOWUP_TZ", "Asia/Shanghai")


def local_tz() -> ZoneInfo:
    return ZoneInfo(tz_name())


def backup_dir() -> Path | None:
    """FOLLOWUP_BACKUP_DIR: where the server backs up on a schedule (pipelines.backup), or None."""
    folder = os.environ.get("FOLLOWUP_BACKUP_DIR")
    return Path(folder) if folder else None


def data_dir() -> Path:
    """Folder for logs, rejects files, uploads and backups: FOLLOWUP_DATA_DIR, else the folder of
    the embedded database file (data/ for the default one), so that two databases never share
    their backups and rejects; data/ for a PostgreSQL database."""
    explicit = os.environ.get("FOLLOWUP_DATA_DIR")
    if explicit:
        return Path(explicit)
    location = db_location()
    return Path("data") if "://" in location else Path(location).parent
