"""Fixtures shared by the web and browser tests: an app on a real, migrated SQLite file."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp import create_app
from quizapp.clock import FakeClock

ROOT = Path(__file__).resolve().parent.parent
PERU_BANK = ROOT / "question_bank" / "peru_foreign_relations.yaml"
FIXTURE_BANKS = Path(__file__).resolve().parent / "fixtures" / "banks"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


TEST_DATABASE_URL = os.environ.get("QUIZAPP_TEST_DATABASE_URL", "")
"""When set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test), the app fixtures run on
that server instead of SQLite files: migrated once, emptied before each test."""


def on_postgresql() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """One database migrated to head. For SQLite, a file each test gets a copy of (migrating
    is the slow part); for a server database, the schema itself, rebuilt once per run."""
    from flask_migrate import upgrade

    from quizapp.extensions import db

    if TEST_DATABASE_URL:
        app = create_app(_test_config(TEST_DATABASE_URL))
        with app.app_context():
            _drop_everything(db)
            upgrade()
            db.engine.dispose()
        return None
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    app = create_app(_test_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


def _drop_everything(db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def _empty_tables(app: Flask) -> None:
    from sqlalchemy import text

    from quizapp.extensions import db

    with app.app_context():
        names = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _test_config(url: str, **extra: object) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-for-the-suite-only-000000",
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "FSRS_FUZZ": False,
        "PASSWORD_HASH_FAST": True,
        **extra,
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def app_config() -> dict[str, object]:
    """Override in a module to change settings for its tests."""
    return {}


@pytest.fixture
def app(
    migrated_template: Path | None,
    tmp_path: Path,
    clock: FakeClock,
    app_config: dict[str, object],
) -> Iterator[Flask]:
    if migrated_template is None:
        url = TEST_DATABASE_URL
    else:
        db_file = tmp_path / "quizapp.sqlite"
        shutil.copy(migrated_template, db_file)
        url = f"sqlite:///{db_file}"
    app = create_app(_test_config(url, CLOCK=clock, INSTANCE_PATH=str(tmp_path), **app_config))
    if migrated_template is None:
        _empty_tables(app)
    yield app
    with app.app_context():
        from quizapp.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str | None:
    m = CSRF_RE.search(html)
    return m.group(1) if m else None


def in_ci() -> bool:
    return bool(os.environ.get("CI"))
