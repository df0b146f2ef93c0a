"""The floor for ``benchmarks/load.py``: the least a database-backed Flask request can cost.

One route, ``POST /floor/<n>``: read one ``users`` row by primary key (``n`` modulo the
user count, plus one) and insert one row into a table of its own (``floor_hits``, created if
missing), in one write transaction, and return a few bytes of text. No templates, sessions,
login, CSRF or ORM. On SQLite it opens connections with the app's own PRAGMAs (WAL,
``busy_timeout``, ``synchronous=NORMAL``) and begins the write IMMEDIATE, as the app does, so
the comparison is one of app work, not of database settings.

Run under gunicorn as ``benchmarks.floor_app:create_floor_app()`` with
``QUIZAPP_DATABASE_URL`` set, exactly as the app is run.
"""

from __future__ import annotations

import contextlib
import os

import sqlalchemy as sa
from flask import Flask

from quizapp.database import _BEGIN_OPTION, _configure_sqlite

METADATA = sa.MetaData()
FLOOR_HITS = sa.Table(
    "floor_hits",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("username", sa.String(80), nullable=False),
)
USERS = sa.table("users", sa.column("id"), sa.column("username"))


def create_floor_app(database_url: str | None = None) -> Flask:
    url = database_url or os.environ["QUIZAPP_DATABASE_URL"]
    engine = sa.create_engine(url)
    begin_options: dict[str, str] = {}
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, os.environ.get("QUIZAPP_SQLITE_SYNCHRONOUS", "NORMAL"))
        begin_options = {_BEGIN_OPTION: "IMMEDIATE"}
    # load.py creates it first; this covers a floor started on its own, where another
    # worker may create it at the same moment.
    with contextlib.suppress(sa.exc.DBAPIError):
        METADATA.create_all(engine)
    with engine.connect() as conn:
        n_users = conn.execute(sa.select(sa.func.count()).select_from(USERS)).scalar_one()
    app = Flask(__name__)

    @app.post("/floor/<int:n>")
    def floor(n: int) -> tuple[str, int]:
        user_id = n % max(n_users, 1) + 1
        with engine.connect().execution_options(**begin_options) as conn, conn.begin():
            username = conn.execute(
                sa.select(USERS.c.username).where(USERS.c.id == user_id)
            ).scalar_one()
            conn.execute(FLOOR_HITS.insert().values(user_id=user_id, username=username))
        return f"ok {user_id}\n", 200

    return app
