"""Daily counters, bumped with an upsert so concurrent reviews never lose a count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..models import DailyCounter


def _upsert(insert: Callable[[Any], Any]) -> Any:
    # Built once per dialect: it runs under the write lock at every rating, and building a
    # statement costs more than SQLite takes to run it.
    table = DailyCounter.__table__
    return (
        insert(table)
        .values(
            user_id=bindparam("u"),
            day=bindparam("d"),
            new_count=bindparam("n"),
            review_count=bindparam("r"),
        )
        .on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.day],
            set_={
                "new_count": table.c.new_count + bindparam("n"),
                "review_count": table.c.review_count + bindparam("r"),
            },
        )
    )


_UPSERTS = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


def daily_counter_upsert(dialect_name: str) -> Any:
    """The upsert statement, with parameters ``u`` (user id), ``d`` (day), ``n`` and ``r``
    (new and review counts to add), for a caller that runs it as part of another."""
    return _UPSERTS["postgresql" if dialect_name == "postgresql" else "sqlite"]


def bump_daily_counter(
    conn: Connection, user_id: int, day: date, *, new: int, reviews: int
) -> None:
    """Add to a student's counts for a day, on ``conn`` (the session's, in its transaction)."""
    conn.execute(
        daily_counter_upsert(conn.dialect.name), {"u": user_id, "d": day, "n": new, "r": reviews}
    )
