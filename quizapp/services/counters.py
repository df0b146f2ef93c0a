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


def bump_daily_counter(
    conn: Connection, user_id: int, day: date, *, new: int, reviews: int
) -> None:
    """Add to a student's counts for a day, on ``conn`` (the session's, in its transaction)."""
    upsert = _UPSERTS["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    conn.execute(upsert, {"u": user_id, "d": day, "n": new, "r": reviews})
