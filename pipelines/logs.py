"""One rotating log file in the data folder (logs/followup.log), and error ids that tie a
user's message to the log."""

from __future__ import annotations

import logging
import logging.handlers
import uuid
from pathlib import Path

from pipelines import config

_configured = False


def log_file() -> Path:
    return config.data_dir() / "logs" / "followup.log"


def setup() -> None:
    """Send the `pipelines` and `dashboard` loggers to log_file() (rotating)."""
    global _configured  # noqa: PLW0603 - once per process, whichever entry point comes first
    if _configured:
        return
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000,
                                                   backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in ("pipelines", "dashboard"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    _configured = True


def log_unexpected(logger: logging.Logger, exc: BaseException, context: str = "") -> str:
    """Log an unexpected error with its traceback under a short id, and return the id."""
    setup()
    error_id = uuid.uuid4().hex[:8]
    logger.error("error_id=%s %s", error_id, context, exc_info=exc)
    return error_id
