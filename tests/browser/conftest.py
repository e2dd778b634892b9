"""Browser tests: a real `streamlit run` on a fresh demo database, driven by Playwright in
Debian's chromium (installed by `make test`). Screenshots go to test-artifacts/screenshots/.

All browser tests share one server, so they run in one xdist group.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "followup-demo"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the group into the test's id
def pytest_collection_modifyitems(items):
    """Browser tests run in one xdist group: one worker, one demo database, one server and one
    chromium for all of them, while the other workers run the rest of the suite. (The `page`
    fixture checks that the group holds: pytest 9.2 dropped it silently.)"""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(server_url, browser):
    """The server, warmed up: its first script run imports everything and is slow, and a click
    during that run can be lost, so one throw-away visit goes first."""
    context = browser.new_context()
    warm = context.new_page()
    warm.goto(server_url)
    warm.get_by_label("密码", exact=True).wait_for(timeout=60_000)
    settle(warm, limit_s=60)
    context.close()
    return server_url


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    """Base URL of a dashboard serving a fresh demo database (data as of today)."""
    from pipelines import demo
    from pipelines.config import local_tz
    from pipelines.store import Store

    folder = tmp_path_factory.mktemp("browser")
    db = folder / "demo.duckdb"
    store = Store(str(db))
    demo.generate(store, follow_ups=4000, customers=400, as_of=datetime.now(local_tz()).date(), seed=3)
    store.checkpoint()
    store.close()
    port = _free_port()
    env = {**os.environ, "FOLLOWUP_DB": str(db), "FOLLOWUP_DATA_DIR": str(folder / "data")}
    log = open(folder / "streamlit.log", "w")  # noqa: SIM115 - open for the server's life
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false", "--server.port", str(port),
         "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError(f"streamlit did not start; see {folder / 'streamlit.log'}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) and page, 1440×900, Chinese locale."""
    # under `--dist loadgroup` (xdist sets the option then; a plain `pytest` run has none) xdist
    # writes the group into the test's id
    if getattr(request.config.option, "loadgroup", False):
        assert request.node.nodeid.endswith("@browser"), (
            "the browser tests lost their xdist group (each worker would start its own server):"
            " pytest-dev/pytest-xdist#1386, see pyproject.toml")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


# Streamlit's own signals that the page is done (its e2e tests wait on the same attributes):
# the app's script-run state, the connection, elements marked stale during a run, skeletons of
# elements still loading; plus each custom component (the login cookie's) having rendered, which
# it does only after sending its value to the server, the value that triggers the next rerun.
# Evaluated in the page, so waiting costs no round trips to Python.
_IDLE = """quiet_ms => {
    const app = document.querySelector('[data-testid="stApp"]');
    const busy = !app || app.getAttribute('data-test-script-state') !== 'notRunning'
        || app.getAttribute('data-test-connection-state') !== 'CONNECTED'
        || document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]') !== null
        || [...document.querySelectorAll('iframe[data-testid="stCustomComponentV1"]')].some(f => {
               const root = f.contentDocument && f.contentDocument.getElementById('root');
               return !root || !root.firstElementChild;
           });
    const text = document.body.innerText;
    const now = performance.now();
    const s = window.__settle;
    if (busy || text !== s.text) { s.text = text; s.since = now; return false; }
    return now - s.since >= quiet_ms;
}"""


def settle(page, quiet_s: float = 0.5, limit_s: float = 30) -> None:
    """Wait until Streamlit has finished its runs: idle by its own signals, page text unchanged,
    both for `quiet_s`.

    (The cookie component reruns the script once after it mounts; a click during that rerun
    can be lost, so tests wait for the page to be quiet before acting. `quiet_s` covers the
    moment between a click and the server reporting the run it started.)
    Gives up silently after `limit_s`, as before: the test's next wait reports what is missing.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector('[data-testid="stApp"]', state="attached")
    page.evaluate("() => { window.__settle = {text: null, since: performance.now()}; }")
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(_IDLE, arg=quiet_s * 1000, polling=100, timeout=limit_s * 1000)


def open_page(page, app_url: str, path: str = "") -> None:
    page.goto(f"{app_url}/{path}")
    settle(page)


def assert_logged_out(page) -> None:
    """The login form is shown and stays: no session came back from the cookie.

    Waits for the form first (a page under load may still be blank when `settle` sees no
    change), then for the cookie component's rerun, which would log a live session back in.
    The first wait takes the first button: mid-rerun Streamlit can show the old form beside the
    new one for a moment (a strict wait failed on that once); the count after settling is checked.
    """
    page.get_by_role("button", name="登录").first.wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_role("button", name="登录").count() == 1
    assert page.locator('[data-testid="stSidebar"] >> text=退出登录').count() == 0


def login(page, app_url: str, username: str, password: str = DEMO_PASSWORD, path: str = "") -> None:
    """Log in through the form shown at the page `path` (home by default) and wait for that page.

    A test that starts on another page than home logs in there: the router leads to it after the
    login, so the test does not wait for the home page to draw first.
    """
    open_page(page, app_url, path)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    # 60 s: the first visit to a page runs its queries cold, and the sidebar comes with that run
    page.wait_for_selector('[data-testid="stSidebar"] >> text=退出登录', timeout=60_000)
    settle(page)


def menu(page, title: str) -> None:
    """Open a page from the sidebar menu, as a person would."""
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=title, exact=True).click()
    settle(page)


def open_from_menu(page, title: str, timeout_ms: int = 60_000) -> None:
    """Open a page from the menu: it draws its title (home greets the user instead) and no error."""
    menu(page, title)
    if title != "首页":
        page.locator("h1", has_text=title).wait_for(timeout=timeout_ms)
    assert page.locator('[data-testid="stException"]').count() == 0, title
    assert page.get_by_text("意外错误").count() == 0, title


def tour(page, username: str, titles: list[str]) -> None:
    """Open each page from the menu (`open_from_menu`) and take a screenshot of each."""
    for title in titles:
        open_from_menu(page, title)
        shot(page, f"{username}_{title}")


def shot(page, name: str) -> Path:
    """Save a screenshot of the whole page as test-artifacts/screenshots/<name>.png.

    Streamlit scrolls inside its main section, so the window is made as tall as the content
    for the picture, then put back.
    """
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stSidebarContent"], section.main')].map(e => e.scrollHeight), 0)""")
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 6000)})
        page.wait_for_timeout(400)
    page.screenshot(path=str(path), full_page=True, timeout=90_000)  # fonts load slowly on a busy machine
    if size:
        page.set_viewport_size(size)
    return path


def pytest_terminal_summary(terminalreporter):
    if SHOTS.exists() and any(SHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {SHOTS}")
