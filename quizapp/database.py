"""Engine set-up: SQLite PRAGMAs and write transactions that begin IMMEDIATE.

pysqlite's own transaction handling is switched off so that SQLAlchemy's ``begin`` event
decides how each transaction starts: plain reads begin DEFERRED (WAL readers never block),
and services that write open their transaction with :func:`write_transaction`, which begins
IMMEDIATE so two writers queue on ``busy_timeout`` instead of failing with SQLITE_BUSY.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Under constant readers the WAL file grows past its usual size; after a checkpoint SQLite
# truncates it back to this, so a busy day does not leave a large file behind.
SQLITE_JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
_BEGIN_OPTION = "quizapp_sqlite_begin"


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, app.config.get("SQLITE_SYNCHRONOUS", "NORMAL"))


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    if getattr(engine, "_quizapp_configured", False):
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA journal_size_limit = {SQLITE_JOURNAL_SIZE_LIMIT}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    # Connections opened before the listeners (none in practice) would lack the PRAGMAs.
    engine.dispose()
    engine._quizapp_configured = True  # type: ignore[attr-defined]


@contextmanager
def write_transaction() -> Iterator[None]:
    """One write transaction: commits at the end, rolls back on any error.

    On SQLite it begins IMMEDIATE. A request has usually read already (its user, at least),
    so a transaction is open: on SQLite its read transaction is ended and an IMMEDIATE one
    begun on the same connection; on PostgreSQL, which has no IMMEDIATE, the writes go on in
    the open transaction. Committing and beginning through the ORM instead would give the
    connection back to the pool and take it again, at every write. Either way loaded objects
    are expired, as a commit would, so what is read from here on is read under the lock.
    """
    session = db.session()
    if not session.in_transaction():
        session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
    else:
        session.flush()
        session.expire_all()
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("COMMIT")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
