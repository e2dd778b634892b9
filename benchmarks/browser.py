"""Browser timing: from opening /funnel to its chart drawn, in headless Debian chromium."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def _serve(db: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "FOLLOWUP_DB": db}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def funnel_ms(db: str, runs: int) -> float:
    """Median ms from navigating to /funnel until its first Plotly chart is drawn."""
    from playwright.sync_api import sync_playwright

    proc, url = _serve(db)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(120_000)
            page.goto(url)
            page.get_by_label("用户名").fill("admin")
            page.get_by_label("密码").fill("followup-demo")
            page.wait_for_timeout(2000)  # the cookie component's rerun (see tests/browser/conftest.py)
            page.get_by_role("button", name="登录").click()
            page.wait_for_selector('[data-testid="stSidebar"] >> text=退出登录')
            times = []
            for n in range(runs + 1):
                page.goto(f"{url}/home")
                page.wait_for_selector('[data-testid="stSidebar"] >> text=退出登录')
                started = time.perf_counter()
                page.goto(f"{url}/funnel")
                page.wait_for_selector(".js-plotly-plot .main-svg", state="visible")
                if n:  # the first visit is the warm-up
                    times.append((time.perf_counter() - started) * 1000)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return round(statistics.median(times), 1)
