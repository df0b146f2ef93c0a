"""Migrations and the SQLite settings the app relies on."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, make_url, text

from quizapp import create_app
from quizapp.database import single_write
from quizapp.extensions import db

from ..conftest import TEST_DATABASE_URL, on_postgresql
from ..helpers import INSERT_USER

ROOT = Path(__file__).resolve().parents[2]


def flask_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"QUIZAPP_DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "quizapp", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the backend under test."""
    if not on_postgresql():
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    name = f"quizapp_migrations_{os.getpid()}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_check_and_downgrade_on_an_empty_database(empty_database_url: str) -> None:
    url = empty_database_url
    up = flask_cli(url, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    check = flask_cli(url, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    assert {"users", "banks", "facts", "items", "item_states", "reviews"} <= table_names(url)
    down = flask_cli(url, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert table_names(url) <= {"alembic_version"}


sqlite_only = pytest.mark.skipif(on_postgresql(), reason="SQLite settings")


@sqlite_only
def test_sqlite_pragmas_are_in_force_on_every_connection(app: Flask) -> None:
    with app.app_context():
        for _ in range(2):  # a fresh pooled connection each time
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
                assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
                assert conn.execute(text("PRAGMA journal_size_limit")).scalar() == 64 * 2**20
            db.engine.dispose()


@sqlite_only
def test_write_transactions_begin_immediate(app: Flask, tmp_path: Path) -> None:
    """While a write transaction is open, another connection cannot start writing."""
    from quizapp.database import write_transaction

    with app.app_context():
        db_path = db.engine.url.database
        with write_transaction():
            db.session.execute(text("select 1"))
            other = sqlite3.connect(db_path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                raise AssertionError("the second writer should have been refused")
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc)
            finally:
                other.close()


def committed_usernames(db_path: str) -> set[str]:
    other = sqlite3.connect(db_path)
    try:
        return {name for (name,) in other.execute("SELECT username FROM users")}
    finally:
        other.close()


def another_writer_is_refused(db_path: str) -> bool:
    other = sqlite3.connect(db_path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    finally:
        other.close()


@sqlite_only
def test_single_write_in_a_request_writes_under_the_lock_and_commits_at_its_end(
    app: Flask,
) -> None:
    """Without the ORM session's commit: the statement is committed at the block's end, and
    the connection is left in a transaction that the request's end rolls back."""
    with app.test_request_context():
        db_path = db.engine.url.database
        db.session.execute(text("SELECT id FROM users")).all()  # a request reads first
        with single_write():
            assert another_writer_is_refused(db_path)
            db.session.execute(INSERT_USER, {"name": "ana"})
            assert "ana" not in committed_usernames(db_path)
        assert "ana" in committed_usernames(db_path)
        assert not another_writer_is_refused(db_path)
        db.session.execute(INSERT_USER, {"name": "bo"})  # a stray write after it
        db.session.remove()
    assert committed_usernames(db_path) >= {"ana"}
    assert "bo" not in committed_usernames(db_path)


@sqlite_only
def test_a_failed_single_write_leaves_nothing_and_the_request_can_go_on(app: Flask) -> None:
    with app.test_request_context():
        db_path = db.engine.url.database
        with pytest.raises(RuntimeError), single_write():
            db.session.execute(INSERT_USER, {"name": "cy"})
            raise RuntimeError("half way")
        assert not another_writer_is_refused(db_path)
        with single_write():
            db.session.execute(INSERT_USER, {"name": "di"})
        db.session.remove()
    assert "cy" not in committed_usernames(db_path)
    assert "di" in committed_usernames(db_path)


@sqlite_only
def test_due_queue_query_uses_the_index(app: Flask) -> None:
    with app.app_context():
        plan = db.session.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT item_id FROM item_states "
                "WHERE user_id = 1 AND due <= '2030'"
            )
        ).all()
        detail = " ".join(str(r[-1]) for r in plan)
        assert "ix_item_states_user_due" in detail or "uq_item_states_user_id" in detail
        assert "SCAN item_states" not in detail
        names = {i["name"] for i in inspect(db.engine).get_indexes("item_states")}
        assert "ix_item_states_user_due" in names


def test_production_refuses_the_default_secret_key() -> None:
    from quizapp.config import ConfigError

    with pytest.raises(ConfigError, match="QUIZAPP_SECRET_KEY"):
        create_app({"ENV_NAME": "production", "DATABASE_URL": "sqlite://"})
    app = create_app(
        {"ENV_NAME": "production", "DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
