"""On PostgreSQL a web request's reads run with no transaction and its writes in one; statements
are planned once.

``quizapp/database.py`` switches psycopg's own transactions off: in a request only
``write_transaction`` (or a stray write) begins one on the server; outside requests every
transaction begins as usual. What must hold: nothing is committed that was not meant to be,
a failed write leaves nothing, and read-only pages keep the connection's prepared statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text

from quizapp.database import single_write, write_transaction
from quizapp.extensions import db
from quizapp.models import User

from ..conftest import PERU_BANK, TEST_DATABASE_URL, on_postgresql
from ..helpers import INSERT_USER, import_bank, login_as, make_user

pytestmark = pytest.mark.skipif(not on_postgresql(), reason="PostgreSQL's transactions")

IDLE, IN_TRANSACTION = 0, 2  # psycopg.pq.TransactionStatus


def server_status() -> int:
    status: int = db.session.connection().connection.dbapi_connection.info.transaction_status
    return status


@pytest.fixture
def committed() -> Iterator[Callable[[], set[str]]]:
    """The usernames committed so far, as another connection sees them."""
    engine = create_engine(TEST_DATABASE_URL)

    def usernames() -> set[str]:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT username FROM users")).scalars())

    yield usernames
    engine.dispose()


def test_a_requests_reads_run_without_a_transaction(app: Flask) -> None:
    with app.test_request_context():
        db.session.execute(select(User.id)).all()
        assert server_status() == IDLE
        db.session.remove()


def test_outside_a_request_a_transaction_begins_as_usual(app: Flask) -> None:
    notices: list[str | None] = []

    def collect(diag: Any) -> None:
        notices.append(diag.message_primary)

    with app.app_context():
        dbapi_conn = db.session.connection().connection.dbapi_connection
        dbapi_conn.add_notice_handler(collect)
        db.session.rollback()  # the transaction begun above began before the handler
        db.session.execute(select(User.id)).all()
        assert server_status() == IN_TRANSACTION
        db.session.remove()
        dbapi_conn.remove_notice_handler(collect)
    assert notices == []  # BEGIN sent once: no "there is already a transaction in progress"


def test_write_transaction_begins_on_the_server_and_commits_at_its_end(
    app: Flask, committed: Callable[[], set[str]]
) -> None:
    with app.test_request_context():
        db.session.execute(select(User.id)).all()  # a request reads first (its user, at least)
        with write_transaction():
            assert server_status() == IN_TRANSACTION
            db.session.execute(INSERT_USER, {"name": "ana"})
            assert "ana" not in committed()
        assert server_status() == IDLE
        assert "ana" in committed()
        db.session.remove()


def test_a_failed_write_transaction_leaves_nothing(
    app: Flask, committed: Callable[[], set[str]]
) -> None:
    with app.test_request_context():
        with pytest.raises(RuntimeError), write_transaction():
            db.session.execute(INSERT_USER, {"name": "bo"})
            raise RuntimeError("half way")
        assert server_status() == IDLE
        db.session.remove()
    assert "bo" not in committed()


def test_a_write_outside_write_transaction_is_not_committed_on_its_own(
    app: Flask, committed: Callable[[], set[str]]
) -> None:
    """None is meant to happen; if one does, it runs in a transaction that the end of the
    request rolls back, as before, rather than committing statement by statement."""
    with app.test_request_context():
        db.session.execute(INSERT_USER, {"name": "cy"})
        assert server_status() == IN_TRANSACTION
        db.session.add(
            User(
                username="di",
                display_name="D",
                role="student",
                password_hash="!unusable",
                desired_retention=0.9,
                new_per_day=20,
                reviews_per_day=200,
                timezone="UTC",
                session_version=1,
                created_at=datetime.now(UTC),
            )
        )
        db.session.flush()
        db.session.remove()
    assert not {"cy", "di"} & committed()


def test_the_question_page_keeps_its_prepared_statements(app: Flask, client: FlaskClient) -> None:
    """psycopg prepares a statement run five times on a connection and forgets them all at
    a ROLLBACK: with no transaction around a page's reads, repeated pages run prepared."""
    import_bank(app, PERU_BANK)
    login_as(app, client, make_user(app, "eve"))
    for _ in range(12):
        assert client.get("/study/peru-foreign-relations").status_code == 200
    with app.test_request_context():
        prepared = db.session.execute(
            text("SELECT statement FROM pg_prepared_statements")
        ).scalars()
        assert any("item_states" in s for s in prepared)
        db.session.remove()


def test_the_apps_connections_use_generic_plans(app: Flask) -> None:
    """Prepared statements are planned once, the study queue's included (PostgreSQL would
    otherwise plan it again at every question)."""
    with app.test_request_context():
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_generic_plan"
        db.session.remove()


def test_single_write_commits_its_statement_without_begin(
    app: Flask, committed: Callable[[], set[str]]
) -> None:
    with app.test_request_context():
        db.session.execute(select(User.id)).all()
        with single_write():
            db.session.execute(INSERT_USER, {"name": "fay"})
            assert server_status() == IDLE  # committed on its own, no transaction open
        assert "fay" in committed()
        db.session.remove()


def test_single_write_refuses_a_second_write(app: Flask, committed: Callable[[], set[str]]) -> None:
    with app.test_request_context():
        with pytest.raises(RuntimeError, match="second write"), single_write():
            db.session.execute(INSERT_USER, {"name": "gus"})
            db.session.execute(INSERT_USER, {"name": "hal"})
        db.session.remove()
    assert "hal" not in committed()
    with app.test_request_context():  # the connection is back to normal
        db.session.execute(INSERT_USER, {"name": "ivy"})
        assert server_status() == IN_TRANSACTION
        db.session.remove()
    assert "ivy" not in committed()
