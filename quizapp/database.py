"""Engine set-up: SQLite PRAGMAs, write transactions that begin IMMEDIATE, and reads with no
transaction around them on PostgreSQL.

The drivers' own transaction handling is switched off so that SQLAlchemy's ``begin`` event
decides how each transaction starts. On SQLite plain reads begin DEFERRED (WAL readers never
block), and services that write open their transaction with :func:`write_transaction`, which
begins IMMEDIATE so two writers queue on ``busy_timeout`` instead of failing with
SQLITE_BUSY. On PostgreSQL a web request's reads run without ``BEGIN``: at READ COMMITTED
every statement takes its own snapshot inside a transaction too, so a transaction around reads
buys nothing and costs two round trips (``BEGIN``, ``ROLLBACK``) a request. Its writes all go
through :func:`write_transaction`, which begins explicitly, or :func:`single_write`, whose one
statement commits on its own (the only places that commit); outside requests (migrations,
the CLI, scripts) every transaction begins as usual. On both, :func:`single_write` (an
answer, a rating) commits without the ORM session's commit, whose work (expiring what was
loaded, giving the connection back to the pool) costs as much as a statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Under constant readers the WAL file grows past its usual size; after a checkpoint SQLite
# truncates it back to this, so a busy day does not leave a large file behind.
SQLITE_JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
_BEGIN_OPTION = "quizapp_sqlite_begin"
_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE, without importing psycopg on SQLite
_SINGLE_WRITE = "quizapp_single_write"


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, app.config.get("SQLITE_SYNCHRONOUS", "NORMAL"))
        elif engine.dialect.name == "postgresql":
            _configure_postgresql(engine)


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


def _configure_postgresql(engine: Engine) -> None:
    if getattr(engine, "_quizapp_configured", False):
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # psycopg then sends no BEGIN of its own; its commit() and rollback() still end a
        # transaction begun explicitly (they act on the server's transaction status).
        dbapi_conn.autocommit = True
        # psycopg prepares a statement at its fifth run on a connection; PostgreSQL would
        # still plan the study queue's statement at every run (its generic plan, costed
        # without the values, looks dearer than the custom ones), about 0.3 ms a question
        # page of the server's CPU. The app's statements look rows up by keys and dates,
        # for which one plan serves every value: the generic plans are the custom ones.
        dbapi_conn.execute("SET plan_cache_mode = force_generic_plan")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not has_request_context():
            _begin_postgresql(conn)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        conn: Any, _cursor: Any, sql: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        # Anything but a plain SELECT outside write_transaction (no write is meant to be)
        # still runs in a transaction, which the request's end rolls back as before, instead
        # of committing on its own; but for the one write of a single_write block.
        if not sql.startswith("SELECT"):
            single = conn.info.get(_SINGLE_WRITE)
            if single == "open":
                conn.info[_SINGLE_WRITE] = "written"
            elif single == "written":
                raise RuntimeError(
                    "a second write in a single_write block, which would commit on its own: "
                    "use write_transaction"
                )
            else:
                _begin_postgresql(conn)

    engine.dispose()
    engine._quizapp_configured = True  # type: ignore[attr-defined]


def _begin_postgresql(connection: Any) -> None:
    """BEGIN on the server unless a transaction is open there already."""
    dbapi_conn = connection.connection.dbapi_connection
    if dbapi_conn.info.transaction_status == _PG_IDLE:
        dbapi_conn.execute("BEGIN")


@contextmanager
def write_transaction() -> Iterator[None]:
    """One write transaction: commits at the end, rolls back on any error.

    On SQLite it begins IMMEDIATE. A request has usually read already (its user, at least),
    so a transaction is open: on SQLite its read transaction is ended and an IMMEDIATE one
    begun on the same connection; on PostgreSQL, which has no IMMEDIATE, a request's reads ran
    with no transaction, and one begins here. Committing and beginning through the ORM
    instead would give the connection back to the pool and take it again, at every write.
    Either way loaded objects are expired, as a commit would, so what is read from here on is
    read under the lock.
    """
    session = db.session()
    if not session.in_transaction():
        connection = session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
        if connection.dialect.name == "postgresql":
            _begin_postgresql(connection)
    else:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            _begin_postgresql(connection)  # before the flush, so pending objects are in it
        session.flush()
        session.expire_all()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("COMMIT")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def single_write() -> Iterator[None]:
    """A write transaction for a request's one write: one statement on PostgreSQL (reads may
    come before it; on SQLite it may make several). Loaded ORM objects are not expired.

    Around it the ORM session keeps the transaction it believes open, so that its commit's
    work (expiring every loaded object, giving the connection back to the pool and taking it
    again) is not done at each answer and rating. On SQLite, in a request with nothing
    pending, the request's read transaction is ended and one begun IMMEDIATE, so the reads in
    the block are made under the write lock, and committed at its end; a new (deferred) one
    is begun after it, which the request's end rolls back as any other. On PostgreSQL it
    sends no ``BEGIN`` and ``COMMIT``: the statement commits on its own, one round trip
    instead of three, and at READ COMMITTED the reads before it see what they would see in
    a transaction (each statement takes its own snapshot either way). A second write in the
    block raises, as it would commit on its own too. Anywhere else (outside a request, or with
    ORM changes pending) it is :func:`write_transaction`.
    """
    session = db.session()
    connection = session.connection()
    if has_request_context() and not (session.new or session.dirty or session.deleted):
        dialect = connection.dialect.name
        if dialect == "sqlite":
            with _sqlite_single_write(session, connection):
                yield
            return
        if (
            dialect == "postgresql"
            and connection.connection.dbapi_connection.info.transaction_status == _PG_IDLE
        ):
            with _postgresql_single_write(session, connection.info):
                yield
            return
    with write_transaction():
        yield


@contextmanager
def _sqlite_single_write(session: Any, connection: Any) -> Iterator[None]:
    # BEGIN IMMEDIATE goes through the engine: it is what waits for the write lock, and one
    # not got within busy_timeout must reach the error handlers as SQLAlchemy's
    # OperationalError (a 503 page). The rest is transaction control that waits for nothing,
    # made on the driver's connection as SQLAlchemy makes its own commits, for a fraction of
    # a statement's cost through the engine.
    dbapi_conn = connection.connection.dbapi_connection
    if dbapi_conn.in_transaction:
        dbapi_conn.commit()  # the request's read transaction
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    dbapi_conn.commit()
    dbapi_conn.execute("BEGIN")


@contextmanager
def _postgresql_single_write(session: Any, info: dict[str, Any]) -> Iterator[None]:
    # info is the pooled connection's: still there after a rollback.
    info[_SINGLE_WRITE] = "open"
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    finally:
        info.pop(_SINGLE_WRITE, None)
