"""Daily counters, bumped with an upsert so concurrent reviews never lose a count."""

from __future__ import annotations

from datetime import date

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import DailyCounter


def bump_daily_counter(user_id: int, day: date, *, new: int, reviews: int) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = DailyCounter.__table__
    stmt = insert(table).values(user_id=user_id, day=day, new_count=new, review_count=reviews)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.day],
        set_={
            "new_count": table.c.new_count + new,
            "review_count": table.c.review_count + reviews,
        },
    )
    db.session.execute(stmt)
