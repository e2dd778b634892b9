"""`followup serve`: run the Streamlit dashboard."""

from __future__ import annotations

import os
import sys

from pipelines import config
from pipelines.cli import common


def register(sub) -> None:
    p = sub.add_parser("serve", help="启动仪表盘 / serve the dashboard")
    common(p, json_flag=False)
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.db:
        os.environ["FOLLOWUP_DB"] = args.db
    app = config.PROJECT_ROOT / "dashboard" / "app.py"
    argv = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port)]
    os.execv(sys.executable, argv)  # replaces this process; streamlit reads .streamlit/config.toml
    return 0
