"""Fixtures for the reliability tests: fresh migrated SQLite files driven by the real CLI.

Everything here runs the app as a deployment does, in subprocesses (``flask db upgrade``,
``flask banks import``, gunicorn) configured through ``QUIZAPP_*`` environment variables, so
the tests see the same engine set-up, PRAGMAs and transactions as production.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from tests.conftest import ROOT, on_postgresql

CLI_TIMEOUT = 300.0
"""Seconds any one ``flask`` command may take before the test fails (a hung CLI)."""


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    # These tests are about SQLite's locking and crash recovery on a file of their own; the
    # PostgreSQL job would only run the same SQLite checks a second time.
    if on_postgresql():
        pytest.skip("SQLite-specific: runs in the SQLite job")


@dataclass
class SqliteDb:
    """A SQLite database file and the environment that points the app at it."""

    path: Path
    secret_key: str

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")},
            "QUIZAPP_DATABASE_URL": self.url,
            "QUIZAPP_SECRET_KEY": self.secret_key,
            "QUIZAPP_RATELIMIT_ENABLED": "false",
            "QUIZAPP_FSRS_FUZZ": "false",
            "FLASK_DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }

    def flask(self, *args: str, timeout: float = CLI_TIMEOUT) -> str:
        """Run ``flask --app quizapp ARGS`` to completion; its stdout, or the test fails."""
        try:
            done = subprocess.run(
                flask_command(*args),
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"flask {' '.join(args)} did not finish in {timeout:.0f} s:\n{exc.stderr}")
        if done.returncode != 0:
            pytest.fail(
                f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def popen_flask(self, *args: str, stdout: IO[Any], stderr: IO[Any]) -> subprocess.Popen[Any]:
        return subprocess.Popen(
            flask_command(*args), cwd=ROOT, env=self.env, stdout=stdout, stderr=stderr
        )

    def connect(self, timeout: float = 5.0) -> sqlite3.Connection:
        """A plain sqlite3 connection (autocommit) for reading what the app wrote."""
        return sqlite3.connect(self.path, timeout=timeout, isolation_level=None)


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "quizapp", *args]


@pytest.fixture
def make_db(tmp_path: Path) -> Callable[[str], SqliteDb]:
    """``make_db(name)``: a new SQLite file migrated to head (``flask db upgrade`` runs once
    per test; later files are copies of the first, closed cleanly so there is no -wal)."""
    secret_key = secrets.token_hex(32)
    template: list[Path] = []

    def make(name: str) -> SqliteDb:
        db = SqliteDb(tmp_path / f"{name}.sqlite", secret_key)
        if not template:
            db.flask("db", "upgrade")
            template.append(tmp_path / "migrated-template.sqlite")
            shutil.copy(db.path, template[0])
        else:
            shutil.copy(template[0], db.path)
        return db

    return make
