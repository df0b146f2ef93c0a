"""A student's statistics, read from the review log and the study service's counts.

Days are the student's local days (their time zone setting now). Retention is "true
retention" as Anki's add-ons compute it: of the reviews of items that were in the review state
before the answer (``state_before.state == 2``, i.e. learned, not in a learning step), the
share answered right.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fsrs import State
from sqlalchemy import func, select

from ..core import scheduling
from ..extensions import db
from ..models import AnyUser, Review
from ..services import statistics, study
from .schemas import (
    BankSummary,
    DayCount,
    DueDay,
    MonthRetention,
    Retention,
    ReviewDay,
    Stats,
    TopicMastery,
)

WINDOW_DAYS = 30


def bank_summary(b: study.BankSummary) -> BankSummary:
    return BankSummary(
        id=b.slug,
        title=b.title,
        description=b.description,
        due=b.due,
        new=b.new,
        learned=b.learned,
        total=b.total,
    )


def stats_for(user: AnyUser, now: datetime) -> Stats:
    view = study.home_view(user, now)
    today = scheduling.local_day(now, user.timezone)
    first = today - timedelta(days=WINDOW_DAYS - 1)
    since = scheduling.day_start(first, user.timezone)
    rows = db.session.execute(
        select(Review.answered_at, Review.correct, Review.state_before).where(
            Review.user_id == user.id, Review.answered_at >= since
        )
    ).all()
    per_day: dict[date, list[int]] = {first + timedelta(days=i): [0, 0] for i in range(WINDOW_DAYS)}
    learned_reviews = learned_right = 0
    for answered_at, correct, state_before in rows:
        day = scheduling.local_day(answered_at, user.timezone)
        if day in per_day:
            per_day[day][0] += 1
            per_day[day][1] += 1 if correct else 0
        if state_before and state_before.get("state") == int(State.Review):
            learned_reviews += 1
            learned_right += 1 if correct else 0
    figures = statistics.student_statistics(user, now)
    total = db.session.scalar(
        select(func.count()).select_from(Review).where(Review.user_id == user.id)
    )
    return Stats(
        timezone=user.timezone,
        reviews_today=view.reviews_today,
        streak=view.streak,
        reviews_total=total or 0,
        new_left_today=view.new_left,
        banks=[bank_summary(b) for b in view.banks],
        reviews_per_day=[
            DayCount(day=day, reviews=counts[0], correct=counts[1])
            for day, counts in sorted(per_day.items())
        ],
        retention=Retention(
            reviews=learned_reviews,
            correct=learned_right,
            rate=round(learned_right / learned_reviews, 4) if learned_reviews else None,
        ),
        retention_by_month=[
            MonthRetention(
                month=m.month.strftime("%Y-%m"),
                reviews=m.reviews,
                correct=m.right,
                rate=None if m.rate is None else round(m.rate, 4),
            )
            for m in figures.retention
        ],
        reviews_last_year=[
            ReviewDay(day=d.day, reviews=d.count) for d in figures.heatmap.active_days
        ],
        due_forecast=[DueDay(day=d.day, due=d.count) for d in figures.due_forecast],
        mastery=[
            TopicMastery(
                bank=t.bank_slug,
                topic=t.topic_title,
                facts=t.facts,
                started=t.started,
                mastered=t.mastered,
                share=round(t.share, 4),
            )
            for t in figures.mastery
        ],
    )
