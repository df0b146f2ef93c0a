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


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; each test gets a copy (migrating is the slow part)."""
    from flask_migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    app = create_app(_test_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        from quizapp.extensions import db

        db.engine.dispose()
    return path


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
    migrated_template: Path, tmp_path: Path, clock: FakeClock, app_config: dict[str, object]
) -> Iterator[Flask]:
    db_file = tmp_path / "quizapp.sqlite"
    shutil.copy(migrated_template, db_file)
    app = create_app(
        _test_config(f"sqlite:///{db_file}", CLOCK=clock, INSTANCE_PATH=str(tmp_path), **app_config)
    )
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
