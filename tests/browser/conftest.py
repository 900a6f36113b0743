"""Fixtures for browser tests: a real vftops server and a real headless Chromium.

The server runs `flask run` in a subprocess against a fresh SQLite database
filled with the demo data, exactly as `make run` would on a new installation.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 30.0
PAGE_TIMEOUT_MS = 10_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of a running vftops server with the demo data loaded."""
    bindir = Path(sys.executable).parent
    flask = str(bindir / "flask")
    pybabel = str(bindir / "pybabel")
    instance = tmp_path_factory.mktemp("vftops-instance")
    log_path = instance / "server.log"

    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        VFTOPS_CONFIG="development",
        VFTOPS_INSTANCE_DIR=str(instance),
        SECRET_KEY="browser-test-secret-key-not-for-production",
        FLASK_DEBUG="0",  # no reloader: one process we can terminate
    )

    def run(*args: str) -> None:
        result = subprocess.run(
            list(args), cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            pytest.fail(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )

    run(pybabel, "compile", "-d", "vftops/translations")
    run(flask, "--app", "vftops", "vftops", "init")
    run(flask, "--app", "vftops", "vftops", "demo")

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [flask, "--app", "vftops", "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not _healthy(f"{base_url}/healthz"):
                if server.poll() is not None:
                    pytest.fail(f"vftops server exited ({server.returncode}):\n{_tail(log_path)}")
                if time.monotonic() > deadline:
                    pytest.fail(f"vftops server did not answer /healthz:\n{_tail(log_path)}")
                time.sleep(0.1)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if os.environ.get("VFTOPS_REQUIRE_ALL") == "1":
            pytest.fail(f"{message} and VFTOPS_REQUIRE_ALL=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (own cookies); pass context options."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh desktop-sized browser context."""
    return new_page()
