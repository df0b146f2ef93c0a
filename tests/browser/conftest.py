"""Browser fixtures: the real app as a subprocess server, driven by Debian's Chromium.

Never ``playwright install``: the browser is the system's ``/usr/bin/chromium``. Without it the
browser tests are skipped, unless the ``CI`` environment variable is set, where they fail.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, in_ci

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


@dataclass
class LiveServer:
    url: str
    """``http://127.0.0.1:PORT``, no trailing slash."""
    log: Path
    database_url: str
    secret_key: str

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass
class PageLog:
    """What a page did: every request URL, and console errors (CSP violations land here)."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _flask(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "quizapp", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a free loopback port, on a fresh migrated SQLite file with the banks imported."""
    tmp = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{tmp / 'db.sqlite'}"
    secret_key = secrets.token_hex(32)
    env = {
        **os.environ,
        "QUIZAPP_DATABASE_URL": database_url,
        "QUIZAPP_SECRET_KEY": secret_key,
        "QUIZAPP_RATELIMIT_ENABLED": "false",
        "QUIZAPP_FSRS_FUZZ": "false",
        "FLASK_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    _flask(env, "db", "upgrade")
    _flask(env, "banks", "import", "question_bank/")

    port = _free_port()
    log_path = tmp / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "quizapp",
                "run",
                "--port",
                str(port),
                "--host",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not _port_answers(port):
                if server.poll() is not None:
                    pytest.fail(f"the server exited ({server.returncode}):\n{log_path.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the server did not answer on port {port}:\n{log_path.read_text()}"
                    )
                time.sleep(0.1)
            yield LiveServer(
                url=f"http://127.0.0.1:{port}",
                log=log_path,
                database_url=database_url,
                secret_key=secret_key,
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


def open_page(browser, server: LiveServer, log: PageLog):  # type: ignore[no-untyped-def]
    """A new browser context (no cookies) and page on ``server``, 1000px wide, recording every
    request URL and every console error or uncaught exception in ``log``."""
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1000, "height": 900},
        locale="en-GB",
        timezone_id="UTC",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("request", lambda request: log.requests.append(request.url))
    page.on(
        "console",
        lambda message: log.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: log.errors.append(f"uncaught: {error}"))
    return context, page


@pytest.fixture
def page(browser, live_server: LiveServer, page_log: PageLog):  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) on the live server, 1000px wide; it records every
    request URL and every console error or uncaught exception in ``page_log``."""
    context, page = open_page(browser, live_server, page_log)
    try:
        yield page
    finally:
        context.close()
